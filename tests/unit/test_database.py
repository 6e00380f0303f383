"""The database: migrated once at start-up, never per ``Database``."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from gateway.settings import load_settings
from gateway.storage.db import Database
from gateway.wiring import build_context
from tests.support.world import world_environment


def _tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_opening_a_database_does_not_migrate_it(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'safedial.db'}")
    assert _tables(db) == set()
    assert "participants" in _tables(db.migrate())


def test_the_wiring_point_migrates_at_start_up(tmp_path: Path) -> None:
    settings = load_settings(world_environment(tmp_path))
    assert {"participants", "alembic_version"} <= _tables(build_context(settings).db)

