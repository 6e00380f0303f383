"""Call-backs are never lost, doubled or left running: claims, reconciliation, bounds, voiding.

The call path here is a fake call control that counts the calls it was asked
to place (the real dialling is proven against Asterisk in the integration
tier); everything else (database, scheduler, gate, audit) is real.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from gateway.audit import service as audit
from gateway.callbacks.planning import CallbackPlan
from gateway.callbacks.runner import CallbackRunner
from gateway.callbacks.service import RUN_DUE
from gateway.people import service as people
from gateway.storage.tables import CallbackRow
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.support.phones import ScriptedPhone
from tests.support.world import add_advocate, add_participant, changes

ALWAYS = ["mon-sun 00:00-24:00"]


def runner_with(world: AppContext, phone: ScriptedPhone) -> CallbackRunner:
    gate = replace(world.gate(), connect=phone.connect, verify_pbx_safe=lambda: None)
    return CallbackRunner(callbacks=world.callbacks(), gate=gate)


def pending(world: AppContext, *, dropped_at: datetime, run_at: datetime | None = None,
            windows: list[str] | None = None) -> str:
    participant_id = add_participant(world, windows=windows or ALWAYS, on_drop="callback")
    advocate_id = add_advocate(world)
    run_at = run_at or dropped_at
    return world.callbacks().create(plan=CallbackPlan(1, 3, run_at, run_at),
                                    participant_id=participant_id, advocate_id=advocate_id,
                                    origin_call_id="origin", now=dropped_at)


def status_of(world: AppContext, callback_id: str) -> str:
    return world.callbacks().status_of(callback_id)


def audited_actions(world: AppContext) -> list[str]:
    with world.db.unit_of_work() as session:
        return [entry.action for entry in audit.records(session)]


def test_two_threads_running_the_same_call_back_dial_it_exactly_once(
    world: AppContext,
) -> None:
    callback_id = pending(world, dropped_at=datetime.now(UTC))
    phone = ScriptedPhone(hold_s=0.5)
    start = threading.Barrier(2)
    results: list[str] = []

    def run() -> None:
        runner = runner_with(world, phone)
        start.wait()
        results.append(asyncio.run(runner.run(callback_id)))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(phone.placed) == 1, "exactly one thread dials; the other finds it claimed"
    assert "done" in results
    assert status_of(world, callback_id) == "done"


def test_a_call_back_that_was_already_run_is_not_run_again(world: AppContext) -> None:
    callback_id = pending(world, dropped_at=datetime.now(UTC))
    phone = ScriptedPhone(hold_s=0)
    runner = runner_with(world, phone)
    assert asyncio.run(runner.run(callback_id)) == "done"
    assert asyncio.run(runner.run(callback_id)) == "done"
    assert len(phone.placed) == 1


def test_a_call_back_run_past_its_bounds_expires_and_is_audited_without_dialling(
    world: AppContext,
) -> None:
    dropped = datetime.now(UTC) - timedelta(days=3)  # the policy allows at most a day's delay
    callback_id = pending(world, dropped_at=dropped, run_at=dropped + timedelta(minutes=15))
    phone = ScriptedPhone(hold_s=0.3)

    assert asyncio.run(runner_with(world, phone).run(callback_id)) == "expired"
    assert phone.placed == []
    assert "callback.expired" in audited_actions(world)


def test_a_call_back_whose_gate_crashes_ends_failed_not_running(world: AppContext) -> None:
    callback_id = pending(world, dropped_at=datetime.now(UTC))

    def broken(**_kwargs: object) -> None:
        raise RuntimeError("a bug")

    runner = runner_with(world, ScriptedPhone(hold_s=0.3))
    gate = runner.gate
    object.__setattr__(gate, "prepare", broken)

    assert asyncio.run(runner.run(callback_id)) == "failed"
    assert status_of(world, callback_id) == "failed"
    assert "callback.failed" in audited_actions(world)


def test_reconciling_at_start_up_makes_rows_and_jobs_agree(world: AppContext) -> None:
    now = datetime.now(UTC)
    callbacks = world.callbacks()
    without_job = pending(world, dropped_at=now, run_at=now + timedelta(minutes=20))
    world.scheduler.unschedule(without_job)  # e.g. lost with a job store restored from backup
    beyond = pending(world, dropped_at=now - timedelta(days=2),
                     run_at=now - timedelta(days=2) + timedelta(minutes=15))
    interrupted = pending(world, dropped_at=now)
    assert callbacks.claim(interrupted, now=now) is not None  # then the process died
    finished = pending(world, dropped_at=now, run_at=now + timedelta(hours=1))
    with world.db.unit_of_work() as session:
        row = session.get(CallbackRow, finished)
        assert row is not None
        row.status = "done"  # its job was left behind

    counts = callbacks.reconcile(now=now)

    assert counts == {"rescheduled": 1, "expired": 1, "interrupted": 1, "orphan_jobs": 3}
    assert status_of(world, without_job) == "pending"
    assert status_of(world, beyond) == "expired"
    assert status_of(world, interrupted) == "failed"
    assert sorted(world.scheduler.job_ids_for(RUN_DUE)) == [without_job]
    assert {row["id"] for row in callbacks.list()} == {without_job}
    actions = audited_actions(world)
    assert "callback.expired" in actions and "callback.failed" in actions
    assert callbacks.reconcile(now=now) == {"rescheduled": 0, "expired": 0, "interrupted": 0,
                                            "orphan_jobs": 0}, "a second pass changes nothing"


def test_a_drop_whose_first_safe_time_is_beyond_the_bounds_is_recorded_expired(
    world: AppContext,
) -> None:
    now = datetime.now(UTC)
    participant_id = add_participant(world, windows=ALWAYS, on_drop="callback")
    advocate_id = add_advocate(world)
    never = CallbackPlan(1, 3, now + timedelta(minutes=15), None)  # no window ahead

    callback_id = world.callbacks().create(plan=never, participant_id=participant_id,
                                           advocate_id=advocate_id, origin_call_id="origin",
                                           now=now)

    assert status_of(world, callback_id) == "expired"
    assert world.scheduler.job_ids_for(RUN_DUE) == []
    assert "callback.expired" in audited_actions(world)
    with world.db.unit_of_work() as session:
        token = people.issue_token(session, actor="test", advocate_id=add_advocate(
            world, role="admin"))
    with TestClient(create_app(world, run_scheduler=False)) as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/callbacks", headers=headers).json() == []
        shown = client.get("/api/callbacks?ended=true", headers=headers).json()
    assert [(item["id"], item["status"]) for item in shown] == [(callback_id, "expired")], \
        "admins are shown the call-back that expired"


def participant_of(world: AppContext, callback_id: str) -> str:
    with world.db.unit_of_work() as session:
        row = session.get(CallbackRow, callback_id)
        assert row is not None
        return row.participant_id


def test_erasing_a_participant_voids_their_pending_call_backs_job_row_and_audit(
    world: AppContext,
) -> None:
    now = datetime.now(UTC)
    callback_id = pending(world, dropped_at=now, run_at=now + timedelta(hours=1))
    participant_id = participant_of(world, callback_id)
    assert world.scheduler.job_ids_for(RUN_DUE) == [callback_id]

    with world.db.unit_of_work() as session:
        people.erase_participant(session, actor="test", participant_id=participant_id,
                                 callbacks=world.callbacks())

    assert world.scheduler.job_ids_for(RUN_DUE) == [], "its job left the job store"
    assert status_of(world, callback_id) == "missing", "its row went with the participant"
    with world.db.unit_of_work() as session:
        actions = [entry.action for entry in audit.records(session, participant_id)]
    assert actions[-2:] == ["callback.cancelled", "participant.erased"]


def test_changing_a_participants_preferences_cancels_their_pending_call_backs(
    world: AppContext,
) -> None:
    now = datetime.now(UTC)
    callback_id = pending(world, dropped_at=now, run_at=now + timedelta(hours=1))
    participant_id = participant_of(world, callback_id)

    with world.db.unit_of_work() as session:
        people.update_participant(session, keys=world.keys, policy=world.policy, actor="test",
                                  participant_id=participant_id,
                                  fields=changes({"on_drop": "wait"}),
                                  callbacks=world.callbacks())

    assert world.scheduler.job_ids_for(RUN_DUE) == []
    (cancelled,) = world.callbacks().list(pending_only=False)
    assert (cancelled["status"], cancelled["last_outcome"]) == ("cancelled",
                                                                "preferences-changed")
    assert "callback.cancelled" in audited_actions(world)
