"""The contract of ``safedial selftest`` and of the lock it shows: exit codes, lines, JSON.

The canary is a stand-in (``tests.support.canary``) wired in where the command
builds its self-test; the real canary is proven in the integration tier.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import pytest

from gateway.callerid import CallerIdMode
from gateway.cli import pbx_cmd
from gateway.cli.main import main
from gateway.domain.selftest import CanaryReading
from gateway.errors import ExitCode, OriginateFailed, PbxUnavailable
from gateway.pbx.process import PbxStatus
from gateway.wiring import AppContext
from tests.support.canary import Canary, FailingCanary, private_canary
from tests.support.numbers import AGENCY, CANARY, MASKED, leaked
from tests.support.world import world_environment

WITHHOLD, MASKED_MODE = CallerIdMode.WITHHOLD, CallerIdMode.MASKED


class Cli:
    """``safedial`` in this process, against a test world, with ``canary`` as its canary."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str], **env: str) -> None:
        for name, value in world_environment(root, **env).items():
            monkeypatch.setenv(name, value)
        self.canary: Canary = private_canary()
        monkeypatch.setattr(AppContext, "canary_probe", lambda _ctx: self.canary.connect())
        monkeypatch.setattr(AppContext, "verify_pbx_safe", lambda _ctx: None)
        self.capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, list[str]]:
        code = main(list(argv))
        return code, self.capsys.readouterr().out.splitlines()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Iterator[Cli]:
    from gateway.storage.keyring import init_key_file

    init_key_file(tmp_path / "keys.json")
    yield Cli(tmp_path, monkeypatch, capsys)


def test_selftest_exits_3_not_5_when_the_pbx_would_not_place_the_test_call(cli: Cli) -> None:
    cli.canary = FailingCanary(WITHHOLD, OriginateFailed("Asterisk would not place the call"))
    code, lines = cli("selftest")
    assert code == ExitCode.REFUSED
    assert lines[0].startswith("withhold: inconclusive (check originate-failed)")
    assert lines[1] == "masked: pass"


class UnreachableCanary(Canary):
    """AMI cannot be reached: no test call can be placed."""

    def __init__(self) -> None:
        super().__init__({})

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[Canary]:
        raise PbxUnavailable("cannot reach Asterisk's AMI on 127.0.0.1:5038")
        yield self  # pragma: no cover - never reached


def leaking_canary() -> Canary:
    """A carrier that shows the agency number on a withheld call."""
    return Canary({
        WITHHOLD: CanaryReading(1, AGENCY, "", {"From": f"<sip:{AGENCY}@carrier.invalid>"}),
        MASKED_MODE: private_canary().readings[MASKED_MODE],
    })


NUMBERS = (AGENCY, MASKED, CANARY)


def test_selftest_exits_0_with_one_pass_line_per_mode_when_every_mode_passes(cli: Cli) -> None:
    assert cli("selftest") == (ExitCode.OK, ["withhold: pass", "masked: pass"])


def test_selftest_json_is_one_object_per_mode_with_exactly_the_contract_keys(cli: Cli) -> None:
    code, lines = cli("selftest", "--json")
    assert code == ExitCode.OK
    objects = [json.loads(line) for line in lines]
    assert [set(obj) for obj in objects] == [{"mode", "verdict", "check", "sip_cause", "at"}] * 2
    assert [(o["mode"], o["verdict"], o["check"], o["sip_cause"]) for o in objects] == [
        ("withhold", "pass", None, None), ("masked", "pass", None, None)]
    assert datetime.fromisoformat(objects[0]["at"]).tzinfo is not None


def test_selftest_exits_3_when_a_mode_leaks_naming_the_role_never_the_number(cli: Cli) -> None:
    cli.canary = leaking_canary()
    code, lines = cli("selftest")
    assert code == ExitCode.REFUSED
    assert lines == ["withhold: fail (check caller-number; leaked: agency number) - locked",
                     "masked: pass"]
    code, lines = cli("selftest", "--json", "--mode", "withhold")
    assert code == ExitCode.REFUSED
    (line,) = lines
    assert (json.loads(line)["verdict"], json.loads(line)["check"]) == ("fail", "caller-number")
    assert leaked(line, *NUMBERS) == []


def test_selftest_exits_3_when_the_canary_is_not_reached_and_gives_the_sip_cause(
    cli: Cli,
) -> None:
    cli.canary = Canary({})  # the canary never rang: SIP 480
    code, lines = cli("selftest", "--json", "--mode", "masked")
    assert code == ExitCode.REFUSED
    (obj,) = [json.loads(line) for line in lines]
    assert (obj["mode"], obj["verdict"], obj["check"], obj["sip_cause"]) == (
        "masked", "inconclusive", "canary-not-reached", "SIP 480")


def test_selftest_exits_4_when_the_pbx_is_unavailable_and_records_inconclusive(
    cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.canary = UnreachableCanary()
    code = main(["selftest"])
    assert code == ExitCode.UNAVAILABLE
    assert "AMI" in capsys.readouterr().err
    assert main(["lock", "status", "--json"]) == ExitCode.OK
    status = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(s["last"]["verdict"], s["last"]["check"], s["locked"]) for s in status] == [
        ("inconclusive", "pbx-unavailable", True)] * 2


def test_a_verdict_line_says_locked_only_when_the_mode_is_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An inconclusive run where the self-test is not required locks nothing; a pass after
    an uncleared failure leaves the lock on. The line tells the truth either way."""
    from gateway.storage.keyring import init_key_file

    init_key_file(tmp_path / "keys.json")
    cli = Cli(tmp_path, monkeypatch, capsys, SAFEDIAL_SELFTEST_REQUIRED="false")
    cli.canary = Canary({})
    assert cli("selftest", "--mode", "masked") == (ExitCode.REFUSED, [
        "masked: inconclusive (check canary-not-reached; SIP 480) - not locked "
        "(self-test not required)"])
    cli.canary = leaking_canary()
    assert cli("selftest", "--mode", "withhold")[0] == ExitCode.REFUSED
    cli.canary = private_canary()
    code, lines = cli("selftest", "--mode", "withhold")
    assert code == ExitCode.OK
    assert lines[0].startswith("withhold: pass - still locked: ")
    assert "safedial lock clear" in lines[0]


def test_selftest_mode_tests_that_mode_only(cli: Cli) -> None:
    assert cli("selftest", "--mode", "masked") == (ExitCode.OK, ["masked: pass"])
    assert cli.canary.calls == [MASKED_MODE]


class HealthyAsterisk:
    def status(self) -> PbxStatus:
        return PbxStatus(True, 4242, ("advocates", "trunk"), ())


def test_pbx_status_shows_each_modes_last_verdict_its_age_and_the_lock(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.canary = leaking_canary()
    cli("selftest")
    monkeypatch.setattr(pbx_cmd, "_asterisk", HealthyAsterisk)

    code, lines = cli("pbx", "status")
    assert code == ExitCode.OK
    privacy = [line for line in lines if line.startswith("privacy self-test: ")]
    assert len(privacy) == 2
    assert privacy[0].startswith("privacy self-test: withhold: last fail 0.0 h ago; LOCKED: ")
    assert privacy[1] == "privacy self-test: masked: last pass 0.0 h ago; unlocked"

    code, lines = cli("pbx", "status", "--json")
    assert code == ExitCode.OK
    (status,) = [json.loads(line) for line in lines]
    assert [(m["mode"], m["last"]["verdict"], m["locked"], m["lock_reason"])
            for m in status["selftest"]] == [("withhold", "fail", True, "failed"),
                                              ("masked", "pass", False, None)]
    assert leaked("\n".join(lines), *NUMBERS) == []


def test_pbx_status_shows_the_lock_even_when_asterisk_is_down(cli: Cli) -> None:
    code, lines = cli("pbx", "status")
    assert code == ExitCode.UNAVAILABLE
    assert lines[0].startswith("Asterisk is not running")
    assert lines[1:] == ["privacy self-test: withhold: never tested; LOCKED: the privacy "
                         "self-test has never passed in this mode",
                         "privacy self-test: masked: never tested; LOCKED: the privacy "
                         "self-test has never passed in this mode"]
