"""Tokens and accounts end: expiry, revocation and deactivation stop access at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import text

from gateway.audit import service as audit
from gateway.callbacks.planning import CallbackPlan
from gateway.cli.main import main
from gateway.errors import BadInput, ExitCode, NotFound
from gateway.people import access
from gateway.policyfile import PolicyFileError, parse_policy
from gateway.storage.db import alembic_config, make_engine, upgrade
from gateway.storage.tables import ApiTokenRow, as_utc
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.support.world import add_advocate, add_participant, make_world, world_for_cli

ALWAYS = ["mon-sun 00:00-24:00"]
NEVER_ISSUED = "tok_000000000000"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AppContext]:
    ctx = make_world(tmp_path)
    yield ctx
    ctx.close()


@pytest.fixture
def client(world: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(world, run_scheduler=False)) as test_client:
        yield test_client


def issue(world: AppContext, advocate_id: str, days: int = 90,
          now: datetime | None = None) -> access.IssuedToken:
    with world.db.unit_of_work() as session:
        return access.create_token(session, actor="test", advocate_id=advocate_id, days=days,
                                   now=now)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error_of(client: TestClient, token: str) -> tuple[int, str | None]:
    """The status and error id a request signed with ``token`` gets (None when it works)."""
    response = client.get("/api/participants", headers=bearer(token))
    if response.status_code == 200:
        return 200, None
    return response.status_code, response.json()["error_id"]


def tokens(world: AppContext, advocate_id: str | None = None) -> list[dict[str, object]]:
    with world.db.unit_of_work() as session:
        return access.list_tokens(session, advocate_id=advocate_id)


def audit_trail(world: AppContext) -> list[tuple[str, tuple[str, ...]]]:
    with world.db.unit_of_work() as session:
        return [(entry.action, entry.fields) for entry in audit.records(session)]


def pending_callback(world: AppContext, advocate_id: str) -> str:
    participant_id = add_participant(world, windows=ALWAYS, on_drop="callback")
    run_at = datetime.now(UTC) + timedelta(minutes=10)
    return world.callbacks().create(plan=CallbackPlan(1, 3, run_at, run_at),
                                    participant_id=participant_id, advocate_id=advocate_id,
                                    origin_call_id="origin", now=datetime.now(UTC))


# -- tokens ----------------------------------------------------------------------------------

def test_a_token_is_stored_only_as_a_hash_and_listed_by_its_public_id(world: AppContext) -> None:
    advocate_id = add_advocate(world)
    issued = issue(world, advocate_id)

    with world.db.unit_of_work() as session:
        stored = [(row.token_hash, row.public_id) for row in session.query(ApiTokenRow)]
    assert issued.secret not in {stored_hash for stored_hash, _ in stored}
    assert stored[0][1] == issued.id and issued.id.startswith("tok_")
    listed = tokens(world)
    assert [view["id"] for view in listed] == [issued.id]
    assert listed[0]["state"] == "active" and listed[0]["advocate_id"] == advocate_id
    assert issued.secret not in json.dumps(listed)
    assert stored[0][0] not in json.dumps(listed)


def test_a_token_works_until_the_policys_days_are_over(world: AppContext) -> None:
    advocate_id = add_advocate(world)
    issued_at = datetime(2026, 1, 1, tzinfo=UTC)
    issued = issue(world, advocate_id, days=30, now=issued_at)

    with world.db.unit_of_work() as session:
        assert access.authenticate(session, issued.secret,
                                   now=issued_at + timedelta(days=29)).id == advocate_id
    with world.db.unit_of_work() as session, pytest.raises(access.TokenExpired):
        access.authenticate(session, issued.secret, now=issued_at + timedelta(days=30))
    assert tokens(world)[0]["state"] == "expired"


def test_the_policy_sets_the_token_lifetime_with_90_days_by_default() -> None:
    assert parse_policy("").token_days == 90
    assert parse_policy("[access]\ntoken_days = 7\n").token_days == 7
    with pytest.raises(PolicyFileError, match=r"line 2 \(access.token_days\)"):
        parse_policy("[access]\ntoken_days = 0\n")


def test_using_a_token_records_when_it_was_last_used_to_the_minute(world: AppContext) -> None:
    issued = issue(world, add_advocate(world))
    assert tokens(world)[0]["last_used_at"] is None
    used_at = datetime.now(UTC) + timedelta(hours=1)
    for seconds in (0, 59):
        with world.db.unit_of_work() as session:
            access.authenticate(session, issued.secret, now=used_at + timedelta(seconds=seconds))
    assert tokens(world)[0]["last_used_at"] == used_at.isoformat(), "to the minute"
    with world.db.unit_of_work() as session:
        access.authenticate(session, issued.secret, now=used_at + timedelta(minutes=1))
    assert tokens(world)[0]["last_used_at"] == (used_at + timedelta(minutes=1)).isoformat()


def test_a_revoked_token_is_refused_and_the_audit_names_the_advocate_and_token(
    world: AppContext,
) -> None:
    advocate_id = add_advocate(world)
    issued, other = issue(world, advocate_id), issue(world, advocate_id)
    with world.db.unit_of_work() as session:
        assert access.revoke_token(session, actor="admin-1", token_id=issued.id) is True
    with world.db.unit_of_work() as session:
        assert access.revoke_token(session, actor="admin-1", token_id=issued.id) is False

    with world.db.unit_of_work() as session, pytest.raises(access.TokenRevoked):
        access.authenticate(session, issued.secret)
    with world.db.unit_of_work() as session:
        assert access.authenticate(session, other.secret).id == advocate_id, "only that one"
    assert audit_trail(world)[-1] == (
        "advocate.token-revoked", (f"advocate={advocate_id}", f"token={issued.id}"))
    assert ("advocate.token-issued", (f"advocate={advocate_id}", f"token={issued.id}")) \
        in audit_trail(world)


def test_revoking_an_unknown_token_id_is_not_found(world: AppContext) -> None:
    with world.db.unit_of_work() as session, pytest.raises(NotFound):
        access.revoke_token(session, actor="admin-1", token_id=NEVER_ISSUED)


# -- accounts --------------------------------------------------------------------------------

def test_deactivating_stops_tokens_and_cancels_pending_call_backs_at_once(
    world: AppContext,
) -> None:
    advocate_id = add_advocate(world)
    issued = issue(world, advocate_id)
    callback_id = pending_callback(world, advocate_id)
    someone_else = pending_callback(world, add_advocate(world))

    with world.db.unit_of_work() as session:
        result = access.deactivate_advocate(session, actor="admin-1", advocate_id=advocate_id,
                                            callbacks=world.callbacks())

    assert result == {"id": advocate_id, "active": False, "tokens_revoked": 1,
                      "callbacks_cancelled": 1, "sessions_ended": 0}
    with world.db.unit_of_work() as session, pytest.raises(access.AccountDeactivated):
        access.authenticate(session, issued.secret)
    ended = {item["id"]: item for item in world.callbacks().list(pending_only=False)}
    assert (ended[callback_id]["status"], ended[callback_id]["last_outcome"]) == (
        "cancelled", "advocate-deactivated")
    assert ended[someone_else]["status"] == "pending", "other advocates' call-backs stay"
    assert callback_id not in world.scheduler.job_ids_for("gateway.callbacks.jobs:run_due")
    assert audit_trail(world)[-1] == (
        "advocate.deactivated", (f"advocate={advocate_id}", "callbacks=1", "sessions=0",
                                 "tokens=1"))


def test_reactivating_does_not_bring_old_tokens_back(world: AppContext) -> None:
    advocate_id = add_advocate(world)
    old = issue(world, advocate_id)
    with world.db.unit_of_work() as session:
        access.deactivate_advocate(session, actor="admin-1", advocate_id=advocate_id,
                                   callbacks=world.callbacks())
    with world.db.unit_of_work() as session, pytest.raises(BadInput, match="deactivated"):
        access.create_token(session, actor="admin-1", advocate_id=advocate_id)
    with world.db.unit_of_work() as session:
        assert access.reactivate_advocate(session, actor="admin-1", advocate_id=advocate_id) \
            == {"id": advocate_id, "active": True}

    with world.db.unit_of_work() as session, pytest.raises(access.TokenRevoked):
        access.authenticate(session, old.secret)
    new = issue(world, advocate_id)
    with world.db.unit_of_work() as session:
        assert access.authenticate(session, new.secret).id == advocate_id
    assert audit_trail(world)[-2][0] == "advocate.reactivated"
    assert audit_trail(world)[-2][1] == (f"advocate={advocate_id}",)


# -- the API ---------------------------------------------------------------------------------

def test_the_api_answers_401_with_an_error_id_that_says_why(
    world: AppContext, client: TestClient,
) -> None:
    advocate_id, leaver_id = add_advocate(world), add_advocate(world)
    expired = issue(world, advocate_id, now=datetime.now(UTC) - timedelta(days=91))
    revoked, deactivated = issue(world, advocate_id), issue(world, leaver_id)
    with world.db.unit_of_work() as session:
        access.revoke_token(session, actor="admin-1", token_id=revoked.id)
        access.deactivate_advocate(session, actor="admin-1", advocate_id=leaver_id,
                                   callbacks=world.callbacks())

    assert error_of(client, expired.secret) == (401, "token-expired")
    assert error_of(client, revoked.secret) == (401, "token-revoked")
    assert error_of(client, deactivated.secret) == (401, "account-deactivated")
    assert error_of(client, "sd_never-issued") == (401, "unauthorized")
    assert error_of(client, issue(world, advocate_id).secret) == (200, None)


def test_admins_list_revoke_and_deactivate_through_the_api(
    world: AppContext, client: TestClient,
) -> None:
    admin = bearer(issue(world, add_advocate(world, role="admin")).secret)
    advocate_id = add_advocate(world)
    victim = issue(world, advocate_id)
    advocate = bearer(issue(world, advocate_id).secret)

    assert client.get("/api/tokens", headers=advocate).status_code == 403
    listed = client.get("/api/tokens", params={"advocate_id": advocate_id}, headers=admin).json()
    assert {item["id"] for item in listed} >= {victim.id}
    assert victim.secret not in json.dumps(listed)
    response = client.post(f"/api/tokens/{victim.id}/revoke", headers=admin)
    assert response.json() == {"id": victim.id, "revoked": True, "already": False}
    assert error_of(client, victim.secret) == (401, "token-revoked")

    response = client.post(f"/api/advocates/{advocate_id}/deactivate", headers=admin)
    assert response.status_code == 200 and response.json()["tokens_revoked"] == 1
    assert error_of(client, advocate["Authorization"].removeprefix("Bearer ")) == (
        401, "account-deactivated")
    response = client.post(f"/api/advocates/{advocate_id}/reactivate", headers=admin)
    assert response.json() == {"id": advocate_id, "active": True}


# -- the CLI ---------------------------------------------------------------------------------

def test_the_cli_issues_lists_revokes_and_deactivates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    world = world_for_cli(tmp_path, monkeypatch)
    advocate_id = add_advocate(world)

    assert main(["advocate", "token", advocate_id]) == ExitCode.OK
    out, err = capsys.readouterr()
    secret = out.strip()
    token_id = err.split()[1]
    assert secret.startswith("sd_") and token_id.startswith("tok_") and "expires" in err
    assert main(["token", "list", "--advocate", advocate_id]) == ExitCode.OK
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(item["id"], item["state"]) for item in listed] == [(token_id, "active")]
    assert main(["token", "revoke", token_id]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["revoked"] is True
    assert main(["token", "list", "--active"]) == ExitCode.OK
    assert capsys.readouterr().out == ""
    assert main(["token", "revoke", NEVER_ISSUED]) == ExitCode.BAD_INPUT

    assert main(["advocate", "deactivate", advocate_id]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["active"] is False
    assert main(["advocate", "token", advocate_id]) == ExitCode.BAD_INPUT
    assert main(["advocate", "reactivate", advocate_id]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["active"] is True


# -- tokens issued before expiry existed -----------------------------------------------------

def test_tokens_issued_before_the_migration_get_an_id_and_expire_90_days_after_issue(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    created = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
        connection.execute(text(
            "INSERT INTO advocates (id, display_name, phone_enc, phone_index, role, language, "
            "active, working_hours, created_at) VALUES ('a_1', 'Sam', 'x', 'i', 'advocate', "
            "'en', 1, '[]', :at)"), {"at": created})
        connection.execute(text(
            "INSERT INTO api_tokens (token_hash, advocate_id, created_at) "
            "VALUES ('h', 'a_1', :at)"), {"at": created})
    upgrade(engine)

    with engine.connect() as connection:
        public_id, expires_at = connection.execute(
            text("SELECT public_id, expires_at FROM api_tokens")).one()
    assert public_id.startswith("tok_")
    assert as_utc(datetime.fromisoformat(str(expires_at))) == created + timedelta(days=90)
    engine.dispose()
