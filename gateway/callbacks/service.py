"""Call-backs: schedule after a drop, list, cancel, and run one when it is due.

Each call-back is a row in ``callbacks`` and one APScheduler job with the same
id in the same database (so it survives a restart). Running it is a normal
click-to-call for the same advocate through the policy gate: their phone
rings first, and if they do not answer nothing reaches the participant.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from gateway.audit import service as audit
from gateway.callbacks.planning import CallbackPlan, next_safe_start, plan_callback
from gateway.calls.models import CallReport, Outcome
from gateway.errors import NotFound, SafeDialError
from gateway.people import service as people
from gateway.people.records import preferences_of
from gateway.storage.tables import CallbackRow, as_utc

if TYPE_CHECKING:
    from gateway.calls.gate import PreparedCall
    from gateway.wiring import AppContext

log = logging.getLogger(__name__)

PENDING, RUNNING, DONE, CANCELLED, MISSED, REFUSED, FAILED = (
    "pending", "running", "done", "cancelled", "missed", "refused", "failed")

#: Outcomes after which a call-back may try again (the participant was not reached).
RETRY_OUTCOMES = {Outcome.DROPPED, Outcome.NO_ANSWER, Outcome.BUSY}


def _schedule(ctx: AppContext, callback_id: str, run_at: datetime) -> None:
    """Store the job; a process without a running scheduler (the CLI) only writes it."""
    if ctx.scheduler is not None:
        ctx.scheduler.schedule(callback_id, run_at)
        return
    from gateway.callbacks.scheduler import CallbackScheduler

    writer = CallbackScheduler(ctx.db.engine)
    writer.start(paused=True)
    try:
        writer.schedule(callback_id, run_at)
    finally:
        writer.shutdown()


def create_callback(ctx: AppContext, *, plan: CallbackPlan, participant_id: str,
                    advocate_id: str, origin_call_id: str, now: datetime) -> str:
    callback_id = f"cb_{secrets.token_hex(6)}"
    with ctx.db.unit_of_work() as session:
        session.add(CallbackRow(
            id=callback_id, participant_id=participant_id, advocate_id=advocate_id,
            origin_call_id=origin_call_id, attempt=plan.attempt, max_attempts=plan.max_attempts,
            not_before=plan.not_before, run_at=plan.run_at, status=PENDING,
            created_at=now, updated_at=now))
        audit.append(session, actor="system:callbacks", action="callback.scheduled",
                     participant=participant_id, fields=[f"attempt={plan.attempt}"])
    _schedule(ctx, callback_id, plan.run_at)
    log.info("call-back %s scheduled (attempt %d)", callback_id, plan.attempt)
    return callback_id


def after_call(ctx: AppContext, *, prepared: PreparedCall, report: CallReport,
               participant_id: str, advocate_id: str, now: datetime) -> str | None:
    """Apply the agreed dropped-call protocol; returns the next action's name."""
    dial = prepared.decision.dial
    if dial is None:
        return None
    attempt = 1
    if prepared.kind == "callback":
        if report.outcome not in RETRY_OUTCOMES:
            return None
        attempt = prepared.attempt + 1
    elif report.outcome is not Outcome.DROPPED:
        return None
    with ctx.db.unit_of_work() as session:
        prefs = preferences_of(people.get_participant_row(session, participant_id))
    plan = plan_callback(rule=dial.on_drop, prefs=prefs, policy=ctx.policy, dropped_at=now,
                         attempt=attempt)
    if plan is None:
        return "wait" if dial.on_drop.kind.value == "wait" else "callbacks-exhausted"
    create_callback(ctx, plan=plan, participant_id=participant_id, advocate_id=advocate_id,
                    origin_call_id=prepared.call_id, now=now)
    return "callback-scheduled"


def view(row: CallbackRow) -> dict[str, Any]:
    return {"id": row.id, "participant_id": row.participant_id, "advocate_id": row.advocate_id,
            "attempt": row.attempt, "max_attempts": row.max_attempts,
            "run_at": as_utc(row.run_at).isoformat(), "status": row.status,
            "last_outcome": row.last_outcome}


def list_callbacks(ctx: AppContext, *, advocate_id: str | None = None,
                   pending_only: bool = True) -> list[dict[str, Any]]:
    with ctx.db.unit_of_work() as session:
        query = select(CallbackRow).order_by(CallbackRow.run_at)
        if advocate_id:
            query = query.where(CallbackRow.advocate_id == advocate_id)
        if pending_only:
            query = query.where(CallbackRow.status == PENDING)
        return [view(row) for row in session.scalars(query)]


def cancel_callback(ctx: AppContext, *, callback_id: str, actor: str,
                    advocate_id: str | None = None) -> None:
    """Cancel one pending call-back (an advocate may cancel only their own)."""
    with ctx.db.unit_of_work() as session:
        row = session.get(CallbackRow, callback_id)
        if row is None or (advocate_id is not None and row.advocate_id != advocate_id):
            raise NotFound(f"no call-back {callback_id!r}")
        if row.status != PENDING:
            return
        row.status = CANCELLED
        row.updated_at = datetime.now(UTC)
        audit.append(session, actor=actor, action="callback.cancelled",
                     participant=row.participant_id)
    if ctx.scheduler is not None:
        ctx.scheduler.unschedule(callback_id)


def cancel_for_participant(ctx: AppContext, *, participant_id: str, actor: str) -> int:
    """Preferences changed (or the participant was erased): pending call-backs are void."""
    with ctx.db.unit_of_work() as session:
        ids = list(session.scalars(select(CallbackRow.id).where(
            CallbackRow.participant_id == participant_id, CallbackRow.status == PENDING)))
    for callback_id in ids:
        cancel_callback(ctx, callback_id=callback_id, actor=actor)
    return len(ids)


def _set_status(ctx: AppContext, callback_id: str, status: str,
                outcome: str | None = None, run_at: datetime | None = None) -> None:
    with ctx.db.unit_of_work() as session:
        row = session.get(CallbackRow, callback_id)
        if row is None:
            return
        row.status = status
        row.updated_at = datetime.now(UTC)
        if outcome is not None:
            row.last_outcome = outcome
        if run_at is not None:
            row.run_at = run_at


async def run_callback(ctx: AppContext, callback_id: str, *, now: datetime | None = None
                       ) -> str:
    """Run one due call-back through the policy gate; returns its new status."""
    from gateway.calls import gate

    moment = now or datetime.now(UTC)
    with ctx.db.unit_of_work() as session:
        row = session.get(CallbackRow, callback_id)
        if row is None or row.status != PENDING:
            return row.status if row else "missing"
        participant_id, advocate_id = row.participant_id, row.advocate_id
        attempt = row.attempt
        prefs = preferences_of(people.get_participant_row(session, participant_id))
    prepared = gate.prepare_call(ctx, participant_id=participant_id, advocate_id=advocate_id,
                                 actor="system:callbacks", clock=lambda: moment,
                                 kind="callback")
    prepared = replace(prepared, attempt=attempt)
    if not prepared.decision.allowed:
        codes = {reason.code for reason in prepared.decision.reasons}
        later = next_safe_start(prefs, moment) if codes <= {"outside-window", "paused"} else None
        if later is not None:
            _set_status(ctx, callback_id, PENDING, run_at=later)
            _schedule(ctx, callback_id, later)
            return PENDING
        _set_status(ctx, callback_id, REFUSED, outcome="refused")
        return REFUSED
    _set_status(ctx, callback_id, RUNNING)
    try:
        report = await gate.run_call(ctx, prepared, participant_id=participant_id,
                                     advocate_id=advocate_id, actor="system:callbacks")
    except SafeDialError as exc:  # the PBX was unavailable: say so, never retry blindly
        _set_status(ctx, callback_id, FAILED, outcome=exc.error_id)
        log.warning("call-back %s could not be placed: %s", callback_id, exc.error_id)
        return FAILED
    status = MISSED if report.outcome is Outcome.ADVOCATE_NO_ANSWER else DONE
    _set_status(ctx, callback_id, status, outcome=report.outcome.value)
    with ctx.db.unit_of_work() as session:
        audit.append(session, actor="system:callbacks", action=f"callback.{status}",
                     participant=participant_id)
    return status
