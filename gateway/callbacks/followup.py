"""The call-backs admins follow up: still pending, expired and missed.

Why: a call-back that expired (no safe time inside the agreed bounds) or was missed
(the advocate's phone was not answered) means a participant expecting a call did not
get one; an admin must see it to arrange another way. Pending ones show what is still
to ring. Named by pseudonymous id and alias, with the advocate: never a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select

from gateway.callbacks.service import CallbackStatus
from gateway.storage.db import Database
from gateway.storage.tables import AdvocateRow, CallbackRow, ParticipantRow, as_utc

#: The statuses admins follow up, in the order the page shows them.
FOLLOW_UP: Final = (CallbackStatus.PENDING, CallbackStatus.EXPIRED, CallbackStatus.MISSED)


@dataclass(frozen=True)
class FollowUp:
    """One call-back: when it was (or is) due in UTC, which attempt, how it last ended."""

    id: str
    participant_id: str
    alias: str | None
    advocate_id: str
    advocate_name: str | None
    status: str
    run_at: datetime
    attempt: int
    max_attempts: int
    last_outcome: str | None


def call_backs(db: Database, *, status: CallbackStatus, limit: int) -> tuple[list[FollowUp], int]:
    """Up to ``limit`` call-backs in ``status`` and how many there are in all.

    Pending ones soonest first (what rings next); ended ones most recently ended first.
    """
    order = ((CallbackRow.run_at, CallbackRow.id) if status is CallbackStatus.PENDING
             else (CallbackRow.updated_at.desc(), CallbackRow.id))
    query = (select(CallbackRow, ParticipantRow.alias, AdvocateRow.display_name)
             .outerjoin(ParticipantRow, ParticipantRow.id == CallbackRow.participant_id)
             .outerjoin(AdvocateRow, AdvocateRow.id == CallbackRow.advocate_id)
             .where(CallbackRow.status == status.value)
             .order_by(*order))
    with db.unit_of_work() as session:
        rows = list(session.execute(query))
    items = [FollowUp(row.id, row.participant_id, alias, row.advocate_id, name, row.status,
                      as_utc(row.run_at), row.attempt, row.max_attempts, row.last_outcome)
             for row, alias, name in rows[:limit]]
    return items, len(rows)
