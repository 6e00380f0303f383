"""The `safedial` command's exit codes are named, and errors go to stderr as one line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gateway.cli.main import main
from gateway.errors import ExitCode
from gateway.wiring import AppContext
from tests.support.world import add_advocate, world_for_cli


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    """A world on disk that `safedial` finds through its environment."""
    return world_for_cli(tmp_path, monkeypatch)


def test_audit_verify_and_purge_refuse_a_broken_chain_with_the_same_code(
    world: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_advocate(world)
    assert main(["audit", "verify"]) == ExitCode.OK
    with sqlite3.connect(tmp_path / "safedial.db") as raw:
        raw.execute("UPDATE audit_log SET action = 'nothing.happened' WHERE seq = 1")
    capsys.readouterr()

    assert main(["audit", "verify"]) == ExitCode.REFUSED
    assert "BROKEN" in capsys.readouterr().out
    assert main(["audit", "purge"]) == ExitCode.REFUSED
    assert "nothing was purged" in capsys.readouterr().err


def test_pbx_check_without_a_config_folder_is_bad_input_on_stderr(
    world: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["pbx", "check", "--etc", str(tmp_path / "nowhere")]) == ExitCode.BAD_INPUT
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.startswith("safedial: no config folder at ")
