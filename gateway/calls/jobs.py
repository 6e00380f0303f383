"""The call path's scheduled work: the retention purge of call records and audit entries.

Stored by reference (``gateway.calls.jobs:retention``); it gets the process's
own services from the scheduler (``job_services``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Protocol, cast

from gateway.audit import service as audit
from gateway.calls.records import purge_records
from gateway.domain.policy import AgencyPolicy
from gateway.scheduling.scheduler import Scheduler, job_services
from gateway.storage.db import Database

log = logging.getLogger(__name__)

RETENTION_JOB = "retention"
RETENTION_FUNCTION = "gateway.calls.jobs:retention"


class RetentionServices(Protocol):
    @property
    def db(self) -> Database: ...

    @property
    def policy(self) -> AgencyPolicy: ...


def retention() -> None:
    """Delete call records and audit entries older than the policy's retention."""
    ctx = cast(RetentionServices, job_services())
    now = datetime.now(UTC)
    days = ctx.policy.retention_days
    removed = purge_records(ctx.db, retention_days=days, now=now)
    with ctx.db.unit_of_work() as session:
        purged = audit.purge(session, retention_days=days, now=now)
    log.info("retention: %d call records, %d audit entries", removed, purged)


def register(scheduler: Scheduler, _services: object) -> None:
    scheduler.every(RETENTION_JOB, RETENTION_FUNCTION, interval=timedelta(hours=24))
