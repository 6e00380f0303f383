"""Signing in: one answer for a wrong username or password, throttled per account and
per address in the database, audited by account id only; TOTP for admins; changing
one's password."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from gateway.audit import service as audit
from gateway.domain.policy import AgencyPolicy, WebPolicy
from gateway.domain.preferences import Role
from gateway.errors import BadInput
from gateway.people import access
from gateway.storage.db import Database
from gateway.storage.tables import AdvocateRow, ThrottleRow, WebSessionRow
from gateway.web_auth import accounts, passwords
from gateway.web_auth.sessions import session_for
from gateway.web_auth.signin import (
    SignedIn,
    SignInFailed,
    SignInThrottled,
    change_password,
    confirm_second_factor,
    sign_in,
    sign_out_everywhere,
)
from gateway.wiring import AppContext
from tests.support.world import add_advocate, make_world

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
HOME, ELSEWHERE = "198.51.100.7", "203.0.113.9"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AppContext]:
    ctx = make_world(tmp_path)
    yield ctx
    ctx.close()


def account(world: AppContext, username: str = "sam", *, role: str = "advocate",
            password: str | None = PASSWORD) -> tuple[str, str]:
    """An account with a username and a password of its own (or a one-time one, when
    ``password`` is None); returns its id and the password."""
    advocate_id = add_advocate(world, role=role)
    with world.db.unit_of_work() as session:
        accounts.set_username(session, actor="test", advocate_id=advocate_id,
                              username=username, now=NOW)
        one_time = accounts.issue_one_time_password(session, actor="test",
                                                    advocate_id=advocate_id, now=NOW)
        if password is not None:
            row = session.get(AdvocateRow, advocate_id)
            assert row is not None
            row.password_hash = passwords.hash_password(password)
            row.password_one_time = False
    return advocate_id, password or one_time


def attempt(world: AppContext, username: str = "sam", password: str = PASSWORD, *,
            address: str = HOME, at: datetime = NOW, policy: AgencyPolicy | None = None,
            **extra: Any) -> SignedIn:
    return sign_in(world.db, keys=world.keys, policy=policy or world.policy, username=username,
                   password=password, client_address=address, now=at, **extra)


def refused(world: AppContext, *args: Any, **kwargs: Any) -> SignInFailed | SignInThrottled:
    with pytest.raises((SignInFailed, SignInThrottled)) as caught:
        attempt(world, *args, **kwargs)
    assert isinstance(caught.value, SignInFailed | SignInThrottled)
    return caught.value


def trail(world: AppContext) -> list[tuple[str, str, tuple[str, ...]]]:
    with world.db.unit_of_work() as session:
        return [(entry.actor, entry.action, entry.fields) for entry in audit.records(session)]


def user_of(world: AppContext, secret: str, at: datetime = NOW) -> Any:
    with world.db.unit_of_work() as session:
        return session_for(session, secret=secret, policy=world.policy, now=at)


# -- signing in ------------------------------------------------------------------------------

def test_the_right_username_and_password_open_a_session_for_that_account(
    world: AppContext,
) -> None:
    advocate_id, password = account(world)
    signed_in = attempt(world, "SAM", password)
    assert (signed_in.advocate.advocate_id, signed_in.role) == (advocate_id, Role.ADVOCATE)
    assert not signed_in.must_change_password and not signed_in.needs_totp
    user = user_of(world, signed_in.session_secret)
    assert user is not None and user.advocate_id == advocate_id
    with world.db.unit_of_work() as session:
        row = session.get(AdvocateRow, advocate_id)
        assert row is not None and row.last_sign_in_at is not None
        stored = session.scalars(select(WebSessionRow.id)).all()
    assert signed_in.session_secret not in stored, "only its hash is kept"
    assert trail(world)[-1] == (advocate_id, "advocate.signed-in", (f"advocate={advocate_id}",))


def test_a_wrong_username_and_a_wrong_password_get_the_same_answer(world: AppContext) -> None:
    account(world)
    unknown = refused(world, "nobody", PASSWORD)
    wrong = refused(world, "sam", "not the password at all")
    assert type(unknown) is type(wrong) is SignInFailed
    assert (unknown.error_id, unknown.http_status) == ("sign-in-failed", 401)
    assert unknown.message == wrong.message
    assert "nobody" not in unknown.message and "sam" not in wrong.message


@pytest.mark.parametrize("who", ["unknown", "no-password", "wrong-password"])
def test_every_failed_sign_in_costs_one_argon2_check_like_a_good_one(
    world: AppContext, monkeypatch: pytest.MonkeyPatch, who: str,
) -> None:
    account(world)
    no_password = add_advocate(world)
    with world.db.unit_of_work() as session:
        accounts.set_username(session, actor="test", advocate_id=no_password,
                              username="robin", now=NOW)
    checks: list[str] = []
    verify = PasswordHasher.verify

    def counted(self: PasswordHasher, stored: str, password: str) -> bool:
        checks.append(stored[:9])
        return verify(self, stored, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    attempt(world)
    good = list(checks)
    checks.clear()
    username, password = {"unknown": ("nobody", PASSWORD), "no-password": ("robin", PASSWORD),
                          "wrong-password": ("sam", "wrong password!")}[who]
    refused(world, username, password)
    assert good == checks == ["$argon2id"], "one argon2id check, whoever it is for"


def test_a_deactivated_account_is_refused_even_with_its_password(world: AppContext) -> None:
    advocate_id, password = account(world)
    with world.db.unit_of_work() as session:
        access.deactivate_advocate(session, actor="admin-1", advocate_id=advocate_id,
                                   callbacks=world.callbacks(), now=NOW)
    with pytest.raises(access.AccountDeactivated):
        attempt(world, "sam", password)
    assert refused(world, "sam", "wrong password!").error_id == "sign-in-failed"


def test_a_one_time_password_signs_in_and_asks_for_a_new_password(world: AppContext) -> None:
    _advocate_id, one_time = account(world, password=None)
    signed_in = attempt(world, "sam", one_time.upper())
    assert signed_in.must_change_password
    user = user_of(world, signed_in.session_secret)
    assert user is not None and user.must_change_password


# -- throttling ------------------------------------------------------------------------------

def test_after_five_failures_even_the_right_password_is_refused_until_the_window_passes(
    world: AppContext,
) -> None:
    account(world)
    for minute in range(5):
        assert refused(world, password="wrong password!", address=f"198.51.100.{minute}",
                       at=NOW + timedelta(minutes=minute)).error_id == "sign-in-failed"
    locked = refused(world, at=NOW + timedelta(minutes=5), address=ELSEWHERE)
    assert isinstance(locked, SignInThrottled)
    assert (locked.error_id, locked.http_status) == ("sign-in-throttled", 429)
    assert locked.details["retry_after_s"] == str(10 * 60 + 1)
    assert refused(world, at=NOW + timedelta(minutes=14, seconds=59)).error_id == (
        "sign-in-throttled")
    assert attempt(world, at=NOW + timedelta(minutes=15)).role is Role.ADVOCATE


def test_the_throttle_counts_per_username_whether_or_not_it_exists(world: AppContext) -> None:
    for minute in range(5):
        refused(world, "nobody", address=f"198.51.100.{minute}")
    assert refused(world, "NoBody", address=ELSEWHERE).error_id == "sign-in-throttled"
    account(world, "robin")
    attempt(world, "robin", address=ELSEWHERE)


def test_the_throttle_counts_per_client_address_across_usernames(world: AppContext) -> None:
    policy = replace(world.policy, web=WebPolicy(sign_in_attempts_per_address=3))
    account(world)
    for name in ("ann", "bob", "cy"):
        refused(world, name, address=HOME, policy=policy)
    assert refused(world, "sam", address=HOME, policy=policy).error_id == "sign-in-throttled"
    attempt(world, "sam", address=ELSEWHERE, policy=policy)


def test_an_ipv6_client_counts_as_its_whole_64(world: AppContext) -> None:
    policy = replace(world.policy, web=WebPolicy(sign_in_attempts_per_address=3))
    account(world)
    for host, name in enumerate(("ann", "bob", "cy"), start=1):
        refused(world, name, address=f"2001:db8:1:2::{host}", policy=policy)
    assert refused(world, "sam", address="2001:db8:1:2:ffff::9",
                   policy=policy).error_id == "sign-in-throttled"
    attempt(world, "sam", address="2001:db8:1:3::1", policy=policy)


def test_a_successful_sign_in_clears_the_accounts_count(world: AppContext) -> None:
    account(world)
    for _round in range(2):
        for _ in range(4):
            refused(world, password="wrong password!")
        attempt(world)


def test_the_count_is_kept_in_the_database_for_every_worker(world: AppContext) -> None:
    account(world)
    for _ in range(5):
        refused(world, password="wrong password!")
    other_worker = Database(world.settings.database_url)
    other_worker.audit_key = world.db.audit_key
    try:
        with pytest.raises(SignInThrottled):
            sign_in(other_worker, keys=world.keys, policy=world.policy, username="sam",
                    password=PASSWORD, client_address=ELSEWHERE, now=NOW)
    finally:
        other_worker.dispose()


def test_the_throttle_names_no_username_and_no_address(world: AppContext) -> None:
    refused(world, "nobody", address=HOME)
    with world.db.unit_of_work() as session:
        keys = session.scalars(select(ThrottleRow.key)).all()
    assert len(keys) == 2
    assert not any("nobody" in key or "198.51" in key for key in keys)


def test_failures_and_locks_are_audited_by_account_id_and_never_say_what_was_typed(
    world: AppContext,
) -> None:
    advocate_id, _password = account(world)
    before = len(trail(world))
    refused(world, "nobody", "typed secret 1")
    assert trail(world)[before:] == [("web:sign-in", "web.sign-in-failed", ("username",))]
    before = len(trail(world))
    for _ in range(5):
        refused(world, "sam", "typed secret 2")
    refused(world, "sam", "typed secret 3")
    entries = trail(world)[before:]
    subject = (f"advocate={advocate_id}",)
    assert entries == [("web:sign-in", "advocate.sign-in-failed", subject)] * 5 + [
        ("web:sign-in", "advocate.sign-in-throttled", subject)]
    assert "typed secret" not in json.dumps(trail(world))
    assert HOME not in json.dumps(trail(world)) and "nobody" not in json.dumps(trail(world))


def test_an_unknown_username_writes_what_a_known_one_writes(world: AppContext) -> None:
    """Equal work on both paths: an extra audit write would time out which names exist."""
    account(world)
    written = []
    for username in ("nobody", "sam", "noone", "sam"):
        before = len(trail(world))
        refused(world, username, "wrong password!", address=f"198.51.100.{len(written)}")
        written.append(len(trail(world)) - before)
    assert written == [1, 1, 1, 1]


# -- TOTP for admins -------------------------------------------------------------------------

def admin_with_totp(world: AppContext) -> tuple[str, pyotp.TOTP]:
    admin_id, _password = account(world, "ada", role="admin")
    with world.db.unit_of_work() as session:
        uri = accounts.enable_totp(session, keys=world.keys, actor="test",
                                   advocate_id=admin_id, now=NOW)
    return admin_id, pyotp.parse_uri(uri)  # type: ignore[return-value]


def test_an_admin_with_totp_is_signed_in_only_once_the_code_is_right(world: AppContext) -> None:
    admin_id, codes = admin_with_totp(world)
    pending = attempt(world, "ada")
    assert pending.needs_totp and user_of(world, pending.session_secret) is None
    with pytest.raises(SignInFailed, match="code"):
        confirm_second_factor(world.db, keys=world.keys, policy=world.policy,
                              session_secret=pending.session_secret, totp_code="000000",
                              client_address=HOME, now=NOW)
    done = confirm_second_factor(world.db, keys=world.keys, policy=world.policy,
                                 session_secret=pending.session_secret,
                                 totp_code=codes.at(NOW), client_address=HOME, now=NOW)
    assert not done.needs_totp and done.session_secret == pending.session_secret
    assert user_of(world, done.session_secret).advocate_id == admin_id


def test_a_totp_code_given_with_the_password_signs_in_once(world: AppContext) -> None:
    _admin_id, codes = admin_with_totp(world)
    code = codes.at(NOW)
    assert not attempt(world, "ada", totp_code=code).needs_totp
    replayed = refused(world, "ada", totp_code=code)
    assert replayed.message == refused(world, "nobody", totp_code=code).message


def test_the_wait_for_the_code_ends_after_five_minutes(world: AppContext) -> None:
    _admin_id, codes = admin_with_totp(world)
    pending = attempt(world, "ada")
    later = NOW + timedelta(minutes=5)
    with pytest.raises(SignInFailed, match="sign in again"):
        confirm_second_factor(world.db, keys=world.keys, policy=world.policy,
                              session_secret=pending.session_secret,
                              totp_code=codes.at(later), client_address=HOME, now=later)


# -- changing one's password -----------------------------------------------------------------

def change(world: AppContext, secret: str, current: str, new: str,
           at: datetime = NOW) -> int:
    return change_password(world.db, keys=world.keys, policy=world.policy,
                           session_secret=secret, current=current, new=new,
                           client_address=HOME, now=at)


@pytest.mark.parametrize("new, why", [("short pass", "12 characters"),
                                      ("SAM.LEE.LONG", "username")])
def test_a_new_password_has_twelve_characters_and_is_not_the_username(
    world: AppContext, new: str, why: str,
) -> None:
    _advocate_id, one_time = account(world, "sam.lee.long", password=None)
    secret = attempt(world, "sam.lee.long", one_time).session_secret
    with pytest.raises(BadInput, match=why):
        change(world, secret, one_time, new)


def test_the_one_time_password_cannot_be_kept_as_the_new_one(world: AppContext) -> None:
    _advocate_id, one_time = account(world, password=None)
    secret = attempt(world, "sam", one_time).session_secret
    with pytest.raises(BadInput, match="one-time"):
        change(world, secret, one_time, one_time.upper())
    assert user_of(world, secret).must_change_password


def test_changing_the_password_clears_the_mark_and_ends_only_the_other_sessions(
    world: AppContext,
) -> None:
    advocate_id, one_time = account(world, password=None)
    elsewhere = attempt(world, "sam", one_time, address=ELSEWHERE).session_secret
    here = attempt(world, "sam", one_time).session_secret
    assert change(world, here, one_time, "a long new passphrase") == 1
    user = user_of(world, here)
    assert user is not None and not user.must_change_password
    assert user_of(world, elsewhere) is None
    assert refused(world, "sam", one_time).error_id == "sign-in-failed"
    attempt(world, "sam", "a long new passphrase")
    assert ("advocate.password-changed", (f"advocate={advocate_id}", "sessions=1")) in [
        (action, fields) for _actor, action, fields in trail(world)]


def test_a_wrong_current_password_is_a_counted_failure(world: AppContext) -> None:
    account(world)
    secret = attempt(world).session_secret
    for _ in range(5):
        with pytest.raises(SignInFailed, match="current password"):
            change(world, secret, "not my password", "a long new passphrase")
    with pytest.raises(SignInThrottled):
        change(world, secret, PASSWORD, "a long new passphrase")


def test_signing_out_everywhere_ends_every_session_of_the_account(world: AppContext) -> None:
    advocate_id, _password = account(world)
    first, second = attempt(world).session_secret, attempt(world).session_secret
    account(world, "robin")
    other = attempt(world, "robin").session_secret
    with world.db.unit_of_work() as session:
        assert sign_out_everywhere(session, session_secret=first, policy=world.policy,
                                   now=NOW) == 2
    assert user_of(world, first) is None and user_of(world, second) is None
    assert user_of(world, other) is not None
    assert trail(world)[-1][1:] == ("advocate.signed-out-everywhere",
                                    (f"advocate={advocate_id}", "sessions=2"))
