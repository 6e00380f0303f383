"""Participant records at rest: encrypted, erasable, audited, and unchanged by bad input."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from gateway.audit import service as audit
from gateway.callbacks.planning import CallbackPlan
from gateway.errors import BadInput, NotFound
from gateway.people import service as people
from gateway.people.rotation import reencrypt_all
from gateway.storage.keyring import DecryptionError, KeyRing, init_key_file
from gateway.storage.tables import Base, CallbackRow, CallRecordRow
from gateway.wiring import AppContext
from tests.support.numbers import ADVOCATE, PARTICIPANT, number_forms
from tests.support.world import (
    add_advocate,
    add_participant,
    changes,
    make_world,
    new_participant,
)

CODE_WORD = "bluebird"


@pytest.fixture
def world(tmp_path: Path) -> AppContext:
    return make_world(tmp_path)


def database_bytes(ctx: AppContext) -> bytes:
    ctx.db.dispose()
    path = Path(ctx.settings.database_url.removeprefix("sqlite:///"))
    data = path.read_bytes()
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
        if extra.exists():
            data += extra.read_bytes()
    return data


def test_the_database_file_holds_no_plaintext_number_or_code_word(world: AppContext) -> None:
    add_participant(world)
    add_advocate(world)

    raw = database_bytes(world)
    for number in (PARTICIPANT, ADVOCATE):
        for form in number_forms(number):
            assert form.encode() not in raw
    assert CODE_WORD.encode() not in raw
    assert b"Rose" in raw, "the alias is the one field kept in plain text"


def test_show_reveals_no_number_or_code_word_and_flags_defaults(world: AppContext) -> None:
    participant_id = add_participant(world)
    with world.db.unit_of_work() as session:
        view = people.show_participant(session, policy=world.policy, participant_id=participant_id)

    text = json.dumps(view)
    assert not any(form in text for form in number_forms(PARTICIPANT))
    assert CODE_WORD not in text
    assert view["code_word_on_file"] is True
    assert view["caller_id"] == {"value": "withhold", "note": "default, not yet discussed"}
    assert view["voicemail"] == {"value": "generic", "note": "default, not yet discussed"}
    assert view["on_drop"] == {"value": "wait", "note": "default, not yet discussed"}


def test_key_rotation_keeps_every_record_readable(world: AppContext) -> None:
    participant_id = add_participant(world)
    advocate_id = add_advocate(world)
    rotated = KeyRing.load(world.settings.key_file).rotate(world.settings.key_file)
    with world.db.unit_of_work() as session:
        assert reencrypt_all(session, keys=rotated, actor="test") == 2
    with world.db.unit_of_work() as session:
        assert people.participant_phone(session, keys=rotated,
                                        participant_id=participant_id).e164 == PARTICIPANT
        assert people.advocate_phone(session, keys=rotated,
                                     advocate_id=advocate_id).e164 == ADVOCATE
        row = people.get_participant_row(session, participant_id)
        assert not rotated.needs_reencrypt(row.phone_enc.encode())


def test_a_wrong_key_fails_loudly(world: AppContext, tmp_path: Path) -> None:
    participant_id = add_participant(world)
    stranger = init_key_file(tmp_path / "other-keys.json")
    with world.db.unit_of_work() as session, pytest.raises(DecryptionError):
        people.participant_phone(session, keys=stranger, participant_id=participant_id)


def test_erase_leaves_no_trace_but_the_audit_entry(world: AppContext) -> None:
    participant_id = add_participant(world, alias="Unique-Alias-7")
    advocate_id = add_advocate(world)
    moment = datetime.now(UTC)
    plan = CallbackPlan(attempt=1, max_attempts=3, not_before=moment, run_at=moment)
    world.callbacks().create(plan=plan, participant_id=participant_id,
                             advocate_id=advocate_id, origin_call_id=str(uuid.uuid4()),
                             now=moment)
    with world.db.unit_of_work() as session:
        session.add(CallRecordRow(id=str(uuid.uuid4()), participant_id=participant_id,
                                  advocate_id=advocate_id, kind="call", started_at=moment,
                                  ended_at=moment, outcome="answered"))
    with world.db.unit_of_work() as session:
        people.erase_participant(session, actor="test", participant_id=participant_id,
                                 callbacks=world.callbacks())

    with world.db.unit_of_work() as session:
        with pytest.raises(NotFound):
            people.get_participant_row(session, participant_id)
        entries = audit.records(session, participant=participant_id)
        assert [entry.action for entry in entries][-1] == "participant.erased"
        for table in (CallRecordRow, CallbackRow):
            assert session.scalars(select(table).where(
                table.participant_id == participant_id)).all() == [], table
        assert audit.verify(session).ok
    raw = database_bytes(world)
    assert b"Unique-Alias-7" not in raw
    assert not any(form.encode() in raw for form in number_forms(PARTICIPANT))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "12345", "phone"),
        ("phone", "+1 202 555 01", "phone"),
        ("timezone", "Mars/Olympus", "time zone"),
        ("windows", ["mon 09:00-12:00", "mon 11:00-13:00"], "overlap"),
        ("windows", [""], "windows"),
        ("windows", ["mon 9-5"], "mon 9-5"),
        ("alias", "x" * 81, "alias"),
        ("alias", "   ", "alias"),
        ("caller_id", "visible", "caller_id"),
        ("voicemail", "shout", "voicemail"),
        ("on_drop", "redial", "on_drop"),
        ("code_word", "w" * 65, "code_word"),
        ("language", "not a tag", "language"),
        ("callback_attempts", 99, "callback_attempts"),
    ],
    ids=lambda value: str(value)[:20],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(
    world: AppContext, field: str, value: object, message: str
) -> None:
    with world.db.unit_of_work() as session:
        before = audit.records(session)
    with pytest.raises(BadInput, match=message), world.db.unit_of_work() as session:
        people.create_participant(session, keys=world.keys, policy=world.policy, actor="test",
                                  fields=new_participant(**{field: value}))

    with world.db.unit_of_work() as session:
        assert people.list_participants(session, policy=world.policy) == []
        assert audit.records(session) == before


def test_error_messages_never_repeat_the_number(world: AppContext) -> None:
    with pytest.raises(BadInput) as refused, world.db.unit_of_work() as session:
        people.create_participant(session, keys=world.keys, policy=world.policy, actor="test",
                                  fields=new_participant(phone="+1 202 555 01"))
    assert "555" not in str(refused.value)


def test_every_change_is_audited_by_field_name_only(world: AppContext) -> None:
    participant_id = add_participant(world)
    with world.db.unit_of_work() as session:
        people.update_participant(session, keys=world.keys, policy=world.policy, actor="admin-1",
                                  participant_id=participant_id,
                                  fields=changes({"code_word": "sparrow", "caller_id": "masked"}),
                                  callbacks=world.callbacks())
    with world.db.unit_of_work() as session:
        last = audit.records(session, participant=participant_id)[-1]
    assert last.actor == "admin-1"
    assert last.fields == ("caller_id", "code_word")
    assert "sparrow" not in repr(last)


def test_the_migrations_build_exactly_the_tables_the_code_uses(world: AppContext) -> None:
    with world.db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_the_audit_chain_detects_an_edited_entry(world: AppContext) -> None:
    add_participant(world)
    path = world.settings.database_url.removeprefix("sqlite:///")
    world.db.dispose()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1")
    with world.db.unit_of_work() as session:
        check = audit.verify(session)
    assert not check.ok
    assert check.bad_seq == 1


@pytest.mark.parametrize("option", ["callback_delay_min", "callback_attempts"])
def test_call_back_options_without_the_callback_protocol_are_refused(
    world: AppContext, option: str
) -> None:
    with pytest.raises(BadInput, match="on-drop callback"), world.db.unit_of_work() as session:
        people.create_participant(session, keys=world.keys, policy=world.policy, actor="test",
                                  fields=new_participant(**{option: 5}))
    participant_id = add_participant(world)
    with pytest.raises(BadInput, match="on-drop callback"), world.db.unit_of_work() as session:
        people.update_participant(session, keys=world.keys, policy=world.policy, actor="test",
                                  participant_id=participant_id, fields=changes({option: 5}),
                                  callbacks=world.callbacks())


def show(world: AppContext, participant_id: str) -> dict[str, object]:
    with world.db.unit_of_work() as session:
        return people.show_participant(session, policy=world.policy,
                                       participant_id=participant_id)


def test_switching_to_wait_with_a_call_back_delay_in_the_same_change_is_refused(
    world: AppContext,
) -> None:
    participant_id = add_participant(world, on_drop="callback", callback_delay_min=20)
    with pytest.raises(BadInput, match="on-drop callback"), world.db.unit_of_work() as session:
        people.update_participant(session, keys=world.keys, policy=world.policy, actor="test",
                                  participant_id=participant_id,
                                  fields=changes({"on_drop": "wait", "callback_attempts": 2}),
                                  callbacks=world.callbacks())
    on_drop = show(world, participant_id)["on_drop"]
    assert isinstance(on_drop, dict)
    assert (on_drop["value"], on_drop["callback_delay_min"]) == ("callback", 20), \
        "nothing changed"


def test_switching_to_wait_alone_drops_the_old_call_back_delay_and_attempts(
    world: AppContext,
) -> None:
    participant_id = add_participant(world, on_drop="callback", callback_delay_min=20,
                                     callback_attempts=2)
    with world.db.unit_of_work() as session:
        people.update_participant(session, keys=world.keys, policy=world.policy, actor="test",
                                  participant_id=participant_id,
                                  fields=changes({"on_drop": "wait"}),
                                  callbacks=world.callbacks())
    with world.db.unit_of_work() as session:
        row = people.get_participant_row(session, participant_id)
        assert (row.callback_delay_min, row.callback_attempts) == (None, None)
    assert show(world, participant_id)["on_drop"] == {"value": "wait"}
