"""A call-back runs when it suits both sides: the participant's window and the hours of
the advocate it belongs to. One that cannot happen within its bounds is ``expired`` for
an admin; an advocate off duty is never rung.

The advocates here work in Asia/Kolkata (no summer time), so hours built from the real
clock stay where they were put. The call path is a fake call control; the database,
scheduler, gate and audit are real.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from gateway.audit import service as audit
from gateway.callbacks.planning import CallbackPlan
from gateway.callbacks.runner import CallbackRunner
from gateway.callbacks.service import RUN_DUE
from gateway.calls.gate import CallGate
from gateway.calls.models import Outcome
from gateway.domain.windows import DAYS
from gateway.people import service as people
from gateway.people.inputs import AdvocateFields
from gateway.storage.tables import AdvocateRow
from gateway.wiring import AppContext
from tests.support.phones import ScriptedPhone
from tests.support.world import add_advocate, add_participant

ALWAYS = ["mon-sun 00:00-24:00"]
KOLKATA = ZoneInfo("Asia/Kolkata")
#: Later than the policy's longest call-back delay (a day) after a drop now.
PAST_BOUNDS = timedelta(hours=30)


def hours_from(after: timedelta, length: timedelta = timedelta(hours=1)) -> tuple[str, datetime]:
    """Working hours (Kolkata wall time) opening ``after`` from now, and when they open."""
    opens = (datetime.now(UTC) + after).replace(second=0, microsecond=0) + timedelta(minutes=1)
    local = opens.astimezone(KOLKATA)
    return f"{DAYS[local.weekday()]} {local:%H:%M}-{local + length:%H:%M}", opens


def advocate_working(world: AppContext, spec: str) -> str:
    return add_advocate(world, timezone="Asia/Kolkata", working_hours=[spec])


def gate_with(world: AppContext, phone: ScriptedPhone) -> CallGate:
    return replace(world.gate(), connect=phone.connect, verify_pbx_safe=lambda: None)


def runner_with(world: AppContext, phone: ScriptedPhone) -> CallbackRunner:
    return CallbackRunner(callbacks=world.callbacks(), gate=gate_with(world, phone))


def drop_a_call(world: AppContext, advocate_id: str) -> None:
    """The advocate calls a participant who agreed to call-backs; the call drops."""
    participant_id = add_participant(world, windows=ALWAYS, on_drop="callback")
    gate = gate_with(world, ScriptedPhone(Outcome.DROPPED))
    prepared = gate.prepare(participant_id=participant_id, advocate_id=advocate_id,
                            actor="test")
    asyncio.run(gate.run(prepared, participant_id=participant_id, advocate_id=advocate_id,
                         actor="test"))


def due_now(world: AppContext, advocate_id: str) -> str:
    """A pending call-back of ``advocate_id`` for a drop just now, due now."""
    participant_id = add_participant(world, windows=ALWAYS, on_drop="callback")
    now = datetime.now(UTC)
    return world.callbacks().create(plan=CallbackPlan(1, 3, now, now),
                                    participant_id=participant_id, advocate_id=advocate_id,
                                    origin_call_id="origin", now=now)


def only_callback(world: AppContext) -> dict[str, Any]:
    [callback] = world.callbacks().list(pending_only=False)
    return callback


def audited_actions(world: AppContext) -> list[str]:
    with world.db.unit_of_work() as session:
        return [entry.action for entry in audit.records(session)]


# -- when a drop is called back --------------------------------------------------------

def test_a_drop_is_called_back_when_the_advocate_comes_on_duty(world: AppContext) -> None:
    spec, opens = hours_from(timedelta(hours=2))  # the participant's window is open all along
    drop_a_call(world, advocate_working(world, spec))

    callback = only_callback(world)
    assert callback["status"] == "pending"
    assert datetime.fromisoformat(callback["run_at"]) == opens
    assert world.scheduler.next_run(callback["id"]) == opens


def test_a_drop_whose_window_and_advocate_hours_do_not_meet_in_bounds_expires_for_an_admin(
    world: AppContext,
) -> None:
    spec, _opens = hours_from(PAST_BOUNDS)
    drop_a_call(world, advocate_working(world, spec))

    callback = only_callback(world)
    assert (callback["status"], callback["last_outcome"]) == ("expired", "no-safe-time-in-bounds")
    assert world.scheduler.job_ids_for(RUN_DUE) == [], "nothing will ring the advocate"
    assert "callback.expired" in audited_actions(world)


# -- when a call-back is due -------------------------------------------------------------

def test_a_due_call_back_for_an_off_duty_advocate_is_not_rung_and_waits_for_their_hours(
    world: AppContext,
) -> None:
    spec, opens = hours_from(timedelta(hours=2))
    callback_id = due_now(world, advocate_working(world, spec))
    phone = ScriptedPhone()

    assert asyncio.run(runner_with(world, phone).run(callback_id)) == "pending"
    assert phone.placed == []
    assert datetime.fromisoformat(only_callback(world)["run_at"]) == opens
    assert world.scheduler.next_run(callback_id) == opens


def test_a_due_call_back_whose_advocate_stays_off_duty_past_its_bounds_expires_unrung(
    world: AppContext,
) -> None:
    spec, _opens = hours_from(PAST_BOUNDS)
    callback_id = due_now(world, advocate_working(world, spec))
    phone = ScriptedPhone()

    assert asyncio.run(runner_with(world, phone).run(callback_id)) == "expired"
    assert phone.placed == []
    assert "callback.expired" in audited_actions(world)


def test_a_due_call_back_rings_an_advocate_inside_their_hours(world: AppContext) -> None:
    spec, _opens = hours_from(-timedelta(minutes=30), length=timedelta(hours=2))
    callback_id = due_now(world, advocate_working(world, spec))
    phone = ScriptedPhone()

    assert asyncio.run(runner_with(world, phone).run(callback_id)) == "done"
    assert len(phone.placed) == 1


def test_an_inactive_advocates_due_call_back_is_refused_as_before_whatever_their_hours(
    world: AppContext,
) -> None:
    spec, _opens = hours_from(timedelta(hours=2))
    advocate_id = advocate_working(world, spec)
    callback_id = due_now(world, advocate_id)
    with world.db.unit_of_work() as session:
        row = session.get(AdvocateRow, advocate_id)
        assert row is not None
        row.active = False
    phone = ScriptedPhone()

    assert asyncio.run(runner_with(world, phone).run(callback_id)) == "refused"
    assert phone.placed == []


# -- start-up and changed hours ------------------------------------------------------------

def test_reconciling_at_start_up_schedules_a_lost_job_inside_the_advocates_hours(
    world: AppContext,
) -> None:
    spec, opens = hours_from(timedelta(hours=2))
    callback_id = due_now(world, advocate_working(world, spec))
    world.scheduler.unschedule(callback_id)

    counts = world.callbacks().reconcile(now=datetime.now(UTC))

    assert counts["rescheduled"] == 1
    assert world.scheduler.next_run(callback_id) == opens


def test_new_working_hours_move_the_advocates_pending_call_backs_or_expire_them(
    world: AppContext,
) -> None:
    advocate_id = add_advocate(world)  # no hours: due now
    other_id = add_advocate(world)
    moved = due_now(world, advocate_id)
    untouched = due_now(world, other_id)
    before = world.scheduler.next_run(untouched)
    spec, opens = hours_from(timedelta(hours=2))

    with world.db.unit_of_work() as session:
        people.update_advocate(session, actor="admin-1", advocate_id=advocate_id,
                               fields=AdvocateFields(timezone="Asia/Kolkata",
                                                     working_hours=[spec]),
                               callbacks=world.callbacks())
    assert world.scheduler.next_run(moved) == opens
    assert world.scheduler.next_run(untouched) == before

    far, _opens = hours_from(PAST_BOUNDS)
    with world.db.unit_of_work() as session:
        people.update_advocate(session, actor="admin-1", advocate_id=advocate_id,
                               fields=AdvocateFields(working_hours=[far]),
                               callbacks=world.callbacks())
    assert world.callbacks().status_of(moved) == "expired"
    assert world.scheduler.next_run(moved) is None
    assert world.callbacks().status_of(untouched) == "pending"
