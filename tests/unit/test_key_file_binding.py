"""The key file belongs to the database: another is refused; a failed rotation changes nothing."""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from gateway.cli.main import main
from gateway.errors import ExitCode
from gateway.people import keybinding
from gateway.people import service as people
from gateway.people.keybinding import KeyFileMismatch
from gateway.storage.keyring import KeyFileMissing, KeyRing, init_key_file
from gateway.storage.tables import KeyFileBindingRow
from gateway.wiring import AppContext
from tests.support.world import add_participant, make_world, new_advocate, world_for_cli


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    return world_for_cli(tmp_path / "world", monkeypatch)


def with_key_file(world: AppContext, key_file: Path) -> AppContext:
    """The same database, opened by a command whose SAFEDIAL_KEY_FILE names ``key_file``."""
    settings = world.settings.model_copy(update={"key_file": key_file})
    return AppContext(settings=settings, db=world.db, policy=world.policy)


def test_a_second_key_file_is_refused_for_reads_and_writes(
    world: AppContext, tmp_path: Path
) -> None:
    participant_id = add_participant(world)
    init_key_file(tmp_path / "other-keys.json")
    other = with_key_file(world, tmp_path / "other-keys.json")

    with pytest.raises(KeyFileMismatch) as refused, other.db.unit_of_work() as session:
        people.participant_phone(session, keys=other.keys, participant_id=participant_id)
    assert refused.value.error_id == "key-file-mismatch"
    assert "nothing was read or written" in str(refused.value)
    with pytest.raises(KeyFileMismatch), other.db.unit_of_work() as session:
        people.create_advocate(session, keys=other.keys, policy=other.policy,
                               actor="test", fields=new_advocate(phone="+12025550123"))


def test_a_database_with_no_values_yet_is_still_bound_to_its_first_key_file(
    world: AppContext, tmp_path: Path
) -> None:
    assert world.keys.active_key_id  # first use binds, though nothing is stored yet
    init_key_file(tmp_path / "other-keys.json")
    with pytest.raises(KeyFileMismatch):
        _ = with_key_file(world, tmp_path / "other-keys.json").keys


def test_two_first_uses_at_once_bind_one_key_file_and_refuse_the_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both see "not bound yet"; only one may bind: the other is refused by name, not
    left to a primary-key clash (or, worse, two key files writing one database)."""
    world = make_world(tmp_path / "fresh")
    init_key_file(tmp_path / "other-keys.json")
    contenders = [world, with_key_file(world, tmp_path / "other-keys.json")]
    both_looked = threading.Barrier(2, timeout=10)
    looked: set[int] = set()
    first_look = keybinding._binding

    def look_together(session: Session) -> KeyFileBindingRow | None:
        row = first_look(session)
        if threading.get_ident() not in looked:
            looked.add(threading.get_ident())
            both_looked.wait()
        return row

    monkeypatch.setattr(keybinding, "_binding", look_together)
    outcomes: list[str] = []

    def first_use(ctx: AppContext) -> None:
        try:
            keybinding.open_keys(ctx.db, ctx.settings.key_file)
            outcomes.append("bound")
        except KeyFileMismatch:
            outcomes.append("refused")
        except Exception as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=first_use, args=(ctx,)) for ctx in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["bound", "refused"]


def test_a_database_from_before_binding_is_bound_only_to_a_key_file_that_opens_it(
    world: AppContext, tmp_path: Path
) -> None:
    add_participant(world)
    with sqlite3.connect(tmp_path / "world" / "safedial.db") as raw:
        raw.execute("DELETE FROM key_file_binding")
    init_key_file(tmp_path / "other-keys.json")
    with pytest.raises(KeyFileMismatch):
        _ = with_key_file(world, tmp_path / "other-keys.json").keys
    assert with_key_file(world, world.settings.key_file).keys.active_key_id


def test_rotation_keeps_the_key_file_bound(world: AppContext, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    add_participant(world)
    assert main(["keys", "rotate"]) == ExitCode.OK
    assert with_key_file(world, world.settings.key_file).keys.active_key_id != (
        world.keys.active_key_id)


def test_the_fingerprint_reveals_no_key(tmp_path: Path) -> None:
    ring = init_key_file(tmp_path / "keys.json")
    doc = json.loads((tmp_path / "keys.json").read_text())
    materials = [base64.b64decode(k["key"]) for k in doc["keys"]]
    materials.append(base64.b64decode(doc["index_key"]))
    assert all(m.hex() not in ring.fingerprint for m in materials)
    assert ring.fingerprint != init_key_file(tmp_path / "other.json").fingerprint
    assert ring.rotate(tmp_path / "keys.json").fingerprint == ring.fingerprint


def test_key_ids_are_random_so_two_key_files_never_share_one(tmp_path: Path) -> None:
    first = init_key_file(tmp_path / "a.json")
    second = init_key_file(tmp_path / "b.json")
    assert first.active_key_id != second.active_key_id
    assert first.active_key_id != "k1"


def test_a_missing_key_file_never_suggests_keys_init_when_values_are_stored(
    world: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    add_participant(world)
    saved = world.settings.key_file.read_bytes()
    world.settings.key_file.unlink()

    with pytest.raises(KeyFileMissing) as missing:
        _ = with_key_file(world, world.settings.key_file).keys
    assert "keys init" not in str(missing.value)
    assert "restore that key file" in str(missing.value)
    assert main(["keys", "init"]) == ExitCode.BAD_INPUT
    assert "keys init" not in capsys.readouterr().err
    assert not world.settings.key_file.exists(), "no new key file made over stored values"
    world.settings.key_file.write_bytes(saved)


def test_a_failed_rotation_leaves_the_key_file_as_it_was(
    world: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_participant(world)
    before = world.settings.key_file.read_bytes()
    with sqlite3.connect(tmp_path / "world" / "safedial.db") as raw:
        raw.execute("UPDATE participants SET code_word_enc = phone_enc")

    assert main(["keys", "rotate"]) == ExitCode.BAD_INPUT
    assert "cannot decrypt" in capsys.readouterr().err
    assert world.settings.key_file.read_bytes() == before
    assert KeyRing.load(world.settings.key_file).key_ids() == world.keys.key_ids()


def test_keys_status_tells_whether_the_database_belongs_to_this_key_file(
    world: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_participant(world)
    assert main(["keys", "status"]) == ExitCode.OK
    shown = capsys.readouterr().out
    assert f"fingerprint\t{world.keys.fingerprint[:16]}" in shown
    assert "database\tbound to this key file\n" in shown

    init_key_file(tmp_path / "other-keys.json")
    monkeypatch.setenv("SAFEDIAL_KEY_FILE", str(tmp_path / "other-keys.json"))
    assert main(["keys", "status"]) == ExitCode.OK, "status still works, to diagnose"
    assert "bound to ANOTHER key file" in capsys.readouterr().out
