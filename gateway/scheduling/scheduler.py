"""APScheduler, with its job store in the gateway's own database, built once per process.

Jobs are stored as a textual reference to a module-level function (so they
survive a restart) plus their arguments. A running job reaches the process's
own services through ``job_services()``, set by this scheduler's executor: a
job never builds a context, a database engine or runs migrations of its own
(Alembic's global state is not thread-safe, and two overdue jobs at start-up
would race on it).

A process that only writes jobs (the CLI) starts the scheduler paused; the
server runs them. A heartbeat wakes the scheduler every 30 s so jobs written
by another process are seen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar, copy_context
from datetime import datetime, timedelta
from typing import Any

from apscheduler.executors.base import BaseExecutor, run_job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING, STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import Engine

log = logging.getLogger(__name__)

TABLE = "scheduler_jobs"
HEARTBEAT_JOB = "heartbeat"
HEARTBEAT_FUNCTION = "gateway.scheduling.scheduler:heartbeat"


def heartbeat() -> None:
    """Wakes the scheduler so jobs added by other processes are seen."""


_SERVICES: ContextVar[object] = ContextVar("safedial_job_services")


def job_services() -> object:
    """The services of the process running the current job (set by its executor).

    Jobs are stored by reference with data arguments only (APScheduler checks
    a job's arguments against its signature when it is stored), so the
    process's services reach a running job through this, scoped to that run.
    """
    try:
        return _SERVICES.get()
    except LookupError:
        raise RuntimeError("job_services() is only available inside a scheduled job") from None


class _ServicesExecutor(BaseExecutor):  # type: ignore[misc]
    """A thread pool that runs each job with the process's services in its context."""

    def __init__(self, services: object, max_workers: int = 4) -> None:
        super().__init__()
        self._services = services
        self._pool = ThreadPoolExecutor(max_workers, thread_name_prefix="safedial-job")

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        context = copy_context()
        context.run(_SERVICES.set, self._services)

        def done(future: Any) -> None:
            error = future.exception()
            if error is not None:
                self._run_job_error(job.id, error, error.__traceback__)
            else:
                self._run_job_success(job.id, future.result())

        future = self._pool.submit(context.run, run_job, job, job._jobstore_alias, run_times,
                                   self._logger.name)
        future.add_done_callback(done)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait)


class _Scheduler(BackgroundScheduler):  # type: ignore[misc]
    """Runs jobs only while running.

    APScheduler 3 wakes its thread once more on shutdown and then processes due
    jobs against executors it already shut down; a paused writer (the CLI)
    would hit that with a job that is due now. And a shutdown while its thread
    removes a finished one-off job makes that removal look in the (empty) list
    of pending jobs and fail: nothing is lost then, the process is stopping.
    """

    def _process_jobs(self) -> float | None:
        if self.state != STATE_RUNNING:
            return None
        try:
            result: float | None = super()._process_jobs()
        except JobLookupError:
            if self.state == STATE_STOPPED:
                return None
            raise
        return result


class Scheduler:
    """The process's one scheduler. ``services`` is what ``job_services()`` gives its jobs."""

    def __init__(self, engine: Engine, services: object) -> None:
        self._scheduler = _Scheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=TABLE)},
            executors={"default": _ServicesExecutor(services)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone="UTC",
        )
        self._at_start: list[Callable[[], object]] = []
        self.runs_jobs = False

    # -- registration, before start -------------------------------------------------
    def every(self, job_id: str, function: str, *, interval: timedelta) -> None:
        """A recurring job; registering it replaces the stored one with the same id.

        Register before ``start``: APScheduler then writes it before its thread
        first reads the store, so a job stored under a function's old import
        path is replaced, never loaded (and deleted) under it.
        """
        self._scheduler.add_job(function, "interval", seconds=interval.total_seconds(),
                                id=job_id, replace_existing=True)

    def on_trigger(self, job_id: str, function: str, trigger: BaseTrigger) -> None:
        """A job on any APScheduler trigger (e.g. a daily wall-clock time)."""
        self._scheduler.add_job(function, trigger, id=job_id, replace_existing=True)

    def at_start(self, task: Callable[[], object]) -> None:
        """Work to do before the first job runs (e.g. reconcile rows with the job store)."""
        self._at_start.append(task)

    # -- life cycle --------------------------------------------------------------------
    def start(self, *, run_jobs: bool) -> None:
        """``run_jobs=False`` only stores jobs (the CLI); True also runs them (the server).

        The start-up tasks run while the scheduler is still paused, so they see
        the rows as the last process left them, before any job of this one runs.
        """
        if run_jobs:
            self.every(HEARTBEAT_JOB, HEARTBEAT_FUNCTION, interval=timedelta(seconds=30))
        if not self._scheduler.running:
            self._scheduler.start(paused=True)
        if run_jobs and not self.runs_jobs:
            for task in self._at_start:
                task()
            self._scheduler.resume()
            self.runs_jobs = True

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def _store(self) -> BackgroundScheduler:
        """The scheduler, started paused (store only) on first use in a process that
        does not run jobs: the CLI writes call-backs without starting a thread for
        every command that never schedules one."""
        if not self._scheduler.running:
            self._scheduler.start(paused=True)
        return self._scheduler

    # -- one-off jobs ------------------------------------------------------------------
    def schedule_once(self, job_id: str, function: str, run_at: datetime,
                      args: tuple[str, ...]) -> None:
        """Store a job that runs once at ``run_at``; adding it again replaces it (idempotent)."""
        self._store().add_job(function, "date", run_date=run_at, id=job_id, args=list(args),
                                replace_existing=True)

    def unschedule(self, job_id: str) -> None:
        store = self._store()
        if store.get_job(job_id) is not None:
            store.remove_job(job_id)

    def next_run(self, job_id: str) -> datetime | None:
        job = self._store().get_job(job_id)
        return job.next_run_time if job is not None else None

    def job_ids(self) -> list[str]:
        return [job.id for job in self._store().get_jobs()]

    def job_ids_for(self, function: str) -> list[str]:
        """Ids of stored jobs that call ``function``."""
        return [job.id for job in self._store().get_jobs() if job.func_ref == function]
