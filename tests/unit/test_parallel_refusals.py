"""Many refused calls at once all answer 409: the audit chain takes its lock, none fail."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from gateway.audit import service as audit
from gateway.calls import records
from gateway.people import service as people
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.support.world import add_advocate, add_participant

PARALLEL = 50


def test_fifty_parallel_refused_calls_all_answer_409_and_none_500(world: AppContext) -> None:
    participant_id = add_participant(world, windows=[])  # no window: every call is refused
    advocate_id = add_advocate(world, role="admin")
    with world.db.unit_of_work() as session:
        token = people.issue_token(session, actor="test", advocate_id=advocate_id)
    headers = {"Authorization": f"Bearer {token}"}

    with TestClient(create_app(world, run_scheduler=False)) as client, \
            ThreadPoolExecutor(PARALLEL) as pool:
        statuses = list(pool.map(
            lambda _n: client.post("/api/calls", json={"participant_id": participant_id},
                                   headers=headers).status_code, range(PARALLEL)))

    assert statuses == [409] * PARALLEL
    assert len(records.list_records(world.db)) == PARALLEL
    with world.db.unit_of_work() as session:
        assert audit.verify(session).ok
