"""One scheduler per process: jobs survive restarts, old job paths keep working, and a
running job uses the process's own services (never a context or migrations of its own)."""

from __future__ import annotations

import pickle
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.scheduling.scheduler import TABLE, Scheduler, job_services
from gateway.storage.db import Database
from tests.support.world import make_world

SEEN: list[object] = []
RAN = threading.Event()


def remember_services(label: str) -> None:
    """A job: records the services it was run with."""
    SEEN.append((label, job_services()))
    RAN.set()


def test_a_scheduled_job_survives_a_restart_and_adding_it_again_replaces_it(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite:///{tmp_path / 'safedial.db'}")
    due = datetime(2030, 1, 7, 14, 0, tzinfo=UTC)
    first = Scheduler(database.engine, services=object())
    first.schedule_once("cb_123", "gateway.callbacks.jobs:run_due", due, ("cb_123",))
    first.schedule_once("cb_123", "gateway.callbacks.jobs:run_due", due, ("cb_123",))
    first.shutdown()

    again = Scheduler(database.engine, services=object())
    try:
        assert again.job_ids() == ["cb_123"]
        assert again.next_run("cb_123") == due
    finally:
        again.shutdown()
        database.dispose()


def test_a_running_job_gets_the_process_services(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'safedial.db'}")
    services = object()
    scheduler = Scheduler(database.engine, services=services)
    SEEN.clear()
    RAN.clear()
    scheduler.start(run_jobs=True)
    try:
        scheduler.schedule_once("once", f"{__name__}:remember_services",
                                datetime.now(UTC) - timedelta(seconds=1), ("overdue",))
        assert RAN.wait(10), "an overdue job runs as soon as the scheduler runs"
        assert [("overdue", services)] == SEEN
    finally:
        scheduler.shutdown()
        database.dispose()


def test_job_services_outside_a_job_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="only available inside a scheduled job"):
        job_services()


def _store_job_under_an_old_path(database: Database, job_id: str, function: str) -> None:
    """A job row as an earlier version stored it (its function has since moved)."""
    scheduler = Scheduler(database.engine, services=object())
    scheduler.schedule_once(job_id, "gateway.scheduling.scheduler:heartbeat",
                            datetime(2030, 1, 1, tzinfo=UTC), ())
    scheduler.shutdown()
    select_state = text(f"SELECT job_state FROM {TABLE} WHERE id = :id")  # noqa: S608
    update_state = text(f"UPDATE {TABLE} SET job_state = :state WHERE id = :id")  # noqa: S608
    with database.engine.begin() as connection:
        stored = connection.execute(select_state, {"id": job_id}).scalar_one()
        state = pickle.loads(stored)  # noqa: S301 - our own test row
        state["func"] = function
        connection.execute(update_state, {"state": pickle.dumps(state), "id": job_id})


def test_recurring_jobs_stored_under_their_old_paths_are_replaced_at_start(
    tmp_path: Path,
) -> None:
    world = make_world(tmp_path)
    for job_id, old in (("heartbeat", "gateway.callbacks.jobs:heartbeat"),
                        ("retention", "gateway.callbacks.jobs:retention")):
        _store_job_under_an_old_path(world.db, job_id, old)
    world.start_jobs()
    try:
        time.sleep(0.5)  # let the scheduler thread read the store once
        jobs = {job_id: world.scheduler.next_run(job_id) for job_id in world.scheduler.job_ids()}
        assert set(jobs) == {"heartbeat", "retention", "selftest-nightly", "web-housekeeping"}
        assert world.scheduler.job_ids_for("gateway.calls.jobs:retention") == ["retention"]
        assert world.scheduler.job_ids_for("gateway.scheduling.scheduler:heartbeat") == [
            "heartbeat"]
    finally:
        world.close()


def test_a_call_back_job_stored_by_the_earlier_version_still_runs(tmp_path: Path) -> None:
    """Its path and signature (``gateway.callbacks.jobs:run_due`` with the id) are kept."""
    from gateway.callbacks.jobs import run_due

    world = make_world(tmp_path)
    world.scheduler.schedule_once("cb_old", "gateway.callbacks.jobs:run_due",
                                  datetime(2030, 1, 1, tzinfo=UTC), ("cb_old",))
    try:
        assert world.scheduler.job_ids_for("gateway.callbacks.jobs:run_due") == ["cb_old"]
        assert run_due.__code__.co_varnames[:1] == ("callback_id",)
    finally:
        world.close()
