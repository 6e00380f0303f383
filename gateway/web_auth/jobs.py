"""Web accounts' scheduled work: forget old sessions and spent sign-in counts.

Stored by reference (``gateway.web_auth.jobs:housekeeping``); it gets the process's
own services from the scheduler (``job_services``). Ended sessions are kept for the
policy's retention (when and why each ended, for an admin looking into an account);
a throttle count is dropped a day after its window and lock are over.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Protocol, cast

from gateway.domain.policy import AgencyPolicy
from gateway.scheduling.scheduler import Scheduler, job_services
from gateway.storage.db import Database
from gateway.web_auth import throttle
from gateway.web_auth.sessions import purge_sessions

log = logging.getLogger(__name__)

HOUSEKEEPING_JOB = "web-housekeeping"
HOUSEKEEPING_FUNCTION = "gateway.web_auth.jobs:housekeeping"
THROTTLE_KEPT = timedelta(days=1)


class HousekeepingServices(Protocol):
    @property
    def db(self) -> Database: ...

    @property
    def policy(self) -> AgencyPolicy: ...


def tidy(db: Database, policy: AgencyPolicy, now: datetime) -> tuple[int, int]:
    """Delete sessions over for longer than the retention, and spent throttle counts."""
    with db.unit_of_work() as session:
        sessions = purge_sessions(session, before=now - timedelta(days=policy.retention_days))
        counts = throttle.purge(session, before=now - THROTTLE_KEPT)
    return sessions, counts


def housekeeping() -> None:
    ctx = cast(HousekeepingServices, job_services())
    sessions, counts = tidy(ctx.db, ctx.policy, datetime.now(UTC))
    log.info("web housekeeping: %d sessions, %d throttle counts", sessions, counts)


def register(scheduler: Scheduler, _services: object) -> None:
    scheduler.every(HOUSEKEEPING_JOB, HOUSEKEEPING_FUNCTION, interval=timedelta(hours=24))
