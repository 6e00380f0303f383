"""Caseload scoping: under ``advocates_see = "assigned"`` an advocate sees and calls only
their assigned participants; everyone else is "not found" (never "forbidden", which
would say the participant is on file). Admins see all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.audit import service as audit
from gateway.callbacks.planning import CallbackPlan
from gateway.calls import records
from gateway.calls.models import CallKind
from gateway.cli.main import main
from gateway.domain.policy import AdvocatesSee
from gateway.errors import ExitCode, NotFound
from gateway.people import caseload
from gateway.people import service as people
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.support.canary import pass_selftest
from tests.support.world import SCOPED_POLICY, add_advocate, add_participant, make_world

ALWAYS = ["mon-sun 00:00-24:00"]
OTHER = "+12025550123"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AppContext]:
    ctx = replace(make_world(tmp_path), policy=SCOPED_POLICY)
    pass_selftest(ctx)
    yield ctx
    ctx.close()


@pytest.fixture
def client(world: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(world, run_scheduler=False)) as test_client:
        yield test_client


def signed_in(world: AppContext, role: str = "advocate") -> tuple[str, dict[str, str]]:
    advocate_id = add_advocate(world, role=role)
    with world.db.unit_of_work() as session:
        token = people.issue_token(session, actor="test", advocate_id=advocate_id)
    return advocate_id, {"Authorization": f"Bearer {token}"}


def assign(world: AppContext, participant_id: str, advocate_id: str) -> None:
    with world.db.unit_of_work() as session:
        caseload.assign(session, actor="test", participant_id=participant_id,
                        advocate_id=advocate_id)


def test_the_default_policy_scopes_advocates_to_their_caseload() -> None:
    from gateway.domain.policy import AgencyPolicy
    assert AgencyPolicy().advocates_see is AdvocatesSee.ASSIGNED


def test_an_advocate_gets_404_for_a_participant_not_assigned_to_them(
    client: TestClient, world: AppContext
) -> None:
    _, headers = signed_in(world)
    participant_id = add_participant(world)

    unassigned = client.get(f"/api/participants/{participant_id}", headers=headers)
    missing = client.get("/api/participants/p-nobody", headers=headers)

    assert unassigned.status_code == 404
    assert unassigned.json() == missing.json(), "out of scope reads exactly like no such id"
    assert participant_id not in unassigned.text


def test_an_advocate_sees_and_lists_only_their_assigned_participants(
    client: TestClient, world: AppContext
) -> None:
    advocate_id, headers = signed_in(world)
    mine = add_participant(world, alias="Mine")
    add_participant(world, alias="Theirs", phone=OTHER)
    assign(world, mine, advocate_id)

    assert client.get(f"/api/participants/{mine}", headers=headers).status_code == 200
    assert [view["id"] for view in client.get("/api/participants", headers=headers).json()] \
        == [mine]


def test_unassigning_takes_the_participant_out_of_sight_again(
    client: TestClient, world: AppContext
) -> None:
    advocate_id, headers = signed_in(world)
    _, admin = signed_in(world, "admin")
    participant_id = add_participant(world)
    path = f"/api/participants/{participant_id}/advocates/{advocate_id}"

    assert client.put(path, headers=admin).status_code == 204
    assert client.get(f"/api/participants/{participant_id}/advocates",
                      headers=admin).json() == [advocate_id]
    assert client.get(f"/api/participants/{participant_id}", headers=headers).status_code == 200
    assert client.delete(path, headers=admin).status_code == 204
    assert client.get(f"/api/participants/{participant_id}", headers=headers).status_code == 404


def test_only_admins_assign_participants(client: TestClient, world: AppContext) -> None:
    advocate_id, headers = signed_in(world)
    participant_id = add_participant(world)
    path = f"/api/participants/{participant_id}/advocates/{advocate_id}"
    assert client.put(path, headers=headers).status_code == 403
    assert client.delete(path, headers=headers).status_code == 403


def test_assigning_an_unknown_participant_or_advocate_is_404(
    client: TestClient, world: AppContext
) -> None:
    advocate_id, admin = signed_in(world, "admin")
    participant_id = add_participant(world)
    assert client.put(f"/api/participants/p-nobody/advocates/{advocate_id}",
                      headers=admin).status_code == 404
    assert client.put(f"/api/participants/{participant_id}/advocates/a-nobody",
                      headers=admin).status_code == 404


def test_admins_see_every_participant_under_scoping(client: TestClient, world: AppContext) -> None:
    _, admin = signed_in(world, "admin")
    participant_id = add_participant(world)
    assert client.get(f"/api/participants/{participant_id}", headers=admin).status_code == 200
    assert len(client.get("/api/participants", headers=admin).json()) == 1


def test_with_advocates_see_all_an_advocate_sees_everyone(
    client: TestClient, world: AppContext
) -> None:
    world.policy = replace(SCOPED_POLICY, advocates_see=AdvocatesSee.ALL)
    _, headers = signed_in(world)
    participant_id = add_participant(world)
    assert client.get(f"/api/participants/{participant_id}", headers=headers).status_code == 200


def test_an_advocate_calling_a_participant_not_assigned_to_them_gets_404_and_nothing_is_recorded(
    client: TestClient, world: AppContext
) -> None:
    _, headers = signed_in(world)
    participant_id = add_participant(world, windows=[])

    response = client.post("/api/calls", json={"participant_id": participant_id},
                           headers=headers)

    assert response.status_code == 404
    assert response.json()["error_id"] == "not-found"
    assert records.list_records(world.db) == []


def test_an_assigned_participant_passes_scoping_and_meets_the_policy(
    client: TestClient, world: AppContext
) -> None:
    advocate_id, headers = signed_in(world)
    participant_id = add_participant(world, windows=[])
    assign(world, participant_id, advocate_id)

    response = client.post("/api/calls", json={"participant_id": participant_id},
                           headers=headers)

    assert response.status_code == 409, "the policy decides: no window recorded"


def test_the_gate_refuses_a_call_to_a_participant_outside_the_ringing_advocates_caseload(
    world: AppContext,
) -> None:
    """``safedial call --participant --advocate`` and call-backs go through this gate."""
    advocate_id = add_advocate(world)
    participant_id = add_participant(world, windows=ALWAYS)
    with pytest.raises(NotFound):
        world.gate().prepare(participant_id=participant_id, advocate_id=advocate_id,
                             actor="cli", kind=CallKind.CALL)


def test_call_records_follow_the_caseload(client: TestClient, world: AppContext) -> None:
    advocate_id, headers = signed_in(world)
    mine = add_participant(world)
    theirs = add_participant(world, alias="Theirs", phone=OTHER)
    assign(world, mine, advocate_id)
    now = datetime.now(UTC)
    for number, participant_id in enumerate((mine, theirs)):
        records.record_refusal(world.db, call_id=f"c-{number}", participant_id=participant_id,
                               advocate_id=advocate_id, kind=CallKind.CALL, at=now)

    seen = client.get("/api/call-records", headers=headers).json()
    asked = client.get(f"/api/call-records?participant_id={theirs}", headers=headers).json()

    assert [record["participant_id"] for record in seen] == [mine]
    assert asked == []


def test_call_backs_follow_the_caseload(client: TestClient, world: AppContext) -> None:
    advocate_id, headers = signed_in(world)
    participant_id = add_participant(world, windows=ALWAYS, on_drop="callback")
    now = datetime.now(UTC)
    callback_id = world.callbacks().create(
        plan=CallbackPlan(1, 3, now, now), participant_id=participant_id,
        advocate_id=advocate_id, origin_call_id="origin", now=now)

    assert client.get("/api/callbacks", headers=headers).json() == []
    assert client.delete(f"/api/callbacks/{callback_id}", headers=headers).status_code == 404
    assign(world, participant_id, advocate_id)
    assert [row["id"] for row in client.get("/api/callbacks", headers=headers).json()] \
        == [callback_id]


def test_assignment_changes_are_audited_by_ids_only(world: AppContext) -> None:
    advocate_id = add_advocate(world)
    participant_id = add_participant(world)
    assign(world, participant_id, advocate_id)
    assign(world, participant_id, advocate_id)  # already there: nothing to audit
    with world.db.unit_of_work() as session:
        caseload.unassign(session, actor="test", participant_id=participant_id,
                          advocate_id=advocate_id, callbacks=world.callbacks())
        entries = [entry for entry in audit.records(session, participant=participant_id)
                   if entry.action.startswith("participant.") and "assign" in entry.action]

    assert [(entry.action, entry.fields) for entry in entries] == [
        ("participant.assigned", (advocate_id,)), ("participant.unassigned", (advocate_id,))]


def pending_callback(world: AppContext, participant_id: str, advocate_id: str) -> str:
    now = datetime.now(UTC)
    return world.callbacks().create(
        plan=CallbackPlan(1, 3, now, now), participant_id=participant_id,
        advocate_id=advocate_id, origin_call_id="origin", now=now)


def test_unassigning_cancels_that_advocates_pending_call_backs_to_that_participant(
    world: AppContext,
) -> None:
    advocate_id, colleague_id = add_advocate(world), add_advocate(world)
    participant_id = add_participant(world, windows=ALWAYS, on_drop="callback")
    other_participant = add_participant(world, windows=ALWAYS, on_drop="callback")
    for advocate in (advocate_id, colleague_id):
        assign(world, participant_id, advocate)
    assign(world, other_participant, advocate_id)
    theirs = pending_callback(world, participant_id, advocate_id)
    colleagues = pending_callback(world, participant_id, colleague_id)
    other_case = pending_callback(world, other_participant, advocate_id)

    with world.db.unit_of_work() as session:
        result = caseload.unassign(session, actor="admin-1", participant_id=participant_id,
                                   advocate_id=advocate_id, callbacks=world.callbacks())

    assert result == caseload.Unassigned(changed=True, callbacks_cancelled=1)
    ended = {item["id"]: item for item in world.callbacks().list(pending_only=False)}
    assert (ended[theirs]["status"], ended[theirs]["last_outcome"]) == (
        "cancelled", "advocate-unassigned")
    assert ended[colleagues]["status"] == ended[other_case]["status"] == "pending"
    assert theirs not in world.scheduler.job_ids_for("gateway.callbacks.jobs:run_due")
    with world.db.unit_of_work() as session:
        last = audit.records(session, participant=participant_id)[-1]
    assert (last.action, last.fields) == ("participant.unassigned",
                                          (advocate_id, "callbacks=1"))


def test_erasing_a_participant_removes_their_assignments(world: AppContext) -> None:
    advocate_id = add_advocate(world)
    participant_id = add_participant(world)
    assign(world, participant_id, advocate_id)
    with world.db.unit_of_work() as session:
        people.erase_participant(session, actor="test", participant_id=participant_id,
                                 callbacks=world.callbacks())
    with world.db.unit_of_work() as session:
        assert not caseload.in_scope(session, caseload.Scope(advocate_id), participant_id)


def test_the_cli_assigns_and_unassigns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.world import world_for_cli
    ctx = world_for_cli(tmp_path, monkeypatch)
    advocate_id = add_advocate(ctx)
    participant_id = add_participant(ctx)

    assert main(["participant", "assign", participant_id, advocate_id]) == ExitCode.OK
    assert main(["participant", "advocates", participant_id]) == ExitCode.OK
    assert main(["participant", "unassign", participant_id, advocate_id]) == ExitCode.OK
    assert main(["participant", "advocates", participant_id]) == ExitCode.OK
    assert main(["participant", "assign", "p-nobody", advocate_id]) == ExitCode.BAD_INPUT

    lines = capsys.readouterr().out.splitlines()
    assert '"assigned": true' in lines[0] and '"assigned": false' in lines[2]
    assert '"callbacks_cancelled": 0' in lines[2]
    assert (json.loads(lines[1]), json.loads(lines[3])) == ([advocate_id], [])
