"""Call records: pseudonymous ids, times, outcome and the rule applied. Never a number.

A retention job deletes records older than the policy's days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from gateway.calls.models import CallKind, CallReport, NextAction, Outcome, PreparedCall
from gateway.people.caseload import EVERYONE, Scope, assigned_ids
from gateway.storage.db import Database
from gateway.storage.tables import AdvocateRow, CallRecordRow, ParticipantRow, as_utc


def record_refusal(db: Database, *, call_id: str, participant_id: str, advocate_id: str,
                   kind: CallKind, at: datetime) -> None:
    with db.unit_of_work() as session:
        session.add(CallRecordRow(
            id=call_id, participant_id=participant_id, advocate_id=advocate_id, kind=kind.value,
            started_at=at, ended_at=at, outcome=Outcome.REFUSED.value, masked_fallback_used=False,
            other_person_answered=False,
        ))


def record_call(db: Database, *, prepared: PreparedCall, report: CallReport,
                participant_id: str, advocate_id: str, ended_at: datetime) -> None:
    """The record of a placed call, written before the agreed protocol runs (its next
    action is added by ``set_next_action``), so a failing protocol cannot lose it."""
    dial = prepared.decision.dial
    with db.unit_of_work() as session:
        session.add(CallRecordRow(
            id=prepared.call_id, participant_id=participant_id, advocate_id=advocate_id,
            kind=prepared.kind.value, started_at=prepared.started_at, ended_at=ended_at,
            outcome=report.outcome.value,
            caller_id_mode=dial.mode.value if dial else None,
            voicemail_rule=str(dial.voicemail) if dial else None,
            drop_rule=dial.on_drop.kind.value if dial else None,
            masked_fallback_used=report.masked_fallback_used,
            other_person_answered=report.other_person_answered,
            advocate_wait_s=report.advocate_wait_s,
            voicemail_reason=report.voicemail_reason,
        ))


def set_next_action(db: Database, *, call_id: str, next_action: NextAction) -> None:
    """What the agreed protocol did, once it ran: the record is written before it runs."""
    with db.unit_of_work() as session:
        session.execute(update(CallRecordRow).where(CallRecordRow.id == call_id)
                        .values(next_action=next_action.value))


def list_records(db: Database, *, participant_id: str | None = None,
                 scope: Scope = EVERYONE) -> list[dict[str, Any]]:
    """Records in start order; only those of participants in the reader's caseload."""
    with db.unit_of_work() as session:
        query = select(CallRecordRow).order_by(CallRecordRow.started_at)
        if not scope.sees_all:
            query = query.where(CallRecordRow.participant_id.in_(assigned_ids(scope)))
        if participant_id:
            query = query.where(CallRecordRow.participant_id == participant_id)
        return [
            {"call_id": row.id, "participant_id": row.participant_id,
             "advocate_id": row.advocate_id, "kind": row.kind,
             "started_at": as_utc(row.started_at).isoformat(),
             "ended_at": as_utc(row.ended_at).isoformat() if row.ended_at else None,
             "outcome": row.outcome, "caller_id_mode": row.caller_id_mode,
             "voicemail_rule": row.voicemail_rule, "drop_rule": row.drop_rule,
             "masked_fallback_used": row.masked_fallback_used,
             "other_person_answered": row.other_person_answered,
             "advocate_wait_s": row.advocate_wait_s,
             "voicemail_reason": row.voicemail_reason, "next_action": row.next_action}
            for row in session.scalars(query)
        ]


@dataclass(frozen=True)
class RecordLine:
    """One call record as admins read it: ids, the alias and advocate's name when they
    are still on file (None once erased or removed), times in UTC; never a number."""

    call_id: str
    participant_id: str
    alias: str | None
    advocate_id: str
    advocate_name: str | None
    kind: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str
    next_action: str | None
    masked_fallback_used: bool
    other_person_answered: bool


@dataclass(frozen=True)
class RecordPage:
    """The records that match a filter, newest first, and how many match in all."""

    lines: list[RecordLine]
    total: int


def find_records(db: Database, *, outcome: str | None = None, since: datetime | None = None,
                 until: datetime | None = None, limit: int = 100, offset: int = 0
                 ) -> RecordPage:
    """Admins' view of the records: ``outcome`` exactly, started in ``[since, until)``,
    newest first, ``limit`` of them from ``offset``."""
    conditions = []
    if outcome is not None:
        conditions.append(CallRecordRow.outcome == outcome)
    if since is not None:
        conditions.append(CallRecordRow.started_at >= since)
    if until is not None:
        conditions.append(CallRecordRow.started_at < until)
    query = (select(CallRecordRow, ParticipantRow.alias, AdvocateRow.display_name)
             .outerjoin(ParticipantRow, ParticipantRow.id == CallRecordRow.participant_id)
             .outerjoin(AdvocateRow, AdvocateRow.id == CallRecordRow.advocate_id)
             .where(*conditions)
             .order_by(CallRecordRow.started_at.desc(), CallRecordRow.id)
             .limit(limit).offset(offset))
    with db.unit_of_work() as session:
        total = session.scalar(select(func.count()).select_from(CallRecordRow)
                               .where(*conditions)) or 0
        lines = [
            RecordLine(row.id, row.participant_id, alias, row.advocate_id, name, row.kind,
                       as_utc(row.started_at),
                       as_utc(row.ended_at) if row.ended_at else None, row.outcome,
                       row.next_action, row.masked_fallback_used, row.other_person_answered)
            for row, alias, name in session.execute(query)
        ]
    return RecordPage(lines, total)


def purge_records(db: Database, *, retention_days: int, now: datetime) -> int:
    """Delete call records older than the retention; returns how many."""
    cutoff = now - timedelta(days=retention_days)
    with db.unit_of_work() as session:
        result = session.execute(delete(CallRecordRow).where(CallRecordRow.started_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
