"""Web accounts: usernames, one-time passwords handed over by an admin, TOTP for admins.

The CLI contract (issue 13): ``advocate add ... --username U`` (and ``admin add``) print
the id on the first line and a one-time password on the second, last line; without
``--username`` only the id, as before. ``reset-password`` prints a new one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyotp
import pytest
from alembic import command
from argon2 import PasswordHasher, profiles
from sqlalchemy import inspect, text

from gateway.audit import service as audit
from gateway.cli.main import main
from gateway.errors import BadInput, ExitCode
from gateway.people import service as people
from gateway.people.duplicates import DuplicateRecord
from gateway.people.rotation import reencrypt_all
from gateway.storage.db import alembic_config, make_engine, upgrade
from gateway.storage.keyring import DecryptionError
from gateway.storage.tables import AdvocateRow, WebSessionRow
from gateway.web_auth import accounts, passwords, totp
from gateway.web_auth.sessions import open_session
from gateway.wiring import AppContext
from tests.support.world import add_advocate, make_world, world_for_cli

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
ONE_TIME = re.compile(r"[a-hj-km-np-z2-9]{5}(-[a-hj-km-np-z2-9]{5}){3}")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AppContext]:
    ctx = make_world(tmp_path)
    yield ctx
    ctx.close()


def row_of(world: AppContext, advocate_id: str) -> AdvocateRow:
    with world.db.unit_of_work() as session:
        row = session.get(AdvocateRow, advocate_id)
        assert row is not None
        return row


def trail(world: AppContext) -> list[tuple[str, tuple[str, ...]]]:
    with world.db.unit_of_work() as session:
        return [(entry.action, entry.fields) for entry in audit.records(session)]


# -- storage ---------------------------------------------------------------------------------

def test_the_migration_adds_accounts_sessions_and_the_throttle(world: AppContext) -> None:
    schema = inspect(world.db.engine)
    columns = {column["name"] for column in schema.get_columns("advocates")}
    assert {"username", "password_hash", "password_one_time", "last_sign_in_at",
            "totp_secret_enc"} <= columns
    assert {index["name"]: index["unique"] for index in schema.get_indexes("advocates")}[
        "ix_advocates_username"]
    assert {"id", "advocate_id", "created_at", "last_seen_at", "expires_at", "ended_at",
            "end_reason"} <= {column["name"] for column in schema.get_columns("web_sessions")}
    assert {"key", "failures", "window_started_at", "locked_until"} <= {
        column["name"] for column in schema.get_columns("sign_in_throttle")}


def test_the_migration_keeps_every_row_that_hangs_off_an_advocate(tmp_path: Path) -> None:
    """On SQLite a table "recreate" would drop advocates and cascade away tokens and
    caseloads: the migration must only add columns."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007_preference_macs")
        connection.execute(text(
            "INSERT INTO advocates (id, display_name, phone_enc, phone_index, role, language, "
            "active, working_hours, created_at) VALUES ('a_1', 'Sam', 'x', 'i', 'advocate', "
            "'en', 1, '[]', :at)"), {"at": NOW})
        connection.execute(text(
            "INSERT INTO participants (id, alias, phone_enc, phone_index, timezone, windows, "
            "masked_fallback, created_at, updated_at) VALUES ('p_1', 'Rose', 'x', 'i', 'UTC', "
            "'[]', 0, :at, :at)"), {"at": NOW})
        connection.execute(text(
            "INSERT INTO api_tokens (token_hash, advocate_id, created_at, public_id) "
            "VALUES ('h', 'a_1', :at, 'tok_1')"), {"at": NOW})
        connection.execute(text(
            "INSERT INTO caseload (participant_id, advocate_id, assigned_at) "
            "VALUES ('p_1', 'a_1', :at)"), {"at": NOW})
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM caseload")).scalar() == 1
        assert connection.execute(text(
            "SELECT username, password_one_time FROM advocates")).one() == (None, 0)
    engine.dispose()


def test_deleting_an_advocate_deletes_their_web_sessions(world: AppContext) -> None:
    advocate_id = add_advocate(world)
    with world.db.unit_of_work() as session:
        open_session(session, advocate_id=advocate_id, policy=world.policy.web, now=NOW)
    with world.db.unit_of_work() as session:
        session.delete(session.get(AdvocateRow, advocate_id))
    with world.db.unit_of_work() as session:
        assert session.query(WebSessionRow).count() == 0


# -- usernames -------------------------------------------------------------------------------

@pytest.mark.parametrize("given, stored", [("Sam.Lee", "sam.lee"), ("  x_9-y ", "x_9-y"),
                                           ("a" * 32, "a" * 32)])
def test_a_username_is_stored_in_lower_case(given: str, stored: str) -> None:
    assert accounts.normalize_username(given) == stored


@pytest.mark.parametrize("bad", ["ab", "a" * 33, "sam lee", "sam@home", "-sam", "émile",
                                 "sam\u200b", ""])
def test_a_username_outside_the_rule_is_refused(bad: str) -> None:
    with pytest.raises(BadInput, match="3 to 32"):
        accounts.normalize_username(bad)


def test_usernames_are_unique_whatever_their_case(world: AppContext) -> None:
    first, second = add_advocate(world), add_advocate(world)
    with world.db.unit_of_work() as session:
        assert accounts.set_username(session, actor="test", advocate_id=first,
                                     username="Sam", now=NOW) is True
    with world.db.unit_of_work() as session, pytest.raises(DuplicateRecord, match="taken"):
        accounts.set_username(session, actor="test", advocate_id=second, username="SAM",
                              now=NOW)
    with world.db.unit_of_work() as session:
        assert accounts.find_by_username(session, " sAm ").id == first  # type: ignore[union-attr]
        assert accounts.set_username(session, actor="test", advocate_id=first,
                                     username="sam", now=NOW) is False
    assert trail(world)[-1] == ("advocate.updated", (f"advocate={first}", "username"))


# -- one-time passwords ----------------------------------------------------------------------

def test_a_one_time_password_is_four_groups_of_five_without_look_alikes() -> None:
    seen = {passwords.one_time_password() for _ in range(50)}
    assert len(seen) == 50
    assert all(ONE_TIME.fullmatch(password) for password in seen)
    assert not set("".join(seen)) & set("ilo01")


def test_only_the_argon2id_hash_of_a_one_time_password_is_stored(world: AppContext) -> None:
    advocate_id = add_advocate(world)
    with world.db.unit_of_work() as session:
        accounts.set_username(session, actor="test", advocate_id=advocate_id, username="sam",
                              now=NOW)
        password = accounts.issue_one_time_password(session, actor="test",
                                                    advocate_id=advocate_id, now=NOW)
    row = row_of(world, advocate_id)
    assert row.password_hash is not None and row.password_hash.startswith("$argon2id$")
    assert password not in row.password_hash
    assert row.password_one_time is True
    assert passwords.verify_password(row.password_hash, password, one_time=True)
    assert password not in json.dumps(trail(world))
    assert trail(world)[-1] == ("advocate.password-reset", (f"advocate={advocate_id}",
                                                             "sessions=0"))


def test_a_one_time_password_is_read_as_typed_on_a_phone() -> None:
    password = passwords.one_time_password()
    stored = passwords.hash_password(password)
    typed = " " + password[0].upper() + password[1:] + "\n"
    assert passwords.verify_password(stored, typed, one_time=True)
    assert not passwords.verify_password(stored, typed)


def test_production_hashes_with_rfc_9106s_low_memory_argon2id() -> None:
    assert passwords.DEFAULT_PARAMETERS == profiles.RFC_9106_LOW_MEMORY
    stored = PasswordHasher.from_parameters(passwords.DEFAULT_PARAMETERS).hash("x" * 12)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_resetting_a_password_needs_a_username_and_ends_the_accounts_sessions(
    world: AppContext,
) -> None:
    advocate_id = add_advocate(world)
    with world.db.unit_of_work() as session, pytest.raises(BadInput, match="no username"):
        accounts.issue_one_time_password(session, actor="test", advocate_id=advocate_id,
                                         now=NOW)
    with world.db.unit_of_work() as session:
        accounts.set_username(session, actor="test", advocate_id=advocate_id, username="sam",
                              now=NOW)
        open_session(session, advocate_id=advocate_id, policy=world.policy.web, now=NOW)
        open_session(session, advocate_id=advocate_id, policy=world.policy.web, now=NOW)
    with world.db.unit_of_work() as session:
        accounts.issue_one_time_password(session, actor="admin-1", advocate_id=advocate_id,
                                         now=NOW)
    with world.db.unit_of_work() as session:
        reasons = [row.end_reason for row in session.query(WebSessionRow)]
    assert reasons == ["password-reset", "password-reset"]
    assert trail(world)[-1] == ("advocate.password-reset", (f"advocate={advocate_id}",
                                                             "sessions=2"))


# -- TOTP ------------------------------------------------------------------------------------

def test_only_an_admin_may_have_a_totp_second_factor(world: AppContext) -> None:
    advocate_id, admin_id = add_advocate(world), add_advocate(world, role="admin")
    with world.db.unit_of_work() as session:
        for account_id, name in ((advocate_id, "sam"), (admin_id, "ada")):
            accounts.set_username(session, actor="test", advocate_id=account_id, username=name,
                                  now=NOW)
    with world.db.unit_of_work() as session, pytest.raises(BadInput, match="admin"):
        accounts.enable_totp(session, keys=world.keys, actor="test", advocate_id=advocate_id,
                             now=NOW)
    with world.db.unit_of_work() as session:
        uri = accounts.enable_totp(session, keys=world.keys, actor="test",
                                   advocate_id=admin_id, now=NOW)
    assert uri.startswith("otpauth://totp/SafeDial:ada?secret=")
    secret = uri.split("secret=")[1].split("&")[0]
    stored = row_of(world, admin_id).totp_secret_enc
    assert stored is not None and secret not in stored
    assert totp.decrypt_secret(world.keys, stored, advocate_id=admin_id) == secret
    with world.db.unit_of_work() as session:
        assert accounts.disable_totp(session, actor="test", advocate_id=admin_id, now=NOW)
    assert row_of(world, admin_id).totp_secret_enc is None
    assert [action for action, _ in trail(world)][-2:] == ["advocate.totp-enabled",
                                                           "advocate.totp-disabled"]


def test_a_totp_secret_is_bound_to_its_row_and_re_encrypted_by_key_rotation(
    world: AppContext,
) -> None:
    admin_id, other_id = add_advocate(world, role="admin"), add_advocate(world, role="admin")
    with world.db.unit_of_work() as session:
        accounts.set_username(session, actor="test", advocate_id=admin_id, username="ada",
                              now=NOW)
        accounts.enable_totp(session, keys=world.keys, actor="test", advocate_id=admin_id,
                             now=NOW)
    stored = row_of(world, admin_id).totp_secret_enc
    assert stored is not None
    with pytest.raises(DecryptionError):
        totp.decrypt_secret(world.keys, stored, advocate_id=other_id)
    rotated = world.keys.rotated()
    with world.db.unit_of_work() as session:
        reencrypt_all(session, keys=rotated, actor="test")
    again = row_of(world, admin_id).totp_secret_enc
    assert again is not None and again != stored
    assert rotated.active_key_id in again
    assert totp.decrypt_secret(rotated, again, advocate_id=admin_id) == totp.decrypt_secret(
        world.keys, stored, advocate_id=admin_id)


def test_a_totp_code_is_accepted_once_within_its_step_or_the_next_to_it() -> None:
    secret = totp.new_secret()
    code = pyotp.TOTP(secret).at(NOW)
    step = totp.accepted_step(secret, code, now=NOW, last_step=None)
    assert step is not None
    assert totp.accepted_step(secret, code, now=NOW, last_step=step) is None, "no replay"
    assert totp.accepted_step(secret, code[:3] + " " + code[3:], now=NOW,
                              last_step=None) == step
    later = datetime.fromtimestamp(NOW.timestamp() + 30, UTC)
    assert totp.accepted_step(secret, code, now=later, last_step=None) == step
    much_later = datetime.fromtimestamp(NOW.timestamp() + 90, UTC)
    assert totp.accepted_step(secret, code, now=much_later, last_step=None) is None
    assert totp.accepted_step(secret, "12345", now=NOW, last_step=None) is None


# -- the CLI ---------------------------------------------------------------------------------

def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


@pytest.mark.parametrize("group", ["advocate", "admin"])
def test_add_with_a_username_prints_the_id_then_a_one_time_password(
    group: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world = world_for_cli(tmp_path, monkeypatch)
    code, lines, err = cli([group, "add", "--name", "Sam", "--phone", "+12025550111",
                            "--username", "Sam.Lee"], capsys)
    assert code == ExitCode.OK
    assert len(lines) == 2 and lines[0].startswith("a_") and ONE_TIME.fullmatch(lines[1])
    assert lines[1] not in err
    row = row_of(world, lines[0])
    assert row.username == "sam.lee" and row.password_one_time
    assert passwords.verify_password(row.password_hash, lines[1], one_time=True)
    assert row.role == ("admin" if group == "admin" else "advocate")
    world.close()


def test_add_without_a_username_prints_only_the_id_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    world = world_for_cli(tmp_path, monkeypatch)
    code, lines, _err = cli(["advocate", "add", "--name", "Sam", "--phone", "+12025550111"],
                            capsys)
    assert code == ExitCode.OK and len(lines) == 1 and lines[0].startswith("a_")
    assert row_of(world, lines[0]).password_hash is None
    world.close()


def test_add_with_a_bad_or_taken_username_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    world = world_for_cli(tmp_path, monkeypatch)
    add = ["advocate", "add", "--name", "Sam", "--phone", "+12025550111", "--username"]
    assert cli([*add, "no spaces"], capsys)[0] == ExitCode.BAD_INPUT
    assert cli([*add, "sam"], capsys)[0] == ExitCode.OK
    code, lines, err = cli([*add, "SAM"], capsys)
    assert code == ExitCode.BAD_INPUT and lines == [] and "taken" in err
    with world.db.unit_of_work() as session:
        assert session.query(AdvocateRow).count() == 1, "the second add rolled back whole"
    world.close()


@pytest.mark.parametrize("group", ["advocate", "admin"])
def test_reset_password_prints_a_new_one_time_password_and_ends_web_sessions(
    group: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world = world_for_cli(tmp_path, monkeypatch)
    _code, (advocate_id, first), _err = cli(
        [group, "add", "--name", "Sam", "--phone", "+12025550111", "--username", "sam"], capsys)
    with world.db.unit_of_work() as session:
        open_session(session, advocate_id=advocate_id, policy=world.policy.web, now=NOW)
    code, lines, _err = cli([group, "reset-password", advocate_id], capsys)
    assert code == ExitCode.OK and len(lines) == 1 and ONE_TIME.fullmatch(lines[0])
    assert lines[0] != first
    row = row_of(world, advocate_id)
    assert passwords.verify_password(row.password_hash, lines[0], one_time=True)
    assert not passwords.verify_password(row.password_hash, first, one_time=True)
    with world.db.unit_of_work() as session:
        assert [r.end_reason for r in session.query(WebSessionRow)] == ["password-reset"]
    assert cli([group, "reset-password", "a_000000000000"], capsys)[0] == ExitCode.BAD_INPUT
    world.close()


def test_update_sets_a_username_and_says_when_a_password_is_still_to_come(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    world = world_for_cli(tmp_path, monkeypatch)
    advocate_id = add_advocate(world)
    code, lines, err = cli(["advocate", "update", advocate_id, "--username", "Robin"], capsys)
    assert code == ExitCode.OK
    assert json.loads(lines[0]) == {"id": advocate_id, "changed": ["username"]}
    assert "reset-password" in err
    assert row_of(world, advocate_id).username == "robin"
    code, lines, _err = cli(["advocate", "show", advocate_id], capsys)
    view = json.loads(lines[0])
    assert (view["username"], view["web_sign_in"], view["second_factor"]) == (
        "robin", "none", False)
    world.close()


def test_admin_totp_prints_the_otpauth_uri_once_and_refuses_advocates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    world = world_for_cli(tmp_path, monkeypatch)
    _code, (admin_id, _password), _err = cli(
        ["admin", "add", "--name", "Ada", "--phone", "+12025550111", "--username", "ada"],
        capsys)
    _code, (advocate_id, _password), _err = cli(
        ["advocate", "add", "--name", "Sam", "--phone", "+12025550111", "--username", "sam"],
        capsys)
    code, lines, _err = cli(["admin", "totp", admin_id, "--enable"], capsys)
    assert code == ExitCode.OK and len(lines) == 1 and lines[0].startswith("otpauth://totp/")
    code, lines, _err = cli(["admin", "show", admin_id], capsys)
    assert json.loads(lines[0])["second_factor"] is True
    assert lines[0].count("otpauth") == 0
    assert cli(["admin", "totp", advocate_id, "--enable"], capsys)[0] == ExitCode.BAD_INPUT
    code, lines, _err = cli(["admin", "totp", admin_id, "--disable"], capsys)
    assert json.loads(lines[0]) == {"id": admin_id, "second_factor": False, "changed": True}
    world.close()


def test_show_never_holds_the_password_hash_or_the_totp_secret(world: AppContext) -> None:
    admin_id = add_advocate(world, role="admin")
    with world.db.unit_of_work() as session:
        accounts.set_username(session, actor="test", advocate_id=admin_id, username="ada",
                              now=NOW)
        accounts.issue_one_time_password(session, actor="test", advocate_id=admin_id, now=NOW)
        accounts.enable_totp(session, keys=world.keys, actor="test", advocate_id=admin_id,
                             now=NOW)
        view = people.show_advocate(session, policy=world.policy, advocate_id=admin_id)
    row = row_of(world, admin_id)
    text = json.dumps(view)
    assert row.password_hash not in text and (row.totp_secret_enc or "x") not in text
    assert view["web_sign_in"] == "one-time-password" and view["second_factor"] is True
