"""Calls this process placed, by id: their stage while they run and how they ended.

A call the API accepted (202) is run as a background task; whatever happens
to that task, its state ends as ``ended`` with an outcome, so no call is left
showing ``ringing-advocate`` forever. While it runs, its stage (``CallStage``)
moves as the PBX reports it, and ``changes`` lets the advocate's live status
follow it without polling.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from gateway.calls.models import CallReport, CallStage, Outcome, StageListener
from gateway.errors import INTERNAL_ERROR, SafeDialError

log = logging.getLogger(__name__)

RINGING_ADVOCATE = CallStage.RINGING_ADVOCATE.value
ENDED = CallStage.ENDED.value


class CallBook:
    """Live call states of this process; read by ``GET /api/calls/{id}``."""

    def __init__(self) -> None:
        self._states: dict[str, dict[str, Any]] = {}
        self._advocates: dict[str, str] = {}
        #: Whom each call is to (a pseudonymous id), for the advocate's page only.
        self._participants: dict[str, str] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        #: Set (and replaced) whenever a call's state changes: wakes its watchers.
        self._changed: dict[str, asyncio.Event] = {}

    def get(self, call_id: str, *, advocate_id: str | None) -> dict[str, Any] | None:
        """The call's state, for the advocate whose phone it rang (``None``: an admin).

        Anyone else gets ``None``, as for a call that does not exist: a call id seen
        over a shoulder must not tell another advocate whom a colleague is calling."""
        state = self._states.get(call_id)
        if state is None or advocate_id not in (None, self._advocates.get(call_id)):
            return None
        return dict(state)

    def participant_of(self, call_id: str, *, advocate_id: str | None) -> str | None:
        """Whom the call is to, for the same readers as ``get`` (None if not known)."""
        if self.get(call_id, advocate_id=advocate_id) is None:
            return None
        return self._participants.get(call_id)

    def run(self, call_id: str, call: Callable[[StageListener], Awaitable[CallReport]], *,
            advocate_id: str, participant_id: str | None = None) -> None:
        """Run ``call`` in the background and keep its state until it ends, however it ends.

        ``call`` is given the listener that moves the call's stage."""
        self._advocates[call_id] = advocate_id
        if participant_id is not None:
            self._participants[call_id] = participant_id
        self._changed[call_id] = asyncio.Event()
        self._set(call_id, {"call_id": call_id, "state": RINGING_ADVOCATE})
        task = asyncio.create_task(self._follow(call_id, call))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def changes(self, call_id: str, *, advocate_id: str | None
                      ) -> AsyncIterator[dict[str, Any]]:
        """The call's state now, then each change, until it has ended (for the same
        readers as ``get``; nothing for anyone else)."""
        state = self.get(call_id, advocate_id=advocate_id)
        while state is not None:
            yield state
            if state["state"] == ENDED:
                return
            changed = self._changed.get(call_id)
            if changed is None:
                return
            await changed.wait()
            state = self.get(call_id, advocate_id=advocate_id)

    def _set(self, call_id: str, state: dict[str, Any]) -> None:
        self._states[call_id] = state
        changed = self._changed.get(call_id)
        if changed is not None:
            self._changed[call_id] = asyncio.Event()
            changed.set()

    def _stage(self, call_id: str) -> StageListener:
        def moved(stage: CallStage) -> None:
            if stage is not CallStage.ENDED and self._states[call_id]["state"] != ENDED:
                self._set(call_id, {"call_id": call_id, "state": stage.value})
        return moved

    async def _follow(self, call_id: str,
                      call: Callable[[StageListener], Awaitable[CallReport]]) -> None:
        try:
            report = await call(self._stage(call_id))
        except SafeDialError as exc:
            self._failed(call_id, exc.error_id)
        except Exception as exc:  # a bug must still end the call's state, never leave it ringing
            # Only the type: a message could quote a value, and values can be numbers.
            log.error("call %s failed unexpectedly: %s", call_id, type(exc).__name__)
            self._failed(call_id, INTERNAL_ERROR)
        else:
            self._set(call_id, {"state": ENDED, **report.as_dict()})

    def _failed(self, call_id: str, reason: str) -> None:
        self._set(call_id, {"call_id": call_id, "state": ENDED,
                            "outcome": Outcome.FAILED.value, "reason": reason})

    async def settle(self, timeout: float) -> None:
        """At shutdown, give calls still running up to ``timeout`` seconds to end."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
