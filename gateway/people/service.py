"""Participant and advocate services: keyword-only functions over one unit of work.

Secrets (phone numbers, code words) are encrypted with the key ring before
they reach the session, bound to their field and their row (a value swapped into
another row does not decrypt, so no one is dialled on someone else's number), and
every change is audited by field *name*.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.audit import service as audit
from gateway.domain.policy import AgencyPolicy
from gateway.domain.preferences import DropProtocolKind, drop_options_problem
from gateway.errors import BadInput
from gateway.people import discussions
from gateway.people.access import issue_token as issue_token
from gateway.people.caseload import EVERYONE, Scope, assigned_ids, require_visible
from gateway.people.duplicates import refuse_duplicate_alias, refuse_duplicate_phone
from gateway.people.inputs import (
    AdvocateFields,
    NewAdvocate,
    NewParticipant,
    ParticipantFields,
    parse_phone,
)
from gateway.people.records import (
    advocate_view,
    get_advocate_row,
    get_participant_row,
    participant_view,
)
from gateway.phone import PhoneNumber
from gateway.prompts.linter import lint_cover_reason
from gateway.storage.keyring import KeyRing
from gateway.storage.tables import AdvocateRow, CallbackRow, CallRecordRow, ParticipantRow

PHONE_PURPOSE = "participant.phone"
CODE_WORD_PURPOSE = "participant.code_word"
COVER_REASON_PURPOSE = "participant.cover_reason"
ADVOCATE_PHONE_PURPOSE = "advocate.phone"


class PendingCallbacks(Protocol):
    """Voids a participant's pending call-backs (the call-backs feature implements it).

    Runs inside the caller's unit of work, so the change and the voiding
    commit together; it unschedules the jobs and audits each one.
    """

    def void_for_participant(self, session: Session, *, participant_id: str, actor: str,
                             reason: str, now: datetime) -> int: ...


class AdvocateCallbacks(Protocol):
    """Re-plans an advocate's pending call-backs (the call-backs feature implements it).

    Runs inside the caller's unit of work: a call-back that still fits its bounds
    moves to the first time that suits the participant and the advocate's new
    hours; one that no longer can is ``expired``.
    """

    def replan_for_advocate(self, session: Session, *, advocate_id: str, actor: str,
                            now: datetime) -> int: ...


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(6)}"


def _phone(text: str, policy: AgencyPolicy) -> str:
    try:
        return parse_phone(text, policy.default_region)
    except ValueError as exc:
        raise BadInput(f"phone: {exc}") from None


def _same(row: ParticipantRow, name: str, value: Any, keys: KeyRing, policy: AgencyPolicy
          ) -> bool:
    """Whether setting ``name`` to ``value`` would leave the row as it is (secrets are
    compared by blind index or decrypted in memory, never logged)."""
    if name == "phone":
        return row.phone_index == keys.blind_index(_phone(value, policy), purpose=PHONE_PURPOSE)
    if name in ("code_word", "cover_reason"):
        stored = row.code_word_enc if name == "code_word" else row.cover_reason_enc
        purpose = CODE_WORD_PURPOSE if name == "code_word" else COVER_REASON_PURPOSE
        if stored is None or value is None:
            return stored is None and value is None
        return bool(keys.decrypt(stored.encode("ascii"), purpose=purpose, record=row.id)
                    == value)
    if name in ("on_drop", "caller_id"):
        return bool(getattr(row, name) == (None if value is None else value.value))
    if name in ("masked_fallback", "voicemail_may_name_organisation",
                "voicemail_may_include_number"):
        return bool(getattr(row, name)) == bool(value)
    if name == "windows":
        return list(row.windows or []) == list(value or [])
    return bool(getattr(row, name) == value)


def _set(session: Session, row: ParticipantRow, name: str, value: Any, keys: KeyRing,
         policy: AgencyPolicy, today: date) -> None:
    if name == "phone":
        e164 = _phone(value, policy)
        index = keys.blind_index(e164, purpose=PHONE_PURPOSE)
        refuse_duplicate_phone(session, phone_index=index, participant_id=row.id)
        row.phone_enc = keys.encrypt(e164, purpose=PHONE_PURPOSE, record=row.id).decode("ascii")
        row.phone_index = index
    elif name == "alias":
        refuse_duplicate_alias(session, alias=value, participant_id=row.id)
        row.alias = value
    elif name == "code_word":
        row.code_word_enc = (
            None if value is None
            else keys.encrypt(value, purpose=CODE_WORD_PURPOSE, record=row.id).decode("ascii")
        )
        row.code_word_rotated = None if value is None else today
    elif name == "cover_reason":
        row.cover_reason_enc = (None if value is None
                                else _cover_reason(value, keys, policy, record=row.id))
    elif name in ("on_drop", "caller_id"):
        setattr(row, name, None if value is None else value.value)
    elif name in ("masked_fallback", "voicemail_may_name_organisation",
                  "voicemail_may_include_number"):
        setattr(row, name, bool(value))
    elif name == "windows":
        row.windows = list(value or [])
    else:
        setattr(row, name, value)


def _apply(
    session: Session, row: ParticipantRow, fields: ParticipantFields, keys: KeyRing,
    policy: AgencyPolicy, today: date, *, creating: bool = False,
) -> list[str]:
    """Copy the set fields onto the row; returns the names of the fields that changed
    (on creation, every field given)."""
    changed = []
    for name in sorted(fields.model_fields_set):
        value = getattr(fields, name)
        if not creating and _same(row, name, value, keys, policy):
            continue
        _set(session, row, name, value, keys, policy, today)
        changed.append(name)
    if row.on_drop != DropProtocolKind.CALLBACK.value:
        problem = drop_options_problem(DropProtocolKind(row.on_drop or "wait"),
                                       fields.callback_delay_min, fields.callback_attempts)
        if problem:
            raise BadInput(problem)
        row.callback_delay_min = None  # left from an earlier call-back agreement
        row.callback_attempts = None
    return changed


def create_participant(
    session: Session, *, keys: KeyRing, policy: AgencyPolicy, actor: str,
    fields: NewParticipant, now: datetime | None = None,
) -> str:
    moment = now or datetime.now(UTC)
    row = ParticipantRow(id=_new_id("p"), windows=[], masked_fallback=False,
                         voicemail_may_name_organisation=False,
                         voicemail_may_include_number=False,
                         created_at=moment, updated_at=moment)
    changed = _apply(session, row, fields, keys, policy, moment.date(), creating=True)
    session.add(row)
    session.flush()
    audit.append(session, actor=actor, action="participant.created", participant=row.id,
                 fields=changed, now=moment, changes_preferences=True)
    discussions.record(session, participant_id=row.id, actor=actor, now=moment,
                       preferences=discussions.preferences_in(changed))
    return row.id


def update_participant(
    session: Session, *, keys: KeyRing, policy: AgencyPolicy, actor: str, participant_id: str,
    fields: ParticipantFields, callbacks: PendingCallbacks, now: datetime | None = None,
) -> list[str]:
    """Change what was set; changed preferences void pending call-backs (decided under
    the old ones). Each preference changed counts as discussed by ``actor`` now, and
    one put back to the default as not discussed any more."""
    row = get_participant_row(session, participant_id)
    moment = now or datetime.now(UTC)
    changed = _apply(session, row, fields, keys, policy, moment.date())
    if changed:
        row.updated_at = moment
        audit.append(session, actor=actor, action="participant.updated", participant=row.id,
                     fields=changed, now=moment, changes_preferences=True)
        touched = discussions.preferences_in(changed)
        discussions.record(session, participant_id=row.id, preferences=touched,
                           cleared={p for p in touched if discussions.still_default(row, p)},
                           actor=actor, now=moment)
        callbacks.void_for_participant(session, participant_id=row.id, actor=actor,
                                       reason="preferences-changed", now=moment)
    return changed


def show_participant(session: Session, *, policy: AgencyPolicy, participant_id: str,
                     scope: Scope = EVERYONE) -> dict[str, Any]:
    """One record; out of the reader's caseload it is "not found", like a missing id."""
    row = get_participant_row(session, participant_id)
    require_visible(session, scope, participant_id)
    return participant_view(row, policy)


def list_participants(session: Session, *, policy: AgencyPolicy, alias: str | None = None,
                      scope: Scope = EVERYONE) -> list[dict[str, Any]]:
    query = select(ParticipantRow).order_by(ParticipantRow.alias)
    if not scope.sees_all:
        query = query.where(ParticipantRow.id.in_(assigned_ids(scope)))
    if alias:
        query = query.where(ParticipantRow.alias.contains(alias))
    return [participant_view(row, policy) for row in session.scalars(query)]


def _cover_reason(text: str, keys: KeyRing, policy: AgencyPolicy, *, record: str) -> str:
    """Linted like a voicemail (whoever answers may hear it), then encrypted."""
    problems = lint_cover_reason(text, organisation_names=policy.organisation_names)
    if problems:
        raise BadInput("cover_reason: " + " ".join(problem.message for problem in problems))
    return keys.encrypt(text, purpose=COVER_REASON_PURPOSE, record=record).decode("ascii")


def participant_cover_reason(session: Session, *, keys: KeyRing, participant_id: str
                             ) -> str | None:
    """The agreed cover reason, read only to speak it in the advocate's briefing."""
    row = get_participant_row(session, participant_id)
    if row.cover_reason_enc is None:
        return None
    return keys.decrypt(row.cover_reason_enc.encode("ascii"), purpose=COVER_REASON_PURPOSE,
                        record=row.id)


def personal_number_role(session: Session, *, keys: KeyRing, e164: str) -> str | None:
    """Whose number this is ("participant", "advocate") by its blind index; None if nobody's.

    For the pre-call config check: a number written into the dialplan is looked up
    without decrypting anyone's.
    """
    if session.scalars(select(ParticipantRow.id).where(
            ParticipantRow.phone_index == keys.blind_index(e164, purpose=PHONE_PURPOSE))).first():
        return "participant"
    if session.scalars(select(AdvocateRow.id).where(
            AdvocateRow.phone_index == keys.blind_index(
                e164, purpose=ADVOCATE_PHONE_PURPOSE))).first():
        return "advocate"
    return None


def participant_phone(session: Session, *, keys: KeyRing, participant_id: str) -> PhoneNumber:
    """The number to dial; read only to hand it to the PBX."""
    row = get_participant_row(session, participant_id)
    return PhoneNumber(keys.decrypt(row.phone_enc.encode("ascii"), purpose=PHONE_PURPOSE,
                                    record=row.id))


def erase_participant(session: Session, *, actor: str, participant_id: str,
                      callbacks: PendingCallbacks, now: datetime | None = None) -> None:
    """Remove every trace but the audit log saying the pseudonymous id was erased.

    Pending call-backs are voided first (their scheduled jobs go), then their rows,
    the call records, the discussions and the participant row are deleted: what the
    README promises ("everything but an audit entry"), whatever the database's
    foreign-key enforcement.
    """
    get_participant_row(session, participant_id)
    moment = now or datetime.now(UTC)
    callbacks.void_for_participant(session, participant_id=participant_id, actor=actor,
                                   reason="participant-erased", now=moment)
    discussions.forget(session, participant_id)
    session.execute(delete(CallbackRow).where(CallbackRow.participant_id == participant_id))
    session.execute(delete(CallRecordRow).where(CallRecordRow.participant_id == participant_id))
    session.execute(delete(ParticipantRow).where(ParticipantRow.id == participant_id))
    audit.append(session, actor=actor, action="participant.erased", participant=participant_id,
                 now=moment)


def create_advocate(session: Session, *, keys: KeyRing, policy: AgencyPolicy, actor: str,
                    fields: NewAdvocate, now: datetime | None = None) -> str:
    e164 = _phone(fields.phone, policy)
    advocate_id = _new_id("a")
    row = AdvocateRow(
        id=advocate_id,
        display_name=fields.name,
        phone_enc=keys.encrypt(e164, purpose=ADVOCATE_PHONE_PURPOSE, record=advocate_id
                               ).decode("ascii"),
        phone_index=keys.blind_index(e164, purpose=ADVOCATE_PHONE_PURPOSE),
        role=fields.role,
        language=fields.language,
        active=True,
        timezone=fields.timezone,
        working_hours=list(fields.working_hours or []),
        created_at=now or datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    hours = [name for name in ("timezone", "working_hours") if getattr(row, name)]
    audit.append(session, actor=actor, action="advocate.created",
                 fields=[f"advocate={row.id}", "language", "name", "phone", "role", *hours],
                 now=now)
    return row.id


def update_advocate(session: Session, *, actor: str, advocate_id: str, fields: AdvocateFields,
                    callbacks: AdvocateCallbacks, now: datetime | None = None) -> list[str]:
    """Change an advocate's zone or working hours; their pending call-backs are re-planned
    (they belong to this advocate, so they now run inside the new hours, or expire)."""
    row = get_advocate_row(session, advocate_id)
    moment = now or datetime.now(UTC)
    changed = []
    for name in sorted(fields.model_fields_set):
        value = getattr(fields, name)
        if name == "working_hours":
            row.working_hours = list(value or [])
        else:
            row.timezone = value
        changed.append(name)
    if changed:
        audit.append(session, actor=actor, action="advocate.updated",
                     fields=[f"advocate={row.id}", *changed], now=moment)
        session.flush()
        callbacks.replan_for_advocate(session, advocate_id=row.id, actor=actor, now=moment)
    return changed


def show_advocate(session: Session, *, policy: AgencyPolicy, advocate_id: str
                  ) -> dict[str, Any]:
    return advocate_view(get_advocate_row(session, advocate_id), policy)


def advocate_phone(session: Session, *, keys: KeyRing, advocate_id: str) -> PhoneNumber:
    row = get_advocate_row(session, advocate_id)
    return PhoneNumber(keys.decrypt(row.phone_enc.encode("ascii"), purpose=ADVOCATE_PHONE_PURPOSE,
                                    record=row.id))
