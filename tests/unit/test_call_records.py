"""Call records keep pseudonymous ids and outcomes only; retention deletes old ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from gateway.callbacks.planning import CallbackPlan
from gateway.calls import records
from gateway.calls.models import CallKind
from gateway.people import service as people
from gateway.web.app import create_app
from tests.support.canary import run_selftest
from tests.support.numbers import PARTICIPANT, number_forms
from tests.support.world import add_advocate, add_participant, make_world


def test_retention_deletes_call_records_older_than_the_policy_days(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    participant_id = add_participant(world)
    advocate_id = add_advocate(world)
    now = datetime.now(UTC)
    for age_days, call_id in ((400, "old-call"), (1, "new-call")):
        records.record_refusal(world.db, call_id=call_id, participant_id=participant_id,
                               advocate_id=advocate_id, kind=CallKind.CALL,
                               at=now - timedelta(days=age_days))

    assert records.purge_records(world.db, retention_days=world.policy.retention_days,
                                 now=now) == 1
    kept = records.list_records(world.db)
    assert [record["call_id"] for record in kept] == ["new-call"]
    assert not any(form in json.dumps(kept) for form in number_forms(PARTICIPANT))


def test_advocates_see_their_pending_call_backs_and_can_cancel_them(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    participant_id = add_participant(world)
    advocate_id = add_advocate(world)
    with world.db.unit_of_work() as session:
        token = people.issue_token(session, actor="test", advocate_id=advocate_id)
    due = datetime.now(UTC) + timedelta(days=1)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(world, run_scheduler=False)) as client:
        callback_id = world.callbacks().create(
            plan=CallbackPlan(1, 2, due, due), participant_id=participant_id,
            advocate_id=advocate_id, origin_call_id="origin", now=datetime.now(UTC))
        pending = client.get("/api/callbacks", headers=headers).json()
        assert [item["id"] for item in pending] == [callback_id]
        assert world.scheduler.next_run(callback_id) == due

        assert client.delete(f"/api/callbacks/{callback_id}", headers=headers).status_code == 204
        assert client.get("/api/callbacks", headers=headers).json() == []
        assert world.scheduler.next_run(callback_id) is None
    world.close()


async def test_a_call_back_that_cannot_reach_the_pbx_is_marked_failed_not_left_running(
    tmp_path: Path,
) -> None:
    world = make_world(tmp_path, SAFEDIAL_AMI_PORT="1")  # nothing listens there
    participant_id = add_participant(world, windows=["mon-sun 00:00-24:00"])
    advocate_id = add_advocate(world)
    world.verify_pbx_safe = lambda: None  # type: ignore[method-assign]
    await run_selftest(world)
    now = datetime.now(UTC)
    callback_id = world.callbacks().create(
        plan=CallbackPlan(1, 2, now, now), participant_id=participant_id,
        advocate_id=advocate_id, origin_call_id="origin", now=now)

    status = await world.callback_runner().run(callback_id)

    assert status == "failed"
    (failed,) = world.callbacks().list(pending_only=False)
    assert failed["last_outcome"] == "pbx-unavailable"
    (record,) = records.list_records(world.db)
    assert (record["kind"], record["outcome"]) == ("callback", "failed"), \
        "the call that could not be placed has its call record"
    calls_audio = world.settings.runtime_dir / "sounds" / "calls"
    assert calls_audio.is_dir(), "the call's audio was prepared"
    assert not list(calls_audio.glob("*")), \
        "the call's audio (the alias in speech) is removed even when the PBX is down"
    world.close()
