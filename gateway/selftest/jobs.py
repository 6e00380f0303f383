"""The nightly self-test, registered with the process's scheduler from the policy file.

It runs at the policy's ``[selftest] time`` in the agency's zone, exactly once
per day across DST changes (``gateway.domain.daily``). Before testing, a pass
that has gone stale (e.g. the server was down last night) raises an alert.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time, tzinfo
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from gateway.domain.daily import next_daily_run
from gateway.domain.selftest import LockCause
from gateway.errors import SafeDialError
from gateway.scheduling.scheduler import Scheduler, job_services
from gateway.selftest.alerts import Alert
from gateway.selftest.locks import MODES, PrivacyLocks
from gateway.selftest.service import SelfTest

log = logging.getLogger(__name__)

NIGHTLY_JOB = "selftest-nightly"
NIGHTLY_FUNCTION = "gateway.selftest.jobs:nightly"


class DailyAt(BaseTrigger):  # type: ignore[misc]
    """An APScheduler trigger firing once a day at a wall-clock time in a zone."""

    def __init__(self, at: time, zone: str) -> None:
        self.at = at
        self.zone = zone

    def get_next_fire_time(self, previous_fire_time: datetime | None,
                           now: datetime) -> datetime:
        after = max(previous_fire_time, now) if previous_fire_time else now
        return next_daily_run(after, self.at, ZoneInfo(self.zone))

    def __getstate__(self) -> dict[str, Any]:
        return {"version": 1, "at": self.at.isoformat(), "zone": self.zone}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.at = time.fromisoformat(state["at"])
        self.zone = state["zone"]

    def __str__(self) -> str:
        return f"daily at {self.at:%H:%M} ({self.zone})"

    @property
    def timezone(self) -> tzinfo:
        return ZoneInfo(self.zone)


class SelftestServices(Protocol):
    def selftest(self) -> SelfTest: ...

    def privacy_locks(self) -> PrivacyLocks: ...


def nightly() -> None:
    """The scheduled job (a scheduler worker thread)."""
    run_nightly(cast(SelftestServices, job_services()))


def run_nightly(services: SelftestServices) -> None:
    """Alert on a pass gone stale (e.g. the server was down last night), then test every mode."""
    locks = services.privacy_locks()
    selftest = services.selftest()
    for mode, cause in locks.causes().items():
        if cause is LockCause.STALE:
            selftest.alerts.send(Alert(mode.value, "stale", None, locks.clock().isoformat()))
    try:
        report = asyncio.run(selftest.run(MODES, trigger="scheduled"))
    except SafeDialError as exc:
        log.error("nightly self-test could not run: %s", exc.error_id)
        return
    log.info("nightly self-test %s: %s", report.run_id,
             ", ".join(f"{j.mode.value} {j.verdict.value}" for j in report.judgements))


def register(scheduler: Scheduler, services: SelftestServices, *, at: time, zone: str) -> None:
    scheduler.on_trigger(NIGHTLY_JOB, NIGHTLY_FUNCTION, DailyAt(at, zone))
