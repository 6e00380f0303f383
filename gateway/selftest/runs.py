"""Self-test runs this process started on demand (the API answers 202 with a run id)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class SelftestRuns:
    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[object]] = {}

    def start(self, run_id: str, run: Callable[[], Awaitable[object]]) -> None:
        task: asyncio.Task[object] = asyncio.ensure_future(run())
        self._running[run_id] = task
        task.add_done_callback(lambda _task: self._running.pop(run_id, None))

    def running(self, run_id: str) -> bool:
        return run_id in self._running
