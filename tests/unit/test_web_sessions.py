"""Server-side web sessions: idle and absolute ends from the policy, use recorded to the
minute, sign-out (everywhere), deactivation ends them at once; CSRF tokens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.audit import service as audit
from gateway.domain.policy import WebPolicy
from gateway.people import access
from gateway.storage.tables import AdvocateRow, WebSessionRow, as_utc
from gateway.web.app import create_app
from gateway.web_auth import throttle
from gateway.web_auth.csrf import check_csrf, csrf_token
from gateway.web_auth.jobs import tidy
from gateway.web_auth.sessions import (
    awaiting_second_factor,
    end_all_sessions,
    end_session,
    open_session,
    session_for,
    session_id,
)
from gateway.wiring import AppContext
from tests.support.world import add_advocate, make_world

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AppContext]:
    ctx = make_world(tmp_path)
    yield ctx
    ctx.close()


def opened(world: AppContext, advocate_id: str, at: datetime = NOW) -> str:
    with world.db.unit_of_work() as session:
        return open_session(session, advocate_id=advocate_id, policy=world.policy.web, now=at)


def looked_up(world: AppContext, secret: str, at: datetime) -> str | None:
    with world.db.unit_of_work() as session:
        user = session_for(session, secret=secret, policy=world.policy, now=at)
        return None if user is None else user.advocate_id


def stored(world: AppContext, secret: str) -> WebSessionRow:
    with world.db.unit_of_work() as session:
        row = session.get(WebSessionRow, session_id(secret))
        assert row is not None
        return row


# -- sessions in the database ----------------------------------------------------------------

def test_a_session_acts_for_its_account_and_only_its_hash_is_stored(world: AppContext) -> None:
    advocate_id = add_advocate(world)
    secret = opened(world, advocate_id)
    assert looked_up(world, secret, NOW + timedelta(minutes=1)) == advocate_id
    row = stored(world, secret)
    assert row.id != secret and len(secret) >= 43
    assert as_utc(row.expires_at) == NOW + timedelta(hours=12)
    assert looked_up(world, "not-a-secret", NOW) is None


def test_use_keeps_a_session_alive_and_is_recorded_at_most_once_a_minute(
    world: AppContext,
) -> None:
    secret = opened(world, add_advocate(world))
    looked_up(world, secret, NOW + timedelta(seconds=59))
    assert as_utc(stored(world, secret).last_seen_at) == NOW, "no write within the minute"
    for minutes in (20, 40, 60):
        assert looked_up(world, secret, NOW + timedelta(minutes=minutes)) is not None
    assert as_utc(stored(world, secret).last_seen_at) == NOW + timedelta(minutes=60)


def test_an_idle_session_ends_and_stays_ended(world: AppContext) -> None:
    secret = opened(world, add_advocate(world))
    assert looked_up(world, secret, NOW + timedelta(minutes=30)) is None
    row = stored(world, secret)
    assert (row.end_reason, as_utc(row.ended_at or NOW)) == ("idle", NOW + timedelta(minutes=30))
    assert looked_up(world, secret, NOW + timedelta(minutes=31)) is None


def test_the_policys_idle_minutes_and_session_hours_apply(world: AppContext) -> None:
    world.policy = replace(world.policy, web=WebPolicy(idle_minutes=10, session_hours=1))
    advocate_id = add_advocate(world)
    idle = opened(world, advocate_id)
    assert looked_up(world, idle, NOW + timedelta(minutes=10)) is None
    busy = opened(world, advocate_id)
    for minutes in range(5, 60, 5):
        assert looked_up(world, busy, NOW + timedelta(minutes=minutes)) == advocate_id
    assert looked_up(world, busy, NOW + timedelta(minutes=60)) is None
    assert stored(world, busy).end_reason == "expired"


def test_signing_out_ends_only_this_browsers_session(world: AppContext) -> None:
    advocate_id = add_advocate(world)
    here, there = opened(world, advocate_id), opened(world, advocate_id)
    with world.db.unit_of_work() as session:
        assert end_session(session, secret=here, now=NOW) is True
    with world.db.unit_of_work() as session:
        assert end_session(session, secret=here, now=NOW) is False
    assert looked_up(world, here, NOW) is None
    assert looked_up(world, there, NOW) == advocate_id
    assert stored(world, here).end_reason == "signed-out"


def test_ending_all_sessions_leaves_other_accounts_alone(world: AppContext) -> None:
    advocate_id, other_id = add_advocate(world), add_advocate(world)
    mine = [opened(world, advocate_id) for _ in range(3)]
    theirs = opened(world, other_id)
    with world.db.unit_of_work() as session:
        assert end_all_sessions(session, advocate_id=advocate_id, now=NOW,
                                keep_session_id=session_id(mine[0])) == 2
    assert [looked_up(world, secret, NOW) for secret in mine] == [advocate_id, None, None]
    assert looked_up(world, theirs, NOW) == other_id


def test_deactivating_an_advocate_ends_their_web_sessions_at_once(world: AppContext) -> None:
    advocate_id = add_advocate(world)
    secrets = [opened(world, advocate_id), opened(world, advocate_id)]
    with world.db.unit_of_work() as session:
        result = access.deactivate_advocate(session, actor="admin-1", advocate_id=advocate_id,
                                            callbacks=world.callbacks(), now=NOW)
    assert result["sessions_ended"] == 2
    assert [looked_up(world, secret, NOW) for secret in secrets] == [None, None]
    assert stored(world, secrets[0]).end_reason == "deactivated"
    with world.db.unit_of_work() as session:
        assert audit.records(session)[-1].fields == (
            f"advocate={advocate_id}", "callbacks=0", "sessions=2", "tokens=0")
    with world.db.unit_of_work() as session:
        access.reactivate_advocate(session, actor="admin-1", advocate_id=advocate_id)
    assert looked_up(world, secrets[0], NOW) is None, "reactivating brings none back"


def test_the_api_reports_the_sessions_a_deactivation_ended(world: AppContext) -> None:
    admin_id, advocate_id = add_advocate(world, role="admin"), add_advocate(world)
    opened(world, advocate_id, at=datetime.now(UTC))
    with world.db.unit_of_work() as session:
        token = access.issue_token(session, actor="test", advocate_id=admin_id)
    with TestClient(create_app(world, run_scheduler=False)) as client:
        response = client.post(f"/api/advocates/{advocate_id}/deactivate",
                               headers={"Authorization": f"Bearer {token}"})
    assert response.json()["sessions_ended"] == 1


def test_a_session_of_an_account_deactivated_behind_its_back_acts_for_no_one(
    world: AppContext,
) -> None:
    advocate_id = add_advocate(world)
    secret = opened(world, advocate_id)
    with world.db.unit_of_work() as session:
        advocate = session.get(AdvocateRow, advocate_id)
        assert advocate is not None
        advocate.active = False
    assert looked_up(world, secret, NOW) is None


# -- CSRF ------------------------------------------------------------------------------------

def test_a_csrf_token_is_bound_to_its_session_and_form() -> None:
    token = csrf_token("session-secret-1", "call")
    assert check_csrf("session-secret-1", token, "call")
    assert not check_csrf("session-secret-2", token, "call"), "another session's"
    assert not check_csrf("session-secret-1", token, "sign-out"), "another form's"
    assert not check_csrf("session-secret-1", None, "call")
    assert not check_csrf("session-secret-1", "", "call")
    assert not check_csrf("session-secret-1", token[:-1], "call")
    assert "session-secret-1" not in token
    assert csrf_token("session-secret-1") == csrf_token("session-secret-1"), "derived, not stored"


# -- housekeeping ----------------------------------------------------------------------------

def test_housekeeping_forgets_sessions_over_for_longer_than_the_retention(
    world: AppContext,
) -> None:
    advocate_id = add_advocate(world)
    old, recent = opened(world, advocate_id, NOW - timedelta(days=100)), opened(world,
                                                                                advocate_id)
    with world.db.unit_of_work() as session:
        end_session(session, secret=recent, now=NOW)
    assert tidy(world.db, world.policy, NOW + timedelta(days=1)) == (1, 0)
    with world.db.unit_of_work() as session:
        assert session.get(WebSessionRow, session_id(old)) is None
        assert session.get(WebSessionRow, session_id(recent)) is not None


def test_housekeeping_drops_a_throttle_count_a_day_after_it_is_spent(world: AppContext) -> None:
    limit = throttle.Limit("k" * 64, 5, timedelta(minutes=15))
    with world.db.unit_of_work() as session:
        for _ in range(5):
            throttle.count(session, limit, NOW)
    assert tidy(world.db, world.policy, NOW + timedelta(hours=12)) == (0, 0)
    assert tidy(world.db, world.policy, NOW + timedelta(days=1, minutes=16)) == (0, 1)


def test_a_session_waiting_for_the_code_says_so_and_acts_for_no_one(world: AppContext) -> None:
    advocate_id = add_advocate(world, role="admin")
    with world.db.unit_of_work() as session:
        secret = open_session(session, advocate_id=advocate_id, policy=world.policy.web,
                              now=NOW, second_factor_pending=True)
    with world.db.unit_of_work() as session:
        assert awaiting_second_factor(session, secret=secret, policy=world.policy, now=NOW)
    assert looked_up(world, secret, NOW) is None
