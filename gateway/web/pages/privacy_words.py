"""The privacy self-test's records in an admin's words: verdicts, reasons, triggers.

Pure: strings in, strings out. The records keep only verdicts, the check that
failed and whose number leaked by its role, so nothing here can show a number.
A check this page does not know still reads as words (the generic reason), never
as the raw slug.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gateway.web.pages.catalogue import Translator

#: A check naming a SIP header the canary received (``header:From``).
_HEADER = "header:"
_INCOMPLETE = "canary-reading-incomplete"


def verdict_words(t: Translator, verdict: str) -> str:
    return {"pass": t("admin_privacy.verdict.pass"),
            "fail": t("admin_privacy.verdict.fail"),
            "inconclusive": t("admin_privacy.verdict.inconclusive")}.get(
        verdict, t("admin_privacy.verdict.inconclusive"))


def trigger_words(t: Translator, trigger: str) -> str:
    return {"scheduled": t("admin_privacy.trigger.scheduled"),
            "on-demand": t("admin_privacy.trigger.on-demand")}.get(
        trigger, t("admin_privacy.trigger.on-demand"))


def _role(t: Translator, leaked: str) -> str:
    return {"agency number": t("admin_privacy.role.agency"),
            "masked number": t("admin_privacy.role.masked"),
            "gateway number": t("admin_privacy.role.gateway"),
            "an advocate's phone": t("admin_privacy.role.advocate"),
            }.get(leaked, t("admin_privacy.role.unknown"))


def _place(t: Translator, check: str) -> str:
    if check == "caller-number":
        return t("admin_privacy.place.caller_number")
    if check == "caller-name":
        return t("admin_privacy.place.caller_name")
    header = check.removeprefix(_HEADER)
    return t("admin_privacy.place.header", header=header)


def _fail_reason(t: Translator, check: str | None, leaked: str | None) -> str:
    if leaked is not None and check is not None:
        return t("admin_privacy.reason.leaked", who=_role(t, leaked), where=_place(t, check))
    return {"config-guard": t("admin_privacy.reason.config_guard"),
            "presentation": t("admin_privacy.reason.presentation"),
            "caller-number": t("admin_privacy.reason.caller_number"),
            "caller-name": t("admin_privacy.reason.caller_name"),
            }.get(check or "", t("admin_privacy.reason.failed"))


def _inconclusive_reason(t: Translator, check: str | None) -> str:
    if check == _INCOMPLETE or (check or "").startswith(_HEADER):
        return t("admin_privacy.reason.unread")
    return {"canary-not-reached": t("admin_privacy.reason.not_reached"),
            "canary-called-more-than-once": t("admin_privacy.reason.called_twice"),
            "pbx-unavailable": t("admin_privacy.reason.pbx_unavailable"),
            "internal-error": t("admin_privacy.reason.internal"),
            }.get(check or "", t("admin_privacy.reason.not_made"))


def reason_words(t: Translator, verdict: str, check: str | None,
                 leaked: str | None) -> str | None:
    """Why a run did not pass, in words; None for a pass."""
    if verdict == "pass":
        return None
    if verdict == "fail":
        return _fail_reason(t, check, leaked)
    return _inconclusive_reason(t, check)


def age_words(t: Translator, then: datetime, now: datetime) -> str:
    """How long ago, roughly: "just now", minutes under an hour, hours under two days, then days."""
    age = max(now - then, timedelta(0))
    if age < timedelta(minutes=1):
        return t("admin_privacy.age.now")
    if age < timedelta(hours=1):
        return t("admin_privacy.age.minutes", minutes=str(int(age.total_seconds() // 60)))
    if age < timedelta(days=2):
        return t("admin_privacy.age.hours", hours=str(int(age.total_seconds() // 3600)))
    return t("admin_privacy.age.days", days=str(age.days))


def max_age_words(t: Translator, max_age: timedelta) -> str:
    hours = int(max_age.total_seconds() // 3600)
    return t("admin_privacy.age.limit", hours=str(hours))
