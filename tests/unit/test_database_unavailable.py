"""A locked, read-only or corrupt database: exit 4 / HTTP 503, and no SQL or values anywhere."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from gateway.cli.main import main
from gateway.errors import DatabaseUnavailable, ExitCode
from gateway.people import service as people
from gateway.storage.db import Database
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.support.numbers import PARTICIPANT, leaked
from tests.support.world import add_advocate, make_world, participant_data, world_environment

#: Words that only SQL or SQLAlchemy's statement errors would bring into a message or log.
SQL_WORDS = ("INSERT", "SELECT", "UPDATE", "VALUES", "[SQL", "parameters", "sqlalche.me")


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Another process holds the database (chmod would not stop root, a lock does)."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def _database(root: Path) -> Path:
    return root / "safedial.db"


# How each broken database is reached: the URL the gateway is given, and what holds it.
Case = Callable[[Path], tuple[str, AbstractContextManager[None]]]
CASES: dict[str, Case] = {
    "locked": lambda root: (f"sqlite:///{_database(root)}?timeout=0.1",
                            exclusive_lock(_database(root))),
    "read-only": lambda root: (f"sqlite:///file:{_database(root)}?mode=ro&uri=true",
                               nullcontext()),
}


def assert_nothing_leaked(*texts: str) -> None:
    everything = "\n".join(texts)
    assert leaked(everything, PARTICIPANT) == []
    assert "bluebird" not in everything
    assert not any(word in everything for word in SQL_WORDS), everything


def _write_a_number(db: Database) -> None:
    with db.unit_of_work() as session:
        session.execute(text("INSERT INTO api_tokens (token_hash) VALUES (:value)"),
                        {"value": PARTICIPANT})


def test_a_locked_database_is_unavailable_after_a_short_wait(tmp_path: Path) -> None:
    Database(f"sqlite:///{_database(tmp_path)}").migrate()
    db = Database(f"sqlite:///{_database(tmp_path)}?timeout=0.1")
    with exclusive_lock(_database(tmp_path)), pytest.raises(DatabaseUnavailable) as caught:
        _write_a_number(db)
    assert caught.value.message == (
        "database unavailable: it is locked by another process; try again shortly")
    assert caught.value.details == {"reason": "locked"}


def test_a_read_only_database_is_unavailable_for_writes(tmp_path: Path) -> None:
    Database(f"sqlite:///{_database(tmp_path)}").migrate()
    read_only = Database(f"sqlite:///file:{_database(tmp_path)}?mode=ro&uri=true").migrate()
    with pytest.raises(DatabaseUnavailable, match="read-only") as caught:
        _write_a_number(read_only)
    assert caught.value.details == {"reason": "read-only"}


def test_a_corrupt_file_is_unavailable_already_at_start_up(tmp_path: Path) -> None:
    _database(tmp_path).touch(mode=0o600)  # private, as SafeDial would make it
    _database(tmp_path).write_bytes(b"not a database, " * 512)
    with pytest.raises(DatabaseUnavailable, match="not a database or is corrupt"):
        Database(f"sqlite:///{_database(tmp_path)}").migrate()


def test_the_error_and_its_cause_hold_no_sql_and_no_values(tmp_path: Path) -> None:
    Database(f"sqlite:///{_database(tmp_path)}").migrate()
    read_only = Database(f"sqlite:///file:{_database(tmp_path)}?mode=ro&uri=true")
    with pytest.raises(DatabaseUnavailable) as caught:
        _write_a_number(read_only)
    chain = [caught.value, caught.value.__cause__, caught.value.__context__]
    assert_nothing_leaked(*(str(error) for error in chain if error is not None))


def test_a_bug_stays_a_bug_but_its_message_hides_the_values(tmp_path: Path) -> None:
    """A constraint violation is not "unavailable"; the engine still hides what was bound."""
    db = Database(f"sqlite:///{_database(tmp_path)}").migrate()
    with pytest.raises(IntegrityError) as caught:
        _write_a_number(db)  # api_tokens needs an advocate: NOT NULL fails
    assert leaked(str(caught.value), PARTICIPANT) == []
    assert "hidden" in str(caught.value)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_cli_exits_4_and_says_database_unavailable_without_sql_or_values(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
) -> None:
    make_world(tmp_path)  # migrated, with a key file
    url, holder = CASES[case](tmp_path)
    for name, value in world_environment(tmp_path, SAFEDIAL_DATABASE_URL=url).items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)

    with holder:
        code = main(["--verbose", "participant", "add", "--alias", "Rose", "--phone", PARTICIPANT,
                     "--timezone", "America/Toronto", "--window", "mon-fri 09:00-17:00",
                     "--code-word", "bluebird"])

    out = capsys.readouterr()
    assert code == ExitCode.UNAVAILABLE == 4
    assert out.err.startswith("safedial: database unavailable: ")
    assert case in out.err
    assert "Traceback" not in out.err
    assert_nothing_leaked(out.out, out.err, caplog.text)


def test_the_cli_exits_4_on_a_corrupt_database_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    make_world(tmp_path).db.dispose()
    _database(tmp_path).write_bytes(b"garbage " * 1024)
    for name, value in world_environment(tmp_path).items():
        monkeypatch.setenv(name, value)

    assert main(["participant", "list"]) == ExitCode.UNAVAILABLE
    assert "not a database or is corrupt" in capsys.readouterr().err


def _admin_token(world: AppContext) -> dict[str, str]:
    advocate_id = add_advocate(world, role="admin")
    with world.db.unit_of_work() as session:
        token = people.issue_token(session, actor="test", advocate_id=advocate_id)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_api_answers_503_database_unavailable_without_sql_or_values(
    case: str, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    world = make_world(tmp_path)
    admin = _admin_token(world)
    url, holder = CASES[case](tmp_path)
    broken = AppContext(settings=world.settings, db=Database(url), policy=world.policy)
    caplog.set_level(logging.DEBUG)

    with TestClient(create_app(broken, run_scheduler=False)) as client, holder:
        response = client.post("/api/participants", json=participant_data(), headers=admin)

    assert response.status_code == 503
    body = response.json()
    assert body["error_id"] == "database-unavailable"
    assert body["message"].startswith("database unavailable: ")
    assert body["details"] == {"reason": case}
    assert_nothing_leaked(response.text, caplog.text)
    world.close()
    broken.close()
