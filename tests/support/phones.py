"""A fake call control for unit tests of everything around the PBX (gate, call-backs).

It stands in only where no call is claimed to have worked on the wire: the real
dialling is proven against Asterisk in the integration tier. It counts the calls
it was asked to place and ends each with the report a test chose.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace

from gateway.calls.models import CallReport, CallStage, DialRequest, Outcome, StageListener

#: The stages a scripted call passes through before it ends, by outcome.
_STAGES = {
    Outcome.ANSWERED: (CallStage.BRIEFING, CallStage.CALLING_PARTICIPANT, CallStage.CONNECTED),
    Outcome.DROPPED: (CallStage.BRIEFING, CallStage.CALLING_PARTICIPANT, CallStage.CONNECTED),
    Outcome.VOICEMAIL_LEFT: (CallStage.BRIEFING, CallStage.CALLING_PARTICIPANT,
                             CallStage.LEAVING_VOICEMAIL),
    Outcome.NO_ANSWER: (CallStage.BRIEFING, CallStage.CALLING_PARTICIPANT),
}


class ScriptedPhone:
    """Ends every call as ``report`` says (its call id filled in), after ``hold_s``."""

    def __init__(self, outcome: Outcome = Outcome.ANSWERED, *, hold_s: float = 0.0,
                 report: CallReport | None = None) -> None:
        self.placed: list[str] = []
        self._report = report or CallReport("", outcome, None, True, True, 60.0)
        self._hold_s = hold_s
        self._lock = threading.Lock()

    async def place_call(self, request: DialRequest,
                         confirm: Callable[[], Awaitable[bool]] | None = None,
                         call_id: str | None = None,
                         drop_threshold_s: float = 30.0, *,
                         on_stage: StageListener | None = None) -> CallReport:
        with self._lock:
            self.placed.append(call_id or "")
        for stage in _STAGES.get(self._report.outcome, ()):
            if on_stage is not None:
                on_stage(stage)
            if self._hold_s:
                await asyncio.sleep(self._hold_s / 4)
        if self._hold_s:
            await asyncio.sleep(self._hold_s / 4)
        return replace(self._report, call_id=call_id or "")

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[ScriptedPhone]:
        yield self
