"""When a call-back may run, and that its job survives a gateway restart."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from gateway.callbacks.planning import plan_callback
from gateway.callbacks.scheduler import CallbackScheduler
from gateway.domain.policy import AgencyPolicy, CallbackLimits
from gateway.domain.preferences import DropProtocolKind, DropRule, Preferences
from gateway.domain.windows import parse_window_spec
from gateway.storage.db import Database

TORONTO = ZoneInfo("America/Toronto")
WEEKDAYS = Preferences(timezone="America/Toronto", windows=parse_window_spec("mon-fri 09:00-17:00"))
POLICY = AgencyPolicy(callback=CallbackLimits(max_attempts=3, min_delay_min=5,
                                              max_delay_min=240, default_delay_min=15))
CALLBACK = DropRule(DropProtocolKind.CALLBACK, callback_delay_min=15, callback_attempts=2)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TORONTO)


def test_a_drop_inside_the_window_is_called_back_after_the_agreed_delay() -> None:
    plan = plan_callback(rule=CALLBACK, prefs=WEEKDAYS, policy=POLICY,
                         dropped_at=local(2026, 11, 24, 10, 0), attempt=1)
    assert plan is not None
    assert plan.run_at == local(2026, 11, 24, 10, 15)


def test_a_call_back_due_after_the_window_closes_waits_for_the_next_window() -> None:
    plan = plan_callback(rule=CALLBACK, prefs=WEEKDAYS, policy=POLICY,
                         dropped_at=local(2026, 11, 27, 16, 55), attempt=1)  # a Friday
    assert plan is not None
    assert plan.run_at == local(2026, 11, 30, 9, 0), "Monday 09:00, not the weekend"


def test_attempts_are_bounded_by_the_agreement() -> None:
    assert plan_callback(rule=CALLBACK, prefs=WEEKDAYS, policy=POLICY,
                         dropped_at=local(2026, 11, 24, 10, 0), attempt=3) is None


def test_the_agency_limit_caps_what_was_agreed() -> None:
    generous = DropRule(DropProtocolKind.CALLBACK, callback_delay_min=1, callback_attempts=9)
    plan = plan_callback(rule=generous, prefs=WEEKDAYS, policy=POLICY,
                         dropped_at=local(2026, 11, 24, 10, 0), attempt=1)
    assert plan is not None
    assert plan.max_attempts == 3
    assert plan.run_at == local(2026, 11, 24, 10, 5), "never sooner than the agency minimum"


def test_wait_schedules_nothing() -> None:
    assert plan_callback(rule=DropRule(DropProtocolKind.WAIT), prefs=WEEKDAYS, policy=POLICY,
                         dropped_at=local(2026, 11, 24, 10, 0), attempt=1) is None


def test_a_scheduled_call_back_survives_a_restart_of_the_gateway(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'safedial.db'}")
    due = datetime(2030, 1, 7, 14, 0, tzinfo=UTC)
    first = CallbackScheduler(database.engine)
    first.start(paused=True)
    first.schedule("cb_123", due)
    first.schedule("cb_123", due)  # idempotent: one job per call-back
    first.shutdown()

    again = CallbackScheduler(database.engine)
    again.start(paused=True)
    try:
        assert again.job_ids() == ["cb_123"]
        assert again.next_run("cb_123") == due
    finally:
        again.shutdown()
