"""The contract of ``safedial selftest`` and of the lock it shows: exit codes, lines, JSON.

The canary is a stand-in (``tests.support.canary``) wired in where the command
builds its self-test; the real canary is proven in the integration tier.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.callerid import CallerIdMode
from gateway.cli.main import main
from gateway.errors import ExitCode, OriginateFailed
from gateway.wiring import AppContext
from tests.support.canary import Canary, FailingCanary, private_canary
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
