"""The `safedial` command: its exit codes and its one JSON line are a contract."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from gateway.lab.scenario import Answer
from gateway.pbx.process import asterisk_for, pid_alive
from gateway.settings import load_settings
from tests.integration.cli_helpers import safedial
from tests.integration.conftest import (
    CarrierLab,
    FarEndFactory,
    Pbx,
    copy_selftested,
    expected_release,
    free_port,
    lab_environment,
)
from tests.support.numbers import ADVOCATE, PARTICIPANT, leaked

JSON_KEYS = {"call_id", "outcome", "sip_cause", "advocate_answered", "participant_answered",
             "duration_s", "masked_fallback_used", "other_person_answered", "advocate_wait_s"}


def lab_call(*extra: str) -> list[str]:
    return ["call", "--lab", "--advocate-phone", ADVOCATE, "--participant-phone", PARTICIPANT,
            *extra]


@pytest.fixture
def lab_env(carrier_lab: CarrierLab, selftested: Path, tmp_path: Path) -> dict[str, str]:
    """A lab whose self-test passed for real: lab calls are subject to the privacy lock."""
    copy_selftested(selftested, tmp_path / "state")
    return {**os.environ, **carrier_lab.env,
            "SAFEDIAL_DATABASE_URL": f"sqlite:///{tmp_path / 'state' / 'safedial.db'}",
            "SAFEDIAL_KEY_FILE": str(tmp_path / "state" / "keys.json")}


def test_a_lab_call_prints_one_json_line_without_numbers_and_exits_0(
    lab_env: dict[str, str], carrier_phones: FarEndFactory
) -> None:
    phone = carrier_phones({ADVOCATE: Answer(hold_ms=1500), PARTICIPANT: Answer()})
    result = safedial(lab_env, *lab_call("--mode", "masked", "--timeout", "10"))
    phone.stop()

    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert set(line) == JSON_KEYS
    assert line["outcome"] == "answered"
    assert line["advocate_answered"] is True and line["participant_answered"] is True
    assert leaked(result.stdout + result.stderr, ADVOCATE, PARTICIPANT) == []


@pytest.mark.parametrize(
    "args",
    [
        ["call", "--advocate-phone", ADVOCATE, "--participant-phone", PARTICIPANT,
         "--mode", "withhold"],
        lab_call("--mode", "visible"),
        lab_call(),
        ["call", "--lab", "--advocate-phone", "555-CALL-NOW", "--participant-phone", PARTICIPANT,
         "--mode", "withhold"],
        ["call", "--lab", "--advocate-phone", ADVOCATE, "--participant-phone", ADVOCATE,
         "--mode", "withhold"],
        lab_call("--mode", "withhold", "--timeout", "1"),
    ],
    ids=["raw-numbers-without-lab", "unknown-mode", "no-mode", "malformed-number",
         "same-phone-twice", "timeout-too-short"],
)
def test_bad_usage_exits_2_and_dials_nothing(
    lab_env: dict[str, str], carrier_phones: FarEndFactory, args: list[str]
) -> None:
    phone = carrier_phones({})
    result = safedial(lab_env, *args)
    phone.stop()

    assert result.returncode == 2, result.stderr
    assert phone.dialogs().messages == []
    assert "555-CALL-NOW" not in result.stderr, "bad input is not echoed back"


def test_an_unreachable_ami_exits_4(lab_env: dict[str, str]) -> None:
    env = {**lab_env, "SAFEDIAL_AMI_PORT": str(free_port("127.0.0.1"))}
    result = safedial(env, *lab_call("--mode", "withhold"))
    assert result.returncode == 4, result.stderr
    assert "AMI" in result.stderr


def test_a_lab_call_in_a_mode_that_never_passed_the_self_test_is_refused(
    carrier_lab: CarrierLab, carrier_phones: FarEndFactory, tmp_path: Path
) -> None:
    phone = carrier_phones({ADVOCATE: Answer(), PARTICIPANT: Answer()})
    env = {**os.environ, **carrier_lab.env,
           "SAFEDIAL_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
           "SAFEDIAL_KEY_FILE": str(tmp_path / "keys.json")}
    assert safedial(env, "keys", "init").returncode == 0  # audited refusals need the key
    result = safedial(env, *lab_call("--mode", "withhold"))
    phone.stop()
    assert result.returncode == 3, result.stderr
    assert "never passed" in result.stderr
    assert phone.dialogs().messages == [], "nothing rang"


def test_a_malformed_setting_stops_the_command_and_names_it(pbx: Pbx) -> None:
    env = {**pbx.cli_env(), "SAFEDIAL_MASKED_NUMBER": "call me"}
    result = safedial(env, "pbx", "status")
    assert result.returncode == 2
    assert "SAFEDIAL_MASKED_NUMBER" in result.stderr


def test_pbx_check_refuses_a_hand_edited_config_and_names_the_setting(
    pbx: Pbx, tmp_path: Path
) -> None:
    etc = tmp_path / "etc"
    shutil.copytree(pbx.layout.etc, etc)
    pjsip = etc / "pjsip.conf"
    pjsip.write_text(pjsip.read_text().replace("send_diversion = no", "send_diversion = yes"))

    assert safedial(pbx.cli_env(), "pbx", "check").returncode == 0
    result = safedial(pbx.cli_env(), "pbx", "check", "--etc", str(etc))
    assert result.returncode == 3
    assert "send_diversion" in result.stderr


def test_pbx_up_status_down_manage_a_private_asterisk(tmp_path: Path) -> None:
    env = {**lab_environment(tmp_path / "runtime")}
    asterisk = asterisk_for(load_settings(env))
    try:
        up = safedial(env, "pbx", "up")
        assert up.returncode == 0, up.stderr
        status = safedial(env, "pbx", "status", "--json")
        assert status.returncode == 0, status.stderr
        state = json.loads(status.stdout)
        assert state["running"] is True
        assert state["endpoints"] == ["trunk"]
        assert state["missing_endpoints"] == []
        running = asterisk.running_version()  # asked over its own control socket
        assert str(running) in up.stdout, "pbx up names the release it started"
        if expected_release() is not None:
            assert running.major == expected_release()
        if "SAFEDIAL_ASTERISK_ROOT" in env:
            assert f"in {asterisk.layout.chroot} (chroot)" in up.stdout
            assert Path(f"/proc/{state['pid']}/root").resolve() == asterisk.layout.chroot
    finally:
        down = safedial(env, "pbx", "down")
    assert down.returncode == 0
    assert "stopped" in down.stdout
    assert not pid_alive(state["pid"]), "pbx down stops the Asterisk it started, by its pid"
    after = safedial(env, "pbx", "status", "--json")
    assert after.returncode == 4
    assert json.loads(after.stdout)["running"] is False
