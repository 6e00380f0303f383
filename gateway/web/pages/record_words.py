"""Call records, call-backs and audit entries in words, for the admins' record pages.

Pure: built from what the queries answer and the page's ``t``. Outcomes get short
names of their own here, not the advocate's call page sentences: those speak to the
advocate who placed the call ("Your phone was not answered"), and an admin reads
someone else's call. A code this module does not know (a newer release's, or a
database edited by hand) is shown as the code itself: never hidden, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from gateway.callbacks.followup import FollowUp
from gateway.callbacks.service import CallbackStatus
from gateway.calls.models import CallKind, NextAction, Outcome
from gateway.calls.records import RecordLine
from gateway.storage.auditchain import AuditRecord
from gateway.web.pages.catalogue import Translator
from gateway.web.pages.record_filters import FilterProblem


def short_time(instant: datetime, zone: ZoneInfo) -> str:
    """``2026-03-09 09:00`` on ``zone``'s clock; the page names the zone once."""
    return f"{instant.astimezone(zone):%Y-%m-%d %H:%M}"


def outcome_names(t: Translator) -> dict[str, str]:
    """Every ``Outcome`` by its code, named for an admin (the filter's choices)."""
    names: dict[str, str] = {
        Outcome.ANSWERED: t("admin_records.outcome.answered"),
        Outcome.VOICEMAIL_LEFT: t("admin_records.outcome.voicemail_left"),
        Outcome.VOICEMAIL_NOT_LEFT: t("admin_records.outcome.voicemail_not_left"),
        Outcome.NO_ANSWER: t("admin_records.outcome.no_answer"),
        Outcome.BUSY: t("admin_records.outcome.busy"),
        Outcome.REJECTED_ANONYMOUS: t("admin_records.outcome.rejected_anonymous"),
        Outcome.ADVOCATE_NO_ANSWER: t("admin_records.outcome.advocate_no_answer"),
        Outcome.DROPPED: t("admin_records.outcome.dropped"),
        Outcome.FAILED: t("admin_records.outcome.failed"),
        Outcome.REFUSED: t("admin_records.outcome.refused"),
    }
    return names


def outcome_name(t: Translator, code: str) -> str:
    return outcome_names(t).get(code, code)


def kind_name(t: Translator, kind: str) -> str:
    names: dict[str, str] = {CallKind.CALL: t("admin_records.kind.call"),
                             CallKind.CALLBACK: t("admin_records.kind.callback")}
    return names.get(kind, kind)


def next_action_name(t: Translator, code: str | None) -> str:
    if code is None:
        return t("admin_records.next_action.none")
    names: dict[str, str] = {
        NextAction.WAIT: t("admin_records.next_action.wait"),
        NextAction.CALLBACK_SCHEDULED: t("admin_records.next_action.callback_scheduled"),
        NextAction.CALLBACK_EXPIRED: t("admin_records.next_action.callback_expired"),
        NextAction.CALLBACKS_EXHAUSTED: t("admin_records.next_action.callbacks_exhausted"),
        NextAction.OTHER_PERSON_ANSWERED: t("admin_records.next_action.other_person_answered"),
    }
    return names.get(code, code)


def duration(t: Translator, start: datetime, end: datetime | None) -> str:
    if end is None:
        return t("admin_records.calls.no_duration")
    seconds = max(0, round((end - start).total_seconds()))
    return t("admin_records.calls.duration", minutes=seconds // 60, seconds=f"{seconds % 60:02d}")


def status_name(t: Translator, status: CallbackStatus) -> str:
    """The heading of a group of call-backs."""
    return {
        CallbackStatus.PENDING: t("admin_records.callbacks.pending"),
        CallbackStatus.EXPIRED: t("admin_records.callbacks.expired"),
        CallbackStatus.MISSED: t("admin_records.callbacks.missed"),
    }.get(status, status.value)


def last_outcome(t: Translator, code: str | None) -> str:
    """How a call-back last ended: a call's outcome, or why it could not run."""
    if code is None:
        return t("admin_records.callbacks.not_yet")
    reasons = {
        "no-safe-time-in-bounds": t("admin_records.reason.no_safe_time"),
        "interrupted": t("admin_records.reason.interrupted"),
        "internal-error": t("admin_records.reason.internal_error"),
        "other-person-answered": t("admin_records.reason.other_person_answered"),
        "preferences-changed": t("admin_records.reason.preferences_changed"),
        "participant-erased": t("admin_records.reason.participant_erased"),
        "advocate-deactivated": t("admin_records.reason.advocate_deactivated"),
        "advocate-unassigned": t("admin_records.reason.advocate_unassigned"),
    }
    return reasons.get(code) or outcome_name(t, code)


def filter_problem(t: Translator, problem: FilterProblem) -> str:
    """What is wrong with a filter, and what to do instead."""
    return {
        "outcome": t("admin_records.problem.outcome"),
        "since": t("admin_records.problem.since"),
        "until": t("admin_records.problem.until"),
        "order": t("admin_records.problem.order"),
        "page": t("admin_records.problem.page"),
        "participant": t("admin_records.problem.participant"),
        "action": t("admin_records.problem.action"),
    }[problem.code]


def person(t: Translator, name: str | None, ident: str) -> str:
    """``Rose (p_1f…)``; ``(no longer on file)`` once the record is gone."""
    shown = name if name is not None else t("admin_records.gone")
    return t("admin_records.named", name=shown, id=ident)


def actor_words(t: Translator, actor: str, names: Mapping[str, str]) -> str:
    """Who wrote an audit entry: an account by name and id, the command line, SafeDial."""
    if actor in names:
        return person(t, names[actor], actor)
    if actor == "cli":
        return t("admin_records.audit.actor_cli")
    if actor.startswith("system:"):
        return t("admin_records.audit.actor_system", part=actor.removeprefix("system:"))
    return actor


@dataclass(frozen=True)
class Page:
    """Which rows of how many a table shows, with the page numbers either side."""

    first: int
    last: int
    total: int
    previous: int | None
    next: int | None


def page_of(page: int, size: int, shown: int, total: int) -> Page:
    first = (page - 1) * size + 1 if shown else 0
    last = first + shown - 1 if shown else 0
    return Page(first, last, total, page - 1 if page > 1 else None,
                page + 1 if last < total else None)


@dataclass(frozen=True)
class CallRow:
    """One call record's table row, every cell in words."""

    when: str
    participant: str
    advocate: str
    kind: str
    outcome: str
    duration: str
    next_action: str
    notes: tuple[str, ...]


def call_row(t: Translator, line: RecordLine, zone: ZoneInfo) -> CallRow:
    notes = []
    if line.masked_fallback_used:
        notes.append(t("admin_records.calls.masked_fallback_used"))
    if line.other_person_answered:
        notes.append(t("admin_records.calls.other_person_answered"))
    return CallRow(short_time(line.started_at, zone),
                   person(t, line.alias, line.participant_id),
                   person(t, line.advocate_name, line.advocate_id),
                   kind_name(t, line.kind), outcome_name(t, line.outcome),
                   duration(t, line.started_at, line.ended_at),
                   next_action_name(t, line.next_action), tuple(notes))


@dataclass(frozen=True)
class CallbackRowView:
    """One call-back's table row."""

    participant: str
    advocate: str
    due: str
    attempt: str
    last_outcome: str


def callback_row(t: Translator, item: FollowUp, zone: ZoneInfo) -> CallbackRowView:
    return CallbackRowView(person(t, item.alias, item.participant_id),
                           person(t, item.advocate_name, item.advocate_id),
                           short_time(item.run_at, zone),
                           t("admin_records.callbacks.attempt", attempt=item.attempt,
                             of=item.max_attempts),
                           last_outcome(t, item.last_outcome))


@dataclass(frozen=True)
class AuditRowView:
    """One audit entry's table row (``fields`` are names, never values)."""

    seq: int
    when: str
    actor: str
    action: str
    participant: str
    fields: str


def audit_row(t: Translator, record: AuditRecord, names: Mapping[str, str],
              zone: ZoneInfo) -> AuditRowView:
    try:
        when = short_time(datetime.fromisoformat(record.at), zone)
    except ValueError:
        when = record.at
    return AuditRowView(record.seq, when, actor_words(t, record.actor, names), record.action,
                        record.participant or t("admin_records.audit.no_participant"),
                        ", ".join(record.fields))
