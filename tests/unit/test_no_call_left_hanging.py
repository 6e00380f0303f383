"""No call left hanging, none lost: however a placed call ends, it keeps its record.

The call path here is a fake call control (the real dialling is proven against
Asterisk in the integration tier); the database, gate, audit and call book are real.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.audit import service as audit
from gateway.calls import records
from gateway.calls.gate import CallGate
from gateway.calls.models import CallReport, NextAction, Outcome, PreparedCall
from gateway.wiring import AppContext
from tests.support.canary import pass_selftest
from tests.support.numbers import ADVOCATE, PARTICIPANT, leaked
from tests.support.phones import ScriptedPhone
from tests.support.world import add_advocate, add_participant, make_world

ALWAYS = ["mon-sun 00:00-24:00"]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AppContext]:
    ctx = make_world(tmp_path)
    pass_selftest(ctx)
    yield ctx
    ctx.close()


class BrokenListener:
    """An outcome listener with a bug whose message quotes both numbers."""

    def after_call(self, *, prepared: PreparedCall, report: CallReport, participant_id: str,
                   advocate_id: str, now: datetime) -> NextAction | None:
        raise RuntimeError(f"could not plan a call-back to {PARTICIPANT} from {ADVOCATE}")


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
