"""Self-test runs this process started on demand, and their progress as it lands.

The API answers 202 with a run id and the admin pages redirect to the run's page;
both start the run with ``start_on_demand``. A reader (the run page's event stream)
follows ``changes`` and reads the recorded verdicts after each one: the records are
the one source of what the run found, this only says when to look again.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from gateway.audit import service as audit
from gateway.callerid import CallerIdMode
from gateway.domain.selftest import Judgement
from gateway.errors import SafeDialError
from gateway.selftest.service import SelfTest


class SelftestRuns:
    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[object]] = {}
        self._changed: dict[str, asyncio.Event] = {}
        #: The modes each on-demand run was asked to test (a few bytes per run).
        self._modes: dict[str, tuple[CallerIdMode, ...]] = {}

    def start(self, run_id: str, run: Callable[[], Awaitable[object]]) -> None:
        self._changed[run_id] = asyncio.Event()
        task: asyncio.Task[object] = asyncio.ensure_future(run())
        self._running[run_id] = task
        task.add_done_callback(lambda _task: self._finished(run_id))

    def running(self, run_id: str) -> bool:
        return run_id in self._running

    def modes(self, run_id: str) -> tuple[CallerIdMode, ...] | None:
        """The modes an on-demand run of this process tests, or None for another run."""
        return self._modes.get(run_id)

    def notify(self, run_id: str) -> None:
        """Something landed for this run (a mode's verdict): wake its readers."""
        changed = self._changed.get(run_id)
        if changed is not None:
            self._changed[run_id] = asyncio.Event()
            changed.set()

    async def changes(self, run_id: str) -> AsyncIterator[None]:
        """Once now, then after each change while the run goes on; ends when it is over.

        The event is taken before each yield, so a change while the reader looks is
        not missed: the reader is woken for it at once.
        """
        while True:
            changed = self._changed.get(run_id)
            yield
            if changed is None:
                return
            await changed.wait()

    def _finished(self, run_id: str) -> None:
        self._running.pop(run_id, None)
        changed = self._changed.pop(run_id, None)
        if changed is not None:
            changed.set()

    def start_on_demand(self, selftest: SelfTest, modes: Sequence[CallerIdMode], *,
                        actor: str) -> str:
        """Start a self-test of ``modes`` in the background for ``actor``; its run id.

        Refused (``BadInput``) before anything starts when no canary is configured.
        The request is audited with the modes it tests; each verdict is audited as it
        lands. A run the PBX cut short is recorded as inconclusive, and the lock follows
        from the records, so its error is not raised again here.
        """
        selftest.require_canary()
        run_id = str(uuid.uuid4())
        with selftest.db.unit_of_work() as session:
            audit.append(session, actor=actor, action="selftest.requested",
                         fields=[mode.value for mode in modes])

        def landed(_judgement: Judgement) -> None:
            self.notify(run_id)

        async def run() -> object:
            try:
                return await selftest.run(modes, trigger="on-demand", actor=actor,
                                          run_id=run_id, on_verdict=landed)
            except SafeDialError:
                return None

        self._modes[run_id] = tuple(modes)
        self.start(run_id, run)
        return run_id
