"""``make run``'s lab: a lab admin and a lab advocate who can sign in to the web app with
the one-time passwords it prints, and a participant the advocate may call."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.lab import bootstrap
from gateway.people import caseload
from gateway.web_auth.signin import SignInFailed, sign_in
from gateway.wiring import AppContext
from tests.support.world import world_for_cli

SIGN_IN = re.compile(r"^  username (\S+)  one-time password (\S+)$", re.MULTILINE)


def run(capsys: pytest.CaptureFixture[str]) -> tuple[str, dict[str, str]]:
    assert bootstrap.main() == 0
    out = capsys.readouterr().out
    return out, dict(SIGN_IN.findall(out))


def signs_in(world: AppContext, username: str, password: str) -> bool:
    try:
        signed_in = sign_in(world.db, keys=world.keys, policy=world.policy, username=username,
                            password=password, client_address="127.0.0.1",
                            now=datetime.now(UTC))
    except SignInFailed:
        return False
    return signed_in.must_change_password


def test_the_lab_prints_one_time_passwords_for_a_lab_admin_and_a_lab_advocate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    world = world_for_cli(tmp_path, monkeypatch)
    out, first = run(capsys)
    assert set(first) == {"lab-admin", "lab-advocate"}
    assert "lab admin id: a_" in out and "lab participant id: p_" in out
    assert "sign-in (API token for the lab admin): sd_" in out
    assert "http://127.0.0.1:8000" in out
    assert all(signs_in(world, name, password) for name, password in first.items())

    _out, again = run(capsys)
    assert all(signs_in(world, name, password) for name, password in again.items())
    assert not any(signs_in(world, name, password) for name, password in first.items()), \
        "each run prints the passwords that work now"
    world.close()


def test_the_lab_advocate_has_the_lab_participant_in_their_caseload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    world = world_for_cli(tmp_path, monkeypatch)
    out, _passwords = run(capsys)
    advocate_id = re.search(r"lab advocate id: (a_\w+)", out).group(1)  # type: ignore[union-attr]
    participant_id = re.search(r"lab participant id: (p_\w+)", out).group(1)  # type: ignore[union-attr]
    with world.db.unit_of_work() as session:
        assert caseload.advocates_of(session, participant_id) == [advocate_id]
    run(capsys)
    with world.db.unit_of_work() as session:
        assert caseload.advocates_of(session, participant_id) == [advocate_id], "no second"
    world.close()


def test_a_returning_labs_database_others_can_read_is_one_clear_line_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """An older lab's database made before files were private: the set-up refuses it and
    says how to fix it (chmod 600), as every command does."""
    world = world_for_cli(tmp_path, monkeypatch)
    world.db.dispose()
    (tmp_path / "safedial.db").chmod(0o644)

    assert bootstrap.main() == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("lab set-up: ") and "chmod 600" in err
    assert "Traceback" not in err and len(err.splitlines()) == 1
