"""A participant's agreements and the policy's refusals in plain words, for the card.

Why: an advocate decides from what the card says, so it says it in words they can act
on, in their language: never a rule's code (``script:late-shift``, ``pause:30``) nor the
policy's reason slug. A refusal this module does not know yet is shown in the gate's
own English words rather than not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.domain.decision import Reason
from gateway.domain.preferences import (
    OtherAnswerKind,
    OtherAnswerRule,
    VoicemailKind,
    VoicemailRule,
)
from gateway.web.pages.catalogue import Translator


def reason(t: Translator, refusal: Reason, *, mode: str, pause_until: str | None) -> str:
    """Why the call is refused now (``mode``: the caller-ID mode the call would use)."""
    words = {
        "time-zone-unknown": lambda: t("refusal.time_zone_unknown"),
        "no-window": lambda: t("refusal.no_window"),
        "paused": lambda: t("refusal.paused", until=pause_until or "?"),
        "outside-window": lambda: t("refusal.outside_window"),
        "participant-no-phone": lambda: t("refusal.participant_no_phone"),
        "advocate-inactive": lambda: t("refusal.advocate_inactive"),
        "advocate-no-phone": lambda: t("refusal.advocate_no_phone"),
        "caller-id-locked": lambda: t("refusal.caller_id_locked", mode=mode_name(t, mode)),
        "masked-number-missing": lambda: t("refusal.masked_number_missing"),
        "pbx-config-unsafe": lambda: t("refusal.pbx_config_unsafe"),
    }.get(refusal.code)
    return words() if words is not None else refusal.text


def voicemail(t: Translator, value: str) -> str:
    try:
        rule = VoicemailRule.parse(value)
    except ValueError:
        return value
    if rule.kind is VoicemailKind.NONE:
        return t("rules.voicemail_none")
    if rule.kind is VoicemailKind.GENERIC:
        return t("rules.voicemail_generic")
    return t("rules.voicemail_script", name=rule.script or "")


def voicemail_extras(t: Translator, view: Mapping[str, Any]) -> tuple[str, ...]:
    """What else a voicemail may say, when the participant agreed to it."""
    extras = []
    if view.get("voicemail_may_name_organisation"):
        extras.append(t("rules.voicemail_may_name_organisation"))
    if view.get("voicemail_may_include_number"):
        extras.append(t("rules.voicemail_may_include_number"))
    return tuple(extras)


def on_drop(t: Translator, entry: Mapping[str, Any]) -> str:
    if entry.get("value") == "callback":
        return t("rules.on_drop_callback", minutes=entry.get("callback_delay_min", "?"),
                 attempts=entry.get("callback_attempts", "?"))
    return t("rules.on_drop_wait")


def mode_name(t: Translator, mode: str) -> str:
    """A caller-ID mode's short name (``withheld``, ``masked number``)."""
    return t("rules.mode_masked") if mode == "masked" else t("rules.mode_withhold")


def caller_id(t: Translator, mode: str) -> str:
    return t("rules.caller_id_masked") if mode == "masked" else t("rules.caller_id_withhold")


def fallback(t: Translator, agreed: bool, mode: str) -> str:
    """What happens when their phone refuses anonymous calls."""
    if mode == "masked":
        return t("rules.fallback_not_needed")
    return t("rules.fallback_masked") if agreed else t("rules.fallback_none")


def if_other_answers(t: Translator, value: str) -> str:
    try:
        rule = OtherAnswerRule.parse(value)
    except ValueError:
        return value
    if rule.kind is OtherAnswerKind.NONE:
        return t("rules.other_answers_none")
    return t("rules.other_answers_pause", days=rule.days or 0)
