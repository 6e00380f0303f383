"""Input is taken only when it means exactly one thing: a phone number is digits, one
participant per number and per alias, and a request says each thing once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.audit import service as audit
from gateway.cli.main import main
from gateway.errors import BadInput, ExitCode
from gateway.people import service as people
from gateway.people.duplicates import DuplicateRecord, alias_skeleton
from gateway.people.inputs import ParticipantFields, parse_input, parse_phone
from gateway.policyfile import PolicyFileError, load_policy, parse_policy
from gateway.web.app import create_app
from gateway.web.body import MAX_BODY_BYTES
from gateway.wiring import AppContext
from tests.support.numbers import PARTICIPANT
from tests.support.world import (
    add_participant,
    changes,
    make_world,
    participant_data,
    world_for_cli,
)

OTHER = "+12025550123"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AppContext]:
    ctx = make_world(tmp_path)
    yield ctx
    ctx.close()


@pytest.fixture
def admin(world: AppContext) -> Iterator[tuple[TestClient, dict[str, str]]]:
    from tests.support.world import add_advocate
    advocate_id = add_advocate(world, role="admin")
    with world.db.unit_of_work() as session:
        token = people.issue_token(session, actor="test", advocate_id=advocate_id)
    with TestClient(create_app(world, run_scheduler=False)) as client:
        yield client, {"Authorization": f"Bearer {token}"}


# -- a phone number is digits --------------------------------------------------------------
@pytest.mark.parametrize(("text", "part"), [
    ("1-800-FLOWERS", "letters"),
    ("2O2-555-0122", "letters"),
    ("+1 202 555 0122 ext. 12", "extension"),
    ("+1 202 555 0122x12", "extension"),
    ("+1 202 555 0122 #5", "extension"),
    ("+1 202 555 0122;ext=5", "extension"),
    ("call +1 202 555 0122", "text around"),
    ("+1 202 555 0122 please", "text around"),
    ("tel:+12025550122", "text around"),
    ("+1+202 555 0122", "only at the start"),
])
def test_a_phone_number_with_anything_but_digits_is_refused_naming_the_part(
    text: str, part: str
) -> None:
    with pytest.raises(ValueError, match=part) as refused:
        parse_phone(text, "US")
    assert "0122" not in str(refused.value) and "800" not in str(refused.value)


@pytest.mark.parametrize("text", ["+1 202 555 0122", "(202) 555-0122", "202.555.0122",
                                  "  +12025550122  ", "+1 (202) 555-0122"])
def test_a_plain_number_with_the_usual_separators_is_taken(text: str) -> None:
    assert parse_phone(text, "US") == PARTICIPANT


def test_the_api_refuses_a_vanity_number_without_echoing_it(
    admin: tuple[TestClient, dict[str, str]]
) -> None:
    client, headers = admin
    response = client.post("/api/participants", headers=headers,
                           json=participant_data(phone="1-202-555-ROSE"))
    assert response.status_code == 422
    assert "letters" in response.json()["message"]
    assert "ROSE" not in response.text and "202" not in response.text


# -- one participant per number and per alias ---------------------------------------------
def test_a_number_already_on_file_is_refused_with_the_id_it_belongs_to(
    admin: tuple[TestClient, dict[str, str]]
) -> None:
    client, headers = admin
    first = client.post("/api/participants", headers=headers, json=participant_data()).json()
    again = client.post("/api/participants", headers=headers,
                        json=participant_data(alias="Iris", phone="(202) 555-0122"))
    assert again.status_code == 409
    assert again.json()["error_id"] == "duplicate"
    assert again.json()["details"] == {"participant_id": first["id"]}
    assert "0122" not in again.text
    assert len(client.get("/api/participants", headers=headers).json()) == 1


def test_moving_a_participant_onto_anothers_number_is_refused(world: AppContext) -> None:
    first = add_participant(world)
    second = add_participant(world, alias="Iris", phone=OTHER)
    with world.db.unit_of_work() as session, pytest.raises(DuplicateRecord) as refused:
        people.update_participant(session, keys=world.keys, policy=world.policy, actor="t",
                                  participant_id=second, fields=changes({"phone": PARTICIPANT}),
                                  callbacks=world.callbacks())
    assert refused.value.details == {"participant_id": first}


@pytest.mark.parametrize("alias", ["rose", "Rose ", "R\u043ese", "\uff32ose", "Ro\u3164se",
                                   "Rose\ufe0f", "R\u03bfse"])
def test_an_alias_that_looks_the_same_is_refused_as_a_duplicate(
    world: AppContext, alias: str
) -> None:
    add_participant(world, alias="Rose")
    with pytest.raises(DuplicateRecord, match="alias"):
        add_participant(world, alias=alias, phone=OTHER)


def test_aliases_in_other_scripts_and_different_names_are_not_duplicates() -> None:
    assert alias_skeleton("نور") != alias_skeleton("نورا")
    assert alias_skeleton("Rose") != alias_skeleton("Rosa")
    assert alias_skeleton("Rose  Marie") == alias_skeleton("rose marie")


# -- the CLI ---------------------------------------------------------------------------
def test_participant_add_prints_only_the_id_and_confirms_the_last_two_digits_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    world_for_cli(tmp_path, monkeypatch)
    assert main(["participant", "add", "--alias", "Rose", "--phone", PARTICIPANT,
                 "--timezone", "America/Toronto"]) == ExitCode.OK
    out, err = capsys.readouterr()
    assert out.strip().startswith("p_") and len(out.splitlines()) == 1
    assert "ends in 22" in err and PARTICIPANT[-4:] not in err

    assert main(["participant", "update", out.strip(), "--phone", OTHER]) == ExitCode.OK
    out, err = capsys.readouterr()
    assert json.loads(out)["changed"] == ["phone"]
    assert "ends in 23" in err


@pytest.mark.parametrize("flags", [["--callback-delay", "10"], ["--callback-attempts", "2"]])
def test_call_back_delay_or_attempts_without_on_drop_callback_are_refused_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    flags: list[str],
) -> None:
    ctx = world_for_cli(tmp_path, monkeypatch)
    assert main(["participant", "add", "--alias", "Rose", "--phone", PARTICIPANT,
                 "--timezone", "America/Toronto", "--on-drop", "wait", *flags]
                ) == ExitCode.BAD_INPUT
    assert "only go with on-drop callback" in capsys.readouterr().err
    participant_id = add_participant(ctx, on_drop="wait")
    assert main(["participant", "update", participant_id, *flags]) == ExitCode.BAD_INPUT
    assert "only go with on-drop callback" in capsys.readouterr().err
    with ctx.db.unit_of_work() as session:
        (kept,) = people.list_participants(session, policy=ctx.policy)
    assert (kept["id"], kept["on_drop"]) == (participant_id, {"value": "wait"}), \
        "the refused add stored nothing and the refused update changed nothing"


@pytest.mark.parametrize(("flags"), [
    ["--clear-windows", "--window", "mon 09:00-10:00"],
    ["--no-cover-reason", "--cover-reason", "the library"],
])
def test_clearing_and_setting_the_same_thing_at_once_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flags: list[str]
) -> None:
    ctx = world_for_cli(tmp_path, monkeypatch)
    participant_id = add_participant(ctx, windows=["mon 09:00-10:00"])
    assert main(["participant", "update", participant_id, *flags]) == ExitCode.BAD_INPUT
    with ctx.db.unit_of_work() as session:
        assert people.show_participant(session, policy=ctx.policy,
                                       participant_id=participant_id)["windows"] \
            == ["mon 09:00-10:00"]


# -- updates name only what changed ---------------------------------------------------------
def test_changed_lists_only_fields_that_changed(world: AppContext) -> None:
    participant_id = add_participant(world)
    with world.db.unit_of_work() as session:
        changed = people.update_participant(
            session, keys=world.keys, policy=world.policy, actor="t",
            participant_id=participant_id, callbacks=world.callbacks(),
            fields=changes({"alias": "Rose", "phone": "(202) 555-0122", "code_word": "bluebird",
                            "caller_id": "masked", "windows": ["mon-fri 09:00-17:00"]}))
    assert changed == ["caller_id"]


def test_an_update_that_changes_nothing_voids_nothing_and_audits_nothing(
    world: AppContext,
) -> None:
    class Voids:
        calls = 0

        def void_for_participant(self, *_args: object, **_kwargs: object) -> int:
            Voids.calls += 1
            return 0

    participant_id = add_participant(world)
    with world.db.unit_of_work() as session:
        before = len(audit.records(session))
        changed = people.update_participant(
            session, keys=world.keys, policy=world.policy, actor="t",
            participant_id=participant_id, callbacks=Voids(),
            fields=changes({"timezone": "America/Toronto", "code_word": "bluebird"}))
        assert (changed, Voids.calls, len(audit.records(session))) == ([], 0, before)


# -- what a request may hold ----------------------------------------------------------------
def test_a_json_key_written_twice_is_refused(admin: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = admin
    body = json.dumps(participant_data())[:-1] + ', "caller_id": "withhold", ' \
        '"caller_id": "masked"}'
    response = client.post("/api/participants", headers={**headers,
                           "Content-Type": "application/json"}, content=body)
    assert response.status_code == 422
    assert "twice" in response.json()["message"]
    assert client.get("/api/participants", headers=headers).json() == []


def test_a_boolean_for_an_integer_field_is_refused() -> None:
    with pytest.raises(BadInput, match="callback_attempts"):
        parse_input(ParticipantFields, {"callback_attempts": True})
    with pytest.raises(PolicyFileError, match="max_attempts"):
        parse_policy("[callback]\nmax_attempts = true\n")


def test_a_body_over_64_kib_is_refused_before_parsing(
    admin: tuple[TestClient, dict[str, str]]
) -> None:
    client, headers = admin
    body = json.dumps(participant_data(alias="x" * MAX_BODY_BYTES))
    response = client.post("/api/participants", headers={**headers,
                           "Content-Type": "application/json"}, content=body)
    assert response.status_code == 413
    assert response.json()["error_id"] == "request-too-large"
    assert "x" * 100 not in response.text


def test_a_policy_file_that_is_not_utf8_gets_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(b'[agency]\ntimezone = "UTC"\n# caf\xe9\n')
    with pytest.raises(PolicyFileError, match="line 3: not UTF-8"):
        load_policy(path)


def test_not_found_never_repeats_the_id_it_was_given(world: AppContext) -> None:
    with world.db.unit_of_work() as session, pytest.raises(BadInput) as missing:
        people.show_participant(session, policy=world.policy, participant_id="p_secret123")
    with world.db.unit_of_work() as session, pytest.raises(BadInput) as no_advocate:
        people.show_advocate(session, policy=world.policy, advocate_id="a_secret123")
    assert "secret123" not in str(missing.value) + str(no_advocate.value)
