"""Ciphertext is bound to its row: a number swapped between rows does not decrypt.

Otherwise someone who can write the database (not read it) could make SafeDial dial
one participant's number for another, or speak another's cover reason.
"""

from __future__ import annotations

import base64
import json
import secrets
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gateway.cli.main import main
from gateway.errors import ExitCode
from gateway.people import service as people
from gateway.storage.keyring import DecryptionError, KeyRing, init_key_file
from gateway.wiring import AppContext
from tests.support.numbers import PARTICIPANT
from tests.support.world import add_participant, world_for_cli

PHONE = "participant.phone"
OTHER_NUMBER = "+12025550188"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    return world_for_cli(tmp_path / "world", monkeypatch)


def legacy_value(key_file: Path, plaintext: str, purpose: str) -> str:
    """An ``sd1:`` value as SafeDial wrote it before values were bound to their row."""
    doc = json.loads(key_file.read_text())
    active = doc["keys"][-1]
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(base64.b64decode(active["key"])).encrypt(
        nonce, plaintext.encode(), purpose.encode())
    return f"sd1:{active['id']}:" + base64.b64encode(nonce + sealed).decode()


def run_sql(world: AppContext, sql: str, *params: str) -> None:
    with sqlite3.connect(world.settings.database_url.removeprefix("sqlite:///")) as raw:
        raw.execute(sql, params)


def phone_of(world: AppContext, participant_id: str) -> str:
    with world.db.unit_of_work() as session:
        return people.participant_phone(session, keys=world.keys,
                                        participant_id=participant_id).e164


def stored_phone(world: AppContext, participant_id: str) -> str:
    with world.db.unit_of_work() as session:
        return people.get_participant_row(session, participant_id).phone_enc


def test_a_ciphertext_is_bound_to_its_record(tmp_path: Path) -> None:
    ring = init_key_file(tmp_path / "keys.json")
    blob = ring.encrypt(PARTICIPANT, purpose=PHONE, record="p_one")
    assert ring.decrypt(blob, purpose=PHONE, record="p_one") == PARTICIPANT
    with pytest.raises(DecryptionError, match="belongs to another field or record"):
        ring.decrypt(blob, purpose=PHONE, record="p_two")


def test_a_swapped_ciphertext_fails_to_decrypt(world: AppContext) -> None:
    rose = add_participant(world)
    iris = add_participant(world, alias="Iris", phone=OTHER_NUMBER)
    run_sql(world, "UPDATE participants SET phone_enc = ? WHERE id = ?",
            stored_phone(world, iris), rose)

    with pytest.raises(DecryptionError) as refused:
        phone_of(world, rose)
    assert OTHER_NUMBER not in str(refused.value) and PARTICIPANT not in str(refused.value)
    assert phone_of(world, iris) == OTHER_NUMBER


def test_keys_rotate_over_a_swapped_row_fails_leaving_the_key_file_as_it_was(
    world: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    rose = add_participant(world)
    iris = add_participant(world, alias="Iris", phone=OTHER_NUMBER)
    run_sql(world, "UPDATE participants SET phone_enc = ? WHERE id = ?",
            stored_phone(world, iris), rose)
    before = world.settings.key_file.read_bytes()

    assert main(["keys", "rotate"]) == ExitCode.BAD_INPUT
    assert "cannot decrypt participant.phone" in capsys.readouterr().err
    assert world.settings.key_file.read_bytes() == before
    assert phone_of(world, iris) == OTHER_NUMBER, "no row was changed either"


def upgraded(world: AppContext) -> AppContext:
    """The world as a database from before this SafeDial: no key file recorded yet."""
    run_sql(world, "DELETE FROM key_file_binding")
    return fresh(world)


def fresh(world: AppContext) -> AppContext:
    """A new process on the same database and key file."""
    return AppContext(settings=world.settings, db=world.db, policy=world.policy)


def test_a_value_from_before_row_binding_still_reads_and_rebind_binds_it(
    world: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    rose = add_participant(world)
    run_sql(world, "UPDATE participants SET phone_enc = ? WHERE id = ?",
            legacy_value(world.settings.key_file, PARTICIPANT, PHONE), rose)
    old = upgraded(world)
    assert phone_of(old, rose) == PARTICIPANT
    assert old.keys.needs_reencrypt(stored_phone(old, rose).encode())

    assert main(["keys", "rebind"]) == ExitCode.OK
    assert "bound to its row" in capsys.readouterr().out
    assert stored_phone(world, rose).startswith("sd2:")
    assert not world.keys.needs_reencrypt(stored_phone(world, rose).encode())
    assert phone_of(fresh(world), rose) == PARTICIPANT


def test_once_every_value_was_rebound_an_old_value_copied_back_is_refused(
    world: AppContext,
) -> None:
    rose = add_participant(world)
    old_value = legacy_value(world.settings.key_file, PARTICIPANT, PHONE)
    run_sql(world, "UPDATE participants SET phone_enc = ? WHERE id = ?", old_value, rose)
    upgraded(world)
    assert main(["keys", "rebind"]) == ExitCode.OK

    run_sql(world, "UPDATE participants SET phone_enc = ? WHERE id = ?", old_value, rose)
    with pytest.raises(DecryptionError, match="copied in from elsewhere"):
        phone_of(fresh(world), rose)


def test_a_database_that_never_held_old_values_refuses_one(world: AppContext) -> None:
    rose = add_participant(world)
    run_sql(world, "UPDATE participants SET phone_enc = ? WHERE id = ?",
            legacy_value(world.settings.key_file, PARTICIPANT, PHONE), rose)
    with pytest.raises(DecryptionError, match="not bound to its record"):
        phone_of(fresh(world), rose)


def test_keys_rotate_also_binds_values_from_before_row_binding(world: AppContext) -> None:
    rose = add_participant(world)
    run_sql(world, "UPDATE participants SET phone_enc = ? WHERE id = ?",
            legacy_value(world.settings.key_file, PARTICIPANT, PHONE), rose)
    upgraded(world)

    assert main(["keys", "rotate"]) == ExitCode.OK
    rotated = KeyRing.load(world.settings.key_file)
    assert stored_phone(world, rose).startswith(f"sd2:{rotated.active_key_id}:")
    assert phone_of(fresh(world), rose) == PARTICIPANT
