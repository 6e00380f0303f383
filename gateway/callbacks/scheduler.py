"""APScheduler, with its job store in the gateway's own database.

One job per call-back, with the call-back's id (adding it again replaces it:
idempotent). Jobs are stored as a reference to ``gateway.callbacks.jobs`` and
the call-back id, so they survive a restart of the gateway. A heartbeat job
wakes the scheduler every 30 seconds so call-backs added by another process
(the CLI) are picked up.
"""

from __future__ import annotations

from datetime import datetime

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from sqlalchemy import Engine

JOB_FUNCTION = "gateway.callbacks.jobs:run_due"
HEARTBEAT_FUNCTION = "gateway.callbacks.jobs:heartbeat"
RETENTION_FUNCTION = "gateway.callbacks.jobs:retention"
TABLE = "scheduler_jobs"


class _Scheduler(BackgroundScheduler):  # type: ignore[misc]
    """Runs jobs only while running.

    APScheduler 3 wakes its thread once more on shutdown and then processes due
    jobs against executors it already shut down; a paused writer (the CLI)
    would hit that with a call-back that is due now.
    """

    def _process_jobs(self) -> float | None:
        if self.state != STATE_RUNNING:
            return None
        result: float | None = super()._process_jobs()
        return result


class CallbackScheduler:
    def __init__(self, engine: Engine) -> None:
        self._scheduler = _Scheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=TABLE)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone="UTC",
        )

    def start(self, *, paused: bool = False) -> None:
        """Paused: only stores jobs (the CLI); running: also runs them (the server)."""
        self._scheduler.start(paused=paused)
        if not paused:
            self._scheduler.add_job(HEARTBEAT_FUNCTION, "interval", seconds=30,
                                    id="heartbeat", replace_existing=True)
            self._scheduler.add_job(RETENTION_FUNCTION, "interval", hours=24,
                                    id="retention", replace_existing=True)

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def schedule(self, callback_id: str, run_at: datetime) -> None:
        self._scheduler.add_job(JOB_FUNCTION, "date", run_date=run_at, id=callback_id,
                                args=[callback_id], replace_existing=True)

    def unschedule(self, callback_id: str) -> None:
        if self._scheduler.get_job(callback_id) is not None:
            self._scheduler.remove_job(callback_id)

    def next_run(self, callback_id: str) -> datetime | None:
        job = self._scheduler.get_job(callback_id)
        return job.next_run_time if job is not None else None

    def job_ids(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]
