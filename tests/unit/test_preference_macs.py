"""What a participant agreed to cannot be changed in the database behind SafeDial's back.

Each audited change to them re-seals the participant's preferences under the audit key;
`audit verify` reports a direct edit of a window, the caller-ID mode or a
voicemail agreement, and keeps passing for every change made through SafeDial.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gateway.audit import service as audit
from gateway.cli.main import main
from gateway.errors import ExitCode
from gateway.people import service as people
from gateway.wiring import AppContext
from tests.support.world import add_participant, changes, world_for_cli


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    return world_for_cli(tmp_path / "world", monkeypatch)


def sql(world: AppContext, statement: str, *params: object) -> None:
    with sqlite3.connect(world.settings.database_url.removeprefix("sqlite:///")) as raw:
        raw.execute(statement, params)


def intact(world: AppContext) -> bool:
    with world.db.unit_of_work() as session:
        return audit.verify(session).ok


def test_changes_made_through_safedial_keep_the_log_intact(world: AppContext) -> None:
    participant_id = add_participant(world, windows=["mon-fri 09:00-17:00"])
    with world.db.unit_of_work() as session:
        people.update_participant(session, keys=world.keys, policy=world.policy, actor="test",
                                  participant_id=participant_id,
                                  fields=changes({"caller_id": "masked",
                                                  "windows": ["sat 10:00-12:00"]}),
                                  callbacks=world.callbacks())
    assert intact(world)


@pytest.mark.parametrize(("column", "value"), [
    ("caller_id", "masked"),
    ("windows", '["mon-sun 00:00-24:00"]'),
    ("voicemail_may_include_number", 1),
    ("pause_until", None),
])
def test_a_preference_edited_in_the_database_is_reported_by_audit_verify(
    world: AppContext, capsys: pytest.CaptureFixture[str], column: str, value: object
) -> None:
    participant_id = add_participant(world, windows=["mon-fri 09:00-17:00"],
                                     pause_until="2030-01-01")
    assert intact(world)
    sql(world, f"UPDATE participants SET {column} = ? WHERE id = ?",  # noqa: S608 - test
        value, participant_id)

    assert main(["audit", "verify"]) == ExitCode.REFUSED
    out = capsys.readouterr().out
    assert participant_id in out and "preferences changed outside SafeDial" in out


def test_a_removed_mac_is_reported_too(world: AppContext) -> None:
    participant_id = add_participant(world, windows=["mon-fri 09:00-17:00"])
    sql(world, "UPDATE participants SET prefs_mac = NULL WHERE id = ?", participant_id)
    assert not intact(world)


def test_a_later_call_or_call_back_about_them_does_not_seal_over_a_direct_edit(
    world: AppContext,
) -> None:
    """Only a change to the preferences re-seals them: an edit made behind SafeDial's back
    stays reported when an unrelated entry about the participant follows it."""
    participant_id = add_participant(world, windows=["mon-fri 09:00-17:00"])
    sql(world, "UPDATE participants SET caller_id = 'masked' WHERE id = ?", participant_id)
    with world.db.unit_of_work() as session:
        audit.append(session, actor="gateway", action="call.outcome.answered",
                     participant=participant_id)
        audit.append(session, actor="scheduler", action="callback.cancelled",
                     participant=participant_id)
    assert not intact(world)
