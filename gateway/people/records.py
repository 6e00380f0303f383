"""Turn stored rows into domain facts and display dicts; never exposes a secret."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.callerid import CallerIdMode
from gateway.domain.policy import AgencyPolicy, effective_drop_rule
from gateway.domain.preferences import (
    NO_OTHER_ANSWER_RULE,
    AdvocateFacts,
    DropProtocolKind,
    DropRule,
    OtherAnswerRule,
    ParticipantFacts,
    Preferences,
    VoicemailRule,
)
from gateway.domain.windows import format_window, parse_window_spec
from gateway.errors import NotFound
from gateway.storage.tables import AdvocateRow, ParticipantRow, as_utc

DEFAULT_NOTE = "default, not yet discussed"
#: Never repeats the id asked for: the same words whether it does not exist or is out of
#: the reader's caseload, so the answer says nothing about who is on file.
NO_SUCH_PARTICIPANT = "no participant with that id (check it, or ask an admin to assign them)"
NO_SUCH_ADVOCATE = "no advocate with that id (check it)"


def get_participant_row(session: Session, participant_id: str) -> ParticipantRow:
    row = session.get(ParticipantRow, participant_id)
    if row is None:
        raise NotFound(NO_SUCH_PARTICIPANT)
    return row


def get_advocate_row(session: Session, advocate_id: str) -> AdvocateRow:
    row = session.get(AdvocateRow, advocate_id)
    if row is None:
        raise NotFound(NO_SUCH_ADVOCATE)
    return row


def advocate_names(session: Session, ids: Iterable[str] | None = None) -> dict[str, str]:
    """Account id -> display name, for ``ids`` (ids that are no account are left out),
    or for every account."""
    query = select(AdvocateRow.id, AdvocateRow.display_name)
    if ids is not None:
        query = query.where(AdvocateRow.id.in_(set(ids)))
    return {ident: name for ident, name in session.execute(query)}


def preferences_of(row: ParticipantRow) -> Preferences:
    windows = tuple(window for spec in row.windows for window in parse_window_spec(spec))
    on_drop = None
    if row.on_drop is not None:
        on_drop = DropRule(
            DropProtocolKind(row.on_drop),
            callback_delay_min=row.callback_delay_min,
            callback_attempts=row.callback_attempts,
        )
    return Preferences(
        timezone=row.timezone,
        windows=windows,
        pause_until=row.pause_until,
        voicemail=VoicemailRule.parse(row.voicemail) if row.voicemail else None,
        on_drop=on_drop,
        caller_id=CallerIdMode(row.caller_id) if row.caller_id else None,
        masked_fallback=row.masked_fallback,
        language=row.language,
        voicemail_may_name_organisation=row.voicemail_may_name_organisation,
        voicemail_may_include_number=row.voicemail_may_include_number,
        has_code_word=row.code_word_enc is not None,
        code_word_rotated=row.code_word_rotated,
        if_other_answers=(OtherAnswerRule.parse(row.if_other_answers)
                          if row.if_other_answers else None),
        has_cover_reason=row.cover_reason_enc is not None,
    )


def participant_facts(row: ParticipantRow) -> ParticipantFacts:
    return ParticipantFacts(
        participant_id=row.id, alias=row.alias, preferences=preferences_of(row), has_phone=True
    )


def advocate_timezone(row: AdvocateRow, agency_timezone: str) -> str:
    """The zone an advocate's working hours are read in: their own, else the agency's."""
    return row.timezone or agency_timezone


def advocate_facts(row: AdvocateRow, *, agency_timezone: str) -> AdvocateFacts:
    return AdvocateFacts(
        advocate_id=row.id,
        display_name=row.display_name,
        has_phone=bool(row.phone_enc),
        active=row.active,
        language=row.language,
        timezone=advocate_timezone(row, agency_timezone),
        working_hours=tuple(window for spec in row.working_hours
                            for window in parse_window_spec(spec)),
    )


def _with_default(value: Any, default: Any) -> dict[str, Any]:
    if value is None:
        return {"value": str(default), "note": DEFAULT_NOTE}
    return {"value": str(value)}


def participant_view(row: ParticipantRow, policy: AgencyPolicy) -> dict[str, Any]:
    """What admins and advocates see: preferences, defaults flagged, no number or code word."""
    prefs = preferences_of(row)
    on_drop: dict[str, Any]
    if prefs.on_drop is None:
        on_drop = {"value": policy.default_on_drop.kind.value, "note": DEFAULT_NOTE}
    else:
        on_drop = {"value": prefs.on_drop.kind.value}
        if prefs.on_drop.kind is DropProtocolKind.CALLBACK:
            bounded = effective_drop_rule(prefs.on_drop, policy.callback)
            on_drop["callback_delay_min"] = bounded.callback_delay_min
            on_drop["callback_attempts"] = bounded.callback_attempts
    return {
        "id": row.id,
        "alias": row.alias,
        "timezone": row.timezone,
        "windows": [format_window(window) for window in prefs.windows],
        "windows_note": None if prefs.windows else (
            "no safe-call window recorded: calls are refused until an admin records one"
        ),
        "pause_until": row.pause_until.isoformat() if row.pause_until else None,
        "caller_id": _with_default(row.caller_id, policy.default_caller_id.value),
        "masked_fallback": row.masked_fallback,
        "voicemail": _with_default(row.voicemail, policy.default_voicemail),
        "voicemail_may_name_organisation": row.voicemail_may_name_organisation,
        "voicemail_may_include_number": row.voicemail_may_include_number,
        "on_drop": on_drop,
        "if_other_answers": _with_default(row.if_other_answers, NO_OTHER_ANSWER_RULE),
        "language": row.language,
        "code_word_on_file": row.code_word_enc is not None,
        "cover_reason_on_file": row.cover_reason_enc is not None,
        "code_word_rotated": row.code_word_rotated.isoformat() if row.code_word_rotated else None,
        "created_at": as_utc(row.created_at).isoformat(),
        "updated_at": as_utc(row.updated_at).isoformat(),
    }


def advocate_view(row: AdvocateRow, policy: AgencyPolicy) -> dict[str, Any]:
    """The record without the number (nor any password hash or TOTP secret); an unset
    zone or no hours are said in words."""
    facts = advocate_facts(row, agency_timezone=policy.timezone)
    return {
        "id": row.id,
        "name": row.display_name,
        "role": row.role,
        "language": row.language,
        "active": row.active,
        "timezone": facts.timezone,
        "timezone_note": None if row.timezone else "the agency's (none set for this advocate)",
        "working_hours": [format_window(window) for window in facts.working_hours],
        "working_hours_note": None if facts.working_hours else (
            "no working hours recorded: call-backs may ring this advocate at any time"
        ),
        "username": row.username,
        "web_sign_in": _sign_in_state(row),
        "second_factor": row.totp_secret_enc is not None,
        "last_sign_in_at": as_utc(row.last_sign_in_at).isoformat() if row.last_sign_in_at
        else None,
    }


def _sign_in_state(row: AdvocateRow) -> str:
    """``none`` (no username or no password yet), ``one-time-password`` (must choose one
    at the next sign-in) or ``password``."""
    if row.username is None or row.password_hash is None:
        return "none"
    return "one-time-password" if row.password_one_time else "password"
