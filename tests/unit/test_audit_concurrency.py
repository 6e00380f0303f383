"""Appends from many threads at once make one unbroken chain (no duplicate sequence)."""

from __future__ import annotations

import threading
from pathlib import Path

from gateway.audit import service as audit
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
