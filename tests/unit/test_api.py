"""The JSON API: signed-in users only, admins keep records, refusals place nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.pbx.process import render
from gateway.people import service as people
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.support.canary import pass_selftest
from tests.support.numbers import PARTICIPANT, number_forms
from tests.support.world import add_advocate, make_world, participant_data


@pytest.fixture
def world(tmp_path: Path) -> AppContext:
    ctx = make_world(tmp_path)
    pass_selftest(ctx)
    return ctx


@pytest.fixture
def client(world: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(world)) as test_client:
        yield test_client


def token_for(world: AppContext, role: str) -> dict[str, str]:
    advocate_id = add_advocate(world, role=role)
    with world.db.unit_of_work() as session:
        token = people.issue_token(session, actor="test", advocate_id=advocate_id)
    return {"Authorization": f"Bearer {token}"}


def test_the_api_publishes_its_openapi_description(client: TestClient, world: AppContext
                                                   ) -> None:
    spec = client.get("/api/openapi.json", headers=token_for(world, "admin")).json()
    assert "/api/participants" in spec["paths"]
    assert "/api/calls" in spec["paths"]


def test_every_record_route_needs_a_signed_in_user(client: TestClient) -> None:
    assert client.get("/api/participants").status_code == 401
    assert client.post("/api/participants", json=participant_data()).status_code == 401
    bad = {"Authorization": "Bearer sd_not-a-token"}
    assert client.get("/api/participants", headers=bad).status_code == 401


def test_only_admins_record_participants(client: TestClient, world: AppContext) -> None:
    advocate = token_for(world, "advocate")
    response = client.post("/api/participants", json=participant_data(), headers=advocate)
    assert response.status_code == 403


def test_an_admin_records_reads_updates_and_erases_a_participant(
    client: TestClient, world: AppContext
) -> None:
    admin = token_for(world, "admin")
    created = client.post("/api/participants",
                          json=participant_data(alias="نور"), headers=admin)
    assert created.status_code == 201, created.text
    participant_id = created.json()["id"]

    shown = client.get(f"/api/participants/{participant_id}", headers=admin)
    assert shown.json()["alias"] == "نور"
    assert not any(form in shown.text for form in number_forms(PARTICIPANT))
    assert "bluebird" not in shown.text

    changed = client.patch(f"/api/participants/{participant_id}",
                           json={"caller_id": "masked"}, headers=admin)
    assert changed.json()["changed"] == ["caller_id"]
    assert client.get(f"/api/participants/{participant_id}",
                      headers=admin).json()["caller_id"] == {"value": "masked"}

    assert client.delete(f"/api/participants/{participant_id}", headers=admin).status_code == 204
    assert client.get(f"/api/participants/{participant_id}", headers=admin).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone", "+1 202 555 01"), ("timezone", "Nowhere/Land"), ("windows", ["sun 25:00-26:00"]),
     ("caller_id", "loud"), ("alias", "a" * 200)],
)
def test_bad_input_is_422_without_echoing_it_and_changes_nothing(
    client: TestClient, world: AppContext, field: str, value: object
) -> None:
    admin = token_for(world, "admin")
    response = client.post("/api/participants", json=participant_data(**{field: value}),
                           headers=admin)
    assert response.status_code == 422
    body = response.json()
    assert body["error_id"] == "bad-input"
    assert field in body["message"]
    assert json.dumps(value)[1:-1] not in response.text or field == "alias"
    assert client.get("/api/participants", headers=admin).json() == []


def test_a_call_outside_the_window_is_refused_with_reasons_and_next_safe_time(
    client: TestClient, world: AppContext
) -> None:
    admin = token_for(world, "admin")
    participant_id = client.post(
        "/api/participants", json=participant_data(windows=[]), headers=admin).json()["id"]

    refused = client.post("/api/calls", json={"participant_id": participant_id}, headers=admin)

    assert refused.status_code == 409
    details = refused.json()["details"]
    assert details["allowed"] is False
    assert [reason["code"] for reason in details["reasons"]] == ["no-window"]


def test_an_unsafe_live_config_found_after_202_ends_the_call_failed_with_a_record(
    world: AppContext,
) -> None:
    """Nothing is dialled, and the call does not stay ``ringing-advocate`` forever."""
    render(world.settings, world.policy)
    with (world.settings.runtime_dir / "etc" / "pjsip.conf").open("a") as config:
        config.write("\n[leaky]\ntype=endpoint\nsend_pai=yes\ntrust_id_outbound=yes\n")
    admin = token_for(world, "admin")
    with TestClient(create_app(world, run_scheduler=False)) as client:
        participant_id = client.post("/api/participants", headers=admin, json=participant_data(
            windows=["mon-sun 00:00-24:00"])).json()["id"]
        accepted = client.post("/api/calls", json={"participant_id": participant_id},
                               headers=admin)
        assert accepted.status_code == 202
        call_id = accepted.json()["call_id"]
        deadline = time.monotonic() + world.settings.ring_timeout_s
        state = client.get(f"/api/calls/{call_id}", headers=admin).json()
        while state["state"] != "ended" and time.monotonic() < deadline:
            time.sleep(0.1)
            state = client.get(f"/api/calls/{call_id}", headers=admin).json()
        records = client.get("/api/call-records", headers=admin).json()

    assert state == {"call_id": call_id, "state": "ended", "outcome": "failed",
                     "reason": "pbx-config-unsafe"}
    assert [(r["call_id"], r["outcome"]) for r in records] == [(call_id, "failed")]


def test_a_calls_live_state_is_for_the_advocate_it_rang_and_admins_only(
    world: AppContext,
) -> None:
    """Another advocate who learns a call id gets 404, as for a call that does not exist."""
    render(world.settings, world.policy)
    with (world.settings.runtime_dir / "etc" / "pjsip.conf").open("a") as config:
        config.write("\n[leaky]\ntype=endpoint\nsend_pai=yes\ntrust_id_outbound=yes\n")
    admin, colleague = token_for(world, "admin"), token_for(world, "advocate")
    with TestClient(create_app(world, run_scheduler=False)) as client:
        participant_id = client.post("/api/participants", headers=admin, json=participant_data(
            windows=["mon-sun 00:00-24:00"])).json()["id"]
        call_id = client.post("/api/calls", json={"participant_id": participant_id},
                              headers=admin).json()["call_id"]

        assert client.get(f"/api/calls/{call_id}", headers=admin).status_code == 200
        hidden = client.get(f"/api/calls/{call_id}", headers=colleague)
        unknown = client.get("/api/calls/no-such-call", headers=colleague)

    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json()
