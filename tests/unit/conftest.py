"""Fixtures shared by the unit tier (a test module's own fixture of the same name wins)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.wiring import AppContext
from tests.support.canary import pass_selftest
from tests.support.world import make_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AppContext]:
    """A lab world whose caller-ID modes both passed the self-test, so calls may be
    placed (a fresh install is locked until they do)."""
    ctx = make_world(tmp_path)
    pass_selftest(ctx)
    yield ctx
    ctx.close()
