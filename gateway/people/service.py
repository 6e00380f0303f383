"""Participant and advocate services: keyword-only functions over one unit of work.

Secrets (phone numbers, code words) are encrypted with the key ring before
they reach the session, and every change is audited by field *name*.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.audit import service as audit
from gateway.domain.policy import AgencyPolicy
from gateway.errors import BadInput, NotFound
from gateway.people.inputs import NewAdvocate, NewParticipant, ParticipantFields, parse_phone
from gateway.people.records import advocate_view, participant_view
from gateway.phone import PhoneNumber
from gateway.storage.keyring import KeyRing
from gateway.storage.tables import AdvocateRow, ApiTokenRow, CallbackRow, ParticipantRow
from gateway.validation import problems

PHONE_PURPOSE = "participant.phone"
CODE_WORD_PURPOSE = "participant.code_word"
ADVOCATE_PHONE_PURPOSE = "advocate.phone"


def explain(error: ValidationError) -> str:
    """Pydantic errors as one plain sentence per field; input values are never echoed."""
    return "; ".join(f"{field or 'input'}: {message}"
                     for field, message in problems(error.errors()))


def validate_new_participant(data: dict[str, Any]) -> NewParticipant:
    try:
        return NewParticipant(**data)
    except ValidationError as exc:
        raise BadInput(explain(exc)) from None


def validate_participant_update(data: dict[str, Any]) -> ParticipantFields:
    try:
        return ParticipantFields(**data)
    except ValidationError as exc:
        raise BadInput(explain(exc)) from None


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(6)}"


def _phone(text: str, policy: AgencyPolicy) -> str:
    try:
        return parse_phone(text, policy.default_region)
    except ValueError as exc:
        raise BadInput(f"phone: {exc}") from None


def _apply(
    row: ParticipantRow, fields: ParticipantFields, keys: KeyRing, policy: AgencyPolicy,
    today: date,
) -> list[str]:
    """Copy the set fields onto the row; returns the names of the fields that changed."""
    changed = []
    for name in sorted(fields.model_fields_set):
        value = getattr(fields, name)
        if name == "phone":
            e164 = _phone(value, policy)
            row.phone_enc = keys.encrypt(e164, purpose=PHONE_PURPOSE).decode("ascii")
            row.phone_index = keys.blind_index(e164, purpose=PHONE_PURPOSE)
        elif name == "code_word":
            row.code_word_enc = (
                None if value is None
                else keys.encrypt(value, purpose=CODE_WORD_PURPOSE).decode("ascii")
            )
            row.code_word_rotated = None if value is None else today
        elif name == "on_drop":
            row.on_drop = None if value is None else value.value
        elif name == "caller_id":
            row.caller_id = None if value is None else value.value
        elif name in ("masked_fallback", "voicemail_may_name_organisation",
                      "voicemail_may_include_number"):
            setattr(row, name, bool(value))
        elif name == "windows":
            row.windows = list(value or [])
        else:
            setattr(row, name, value)
        changed.append(name)
    if row.on_drop != "callback":
        if {"callback_delay_min", "callback_attempts"} & fields.model_fields_set:
            raise BadInput("callback delay and attempts only go with on-drop callback")
        row.callback_delay_min = None
        row.callback_attempts = None
    return changed


def create_participant(
    session: Session, *, keys: KeyRing, policy: AgencyPolicy, actor: str, data: dict[str, Any],
    now: datetime | None = None,
) -> str:
    fields = validate_new_participant(data)
    moment = now or datetime.now(UTC)
    row = ParticipantRow(id=_new_id("p"), windows=[], masked_fallback=False,
                         voicemail_may_name_organisation=False,
                         voicemail_may_include_number=False,
                         created_at=moment, updated_at=moment)
    changed = _apply(row, fields, keys, policy, moment.date())
    session.add(row)
    session.flush()
    audit.append(session, actor=actor, action="participant.created", participant=row.id,
                 fields=changed, now=moment)
    return row.id


def get_participant_row(session: Session, participant_id: str) -> ParticipantRow:
    row = session.get(ParticipantRow, participant_id)
    if row is None:
        raise NotFound(f"no participant with id {participant_id!r}")
    return row


def update_participant(
    session: Session, *, keys: KeyRing, policy: AgencyPolicy, actor: str, participant_id: str,
    data: dict[str, Any], now: datetime | None = None,
) -> list[str]:
    fields = validate_participant_update(data)
    row = get_participant_row(session, participant_id)
    moment = now or datetime.now(UTC)
    changed = _apply(row, fields, keys, policy, moment.date())
    if changed:
        row.updated_at = moment
        audit.append(session, actor=actor, action="participant.updated", participant=row.id,
                     fields=changed, now=moment)
        _void_pending_callbacks(session, row.id, moment)
    return changed


def _void_pending_callbacks(session: Session, participant_id: str, now: datetime) -> None:
    """Changed preferences void pending call-backs (their jobs then do nothing)."""
    pending = session.scalars(select(CallbackRow).where(
        CallbackRow.participant_id == participant_id, CallbackRow.status == "pending"))
    for callback in pending:
        callback.status = "cancelled"
        callback.last_outcome = "preferences-changed"
        callback.updated_at = now


def show_participant(session: Session, *, policy: AgencyPolicy, participant_id: str
                     ) -> dict[str, Any]:
    return participant_view(get_participant_row(session, participant_id), policy)


def list_participants(session: Session, *, policy: AgencyPolicy, alias: str | None = None
                      ) -> list[dict[str, Any]]:
    query = select(ParticipantRow).order_by(ParticipantRow.alias)
    if alias:
        query = query.where(ParticipantRow.alias.contains(alias))
    return [participant_view(row, policy) for row in session.scalars(query)]


def participant_phone(session: Session, *, keys: KeyRing, participant_id: str) -> PhoneNumber:
    """The number to dial; read only to hand it to the PBX."""
    row = get_participant_row(session, participant_id)
    return PhoneNumber(keys.decrypt(row.phone_enc.encode("ascii"), purpose=PHONE_PURPOSE))


def erase_participant(session: Session, *, actor: str, participant_id: str,
                      now: datetime | None = None) -> None:
    """Remove every trace but the audit entry saying the pseudonymous id was erased."""
    get_participant_row(session, participant_id)
    session.execute(delete(ParticipantRow).where(ParticipantRow.id == participant_id))
    audit.append(session, actor=actor, action="participant.erased", participant=participant_id,
                 now=now)


def create_advocate(session: Session, *, keys: KeyRing, policy: AgencyPolicy, actor: str,
                    data: dict[str, Any], now: datetime | None = None) -> str:
    try:
        fields = NewAdvocate(**data)
    except ValidationError as exc:
        raise BadInput(explain(exc)) from None
    e164 = _phone(fields.phone, policy)
    row = AdvocateRow(
        id=_new_id("a"),
        display_name=fields.name,
        phone_enc=keys.encrypt(e164, purpose=ADVOCATE_PHONE_PURPOSE).decode("ascii"),
        phone_index=keys.blind_index(e164, purpose=ADVOCATE_PHONE_PURPOSE),
        role=fields.role,
        language=fields.language,
        active=True,
        created_at=now or datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    audit.append(session, actor=actor, action="advocate.created",
                 fields=["language", "name", "phone", "role"], now=now)
    return row.id


def get_advocate_row(session: Session, advocate_id: str) -> AdvocateRow:
    row = session.get(AdvocateRow, advocate_id)
    if row is None:
        raise NotFound(f"no advocate with id {advocate_id!r}")
    return row


def show_advocate(session: Session, *, advocate_id: str) -> dict[str, Any]:
    return advocate_view(get_advocate_row(session, advocate_id))


def advocate_phone(session: Session, *, keys: KeyRing, advocate_id: str) -> PhoneNumber:
    row = get_advocate_row(session, advocate_id)
    return PhoneNumber(keys.decrypt(row.phone_enc.encode("ascii"), purpose=ADVOCATE_PHONE_PURPOSE))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, *, actor: str, advocate_id: str,
                now: datetime | None = None) -> str:
    """A new API token for an advocate or admin; shown once, stored only as a hash."""
    get_advocate_row(session, advocate_id)
    token = "sd_" + secrets.token_urlsafe(32)
    session.add(ApiTokenRow(token_hash=_token_hash(token), advocate_id=advocate_id,
                            created_at=now or datetime.now(UTC)))
    audit.append(session, actor=actor, action="advocate.token-issued", now=now)
    return token


def advocate_for_token(session: Session, token: str) -> AdvocateRow | None:
    row = session.get(ApiTokenRow, _token_hash(token))
    if row is None:
        return None
    advocate = session.get(AdvocateRow, row.advocate_id)
    return advocate if advocate is not None and advocate.active else None
