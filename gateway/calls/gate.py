"""The policy gate in front of every participant call.

The decision is taken twice: before anything rings (a refusal places nothing
at all) and again when the advocate answers, right before the participant's
phone is dialled, because the advocate may have taken a while and the window
may have closed or a lock been set meanwhile. Both decisions are audited.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from gateway.audit import service as audit
from gateway.calls.models import CallReport, DialRequest
from gateway.calls.ports import CallControl
from gateway.calls.service import place_call
from gateway.domain.decision import Decision, decide
from gateway.domain.preferences import LockState
from gateway.people import service as people
from gateway.people.records import advocate_facts, participant_facts
from gateway.wiring import AppContext

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PreparedCall:
    """An allowed decision with the request it allows; or a refusal with no request."""

    call_id: str
    decision: Decision
    request: DialRequest | None


def _decide(ctx: AppContext, participant_id: str, advocate_id: str, now: datetime,
            locks: LockState) -> Decision:
    with ctx.db.unit_of_work() as session:
        participant = participant_facts(people.get_participant_row(session, participant_id))
        advocate = advocate_facts(people.get_advocate_row(session, advocate_id))
    return decide(participant=participant, advocate=advocate, policy=ctx.policy, locks=locks,
                  now=now, masked_number_configured=bool(ctx.settings.masked_number))


def _audit_decision(ctx: AppContext, *, actor: str, participant_id: str, decision: Decision,
                    stage: str) -> None:
    with ctx.db.unit_of_work() as session:
        audit.append(
            session,
            actor=actor,
            action=f"call.{stage}.{'allowed' if decision.allowed else 'refused'}",
            participant=participant_id,
            fields=[reason.code.replace("-", "_") for reason in decision.reasons],
        )


def prepare_call(ctx: AppContext, *, participant_id: str, advocate_id: str, actor: str,
                 clock: Clock = utc_now, locks: LockState | None = None) -> PreparedCall:
    """First decision; when allowed, the exact request the PBX must dial."""
    decision = _decide(ctx, participant_id, advocate_id, clock(), locks or LockState())
    _audit_decision(ctx, actor=actor, participant_id=participant_id, decision=decision,
                    stage="decision")
    call_id = str(uuid.uuid4())
    if not decision.allowed or decision.dial is None:
        return PreparedCall(call_id, decision, None)
    with ctx.db.unit_of_work() as session:
        request = DialRequest(
            advocate=people.advocate_phone(session, keys=ctx.keys, advocate_id=advocate_id),
            participant=people.participant_phone(session, keys=ctx.keys,
                                                 participant_id=participant_id),
            mode=decision.dial.mode,
            ring_timeout_s=ctx.settings.ring_timeout_s,
        )
    return PreparedCall(call_id, decision, request)


async def run_call(ctx: AppContext, prepared: PreparedCall, *, control: CallControl,
                   participant_id: str, advocate_id: str, actor: str, clock: Clock = utc_now,
                   locks: LockState | None = None) -> CallReport:
    """Place an allowed call; the second decision runs when the advocate answers."""
    if prepared.request is None or prepared.decision.dial is None:
        raise ValueError("only an allowed call can be placed")
    first = prepared.decision.dial

    async def confirm() -> bool:
        again = _decide(ctx, participant_id, advocate_id, clock(), locks or LockState())
        _audit_decision(ctx, actor=actor, participant_id=participant_id, decision=again,
                        stage="recheck")
        return again.allowed and again.dial == first

    report = await place_call(control=control, request=prepared.request,
                              verify_pbx_safe=ctx.verify_pbx_safe, confirm=confirm,
                              call_id=prepared.call_id)
    with ctx.db.unit_of_work() as session:
        audit.append(session, actor=actor, action=f"call.outcome.{report.outcome.value}",
                     participant=participant_id)
    return report
