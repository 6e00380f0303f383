"""Lab-only paths stay in the lab: `call --lab` dials raw numbers only with a lab's settings."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.audit import service as audit
from gateway.cli.main import main
from gateway.errors import ExitCode
from gateway.lab import carrier, phone
from gateway.lab import config as lab_config
from gateway.lab.config import add_missing_lab_settings, lab_settings_text
from gateway.settings import SettingsError, get_settings, load_settings
from gateway.wiring import AppContext
from tests.support.numbers import ADVOCATE, DEPLOYED_NUMBERS, PARTICIPANT, leaked
from tests.support.world import world_for_cli

LAB_CALL = ["call", "--lab", "--advocate-phone", ADVOCATE, "--participant-phone", PARTICIPANT,
            "--mode", "withhold"]


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    """A deployment's world: not a lab, so with numbers the operator chose."""
    ctx = world_for_cli(tmp_path, monkeypatch)
    monkeypatch.setenv("SAFEDIAL_LAB", "false")
    for name, value in DEPLOYED_NUMBERS.items():
        monkeypatch.setenv(name, value)
    return ctx


def audited(world: AppContext) -> list[tuple[str, str, tuple[str, ...]]]:
    with world.db.unit_of_work() as session:
        return [(entry.actor, entry.action, entry.fields) for entry in audit.records(session)]


def test_settings_are_not_a_labs_unless_they_say_so() -> None:
    assert load_settings({}).lab is False
    assert load_settings({"SAFEDIAL_LAB": "true"}).lab is True


@pytest.mark.parametrize("setting", sorted(DEPLOYED_NUMBERS))
def test_outside_a_lab_start_up_refuses_a_fictional_lab_number(
    world: AppContext, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    setting: str,
) -> None:
    monkeypatch.setenv(setting, "+12025550142")

    with pytest.raises(SettingsError, match=f"{setting}: still a fictional lab number"):
        get_settings()
    assert main(["participant", "list"]) == ExitCode.BAD_INPUT
    assert setting in capsys.readouterr().err


def test_outside_a_lab_the_lab_defaults_are_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [*DEPLOYED_NUMBERS, "SAFEDIAL_LAB", "SAFEDIAL_CONFIG_FILE"]:
        monkeypatch.delenv(name, raising=False)

    with pytest.raises(SettingsError) as refused:
        get_settings()
    assert "SAFEDIAL_MASKED_NUMBER, SAFEDIAL_AGENCY_NUMBER" in str(refused.value)


def test_in_a_lab_the_fictional_numbers_are_what_it_dials_with(
    world: AppContext, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SAFEDIAL_LAB", "true")
    monkeypatch.setenv("SAFEDIAL_MASKED_NUMBER", "+12025550100")
    assert get_settings().masked_number == "+12025550100"


def test_outside_a_lab_a_lab_call_exits_2_dials_nothing_and_is_audited(
    world: AppContext, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(LAB_CALL) == ExitCode.BAD_INPUT

    out, err = capsys.readouterr()
    assert out == "" and "SAFEDIAL_LAB" in err
    assert leaked(out + err, ADVOCATE, PARTICIPANT) == []
    assert audited(world)[-1] == ("cli", "call.lab-refused", ())


def test_in_a_lab_a_lab_call_passes_the_lab_check_and_is_audited(
    world: AppContext, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SAFEDIAL_LAB", "true")

    # No self-test passed in this world, so the privacy lock (not the lab check) says no.
    assert main(LAB_CALL) == ExitCode.REFUSED
    assert "locked" in capsys.readouterr().err
    assert audited(world)[-1] == ("cli", "call.lab", ("mode.withhold",))


def test_make_runs_lab_settings_are_a_labs(tmp_path: Path) -> None:
    path = tmp_path / "lab.toml"
    path.write_text(lab_settings_text())
    assert load_settings({"SAFEDIAL_CONFIG_FILE": str(path)}).lab is True


def test_a_lab_file_written_before_the_flag_gets_it_once(tmp_path: Path) -> None:
    path = tmp_path / "lab.toml"
    path.write_text('trunk_port = 5080\ncanary_number = "+12025550144"')
    add_missing_lab_settings(path)
    add_missing_lab_settings(path)
    assert path.read_text().count("lab = true") == 1
    assert load_settings({"SAFEDIAL_CONFIG_FILE": str(path)}).lab is True


@pytest.mark.parametrize(("entry", "argv"), [(carrier.main, ["stop"]),
                                             (phone.main, ["status"])])
def test_a_lab_tool_with_a_malformed_setting_exits_with_the_settings_errors_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    entry: Callable[[list[str]], int], argv: list[str],
) -> None:
    monkeypatch.setenv("SAFEDIAL_AMI_PORT", "not-a-port")
    assert entry(argv) == SettingsError.exit_code == ExitCode.BAD_INPUT
    assert "SAFEDIAL_AMI_PORT" in capsys.readouterr().err


def test_a_returning_users_lab_file_gets_the_canary_and_carrier_it_lacks_and_keeps_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """make run keeps an existing lab file; without the canary its self-test would exit 2."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    path = lab_config.lab_config_file()
    path.parent.mkdir(parents=True)
    path.write_text("# my lab\nTRUNK_PORT = 5090   # my own carrier port\nlab = true\n"
                    "sip_port = 5062")

    assert lab_config.main() == 0
    assert "added trunk_host, canary_number" in capsys.readouterr().err
    settings = load_settings({"SAFEDIAL_CONFIG_FILE": str(path)})
    assert (settings.canary_number, settings.trunk_host) == (lab_config.LAB_CANARY,
                                                             lab_config.CARRIER_HOST)
    assert (settings.trunk_port, settings.sip_port, settings.lab) == (5090, 5062, True)

    kept = path.read_text()
    assert lab_config.main() == 0
    assert path.read_text() == kept, "nothing added twice"
    assert "added" not in capsys.readouterr().err


def test_settings_added_to_a_lab_file_land_before_any_table(tmp_path: Path) -> None:
    path = tmp_path / "lab.toml"
    path.write_text("lab = true\n[notes]\nwho = 'me'\n")
    assert add_missing_lab_settings(path) == ["trunk_host", "trunk_port", "canary_number"]
    data = tomllib.loads(path.read_text())
    assert data["canary_number"] == lab_config.LAB_CANARY, "top level, not in [notes]"
    assert data["notes"] == {"who": "me"}
