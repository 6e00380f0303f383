"""The second decision's database work runs in a worker thread, never on the event loop.

One slow query on the loop would stall the AMI events of every live call. The call
control here is a fake that asks for the second decision as the dialplan would when
the advocate answers; every unit of work opened meanwhile says which thread it ran in.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import replace

import pytest
from sqlalchemy.orm import Session

from gateway.calls.models import CallReport, DialRequest, Outcome, StageListener
from gateway.wiring import AppContext
from tests.support.world import add_advocate, add_participant


class AnsweringAdvocate:
    """Call control whose advocate answers at once: it asks for the second decision."""

    def __init__(self) -> None:
        self.deciding = False
        self.loop_thread: int | None = None
        self.confirmed: bool | None = None

    async def place_call(self, request: DialRequest,
                         confirm: Callable[[], Awaitable[bool]] | None = None,
                         call_id: str | None = None,
                         drop_threshold_s: float = 30.0, *,
                         on_stage: StageListener | None = None) -> CallReport:
        assert confirm is not None
        self.loop_thread = threading.get_ident()
        self.deciding = True
        try:
            self.confirmed = await confirm()
        finally:
            self.deciding = False
        return CallReport(call_id or "", Outcome.ANSWERED, None, True, True, 60.0)


def test_the_second_decision_reads_and_audits_the_database_off_the_event_loop(
    world: AppContext, monkeypatch: pytest.MonkeyPatch,
) -> None:
    participant_id = add_participant(world, windows=["mon-sun 00:00-24:00"])
    advocate_id = add_advocate(world)
    gate = replace(world.gate(), verify_pbx_safe=lambda: None)
    prepared = gate.prepare(participant_id=participant_id, advocate_id=advocate_id,
                            actor="test")
    phone = AnsweringAdvocate()
    threads: list[int] = []
    unit_of_work = world.db.unit_of_work

    def watched() -> AbstractContextManager[Session]:
        if phone.deciding:
            threads.append(threading.get_ident())
        return unit_of_work()

    monkeypatch.setattr(world.db, "unit_of_work", watched)

    asyncio.run(gate.run(prepared, participant_id=participant_id, advocate_id=advocate_id,
                         actor="test", control=phone))

    assert phone.confirmed is True, "the second decision was taken, and allowed the call"
    assert threads, "the second decision used the database"
    assert phone.loop_thread not in threads, "no unit of work opened on the event loop"
