"""Retention purges old audit entries through a checkpoint; what remains still verifies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from gateway.audit import service as audit
from tests.support.world import make_world


def test_purging_old_entries_keeps_the_rest_of_the_chain_verifiable(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    long_ago = datetime.now(UTC) - timedelta(days=400)
    with world.db.unit_of_work() as session:
        for day in range(5):
            audit.append(session, actor="admin", action="participant.updated",
                         participant="p_old", fields=["windows"],
                         now=long_ago + timedelta(days=day))
        for _ in range(3):
            audit.append(session, actor="admin", action="participant.updated",
                         participant="p_new", fields=["voicemail"])

    with world.db.unit_of_work() as session:
        removed = audit.purge(session, retention_days=90)
    with world.db.unit_of_work() as session:
        remaining = audit.records(session)
        check = audit.verify(session)
        audit.append(session, actor="admin", action="participant.updated", participant="p_new",
                     fields=["language"])
    with world.db.unit_of_work() as session:
        after_append = audit.verify(session)

    assert removed == 5
    assert [record.kind for record in remaining] == ["checkpoint", "entry", "entry", "entry"]
    assert "p_old" not in {record.participant for record in remaining}
    assert check.ok, check.problem
    assert after_append.ok, after_append.problem
