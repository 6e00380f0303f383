"""The decision before a call, shown on the advocate's page: the same as the call's own
first decision, plus the leak guard on the running PBX, without placing or recording
anything, and audited as a preview."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import pytest

from gateway.audit import service as audit
from gateway.calls import records
from gateway.calls.gate import CallGate, CallRefused
from gateway.errors import NotFound
from gateway.pbx.process import render
from gateway.wiring import AppContext
from tests.support.world import SCOPED_POLICY, add_advocate, add_participant, make_world

#: Saturday 2026-03-07 12:00 in Toronto: outside "mon-fri 09:00-17:00".
SATURDAY = datetime(2026, 3, 7, 17, 0, tzinfo=UTC)
#: Monday 2026-03-09 10:00 in Toronto (EDT from the 8th): inside it.
MONDAY = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)


def no_keys() -> NoReturn:
    raise AssertionError("a preview must not read a number, so it needs no key")


def gate_at(world: AppContext, now: datetime, **ports: Any) -> CallGate:
    ports.setdefault("verify_pbx_safe", lambda: None)
    return replace(world.gate(), clock=lambda: now, keys=no_keys, **ports)


def audited(world: AppContext, participant_id: str) -> list[tuple[str, tuple[str, ...]]]:
    with world.db.unit_of_work() as session:
        return [(entry.action, entry.fields) for entry in audit.records(session, participant_id)
                if entry.action.startswith("call.")]


def test_outside_the_window_the_preview_refuses_with_the_next_safe_time_and_places_nothing(
    world: AppContext,
) -> None:
    participant_id = add_participant(world)
    advocate_id = add_advocate(world)

    decision = gate_at(world, SATURDAY).preview(participant_id=participant_id,
                                                advocate_id=advocate_id, actor=advocate_id)

    assert not decision.allowed
    assert [reason.code for reason in decision.reasons] == ["outside-window"]
    assert decision.next_safe_time == MONDAY.replace(hour=13)  # Monday 09:00 in Toronto
    assert records.list_records(world.db) == []
    assert audited(world, participant_id) == [("call.preview.refused", ("outside_window",))]


def test_the_preview_says_what_the_call_would_decide(world: AppContext) -> None:
    participant_id = add_participant(world)
    advocate_id = add_advocate(world)
    gate = gate_at(world, SATURDAY)

    preview = gate.preview(participant_id=participant_id, advocate_id=advocate_id,
                           actor=advocate_id)
    with pytest.raises(CallRefused) as refused:
        replace(gate, keys=lambda: world.keys).prepare(
            participant_id=participant_id, advocate_id=advocate_id, actor=advocate_id)

    assert refused.value.decision == preview


def test_inside_the_window_the_preview_allows_and_is_audited_as_a_preview(
    world: AppContext,
) -> None:
    participant_id = add_participant(world)
    advocate_id = add_advocate(world)

    decision = gate_at(world, MONDAY).preview(participant_id=participant_id,
                                              advocate_id=advocate_id, actor=advocate_id)

    assert decision.allowed and decision.dial is not None
    assert decision.defaults_used == ("caller_id", "voicemail", "on_drop")
    assert records.list_records(world.db) == []
    assert audited(world, participant_id) == [("call.preview.allowed", ())]


def test_a_mode_that_never_passed_the_self_test_is_locked_in_the_preview(
    tmp_path: Path,
) -> None:
    fresh = make_world(tmp_path)  # no self-test has run: both modes are locked
    participant_id = add_participant(fresh)
    advocate_id = add_advocate(fresh)

    decision = gate_at(fresh, MONDAY).preview(participant_id=participant_id,
                                              advocate_id=advocate_id, actor=advocate_id)
    fresh.close()

    assert [reason.code for reason in decision.reasons] == ["caller-id-locked"]
    assert decision.next_safe_time is None


def test_an_unsafe_pbx_config_refuses_the_preview_and_a_checked_prepare(
    world: AppContext,
) -> None:
    render(world.settings, world.policy)
    with (world.settings.runtime_dir / "etc" / "pjsip.conf").open("a") as config:
        config.write("\n[leaky]\ntype=endpoint\nsend_pai=yes\ntrust_id_outbound=yes\n")
    participant_id = add_participant(world)
    advocate_id = add_advocate(world)
    gate = replace(world.gate(), clock=lambda: MONDAY)

    preview = gate.preview(participant_id=participant_id, advocate_id=advocate_id,
                           actor=advocate_id)
    with pytest.raises(CallRefused) as refused:
        gate.prepare(participant_id=participant_id, advocate_id=advocate_id,
                     actor=advocate_id, check_pbx=True)

    assert [reason.code for reason in preview.reasons] == ["pbx-config-unsafe"]
    assert preview.dial is None and preview.next_safe_time is None
    assert refused.value.decision == preview
    assert [r["outcome"] for r in records.list_records(world.db)] == ["refused"]


def test_a_pbx_config_that_cannot_be_read_refuses_too(world: AppContext) -> None:
    """No rendered config at all: it cannot be shown to be safe."""
    participant_id = add_participant(world)
    advocate_id = add_advocate(world)

    decision = replace(world.gate(), clock=lambda: MONDAY).preview(
        participant_id=participant_id, advocate_id=advocate_id, actor=advocate_id)

    assert [reason.code for reason in decision.reasons] == ["pbx-config-unsafe"]


def test_the_api_still_decides_without_the_pbx_check(world: AppContext) -> None:
    """``prepare`` without ``check_pbx`` leaves the guard to ``run``, as before."""
    participant_id = add_participant(world)
    advocate_id = add_advocate(world)
    gate = replace(world.gate(), clock=lambda: MONDAY,
                   verify_pbx_safe=lambda: pytest.fail("prepare ran the guard"))

    prepared = gate.prepare(participant_id=participant_id, advocate_id=advocate_id,
                            actor=advocate_id)

    assert prepared.decision.allowed


def test_a_participant_outside_the_caseload_is_not_found_and_nothing_is_audited(
    world: AppContext,
) -> None:
    world.policy = SCOPED_POLICY
    participant_id = add_participant(world)
    advocate_id = add_advocate(world)

    with pytest.raises(NotFound):
        gate_at(world, MONDAY).preview(participant_id=participant_id, advocate_id=advocate_id,
                                       actor=advocate_id)

    assert audited(world, participant_id) == []
