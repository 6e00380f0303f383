"""The first password after a one-time one: chosen in the session that signed in with it,
without typing the one-time password again; only while the account has one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.audit import service as audit
from gateway.errors import BadInput
from gateway.storage.tables import AdvocateRow
from gateway.web_auth import accounts, passwords
from gateway.web_auth.first_password import choose_first_password
from gateway.web_auth.sessions import end_session, open_session, session_for
from gateway.web_auth.signin import SignInFailed, sign_in
from gateway.wiring import AppContext
from tests.support.world import add_advocate, make_world

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
NEW = "a walk by the river at dawn"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AppContext]:
    ctx = make_world(tmp_path)
    yield ctx
    ctx.close()


def first_sign_in(world: AppContext) -> tuple[str, str, str]:
    """An account given a one-time password, signed in with it: (id, one-time, secret)."""
    advocate_id = add_advocate(world)
    with world.db.unit_of_work() as session:
        accounts.set_username(session, actor="test", advocate_id=advocate_id,
                              username="sam", now=NOW)
        one_time = accounts.issue_one_time_password(session, actor="test",
                                                    advocate_id=advocate_id, now=NOW)
    signed = sign_in(world.db, keys=world.keys, policy=world.policy, username="sam",
                     password=one_time, client_address="198.51.100.7", now=NOW)
    assert signed.must_change_password
    return advocate_id, one_time, signed.session_secret


def choose(world: AppContext, secret: str, new: str = NEW) -> int:
    return choose_first_password(world.db, policy=world.policy, session_secret=secret,
                                 new=new, now=NOW + timedelta(minutes=1))


def test_the_first_password_replaces_the_one_time_one_and_this_session_stays(
    world: AppContext
) -> None:
    advocate_id, one_time, secret = first_sign_in(world)
    with world.db.unit_of_work() as session:
        other = open_session(session, advocate_id=advocate_id, policy=world.policy.web,
                             now=NOW)
    assert choose(world, secret) == 1
    later = NOW + timedelta(minutes=2)
    with world.db.unit_of_work() as session:
        row = session.get(AdvocateRow, advocate_id)
        assert row is not None and not row.password_one_time
        assert passwords.verify_password(row.password_hash, NEW)
        assert not passwords.verify_password(row.password_hash, one_time, one_time=True)
        user = session_for(session, secret=secret, policy=world.policy, now=later)
        assert user is not None and not user.must_change_password
        assert session_for(session, secret=other, policy=world.policy, now=later) is None
        entry = audit.records(session)[-1]
        assert (entry.action, entry.actor) == ("advocate.password-changed", advocate_id)
        assert NEW not in str(entry.fields)


@pytest.mark.parametrize(("new", "rule"), [("short", "too-short"), (" " * 20, "only-spaces"),
                                           ("SAM", "too-short"), ("x" * 300, "too-long")])
def test_a_password_breaking_a_rule_is_refused_with_the_rule(
    world: AppContext, new: str, rule: str
) -> None:
    _, _, secret = first_sign_in(world)
    with pytest.raises(BadInput) as refused:
        choose(world, secret, new)
    assert refused.value.details["rule"] == rule


def test_the_one_time_password_is_not_a_new_password(world: AppContext) -> None:
    _, one_time, secret = first_sign_in(world)
    with pytest.raises(BadInput) as refused:
        choose(world, secret, one_time.upper())
    assert refused.value.details["rule"] == "same"


def test_an_account_with_a_password_of_its_own_must_give_it(world: AppContext) -> None:
    _, _, secret = first_sign_in(world)
    choose(world, secret)
    with pytest.raises(BadInput) as refused:
        choose(world, secret, "another long passphrase")
    assert refused.value.details["rule"] == "current"


def test_an_ended_session_chooses_nothing(world: AppContext) -> None:
    advocate_id, _, secret = first_sign_in(world)
    with world.db.unit_of_work() as session:
        end_session(session, secret=secret, now=NOW)
    with pytest.raises(SignInFailed):
        choose(world, secret)
    with world.db.unit_of_work() as session:
        row = session.get(AdvocateRow, advocate_id)
        assert row is not None and row.password_one_time
