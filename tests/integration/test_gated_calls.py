"""Every participant call passes the policy gate: outside a window nothing rings at all."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from gateway.callbacks.planning import CallbackPlan
from gateway.calls.models import Outcome
from gateway.domain.windows import DAYS
from gateway.lab.scenario import Answer, RingNoAnswer
from gateway.people import service as people
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.integration.cli_helpers import safedial
from tests.integration.conftest import CarrierLab, FarEndFactory, copy_selftested
from tests.support.numbers import ADVOCATE, MASKED, PARTICIPANT, leaked
from tests.support.world import changes, new_advocate, new_participant

ZONE = "America/Toronto"
#: The advocate hears a spoken briefing before the participant is dialled.
BRIEFED_HOLD_MS = 20_000
ALWAYS = ["mon-sun 00:00-24:00"]


def never_now() -> list[str]:
    """A one-hour window three days from today (participant's zone): closed right now."""
    day = (datetime.now(ZoneInfo(ZONE)) + timedelta(days=3)).weekday()
    return [f"{DAYS[day]} 10:00-11:00"]


@pytest.fixture
def world(carrier_lab: CarrierLab, selftested: Path, tmp_path: Path) -> Iterator[AppContext]:
    """The carrier lab's gateway, unlocked by the session's real passing self-test."""
    copy_selftested(selftested, tmp_path)
    ctx = carrier_lab.world(tmp_path)
    yield ctx
    ctx.close()


def add_people(ctx: AppContext, **participant: object) -> tuple[str, str]:
    with ctx.db.unit_of_work() as session:
        participant_id = people.create_participant(
            session, keys=ctx.keys, policy=ctx.policy, actor="test",
            fields=new_participant(timezone=ZONE, **participant))
        advocate_id = people.create_advocate(
            session, keys=ctx.keys, policy=ctx.policy, actor="test",
            fields=new_advocate(phone=ADVOCATE, role="admin"))
    return participant_id, advocate_id


def test_the_cli_refuses_a_call_outside_the_window_and_nothing_rings(
    world: AppContext, carrier_phones: FarEndFactory
) -> None:
    participant_id, advocate_id = add_people(world, windows=never_now())
    phone = carrier_phones({})
    result = safedial(world.env, "call", "--participant", participant_id,  # type: ignore[attr-defined]
                      "--advocate", advocate_id)
    phone.stop()

    assert result.returncode == 3, result.stderr
    decision = json.loads(result.stdout)
    assert decision["allowed"] is False
    assert "outside-window" in [reason["code"] for reason in decision["reasons"]]
    assert decision["next_safe_time"]
    assert phone.dialogs().messages == [], "neither phone may receive anything"


def test_the_api_refuses_a_call_outside_the_window_and_nothing_rings(
    world: AppContext, carrier_phones: FarEndFactory
) -> None:
    participant_id, advocate_id = add_people(world, windows=never_now())
    with world.db.unit_of_work() as session:
        token = people.issue_token(session, actor="test", advocate_id=advocate_id)
    phone = carrier_phones({})
    with TestClient(create_app(world)) as client:
        response = client.post("/api/calls", json={"participant_id": participant_id},
                               headers={"Authorization": f"Bearer {token}"})
    phone.stop()

    assert response.status_code == 409
    assert response.json()["details"]["next_safe_time"]
    assert phone.dialogs().messages == []


def test_the_cli_places_an_allowed_call_with_the_participants_caller_id_mode(
    world: AppContext, carrier_phones: FarEndFactory
) -> None:
    participant_id, advocate_id = add_people(world, windows=ALWAYS, caller_id="masked")
    phone = carrier_phones({ADVOCATE: Answer(hold_ms=BRIEFED_HOLD_MS), PARTICIPANT: Answer()})
    result = safedial(world.env, "call", "--participant", participant_id,  # type: ignore[attr-defined]
                      "--advocate", advocate_id)
    phone.stop()

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["outcome"] == "answered"
    assert leaked(result.stdout + result.stderr, ADVOCATE, PARTICIPANT) == []
    invite = next(m for call in phone.dialogs().calls_to(PARTICIPANT) for m in call
                  if m.method == "INVITE")
    assert MASKED in (invite.header("From") or "")


def test_the_api_places_an_allowed_call_and_reports_its_outcome(
    world: AppContext, carrier_phones: FarEndFactory
) -> None:
    participant_id, advocate_id = add_people(world, windows=ALWAYS)
    with world.db.unit_of_work() as session:
        token = people.issue_token(session, actor="test", advocate_id=advocate_id)
    headers = {"Authorization": f"Bearer {token}"}
    phone = carrier_phones({ADVOCATE: Answer(hold_ms=BRIEFED_HOLD_MS), PARTICIPANT: Answer()})
    with TestClient(create_app(world)) as client:
        accepted = client.post("/api/calls", json={"participant_id": participant_id},
                               headers=headers)
        assert accepted.status_code == 202, accepted.text
        call_id = accepted.json()["call_id"]
        deadline = time.monotonic() + 30
        state = {}
        while time.monotonic() < deadline:
            state = client.get(f"/api/calls/{call_id}", headers=headers).json()
            if state["state"] in ("ended", "failed"):
                break
            time.sleep(0.2)
    phone.stop()

    assert state["state"] == "ended", state
    assert state["outcome"] == "answered"
    invite = next(m for call in phone.dialogs().calls_to(PARTICIPANT) for m in call
                  if m.method == "INVITE")
    assert "anonymous@anonymous.invalid" in (invite.header("From") or "")


async def test_a_pause_recorded_while_the_advocate_answers_stops_the_participant_leg(
    world: AppContext, carrier_phones: FarEndFactory
) -> None:
    participant_id, advocate_id = add_people(world, windows=ALWAYS)
    inside = datetime.now(UTC)
    gate = world.gate()
    prepared = gate.prepare(participant_id=participant_id, advocate_id=advocate_id,
                            actor="test")
    # While the advocate's phone rings, an admin records a pause.
    with world.db.unit_of_work() as session:
        people.update_participant(session, keys=world.keys, policy=world.policy, actor="admin",
                                  participant_id=participant_id,
                                  fields=changes({"pause_until": (inside + timedelta(days=5))
                                                  .date()}),
                                  callbacks=world.callbacks())
    phone = carrier_phones({ADVOCATE: Answer(hold_ms=10000), PARTICIPANT: Answer()})
    async with world.call_control() as control:
        report = await asyncio.wait_for(
            gate.run(prepared, control=control, participant_id=participant_id,
                     advocate_id=advocate_id, actor="test"), timeout=30)
    phone.stop()

    assert report.outcome is Outcome.REFUSED
    assert report.refusal == "policy-refused-at-dial"
    assert [m.request_user for m in phone.dialogs().received_invites()] == [ADVOCATE]


def pending_callback(ctx: AppContext, participant_id: str, advocate_id: str,
                     run_at: datetime) -> str:
    plan = CallbackPlan(attempt=1, max_attempts=3, not_before=run_at, run_at=run_at)
    return ctx.callbacks().create(plan=plan, participant_id=participant_id,
                                  advocate_id=advocate_id, origin_call_id=str(uuid.uuid4()),
                                  now=run_at)


async def test_an_advocate_who_misses_the_call_back_means_nothing_reaches_the_participant(
    world: AppContext, carrier_phones: FarEndFactory
) -> None:
    participant_id, advocate_id = add_people(world, windows=ALWAYS, on_drop="callback")
    callback_id = pending_callback(world, participant_id, advocate_id, datetime.now(UTC))
    phone = carrier_phones({ADVOCATE: RingNoAnswer(), PARTICIPANT: Answer()})
    status = await asyncio.wait_for(world.callback_runner().run(callback_id), timeout=60)
    phone.stop()

    assert status == "missed"
    assert [m.request_user for m in phone.dialogs().received_invites()] == [ADVOCATE]
    (missed,) = world.callbacks().list(pending_only=False)
    assert missed["last_outcome"] == "advocate-no-answer"


def closed_now_open_in_three_hours() -> tuple[list[str], datetime]:
    """A one-hour window starting three hours from now (participant's zone), and its start."""
    start = (datetime.now(ZoneInfo(ZONE)) + timedelta(hours=3)).replace(minute=0, second=0,
                                                                         microsecond=0)
    return [f"{DAYS[start.weekday()]} {start:%H}:00-{start.hour + 1:02d}:00"], start


async def test_a_call_back_due_outside_the_window_waits_for_the_window(
    world: AppContext, carrier_phones: FarEndFactory
) -> None:
    windows, opens = closed_now_open_in_three_hours()
    participant_id, advocate_id = add_people(world, windows=windows, on_drop="callback")
    now = datetime.now(UTC)
    callback_id = pending_callback(world, participant_id, advocate_id, now)
    phone = carrier_phones({})
    status = await world.callback_runner().run(callback_id, now=now)
    phone.stop()

    assert status == "pending"
    assert phone.dialogs().messages == [], "nothing rings outside the window"
    (waiting,) = world.callbacks().list()
    assert datetime.fromisoformat(waiting["run_at"]) == opens, "the window's start"
    assert world.scheduler.next_run(callback_id) == opens


async def test_a_call_back_that_cannot_happen_within_its_bounds_expires_and_rings_nobody(
    world: AppContext, carrier_phones: FarEndFactory
) -> None:
    participant_id, advocate_id = add_people(world, windows=never_now(), on_drop="callback")
    now = datetime.now(UTC)  # the next window is three days away; the policy allows one
    callback_id = pending_callback(world, participant_id, advocate_id, now)
    phone = carrier_phones({})
    status = await world.callback_runner().run(callback_id, now=now)
    phone.stop()

    assert status == "expired"
    assert phone.dialogs().messages == []
    (expired,) = world.callbacks().list(pending_only=False)
    assert expired["status"] == "expired"


async def test_changing_preferences_cancels_pending_call_backs(
    world: AppContext, carrier_phones: FarEndFactory
) -> None:
    participant_id, advocate_id = add_people(world, windows=ALWAYS, on_drop="callback")
    callback_id = pending_callback(world, participant_id, advocate_id, datetime.now(UTC))
    with world.db.unit_of_work() as session:
        people.update_participant(session, keys=world.keys, policy=world.policy, actor="admin",
                                  participant_id=participant_id,
                                  fields=changes({"on_drop": "wait"}),
                                  callbacks=world.callbacks())
    phone = carrier_phones({})
    status = await world.callback_runner().run(callback_id)
    phone.stop()

    assert status == "cancelled"
    assert phone.dialogs().messages == []
