"""Appends from many threads at once make one unbroken chain (no duplicate sequence)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from gateway.audit import service as audit
from gateway.errors import DatabaseUnavailable
from gateway.storage import db
from gateway.storage.db import Database


def test_concurrent_appends_from_many_threads_keep_the_chain_intact(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'safedial.db'}").migrate()
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def append_five(worker: int) -> None:
        start.wait()
        for n in range(5):
            try:
                with database.unit_of_work() as session:
                    audit.append(session, actor=f"worker-{worker}", action="test.append",
                                 fields=[f"n={n}"])
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=append_five, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    with database.unit_of_work() as session:
        assert [entry.seq for entry in audit.records(session)] == list(range(1, 41))
        assert audit.verify(session).ok
    database.dispose()


def test_an_append_waits_out_a_writer_that_holds_the_lock_longer_than_the_busy_timeout(
    tmp_path: Path,
) -> None:
    """Bounded retry: the busy timeout (0.2 s here) runs out, the next try gets the lock."""
    path = tmp_path / "safedial.db"
    database = Database(f"sqlite:///{path}?timeout=0.2").migrate()
    holding = threading.Event()

    def hold_the_lock() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        holding.set()
        time.sleep(0.6)
        other.commit()
        other.close()

    writer = threading.Thread(target=hold_the_lock)
    writer.start()
    holding.wait(5)
    try:
        with database.unit_of_work() as session:
            audit.append(session, actor="test", action="test.append")
    finally:
        writer.join()
    with database.unit_of_work() as session:
        assert [entry.seq for entry in audit.records(session)] == [1]
    database.dispose()


def test_a_lock_held_for_good_is_reported_as_locked_after_the_bounded_tries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(db, "APPEND_LOCK_PAUSE_S", 0.01)
    path = tmp_path / "safedial.db"
    database = Database(f"sqlite:///{path}?timeout=0.05").migrate()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseUnavailable) as locked, database.unit_of_work() as session:
            audit.append(session, actor="test", action="test.append")
    finally:
        other.rollback()
        other.close()
    assert locked.value.details == {"reason": "locked"}
    database.dispose()
