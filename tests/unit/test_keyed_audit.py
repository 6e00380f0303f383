"""A keyed, anchored audit chain: without the key file no one can rewrite it unnoticed,
and cutting off its newest entries, emptying it or forging a checkpoint is reported."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.audit import service as audit
from gateway.cli.main import main
from gateway.errors import ExitCode
from gateway.storage.audit_mark import AuditMark
from gateway.storage.auditchain import (
    BrokenChainError,
    ChainCheck,
    entry_hash,
    next_record,
    verify_chain,
)
from gateway.storage.db import Database
from gateway.wiring import AppContext
from tests.support.world import POLICY, add_participant, world_for_cli

DAY0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    ctx = world_for_cli(tmp_path / "world", monkeypatch)
    for day in range(3):
        with ctx.db.unit_of_work() as session:
            audit.append(session, actor="test", action="advocate.updated", fields=["timezone"],
                         now=DAY0 + timedelta(days=day))
    return ctx


def sql(world: AppContext, statement: str, *params: object) -> None:
    with sqlite3.connect(world.settings.database_url.removeprefix("sqlite:///")) as raw:
        raw.execute(statement, params)


def verify(world: AppContext) -> ChainCheck:
    with world.db.unit_of_work() as session:
        return audit.verify(session)


def rehash_without_a_key(world: AppContext) -> None:
    """What someone with the database but not the key file can do: recompute every hash."""
    with sqlite3.connect(world.settings.database_url.removeprefix("sqlite:///")) as raw:
        link = "0" * 64
        rows = raw.execute("SELECT seq, at, actor, participant, action, fields, kind "
                           "FROM audit_log ORDER BY seq").fetchall()
        for seq, at, actor, participant, action, fields, kind in rows:
            digest = entry_hash(link, seq, at, actor, participant, action, json.loads(fields),
                                kind)
            raw.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?",
                        (link, digest, seq))
            link = digest
        raw.execute("UPDATE audit_head SET hash = ? WHERE id = 1", (link,))


def test_the_chain_verifies_under_the_key_file(world: AppContext) -> None:
    check = verify(world)
    assert check.ok and check.checked == 3


def test_an_edit_rehashed_without_the_key_file_is_reported(world: AppContext) -> None:
    sql(world, "UPDATE audit_log SET action = 'nothing.happened' WHERE seq = 1")
    rehash_without_a_key(world)
    check = verify(world)
    assert not check.ok and check.bad_seq == 1


def test_cutting_off_the_newest_entries_is_reported(world: AppContext) -> None:
    sql(world, "DELETE FROM audit_log WHERE seq = 3")
    check = verify(world)
    assert not check.ok
    assert check.problem == "the log ends at entry 2, but it last held entry 3: cut off"


def test_emptying_the_table_is_reported(world: AppContext) -> None:
    sql(world, "DELETE FROM audit_log")
    check = verify(world)
    assert not check.ok and "it was emptied" in (check.problem or "")


def test_removing_the_high_water_mark_is_reported(world: AppContext) -> None:
    sql(world, "DELETE FROM audit_head")
    assert "high-water mark is missing" in (verify(world).problem or "")


def test_moving_the_high_water_mark_back_is_reported(world: AppContext) -> None:
    with world.db.unit_of_work() as session:
        second = audit.records(session)[1]
    sql(world, "DELETE FROM audit_log WHERE seq = 3")
    sql(world, "UPDATE audit_head SET seq = 2, hash = ? WHERE id = 1", second.hash)
    assert verify(world).problem == "the high-water mark was altered or forged"


def test_forging_a_checkpoint_is_reported(world: AppContext) -> None:
    """Deleting the oldest entries behind a made-up checkpoint, as an unkeyed purge would."""
    with world.db.unit_of_work() as session:
        first = audit.records(session)[0]
    sql(world, "DELETE FROM audit_log WHERE seq = 1")
    sql(world, "INSERT INTO audit_log (seq, at, actor, participant, action, fields, prev_hash, "
               "hash, kind) VALUES (1, ?, 'system:retention', NULL, 'purged', '[]', ?, ?, "
               "'checkpoint')", first.at, first.hash, first.hash)
    check = verify(world)
    assert not check.ok and "checkpoint 1 was forged" in (check.problem or "")


def test_a_purge_keeps_the_keyed_chain_and_its_high_water_mark_verifying(
    world: AppContext,
) -> None:
    with world.db.unit_of_work() as session:
        assert audit.purge(session, retention_days=1, now=DAY0 + timedelta(days=2, hours=1)) == 2
    assert verify(world).ok
    with world.db.unit_of_work() as session:
        audit.purge(session, retention_days=1, now=DAY0 + timedelta(days=30))
    assert verify(world).ok, "everything purged: the checkpoint is the newest record"
    with world.db.unit_of_work() as session:
        audit.append(session, actor="test", action="advocate.updated")
    assert verify(world).ok


def test_a_purge_refuses_a_log_whose_newest_entries_were_cut_off(world: AppContext) -> None:
    sql(world, "DELETE FROM audit_log WHERE seq = 3")
    with pytest.raises(BrokenChainError), world.db.unit_of_work() as session:
        audit.purge(session, retention_days=1, now=DAY0 + timedelta(days=30))


def test_audit_verify_reports_a_cut_off_log_with_exit_3(
    world: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    sql(world, "DELETE FROM audit_log WHERE seq = 3")
    assert main(["audit", "verify"]) == ExitCode.REFUSED
    assert "cut off" in capsys.readouterr().out


# --- the mark beside the key file: a whole older copy of the database ----------------------


def database_file(world: AppContext) -> Path:
    return Path(world.settings.database_url.removeprefix("sqlite:///"))


def restore_older_copy(world: AppContext, *, newer_entries: int) -> None:
    """What undoing an erase or a preference change from yesterday's backup looks like."""
    backup = database_file(world).read_bytes()
    for _ in range(newer_entries):
        with world.db.unit_of_work() as session:
            audit.append(session, actor="test", action="participant.erased")
    world.db.dispose()
    database_file(world).write_bytes(backup)


def test_restoring_a_whole_older_copy_of_the_database_is_reported(
    world: AppContext, capsys: pytest.CaptureFixture[str],
) -> None:
    restore_older_copy(world, newer_entries=2)

    check = verify(world)
    assert not check.ok
    assert "the database ends at entry 3, but the key file's mark shows entry 5" in (
        check.problem or "")
    assert main(["audit", "verify"]) == ExitCode.REFUSED
    assert "older copy of the database" in capsys.readouterr().out


def test_an_admin_who_restored_on_purpose_accepts_it_and_the_loss_is_audited(
    world: AppContext, capsys: pytest.CaptureFixture[str],
) -> None:
    restore_older_copy(world, newer_entries=2)

    assert main(["audit", "accept-restore"]) == ExitCode.OK
    assert "2 audit entries are missing" in capsys.readouterr().out
    assert verify(world).ok
    with world.db.unit_of_work() as session:
        newest = audit.records(session)[-1]
    assert (newest.actor, newest.action, newest.fields) == (
        "cli", "audit.restore-accepted", ("entries_lost=2",))


def test_no_audited_change_lands_in_an_older_copy_so_the_gap_cannot_be_written_over(
    world: AppContext,
) -> None:
    restore_older_copy(world, newer_entries=2)

    with pytest.raises(BrokenChainError, match="older copy"), \
            world.db.unit_of_work() as session:
        audit.append(session, actor="test", action="advocate.updated")
    with world.db.unit_of_work() as session:
        assert [record.seq for record in audit.records(session)] == [1, 2, 3]


def test_accepting_a_restore_does_not_launder_a_log_cut_off_in_the_database(
    world: AppContext,
) -> None:
    sql(world, "DELETE FROM audit_log WHERE seq = 3")
    assert main(["audit", "accept-restore"]) == ExitCode.REFUSED
    assert "cut off" in (verify(world).problem or "")


def test_an_edited_mark_beside_the_key_file_is_reported(world: AppContext) -> None:
    mark = AuditMark.beside(world.settings.key_file)
    edited = json.loads(mark.path.read_text()) | {"seq": 9}
    mark.path.write_text(json.dumps(edited))
    assert "mark beside the key file (keys.json.audit-head) was altered" in (
        verify(world).problem or "")


def test_a_mark_that_lags_is_no_problem_and_the_next_change_moves_it(
    world: AppContext,
) -> None:
    mark = AuditMark.beside(world.settings.key_file)
    mark.path.unlink()
    assert verify(world).ok
    with world.db.unit_of_work() as session:
        audit.append(session, actor="test", action="advocate.updated")
    assert mark.read() is not None and mark.read().seq == 4  # type: ignore[union-attr]
    assert oct(mark.path.stat().st_mode & 0o777) == "0o600"


# --- upgrading: an older, unkeyed log --------------------------------------------------------


def unkeyed_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    """A world whose log was written before the chain was keyed (and no key file bound)."""
    ctx = world_for_cli(tmp_path / "old", monkeypatch)
    bare = Database(ctx.settings.database_url)
    for day in range(2):
        with bare.unit_of_work() as session:
            audit.append(session, actor="test", action="advocate.updated",
                         now=DAY0 + timedelta(days=day))
    bare.dispose()
    return ctx


def test_an_older_log_is_sealed_under_the_key_file_when_it_is_first_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = unkeyed_log(tmp_path, monkeypatch)
    assert ctx.keys.active_key_id  # first use of the key file: binds, and seals the log
    with ctx.db.unit_of_work() as session:
        entries = audit.records(session)
        assert audit.verify(session).ok
    assert [e.action for e in entries] == ["advocate.updated", "advocate.updated",
                                           "audit.sealed"]
    assert entries[-1].fields == ("records=2",)
    rehash_without_a_key(ctx)
    assert not verify(ctx).ok, "sealed: an unkeyed chain no longer verifies"


def test_sealing_does_not_launder_an_older_log_that_was_already_broken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = unkeyed_log(tmp_path, monkeypatch)
    sql(ctx, "UPDATE audit_log SET action = 'nothing.happened' WHERE seq = 1")
    add_participant(ctx)  # binds the key file and seals what it can
    check = verify(ctx)
    assert not check.ok and check.bad_seq == 1


def test_an_audited_write_in_a_fresh_process_uses_the_key_file(world: AppContext) -> None:
    fresh = AppContext(settings=world.settings, db=world.db, policy=POLICY)
    with fresh.db.unit_of_work() as session:
        audit.append(session, actor="test", action="advocate.updated")
    assert verify(world).ok


def test_a_keyed_chain_verifies_only_under_its_own_key() -> None:
    first = next_record(None, at="2026-01-05T12:00:00+00:00", actor="test",
                        participant=None, action="advocate.updated", fields=(), key=b"k" * 32)
    assert verify_chain([first], key=b"k" * 32).ok
    assert not verify_chain([first], key=b"x" * 32).ok
    assert not verify_chain([first]).ok, "nor as a plain SHA-256 chain"
