"""Secrets never on a command line: `-` reads a phone number or code word from stdin."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gateway.cli.main import main
from gateway.cli.secrets_input import read_secret
from gateway.errors import BadInput, ExitCode
from gateway.people import service as people
from gateway.storage.tables import ParticipantRow
from gateway.wiring import AppContext
from tests.support.numbers import ADVOCATE, PARTICIPANT, leaked
from tests.support.world import world_for_cli

CODE_WORD = "bluebird"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    return world_for_cli(tmp_path, monkeypatch)


def test_dash_reads_one_line_from_standard_input_without_its_line_end() -> None:
    stream = io.StringIO(f"{PARTICIPANT}\r\n{CODE_WORD}\n")
    assert read_secret("--phone", stream=stream) == PARTICIPANT
    assert read_secret("--code-word", stream=stream) == CODE_WORD


def test_on_a_terminal_dash_asks_with_a_prompt_that_does_not_echo() -> None:
    asked: list[str] = []

    def hidden_prompt(label: str) -> str:
        asked.append(label)
        return CODE_WORD

    assert read_secret("--code-word", stream=Terminal(), prompt=hidden_prompt) == CODE_WORD
    assert asked == ["code-word: "]


def test_dash_with_nothing_on_standard_input_is_bad_input() -> None:
    with pytest.raises(BadInput, match="--phone"):
        read_secret("--phone", stream=io.StringIO(""))


def test_participant_add_reads_phone_code_word_and_cover_reason_in_that_order(
    world: AppContext, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PARTICIPANT}\n{CODE_WORD}\nthe survey\n"))

    assert main(["participant", "add", "--alias", "Rose", "--timezone", "America/Toronto",
                 "--window", "mon-fri 09:00-17:00", "--phone", "-", "--code-word", "-",
                 "--cover-reason", "-"]) == ExitCode.OK

    out, err = capsys.readouterr()
    assert leaked(out + err, PARTICIPANT) == [] and CODE_WORD not in out + err
    participant_id = out.strip()
    with world.db.unit_of_work() as session:
        assert people.participant_phone(session, keys=world.keys,
                                         participant_id=participant_id).e164 == PARTICIPANT
        assert people.participant_cover_reason(session, keys=world.keys,
                                               participant_id=participant_id) == "the survey"
        row = session.get(ParticipantRow, participant_id)
        assert row is not None and row.code_word_enc is not None
        assert world.keys.decrypt(row.code_word_enc.encode("ascii"),
                                  purpose="participant.code_word",
                                  record=participant_id) == CODE_WORD


def test_participant_update_and_advocate_add_read_dash_too(
    world: AppContext, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{ADVOCATE}\n"))
    assert main(["advocate", "add", "--name", "Sam", "--phone", "-"]) == ExitCode.OK
    advocate_id = capsys.readouterr().out.strip()
    with world.db.unit_of_work() as session:
        assert people.advocate_phone(session, keys=world.keys,
                                     advocate_id=advocate_id).e164 == ADVOCATE

    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PARTICIPANT}\n"))
    assert main(["participant", "add", "--alias", "Rose", "--timezone", "America/Toronto",
                 "--phone", "-"]) == ExitCode.OK
    participant_id = capsys.readouterr().out.strip()
    monkeypatch.setattr("sys.stdin", io.StringIO("sparrow\n"))
    assert main(["participant", "update", participant_id, "--code-word", "-"]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["changed"] == ["code_word"]


def test_a_dash_with_standard_input_already_used_up_exits_2_and_records_nothing(
    world: AppContext, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PARTICIPANT}\n"))
    assert main(["participant", "add", "--alias", "Rose", "--timezone", "America/Toronto",
                 "--phone", "-", "--code-word", "-"]) == ExitCode.BAD_INPUT
    assert "--code-word" in capsys.readouterr().err
    with world.db.unit_of_work() as session:
        assert people.list_participants(session, policy=world.policy) == []


@pytest.mark.parametrize("command", [["participant", "add"], ["participant", "update"],
                                     ["advocate", "add"], ["admin", "add"]])
def test_the_help_says_a_secret_flags_value_is_visible_to_other_local_users(
    command: list[str], capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    help_text = " ".join(capsys.readouterr().out.split()).split("options: ", 1)[1]
    flags = ["--phone", "--code-word", "--cover-reason"] if command[0] == "participant" \
        else ["--phone"]
    for flag in flags:
        described = help_text.split(f"{flag} ", 1)[1]
        assert described.split(" --", 1)[0].count("visible to other local users") == 1, flag
        assert "standard input" in described.split(" --", 1)[0], flag
