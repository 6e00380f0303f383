"""Call-backs: schedule after a drop, list, cancel, void, claim and reconcile.

Each call-back is a row in ``callbacks`` and one scheduler job with the same
id (so it survives a restart). Every change of status is a conditional
update from the status it expects, so two threads or two processes never
both act on one call-back; and every end other than ``done`` is audited.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from gateway.audit import service as audit
from gateway.callbacks.planning import (
    CallbackPlan,
    next_safe_start,
    plan_callback,
    within_bounds,
)
from gateway.calls.models import CallKind, CallReport, NextAction, Outcome, PreparedCall
from gateway.domain.policy import CallbackLimits
from gateway.domain.preferences import (
    NO_OTHER_ANSWER_RULE,
    AdvocateFacts,
    DropProtocolKind,
    Preferences,
)
from gateway.errors import NotFound
from gateway.people.caseload import EVERYONE, Scope, assigned_ids, in_scope
from gateway.people.records import advocate_facts, get_participant_row, preferences_of
from gateway.storage.db import Database
from gateway.storage.tables import AdvocateRow, CallbackRow, as_utc

log = logging.getLogger(__name__)

ACTOR = "system:callbacks"
#: The job every call-back runs (stored by reference: it must stay importable there).
RUN_DUE = "gateway.callbacks.jobs:run_due"

#: Outcomes after which a call-back may try again (the participant was not reached).
RETRY_OUTCOMES = {Outcome.DROPPED, Outcome.NO_ANSWER, Outcome.BUSY}


class CallbackStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    #: The advocate did not answer; nothing reached the participant.
    MISSED = "missed"
    REFUSED = "refused"
    FAILED = "failed"
    #: It could not happen within the agreed bounds (shown to admins).
    EXPIRED = "expired"


class CallbackJobs(Protocol):
    """Where call-back jobs are stored (the process's scheduler)."""

    def schedule_once(self, job_id: str, function: str, run_at: datetime,
                      args: tuple[str, ...]) -> None: ...

    def unschedule(self, job_id: str) -> None: ...

    def job_ids_for(self, function: str) -> list[str]: ...


@dataclass(frozen=True)
class ClaimedCallback:
    """A call-back this process now owns (status ``running``)."""

    id: str
    participant_id: str
    advocate_id: str
    attempt: int
    dropped_at: datetime
    preferences: Preferences
    #: Whose hours it runs in; None when the advocate's record is gone.
    advocate: AdvocateFacts | None


def view(row: CallbackRow) -> dict[str, Any]:
    return {"id": row.id, "participant_id": row.participant_id, "advocate_id": row.advocate_id,
            "attempt": row.attempt, "max_attempts": row.max_attempts,
            "run_at": as_utc(row.run_at).isoformat(), "status": row.status,
            "last_outcome": row.last_outcome}


@dataclass(frozen=True)
class Callbacks:
    """The call-back service, with the database and the job store it uses."""

    db: Database
    limits: CallbackLimits
    jobs: CallbackJobs
    #: The zone of advocates' working hours when they set none of their own.
    agency_timezone: str

    # -- after a call (the call path's outcome listener) ---------------------------
    def after_call(self, *, prepared: PreparedCall, report: CallReport, participant_id: str,
                   advocate_id: str, now: datetime) -> NextAction | None:
        """Apply the agreed dropped-call protocol; returns what it did."""
        dial = prepared.decision.dial
        if dial is None:
            return None
        if report.other_person_answered:
            self._after_other_person(participant_id, now)
            return NextAction.OTHER_PERSON_ANSWERED
        attempt = 1
        if prepared.kind is CallKind.CALLBACK:
            if report.outcome not in RETRY_OUTCOMES:
                return None
            attempt = prepared.attempt + 1
        elif report.outcome is not Outcome.DROPPED:
            return None
        with self.db.unit_of_work() as session:
            prefs = preferences_of(get_participant_row(session, participant_id))
            advocate = self._advocate(session, advocate_id)
        plan = plan_callback(rule=dial.on_drop, prefs=prefs, limits=self.limits,
                             dropped_at=now, attempt=attempt, advocate=advocate)
        if plan is None:
            if dial.on_drop.kind is DropProtocolKind.WAIT:
                return NextAction.WAIT
            return NextAction.CALLBACKS_EXHAUSTED
        self.create(plan=plan, participant_id=participant_id, advocate_id=advocate_id,
                    origin_call_id=prepared.call_id, now=now)
        if within_bounds(plan.run_at, dropped_at=now, limits=self.limits):
            return NextAction.CALLBACK_SCHEDULED
        return NextAction.CALLBACK_EXPIRED

    def _after_other_person(self, participant_id: str, now: datetime) -> None:
        """Someone else answered: no follow-up of any kind, then the agreed rule (a pause)."""
        with self.db.unit_of_work() as session:
            row = get_participant_row(session, participant_id)
            cancelled = self.void_for_participant(
                session, participant_id=participant_id, actor=ACTOR,
                reason="other-person-answered", now=now)
            rule = preferences_of(row).if_other_answers or NO_OTHER_ANSWER_RULE
            today = now.astimezone(ZoneInfo(row.timezone)).date()
            until = rule.pause_until(today, row.pause_until)
            fields = [f"callbacks_cancelled={cancelled}"]
            if rule.days is not None:
                fields.append(f"pause_days={rule.days}")
            if until != row.pause_until:
                row.pause_until = until
                row.updated_at = now
                fields.append("pause_until")
            audit.append(session, actor=ACTOR, action="participant.other-person-answered",
                         participant=participant_id, fields=fields, now=now,
                         changes_preferences=True)
        log.info("someone else answered a call to %s: rule %s applied", participant_id, rule)

    def create(self, *, plan: CallbackPlan, participant_id: str, advocate_id: str,
               origin_call_id: str, now: datetime) -> str:
        """Record (and schedule) a call-back; one that cannot run in bounds is ``expired``."""
        callback_id = f"cb_{secrets.token_hex(6)}"
        runs = within_bounds(plan.run_at, dropped_at=now, limits=self.limits)
        status = CallbackStatus.PENDING if runs else CallbackStatus.EXPIRED
        with self.db.unit_of_work() as session:
            session.add(CallbackRow(
                id=callback_id, participant_id=participant_id, advocate_id=advocate_id,
                origin_call_id=origin_call_id, attempt=plan.attempt,
                max_attempts=plan.max_attempts, not_before=plan.not_before,
                run_at=plan.run_at or plan.not_before, status=status.value,
                last_outcome=None if runs else "no-safe-time-in-bounds",
                created_at=now, updated_at=now))
            action = "callback.scheduled" if runs else "callback.expired"
            audit.append(session, actor=ACTOR, action=action, participant=participant_id,
                         fields=[f"attempt={plan.attempt}"])
        if runs and plan.run_at is not None:
            self.jobs.schedule_once(callback_id, RUN_DUE, plan.run_at, (callback_id,))
        log.info("call-back %s %s (attempt %d)", callback_id, status.value, plan.attempt)
        return callback_id

    # -- what admins and advocates do ------------------------------------------------
    def list(self, *, advocate_id: str | None = None, pending_only: bool = True,
             scope: Scope = EVERYONE) -> list[dict[str, Any]]:
        """Call-backs, optionally one advocate's; never one outside the reader's caseload."""
        with self.db.unit_of_work() as session:
            query = select(CallbackRow).order_by(CallbackRow.run_at)
            if not scope.sees_all:
                query = query.where(CallbackRow.participant_id.in_(assigned_ids(scope)))
            if advocate_id:
                query = query.where(CallbackRow.advocate_id == advocate_id)
            if pending_only:
                query = query.where(CallbackRow.status == CallbackStatus.PENDING.value)
            return [view(row) for row in session.scalars(query)]

    def cancel(self, *, callback_id: str, actor: str, advocate_id: str | None = None,
               scope: Scope = EVERYONE) -> None:
        """Cancel one pending call-back (an advocate may cancel only their own, and only
        for a participant in their caseload)."""
        with self.db.unit_of_work() as session:
            row = session.get(CallbackRow, callback_id)
            if (row is None or (advocate_id is not None and row.advocate_id != advocate_id)
                    or not in_scope(session, scope, row.participant_id)):
                raise NotFound("no such call-back")
            self._end(session, row.id, row.participant_id, CallbackStatus.CANCELLED,
                      outcome=None, actor=actor, now=None, expect=CallbackStatus.PENDING)
        self.jobs.unschedule(callback_id)

    def void_for_participant(self, session: Session, *, participant_id: str, actor: str,
                             reason: str, now: datetime) -> int:
        """Preferences changed or the participant was erased: pending call-backs are void.

        Runs in the caller's unit of work; the jobs are removed once it commits
        (the job store writes through its own connection, which must not wait on
        this transaction's lock).
        """
        ids = list(session.scalars(select(CallbackRow.id).where(
            CallbackRow.participant_id == participant_id,
            CallbackRow.status == CallbackStatus.PENDING.value)))
        for callback_id in ids:
            self._end(session, callback_id, participant_id, CallbackStatus.CANCELLED,
                      outcome=reason, actor=actor, now=now, expect=CallbackStatus.PENDING)
        if ids:
            def unschedule(_session: Session) -> None:
                for callback_id in ids:
                    self.jobs.unschedule(callback_id)

            event.listen(session, "after_commit", unschedule, once=True)
        return len(ids)

    def void_for_advocate(self, session: Session, *, advocate_id: str, actor: str,
                          reason: str, now: datetime, participant_id: str | None = None) -> int:
        """The advocate was deactivated (or taken off ``participant_id``'s caseload): their
        pending call-backs (for that participant) are cancelled with ``reason`` as the
        outcome, which admins see in ``callbacks list --all``.

        Runs in the caller's unit of work; the jobs go once it commits (as in
        ``void_for_participant``).
        """
        query = select(CallbackRow.id, CallbackRow.participant_id).where(
            CallbackRow.advocate_id == advocate_id,
            CallbackRow.status == CallbackStatus.PENDING.value)
        if participant_id is not None:
            query = query.where(CallbackRow.participant_id == participant_id)
        rows = list(session.execute(query))
        ids = [callback_id for callback_id, participant_id in rows
               if self._end(session, callback_id, participant_id, CallbackStatus.CANCELLED,
                            outcome=reason, actor=actor, now=now,
                            expect=CallbackStatus.PENDING)]
        if ids:
            def unschedule(_session: Session) -> None:
                for callback_id in ids:
                    self.jobs.unschedule(callback_id)

            event.listen(session, "after_commit", unschedule, once=True)
        return len(ids)

    # -- running one ---------------------------------------------------------------------
    def claim(self, callback_id: str, *, now: datetime) -> ClaimedCallback | None:
        """Take a pending call-back for this process (``running``); None if another has it."""
        with self.db.unit_of_work() as session:
            claimed = session.execute(
                update(CallbackRow)
                .where(CallbackRow.id == callback_id,
                       CallbackRow.status == CallbackStatus.PENDING.value)
                .values(status=CallbackStatus.RUNNING.value, updated_at=now))
            if getattr(claimed, "rowcount", 0) != 1:
                return None
            row = session.get(CallbackRow, callback_id)
            if row is None:  # pragma: no cover - the update above just found it
                return None
            return ClaimedCallback(row.id, row.participant_id, row.advocate_id, row.attempt,
                                   as_utc(row.created_at),
                                   preferences_of(get_participant_row(session,
                                                                      row.participant_id)),
                                   self._advocate(session, row.advocate_id))

    def status_of(self, callback_id: str) -> str:
        with self.db.unit_of_work() as session:
            row = session.get(CallbackRow, callback_id)
            return row.status if row is not None else "missing"

    def postpone(self, claimed: ClaimedCallback, *, run_at: datetime, now: datetime) -> None:
        """Back to ``pending`` for a later safe time (the window was closed or the advocate
        off duty when it ran)."""
        with self.db.unit_of_work() as session:
            session.execute(
                update(CallbackRow)
                .where(CallbackRow.id == claimed.id,
                       CallbackRow.status == CallbackStatus.RUNNING.value)
                .values(status=CallbackStatus.PENDING.value, run_at=run_at, updated_at=now))
        self.jobs.schedule_once(claimed.id, RUN_DUE, run_at, (claimed.id,))

    def finish(self, claimed: ClaimedCallback, status: CallbackStatus, *, outcome: str | None,
               now: datetime) -> CallbackStatus:
        """End a running call-back with ``status``, audited."""
        with self.db.unit_of_work() as session:
            self._end(session, claimed.id, claimed.participant_id, status, outcome=outcome,
                      actor=ACTOR, now=now, expect=CallbackStatus.RUNNING)
        return status

    def next_start_in_bounds(self, claimed: ClaimedCallback, *, now: datetime
                             ) -> datetime | None:
        """The next safe start for a claimed call-back, if it is still inside its bounds."""
        later = next_safe_start(claimed.preferences, now, claimed.advocate)
        return later if within_bounds(later, dropped_at=claimed.dropped_at,
                                      limits=self.limits) else None

    # -- start-up ------------------------------------------------------------------------
    def reconcile(self, *, now: datetime) -> dict[str, int]:
        """Make the rows and the job store agree after a (re)start; returns counts.

        A pending call-back with no job gets one; one that can no longer run
        within its bounds is ``expired``; one left ``running`` by a process that
        died is ``failed`` (``interrupted``); a job without a pending row goes.
        """
        counts = {"rescheduled": 0, "expired": 0, "interrupted": 0, "orphan_jobs": 0}
        jobs = set(self.jobs.job_ids_for(RUN_DUE))
        still_pending: set[str] = set()
        to_schedule: dict[str, datetime] = {}
        with self.db.unit_of_work() as session:
            rows = list(session.scalars(select(CallbackRow).where(CallbackRow.status.in_(
                (CallbackStatus.PENDING.value, CallbackStatus.RUNNING.value)))))
            for row in rows:
                if row.status == CallbackStatus.RUNNING.value:
                    counts["interrupted"] += self._end(
                        session, row.id, row.participant_id, CallbackStatus.FAILED,
                        outcome="interrupted", actor=ACTOR, now=now,
                        expect=CallbackStatus.RUNNING)
                    continue
                later = self._next_start(session, row, now)
                if later is None:
                    counts["expired"] += self._end(
                        session, row.id, row.participant_id, CallbackStatus.EXPIRED,
                        outcome="no-safe-time-in-bounds", actor=ACTOR, now=now,
                        expect=CallbackStatus.PENDING)
                    continue
                still_pending.add(row.id)
                if row.id not in jobs:
                    to_schedule[row.id] = later
        for callback_id, run_at in to_schedule.items():
            self.jobs.schedule_once(callback_id, RUN_DUE, run_at, (callback_id,))
            counts["rescheduled"] += 1
        for job_id in jobs - still_pending:
            self.jobs.unschedule(job_id)
            counts["orphan_jobs"] += 1
        log.info("call-backs reconciled: %s", counts)
        return counts

    def replan_for_advocate(self, session: Session, *, advocate_id: str, actor: str,
                            now: datetime) -> int:
        """The advocate's hours changed: move each pending call-back of theirs to the first
        time that now suits both sides, or expire it; returns how many expired.

        Runs in the caller's unit of work; the jobs move once it commits (as in
        ``void_for_participant``).
        """
        rows = list(session.scalars(select(CallbackRow).where(
            CallbackRow.advocate_id == advocate_id,
            CallbackRow.status == CallbackStatus.PENDING.value)))
        moved: dict[str, datetime] = {}
        expired: list[str] = []
        for row in rows:
            later = self._next_start(session, row, now)
            if later is None:
                if self._end(session, row.id, row.participant_id, CallbackStatus.EXPIRED,
                             outcome="no-safe-time-in-bounds", actor=actor, now=now,
                             expect=CallbackStatus.PENDING):
                    expired.append(row.id)
                continue
            row.run_at = later
            row.updated_at = now
            moved[row.id] = later

        def reschedule(_session: Session) -> None:
            for callback_id, run_at in moved.items():
                self.jobs.schedule_once(callback_id, RUN_DUE, run_at, (callback_id,))
            for callback_id in expired:
                self.jobs.unschedule(callback_id)

        if rows:
            event.listen(session, "after_commit", reschedule, once=True)
        return len(expired)

    # -- helpers -------------------------------------------------------------------------
    def _advocate(self, session: Session, advocate_id: str) -> AdvocateFacts | None:
        """The advocate a call-back belongs to, with their hours in a resolved zone."""
        row = session.get(AdvocateRow, advocate_id)
        return None if row is None else advocate_facts(row, agency_timezone=self.agency_timezone)

    def _next_start(self, session: Session, row: CallbackRow, now: datetime
                    ) -> datetime | None:
        """When a pending call-back can run from ``now`` on, or None if not within bounds."""
        prefs = preferences_of(get_participant_row(session, row.participant_id))
        later = next_safe_start(prefs, max(now, as_utc(row.not_before)),
                                self._advocate(session, row.advocate_id))
        if not within_bounds(later, dropped_at=as_utc(row.created_at), limits=self.limits):
            return None
        return later

    # -- the one way a status ends -----------------------------------------------------
    def _end(self, session: Session, callback_id: str, participant_id: str,
             status: CallbackStatus, *, outcome: str | None, actor: str,
             now: datetime | None, expect: CallbackStatus) -> int:
        """Move ``expect`` → ``status`` if the row is still ``expect``; audit it. 1 if moved."""
        values: dict[str, Any] = {"status": status.value, "updated_at": now or datetime.now(UTC)}
        if outcome is not None:
            values["last_outcome"] = outcome
        moved = session.execute(
            update(CallbackRow)
            .where(CallbackRow.id == callback_id, CallbackRow.status == expect.value)
            .values(**values))
        if getattr(moved, "rowcount", 0) != 1:
            return 0
        audit.append(session, actor=actor, action=f"callback.{status.value}",
                     participant=participant_id)
        return 1
