"""Caseload scoping: which participants an advocate may see, and call.

A participant's safety plan is shared with as few people as the work needs, so
under ``[access] advocates_see = "assigned"`` an advocate sees, calls and reads
the call records and call-backs of their assigned participants only. Anything
else answers "not found", exactly as for an id that does not exist: a 403 would
tell an advocate that the participant is on file. Admins see all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from gateway.audit import service as audit
from gateway.domain.policy import AdvocatesSee, AgencyPolicy
from gateway.domain.preferences import Role
from gateway.errors import NotFound
from gateway.people.access import AdvocateCallbacks
from gateway.people.records import NO_SUCH_PARTICIPANT, get_advocate_row, get_participant_row
from gateway.storage.tables import CaseloadRow


@dataclass(frozen=True)
class Scope:
    """Whose caseload a reader is held to; ``advocate_id`` None means everyone's."""

    advocate_id: str | None = None

    @property
    def sees_all(self) -> bool:
        return self.advocate_id is None


EVERYONE = Scope()


def scope_for(policy: AgencyPolicy, *, advocate_id: str, role: Role | str) -> Scope:
    """The scope of a signed-in person under the policy: admins are never scoped."""
    if Role(role) is Role.ADMIN or policy.advocates_see is AdvocatesSee.ALL:
        return EVERYONE
    return Scope(advocate_id)


def assigned_ids(scope: Scope) -> Select[Any]:
    """The participant ids in the scope's caseload, to filter a query with ``in_``."""
    return select(CaseloadRow.participant_id).where(CaseloadRow.advocate_id == scope.advocate_id)


def in_scope(session: Session, scope: Scope, participant_id: str) -> bool:
    return scope.sees_all or session.get(
        CaseloadRow, (participant_id, scope.advocate_id)) is not None


def require_visible(session: Session, scope: Scope, participant_id: str) -> None:
    """Raise the same ``NotFound`` as a missing id when the participant is out of scope."""
    if not in_scope(session, scope, participant_id):
        raise NotFound(NO_SUCH_PARTICIPANT)


def assign(session: Session, *, actor: str, participant_id: str, advocate_id: str,
           now: datetime | None = None) -> bool:
    """Add a participant to an advocate's caseload; False when already there (no audit)."""
    get_participant_row(session, participant_id)
    get_advocate_row(session, advocate_id)
    if session.get(CaseloadRow, (participant_id, advocate_id)) is not None:
        return False
    moment = now or datetime.now(UTC)
    session.add(CaseloadRow(participant_id=participant_id, advocate_id=advocate_id,
                            assigned_at=moment))
    session.flush()
    audit.append(session, actor=actor, action="participant.assigned", participant=participant_id,
                 fields=[advocate_id], now=moment)
    return True


@dataclass(frozen=True)
class Unassigned:
    """What taking a participant off a caseload changed."""

    changed: bool
    callbacks_cancelled: int


def unassign(session: Session, *, actor: str, participant_id: str, advocate_id: str,
             callbacks: AdvocateCallbacks, now: datetime | None = None) -> Unassigned:
    """Take a participant out of an advocate's caseload; unchanged when not there (no audit).

    The advocate's pending call-backs to that participant are cancelled with it
    (outcome ``advocate-unassigned``, which admins see): a call-back would otherwise
    ring someone no longer on the case, or wait to be refused at run time."""
    get_participant_row(session, participant_id)
    get_advocate_row(session, advocate_id)
    moment = now or datetime.now(UTC)
    result = session.execute(delete(CaseloadRow).where(
        CaseloadRow.participant_id == participant_id, CaseloadRow.advocate_id == advocate_id))
    cancelled = callbacks.void_for_advocate(session, advocate_id=advocate_id, actor=actor,
                                            reason="advocate-unassigned", now=moment,
                                            participant_id=participant_id)
    changed = bool(getattr(result, "rowcount", 0))
    if changed or cancelled:
        audit.append(session, actor=actor, action="participant.unassigned",
                     participant=participant_id,
                     fields=[advocate_id, *([f"callbacks={cancelled}"] if cancelled else [])],
                     now=moment)
    return Unassigned(changed, cancelled)


def advocates_of(session: Session, participant_id: str) -> list[str]:
    """The advocates a participant is assigned to (ids), for admins."""
    get_participant_row(session, participant_id)
    return list(session.scalars(select(CaseloadRow.advocate_id).where(
        CaseloadRow.participant_id == participant_id).order_by(CaseloadRow.advocate_id)))


def assignments(session: Session) -> dict[str, list[str]]:
    """Every participant's advocates (ids, in id order), in one query: for lists."""
    found: dict[str, list[str]] = {}
    rows = session.execute(select(CaseloadRow.participant_id, CaseloadRow.advocate_id)
                           .order_by(CaseloadRow.participant_id, CaseloadRow.advocate_id))
    for participant_id, advocate_id in rows:
        found.setdefault(participant_id, []).append(advocate_id)
    return found
