"""One home for each rule: the call-back bounds read the same everywhere they are shown.

A participant saved with a call-back delay below the agency minimum (or more
attempts than its maximum) is called back with the bounded values, and every
place that shows or uses them says so: ``participant show``, the API, the
decision, the briefing and the call-back plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.callbacks.planning import plan_callback
from gateway.domain.decision import decide
from gateway.domain.policy import AgencyPolicy, CallbackLimits
from gateway.domain.preferences import LockState
from gateway.people import service as people
from gateway.people.records import (
    advocate_facts,
    get_advocate_row,
    get_participant_row,
    participant_facts,
)
from gateway.prompts import briefing_values
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.support.world import add_advocate, add_participant, make_world

LIMITS = CallbackLimits(max_attempts=3, min_delay_min=5, max_delay_min=24 * 60,
                        default_delay_min=15)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AppContext]:
    ctx = make_world(tmp_path)
    ctx.policy = AgencyPolicy(timezone="America/Toronto", callback=LIMITS)
    yield ctx
    ctx.close()


def test_a_delay_below_the_minimum_reads_the_same_in_the_view_the_api_the_decision_and_plan(
    world: AppContext,
) -> None:
    participant_id = add_participant(world, windows=["mon-sun 00:00-24:00"],
                                     on_drop="callback", callback_delay_min=2,
                                     callback_attempts=9)
    advocate_id = add_advocate(world, role="admin")
    with world.db.unit_of_work() as session:
        view = people.show_participant(session, policy=world.policy,
                                       participant_id=participant_id)
        token = people.issue_token(session, actor="test", advocate_id=advocate_id)
        participant = participant_facts(get_participant_row(session, participant_id))
        advocate = advocate_facts(get_advocate_row(session, advocate_id),
                                  agency_timezone=world.policy.timezone)
    with TestClient(create_app(world, run_scheduler=False)) as client:
        api = client.get(f"/api/participants/{participant_id}",
                         headers={"Authorization": f"Bearer {token}"}).json()
    now = datetime.now(UTC)
    decision = decide(participant=participant, advocate=advocate, policy=world.policy,
                      locks=LockState(), now=now)
    assert decision.dial is not None
    plan = plan_callback(rule=participant.preferences.on_drop, prefs=participant.preferences,
                         limits=LIMITS, dropped_at=now, attempt=1, advocate=advocate)
    assert plan is not None
    briefing = briefing_values("Rose", decision.dial.voicemail, decision.dial.on_drop, False,
                               "en", limits=LIMITS)

    assert view["on_drop"]["callback_delay_min"] == 5
    assert api["on_drop"]["callback_delay_min"] == 5
    assert decision.dial.on_drop.callback_delay_min == 5
    assert plan.not_before - now == timedelta(minutes=5)
    assert view["on_drop"]["callback_attempts"] == api["on_drop"]["callback_attempts"] == 3
    assert decision.dial.on_drop.callback_attempts == plan.max_attempts == 3
    assert "5" in briefing["drop_rule"] and "3" in briefing["drop_rule"]
