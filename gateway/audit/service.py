"""Write and verify the audit log.

Entries record who, when, which pseudonymous participant id, what action and
the *names* of the fields changed: never a value. Each entry's hash covers the
previous one's, so editing, deleting or reordering entries is detectable
(``safedial audit verify``). Retention purges old entries through a checkpoint
so the remaining chain still verifies.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.storage.auditchain import (
    AuditRecord,
    ChainCheck,
    checkpoint_for_purge,
    next_record,
    verify_chain,
)
from gateway.storage.db import lock_for_append
from gateway.storage.tables import AuditRow


def _to_record(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        participant=row.participant,
        action=row.action,
        fields=tuple(row.fields),
        prev_hash=row.prev_hash,
        hash=row.hash,
        kind=row.kind,
    )


def _to_row(record: AuditRecord) -> AuditRow:
    return AuditRow(
        seq=record.seq,
        at=record.at,
        actor=record.actor,
        participant=record.participant,
        action=record.action,
        fields=list(record.fields),
        prev_hash=record.prev_hash,
        hash=record.hash,
        kind=record.kind,
    )


def now_iso(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    participant: str | None = None,
    fields: Sequence[str] = (),
    now: datetime | None = None,
) -> AuditRecord:
    """Add one entry in the caller's unit of work (it commits with the change it records)."""
    lock_for_append(session, "safedial.audit_log")
    last = session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).first()
    record = next_record(
        _to_record(last) if last else None,
        at=now_iso(now),
        actor=actor,
        participant=participant,
        action=action,
        fields=tuple(sorted(fields)),
    )
    session.add(_to_row(record))
    session.flush()
    return record


def records(session: Session, participant: str | None = None) -> list[AuditRecord]:
    query = select(AuditRow).order_by(AuditRow.seq)
    if participant is not None:
        query = query.where(AuditRow.participant == participant)
    return [_to_record(row) for row in session.scalars(query)]


def verify(session: Session) -> ChainCheck:
    return verify_chain(records(session))


def purge(session: Session, *, retention_days: int, now: datetime | None = None) -> int:
    """Delete entries older than the retention, leaving a checkpoint; returns how many."""
    moment = now or datetime.now(UTC)
    before = now_iso(moment - timedelta(days=retention_days))
    all_records = records(session)
    seqs, checkpoint = checkpoint_for_purge(all_records, before=before, at=now_iso(moment))
    if not seqs:
        return 0
    session.execute(delete(AuditRow).where(AuditRow.seq.in_(seqs)))
    session.flush()
    session.add(_to_row(checkpoint))
    session.flush()
    return len(seqs)
