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
from gateway.callbacks.service import after_call
from gateway.calls import records
from gateway.calls.models import CallReport, DialRequest
from gateway.calls.ports import CallControl
from gateway.calls.prompting import CallAudio, discard_call_audio, prepare_call_audio
from gateway.calls.service import place_call
from gateway.domain.decision import Decision, decide
from gateway.domain.preferences import AdvocateFacts, LockState, ParticipantFacts
from gateway.pbx.process import layout_for
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
    audio: CallAudio | None = None
    kind: str = "call"
    started_at: datetime | None = None
    attempt: int = 0  # for a call-back: which attempt this is


def _facts(ctx: AppContext, participant_id: str, advocate_id: str
           ) -> tuple[ParticipantFacts, AdvocateFacts]:
    with ctx.db.unit_of_work() as session:
        participant = participant_facts(people.get_participant_row(session, participant_id))
        advocate = advocate_facts(people.get_advocate_row(session, advocate_id))
    return participant, advocate


def _decide(ctx: AppContext, participant: ParticipantFacts, advocate: AdvocateFacts,
            now: datetime, locks: LockState | None) -> Decision:
    return decide(participant=participant, advocate=advocate, policy=ctx.policy,
                  locks=locks or LockState(), now=now,
                  masked_number_configured=bool(ctx.settings.masked_number))


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
                 clock: Clock = utc_now, locks: LockState | None = None,
                 kind: str = "call") -> PreparedCall:
    """First decision; when allowed, the exact request the PBX must dial and its audio."""
    now = clock()
    participant, advocate = _facts(ctx, participant_id, advocate_id)
    decision = _decide(ctx, participant, advocate, now, locks)
    _audit_decision(ctx, actor=actor, participant_id=participant_id, decision=decision,
                    stage="decision")
    call_id = str(uuid.uuid4())
    if not decision.allowed or decision.dial is None:
        records.record_refusal(ctx, call_id=call_id, participant_id=participant_id,
                               advocate_id=advocate_id, kind=kind, at=now)
        return PreparedCall(call_id, decision, None, kind=kind, started_at=now)
    sounds = layout_for(ctx.settings).sounds
    audio = prepare_call_audio(folder=sounds / "calls" / call_id, cache=sounds / "cache",
                               participant=participant, advocate=advocate, dial=decision.dial,
                               policy=ctx.policy, defaults_used=decision.defaults_used,
                               callback_number=ctx.settings.masked.e164)
    with ctx.db.unit_of_work() as session:
        request = DialRequest(
            advocate=people.advocate_phone(session, keys=ctx.keys, advocate_id=advocate_id),
            participant=people.participant_phone(session, keys=ctx.keys,
                                                 participant_id=participant_id),
            mode=decision.dial.mode,
            ring_timeout_s=ctx.settings.ring_timeout_s,
            voicemail_prompt=audio.voicemail,
            masked_fallback=decision.dial.masked_fallback,
            briefing=audio.briefing,
            notice_dir=audio.notice_dir,
        )
    return PreparedCall(call_id, decision, request, audio, kind=kind, started_at=now)


async def run_call(ctx: AppContext, prepared: PreparedCall, *, participant_id: str,
                   advocate_id: str, actor: str, control: CallControl | None = None,
                   clock: Clock = utc_now, locks: LockState | None = None) -> CallReport:
    """Place an allowed call; the second decision runs when the advocate answers.

    Without ``control`` it connects to the PBX itself. The call's audio (the
    alias in speech) is removed whatever happens, even if the PBX is down.
    """
    if prepared.request is None or prepared.decision.dial is None:
        raise ValueError("only an allowed call can be placed")
    first = prepared.decision.dial

    async def confirm() -> bool:
        again = _decide(ctx, *_facts(ctx, participant_id, advocate_id), clock(), locks)
        _audit_decision(ctx, actor=actor, participant_id=participant_id, decision=again,
                        stage="recheck")
        return again.allowed and again.dial == first

    async def place(through: CallControl, request: DialRequest) -> CallReport:
        return await place_call(control=through, request=request,
                                verify_pbx_safe=ctx.verify_pbx_safe, confirm=confirm,
                                call_id=prepared.call_id,
                                drop_threshold_s=ctx.policy.drop_threshold_s)

    try:
        if control is None:
            async with ctx.call_control() as connected:
                report = await place(connected, prepared.request)
        else:
            report = await place(control, prepared.request)
    finally:
        if prepared.audio is not None:
            discard_call_audio(prepared.audio)
    next_action = after_call(ctx, prepared=prepared, report=report,
                             participant_id=participant_id, advocate_id=advocate_id,
                             now=clock())
    records.record_call(ctx, prepared=prepared, report=report, participant_id=participant_id,
                        advocate_id=advocate_id, ended_at=clock(), next_action=next_action)
    with ctx.db.unit_of_work() as session:
        audit.append(session, actor=actor, action=f"call.outcome.{report.outcome.value}",
                     participant=participant_id)
    return report
