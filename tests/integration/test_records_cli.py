"""`safedial participant|advocate|keys|audit`: the admin's command-line contract."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.integration.cli_helpers import safedial
from tests.support.numbers import ADVOCATE, PARTICIPANT, number_forms
from tests.support.world import world_environment

ADD = ["participant", "add", "--alias", "Rose", "--phone", PARTICIPANT,
       "--timezone", "America/Toronto", "--window", "mon-fri 09:00-17:00",
       "--window", "sat 10:00-12:00", "--code-word", "bluebird"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = world_environment(tmp_path)
    assert safedial(environment, "keys", "init").returncode == 0
    return environment


def database(env: dict[str, str]) -> Path:
    return Path(env["SAFEDIAL_DATABASE_URL"].removeprefix("sqlite:///"))


def count(env: dict[str, str], table: str) -> int:
    if not database(env).exists():
        return 0
    with sqlite3.connect(database(env)) as raw:
        return int(raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608


def test_keys_init_warns_that_a_lost_key_file_means_lost_data(tmp_path: Path) -> None:
    environment = world_environment(tmp_path)
    result = safedial(environment, "keys", "init")
    assert result.returncode == 0
    assert "lost" in result.stderr
    again = safedial(environment, "keys", "init")
    assert again.returncode == 2, "an existing key file is never overwritten"


def test_participant_add_prints_the_new_id_and_show_prints_preferences_without_secrets(
    env: dict[str, str],
) -> None:
    added = safedial(env, *ADD)
    assert added.returncode == 0, added.stderr
    participant_id = added.stdout.strip()
    assert len(added.stdout.strip().splitlines()) == 1

    shown = safedial(env, "participant", "show", participant_id)
    assert shown.returncode == 0
    view = json.loads(shown.stdout)
    assert view["windows"] == ["mon 09:00-17:00", "tue 09:00-17:00", "wed 09:00-17:00",
                               "thu 09:00-17:00", "fri 09:00-17:00", "sat 10:00-12:00"]
    assert view["voicemail"]["note"] == "default, not yet discussed"
    assert not any(form in shown.stdout for form in number_forms(PARTICIPANT))
    assert "bluebird" not in shown.stdout


def test_participant_update_takes_the_same_flags(env: dict[str, str]) -> None:
    participant_id = safedial(env, *ADD).stdout.strip()
    updated = safedial(env, "participant", "update", participant_id, "--caller-id", "masked",
                       "--masked-fallback", "--on-drop", "callback", "--callback-attempts", "2")
    assert updated.returncode == 0, updated.stderr
    view = json.loads(safedial(env, "participant", "show", participant_id).stdout)
    assert view["caller_id"] == {"value": "masked"}
    assert view["masked_fallback"] is True
    assert view["on_drop"]["value"] == "callback"
    assert view["on_drop"]["callback_attempts"] == 2


@pytest.mark.parametrize(
    "change",
    [
        ["--phone", "not-a-number"],
        ["--timezone", "Atlantis/Deep"],
        ["--window", "mon 09:00-12:00", "--window", "mon 11:00-13:00"],
        ["--window", "monday 9am"],
        ["--window", ""],
        ["--voicemail", "yell"],
        ["--caller-id", "shown"],
        ["--alias", "x" * 300],
        ["--pause-until", "soon"],
    ],
    ids=["phone", "timezone", "overlap", "malformed-window", "empty-window", "voicemail",
         "caller-id", "oversized-alias", "pause-date"],
)
def test_bad_input_exits_2_with_a_clear_message_and_writes_nothing(
    env: dict[str, str], change: list[str]
) -> None:
    args = list(ADD)
    for flag_index in range(0, len(change), 2):
        flag = change[flag_index]
        if flag in args and flag != "--window":
            args[args.index(flag) + 1] = change[flag_index + 1]
    if "--window" in change:
        while "--window" in args:
            position = args.index("--window")
            del args[position : position + 2]
        args += change
    elif change[0] not in args:
        args += change
    result = safedial(env, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "safedial" in result.stderr, "a message, not a traceback"
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert count(env, "participants") == 0
    assert count(env, "audit_log") == 0


def test_an_unknown_participant_is_a_clear_error(env: dict[str, str]) -> None:
    result = safedial(env, "participant", "show", "p_nobody")
    assert result.returncode == 2
    assert "no participant" in result.stderr


def test_erase_removes_the_participant_and_the_audit_keeps_only_the_id(
    env: dict[str, str],
) -> None:
    participant_id = safedial(env, *ADD).stdout.strip()
    assert safedial(env, "participant", "erase", participant_id).returncode == 0
    assert count(env, "participants") == 0
    trail = [json.loads(line) for line in
             safedial(env, "audit", "show", "--participant", participant_id).stdout.splitlines()]
    assert trail[-1]["action"] == "participant.erased"
    assert "Rose" not in json.dumps(trail)


def test_advocate_add_prints_an_id_and_keys_rotate_keeps_everything_readable(
    env: dict[str, str],
) -> None:
    advocate = safedial(env, "advocate", "add", "--name", "Sam", "--phone", ADVOCATE)
    assert advocate.returncode == 0, advocate.stderr
    admin = safedial(env, "admin", "add", "--name", "Alex", "--phone", "+12025550144")
    assert json.loads(safedial(env, "advocate", "show", admin.stdout.strip()).stdout)["role"] == \
        "admin"
    participant_id = safedial(env, *ADD).stdout.strip()

    rotated = safedial(env, "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert "re-encrypted 3" in rotated.stdout
    status = safedial(env, "keys", "status").stdout.split("\n")
    keys = [line.split("\t") for line in status
            if line and not line.startswith(("fingerprint\t", "database\t"))]
    assert [state for _, state in keys] == ["retired", "active"]
    assert safedial(env, "participant", "show", participant_id).returncode == 0


def test_audit_verify_exits_0_only_while_the_chain_is_intact(env: dict[str, str]) -> None:
    safedial(env, *ADD)
    intact = safedial(env, "audit", "verify")
    assert intact.returncode == 0, intact.stdout
    with sqlite3.connect(database(env)) as raw:
        raw.execute("UPDATE audit_log SET action = 'nothing.happened' WHERE seq = 1")
    broken = safedial(env, "audit", "verify")
    assert broken.returncode != 0
    assert "BROKEN" in broken.stdout


def test_a_malformed_policy_file_stops_the_command_with_line_and_reason(
    env: dict[str, str], tmp_path: Path
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[defaults]\ncaller_id = "shown"\n')
    result = safedial({**env, "SAFEDIAL_POLICY_FILE": str(policy)}, "participant", "list")
    assert result.returncode == 2
    assert "line 2" in result.stderr and "caller_id" in result.stderr
