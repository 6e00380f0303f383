"""An advocate's own pending call-backs, with whom each one will call, for their pages.

Why: an advocate plans their day around the call-backs that will ring their phone,
and may cancel one (``Callbacks.cancel``). They see only their own, and under caseload
scoping only those of participants they may see, named by alias: never a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from gateway.callbacks.service import CallbackStatus
from gateway.people.caseload import EVERYONE, Scope, assigned_ids
from gateway.storage.db import Database
from gateway.storage.tables import CallbackRow, ParticipantRow, as_utc


@dataclass(frozen=True)
class PendingCallback:
    """One call-back still to run: which attempt, and when it is due (UTC)."""

    id: str
    participant_id: str
    alias: str
    run_at: datetime
    attempt: int
    max_attempts: int


def pending_for_advocate(db: Database, *, advocate_id: str, scope: Scope = EVERYONE,
                         participant_id: str | None = None) -> list[PendingCallback]:
    """The advocate's pending call-backs, soonest first (one participant's, if named)."""
    query = (select(CallbackRow, ParticipantRow.alias)
             .join(ParticipantRow, ParticipantRow.id == CallbackRow.participant_id)
             .where(CallbackRow.advocate_id == advocate_id,
                    CallbackRow.status == CallbackStatus.PENDING.value)
             .order_by(CallbackRow.run_at, CallbackRow.id))
    if not scope.sees_all:
        query = query.where(CallbackRow.participant_id.in_(assigned_ids(scope)))
    if participant_id is not None:
        query = query.where(CallbackRow.participant_id == participant_id)
    with db.unit_of_work() as session:
        return [PendingCallback(row.id, row.participant_id, alias, as_utc(row.run_at),
                                row.attempt, row.max_attempts)
                for row, alias in session.execute(query)]
