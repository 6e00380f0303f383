"""No call left hanging, none lost: however a placed call ends, it keeps its record.

The call path here is a fake call control (the real dialling is proven against
Asterisk in the integration tier); the database, gate, audit and call book are real.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from gateway.audit import service as audit
from gateway.calls import records
from gateway.calls.book import CallBook
from gateway.calls.gate import CallGate
from gateway.calls.models import (
    CallReport,
    DialRequest,
    NextAction,
    Outcome,
    PreparedCall,
    StageListener,
)
from gateway.wiring import AppContext
from tests.support.numbers import ADVOCATE, PARTICIPANT, leaked
from tests.support.phones import ScriptedPhone
from tests.support.world import add_advocate, add_participant

ALWAYS = ["mon-sun 00:00-24:00"]


class BrokenListener:
    """An outcome listener with a bug whose message quotes both numbers."""

    def after_call(self, *, prepared: PreparedCall, report: CallReport, participant_id: str,
                   advocate_id: str, now: datetime) -> NextAction | None:
        raise RuntimeError(f"could not plan a call-back to {PARTICIPANT} from {ADVOCATE}")


class CrashingPhone:
    """Call control with a bug: placing raises an error whose message quotes the numbers."""

    async def place_call(self, request: DialRequest,
                         confirm: Callable[[], Awaitable[bool]] | None = None,
                         call_id: str | None = None,
                         drop_threshold_s: float = 30.0, *,
                         on_stage: StageListener | None = None) -> CallReport:
        raise RuntimeError(f"dialling {PARTICIPANT} for {ADVOCATE} went wrong")


def audited_actions(world: AppContext, participant_id: str) -> list[str]:
    with world.db.unit_of_work() as session:
        return [entry.action for entry in audit.records(session, participant_id)]


def gate_with(world: AppContext, **ports: Any) -> CallGate:
    return replace(world.gate(), verify_pbx_safe=lambda: None, **ports)


def test_a_failing_outcome_listener_keeps_the_call_record_and_its_audited_outcome(
    world: AppContext, caplog: pytest.LogCaptureFixture,
) -> None:
    participant_id = add_participant(world, windows=ALWAYS, on_drop="callback")
    advocate_id = add_advocate(world)
    dropped = CallReport("", Outcome.DROPPED, None, False, False, 5.0)
    gate = gate_with(world, connect=ScriptedPhone(report=dropped).connect,
                     outcomes=BrokenListener())
    prepared = gate.prepare(participant_id=participant_id, advocate_id=advocate_id,
                            actor="test")
    caplog.set_level(logging.DEBUG, logger="gateway")

    report = asyncio.run(gate.run(prepared, participant_id=participant_id,
                                  advocate_id=advocate_id, actor="test"))

    assert report.outcome is Outcome.DROPPED, "the call's real outcome is reported"
    (record,) = records.list_records(world.db, participant_id=participant_id)
    assert (record["call_id"], record["outcome"]) == (prepared.call_id, "dropped")
    assert record["next_action"] is None, "the protocol did nothing it could record"
    actions = audited_actions(world, participant_id)
    assert "call.outcome.dropped" in actions
    assert "call.protocol.failed" in actions, "the failed protocol is not silent"
    assert "internal-error" in caplog.text
    assert leaked(caplog.text, PARTICIPANT, ADVOCATE) == []


async def test_a_bug_while_placing_ends_the_call_failed_internal_error_without_numbers(
    world: AppContext, caplog: pytest.LogCaptureFixture,
) -> None:
    participant_id = add_participant(world, windows=ALWAYS)
    advocate_id = add_advocate(world)
    gate = gate_with(world)
    prepared = await asyncio.to_thread(gate.prepare, participant_id=participant_id,
                                       advocate_id=advocate_id, actor="test")
    caplog.set_level(logging.DEBUG, logger="gateway")
    book = CallBook()

    book.run(prepared.call_id, lambda _stage: gate.run(prepared, participant_id=participant_id,
                                                advocate_id=advocate_id, actor="test",
                                                control=CrashingPhone()),
             advocate_id=advocate_id)
    await book.settle(timeout=10)

    assert book.get(prepared.call_id, advocate_id=advocate_id) == {
        "call_id": prepared.call_id, "state": "ended", "outcome": "failed",
        "reason": "internal-error"}
    (record,) = records.list_records(world.db, participant_id=participant_id)
    assert record["outcome"] == "failed"
    assert "call.outcome.failed" in audited_actions(world, participant_id)
    assert any(entry.levelno >= logging.ERROR and "RuntimeError" in entry.getMessage()
               for entry in caplog.records), "the bug is logged, by its type"
    assert leaked(caplog.text, PARTICIPANT, ADVOCATE) == []
