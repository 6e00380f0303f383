"""Running one due call-back: a normal click-to-call through the policy gate.

The advocate's phone rings first; if they do not answer, nothing reaches the
participant. It never rings an advocate outside their working hours: a call-back
found due then waits for the next time that suits both sides, within its bounds.
The call-back is claimed before anything else, so a second thread or process
running the same job finds it taken and does nothing. It never stays
``running``: every path ends it with a status.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from gateway.callbacks.planning import on_duty
from gateway.callbacks.service import Callbacks, CallbackStatus, ClaimedCallback
from gateway.calls.gate import CallGate, CallRefused
from gateway.calls.models import CallKind, Outcome
from gateway.errors import INTERNAL_ERROR, SafeDialError

log = logging.getLogger(__name__)

#: Refusals that only mean "not now": the call-back waits for the next safe time.
_NOT_NOW = frozenset({"outside-window", "paused"})


@dataclass(frozen=True)
class CallbackRunner:
    callbacks: Callbacks
    gate: CallGate

    async def run(self, callback_id: str, *, now: datetime | None = None) -> str:
        """Run one due call-back; returns its new status (or the status it already had)."""
        moment = now or datetime.now(UTC)
        claimed = self.callbacks.claim(callback_id, now=moment)
        if claimed is None:
            return self.callbacks.status_of(callback_id)
        try:
            status = await self._run(claimed, moment)
        except Exception as exc:  # a bug must not leave it running
            log.error("call-back %s failed unexpectedly: %s", callback_id, type(exc).__name__)
            status = self.callbacks.finish(claimed, CallbackStatus.FAILED,
                                           outcome=INTERNAL_ERROR, now=datetime.now(UTC))
        log.info("call-back %s: %s", callback_id, status)
        return status.value if isinstance(status, CallbackStatus) else status

    async def _run(self, claimed: ClaimedCallback, now: datetime) -> str:
        later = self.callbacks.next_start_in_bounds(claimed, now=now)
        if later is None:  # overdue past bounds
            return self.callbacks.finish(claimed, CallbackStatus.EXPIRED,
                                         outcome="no-safe-time-in-bounds", now=now)
        if not on_duty(claimed.advocate, now):  # their hours changed, or the job ran late
            self.callbacks.postpone(claimed, run_at=later, now=now)
            return CallbackStatus.PENDING
        try:
            prepared = self.gate.prepare(participant_id=claimed.participant_id,
                                         advocate_id=claimed.advocate_id, actor="system:callbacks",
                                         kind=CallKind.CALLBACK, attempt=claimed.attempt)
        except CallRefused as refused:
            return self._refused(claimed, refused, now)
        except SafeDialError as exc:
            return self.callbacks.finish(claimed, CallbackStatus.FAILED, outcome=exc.error_id,
                                         now=now)
        try:
            report = await self.gate.run(prepared, participant_id=claimed.participant_id,
                                         advocate_id=claimed.advocate_id,
                                         actor="system:callbacks")
        except SafeDialError as exc:  # e.g. the PBX was unavailable: say so, never retry blindly
            log.warning("call-back %s could not be placed: %s", claimed.id, exc.error_id)
            return self.callbacks.finish(claimed, CallbackStatus.FAILED, outcome=exc.error_id,
                                         now=datetime.now(UTC))
        status = (CallbackStatus.MISSED if report.outcome is Outcome.ADVOCATE_NO_ANSWER
                  else CallbackStatus.DONE)
        return self.callbacks.finish(claimed, status, outcome=report.outcome.value,
                                     now=datetime.now(UTC))

    def _refused(self, claimed: ClaimedCallback, refused: CallRefused, now: datetime) -> str:
        codes = {reason.code for reason in refused.decision.reasons}
        if codes <= _NOT_NOW:
            later = self.callbacks.next_start_in_bounds(claimed, now=now)
            if later is None:
                return self.callbacks.finish(claimed, CallbackStatus.EXPIRED,
                                             outcome="no-safe-time-in-bounds", now=now)
            self.callbacks.postpone(claimed, run_at=later, now=now)
            return CallbackStatus.PENDING
        # The call-back's record says why (e.g. caller-id-locked), as the call's audit entry does.
        why = next((reason.code for reason in refused.decision.reasons
                    if reason.code not in _NOT_NOW), "refused")
        return self.callbacks.finish(claimed, CallbackStatus.REFUSED, outcome=why, now=now)
