"""``safedial serve`` stops in bounded time even while a live call status is open."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.cli import serve_cmd
from gateway.cli.main import main
from gateway.errors import ExitCode
from tests.support.world import world_for_cli


def test_serve_gives_open_streams_a_bounded_grace_at_shutdown(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    world_for_cli(tmp_path, monkeypatch)
    ran: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **options: ran.update(options))

    assert main(["serve", "--port", "8123"]) == ExitCode.OK

    assert ran["timeout_graceful_shutdown"] == serve_cmd.SHUTDOWN_GRACE_S <= 30
    assert ran["access_log"] is False, "addresses hold participant ids: no access log"
