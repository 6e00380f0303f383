"""Test-wide set-up: with an Asterisk root, every temp folder lies inside it; password
hashing at its cheapest.

``SAFEDIAL_ASTERISK_ROOT`` runs Asterisk chrooted, and it can only see files
inside that root, so the integration tier's runtime folders, far ends and
per-call audio (all under ``tmp_path``) must be there. Each run gets its own
folder under ``<root>/tmp`` (runs in other worktrees share the root); a run
that passed removes it, a failed run keeps it for its Asterisk logs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from argon2 import profiles

from gateway.web_auth import passwords

_CREATED = "_safedial_basetemp"


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its cheapest in tests (production's cost is checked on its own)."""
    monkeypatch.setattr(passwords, "PARAMETERS", profiles.CHEAPEST)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    root = os.environ.get("SAFEDIAL_ASTERISK_ROOT")
    if not root or config.option.basetemp:
        return
    parent = Path(root) / "tmp"
    if not parent.is_dir():
        raise pytest.UsageError(
            f"SAFEDIAL_ASTERISK_ROOT={root} holds no tmp/ folder: is it a Debian root? "
            "(`make deps` builds the lab's)"
        )
    config.option.basetemp = tempfile.mkdtemp(prefix="safedial-test-", dir=parent)
    setattr(config, _CREATED, config.option.basetemp)


@pytest.hookimpl(trylast=True)  # after session fixtures (the PBXs) are torn down
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    created = getattr(session.config, _CREATED, None)
    if created and exitstatus == 0:
        shutil.rmtree(created, ignore_errors=True)
