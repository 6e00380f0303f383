"""The call-backs feature's scheduled work.

``run_due`` is stored by reference in the job store (``gateway.callbacks.jobs:run_due``
with the call-back id), so it must stay importable here with that signature: jobs
stored by earlier versions keep working. It gets the process's own services from
the scheduler (``job_services``), never a context of its own.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Protocol, cast

from gateway.callbacks.runner import CallbackRunner
from gateway.callbacks.service import Callbacks
from gateway.scheduling.scheduler import Scheduler, job_services


class CallbackServices(Protocol):
    """What the call-back jobs need of the process (the app context provides it)."""

    def callbacks(self) -> Callbacks: ...

    def callback_runner(self) -> CallbackRunner: ...


def run_due(callback_id: str) -> None:
    """Run one call-back now (in a scheduler worker thread, with its own event loop)."""
    services = cast(CallbackServices, job_services())
    asyncio.run(services.callback_runner().run(callback_id))


def register(scheduler: Scheduler, services: CallbackServices) -> None:
    """Before the first job runs, make the call-back rows and the job store agree."""
    scheduler.at_start(lambda: services.callbacks().reconcile(now=datetime.now(UTC)))
