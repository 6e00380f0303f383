"""When a call-back may run, and when it can no longer run within its bounds."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from gateway.callbacks.planning import callback_deadline, plan_callback, within_bounds
from gateway.domain.policy import CallbackLimits
from gateway.domain.preferences import DropProtocolKind, DropRule, Preferences
from gateway.domain.windows import parse_window_spec

TORONTO = ZoneInfo("America/Toronto")
WEEKDAYS = Preferences(timezone="America/Toronto", windows=parse_window_spec("mon-fri 09:00-17:00"))
LIMITS = CallbackLimits(max_attempts=3, min_delay_min=5, max_delay_min=240,
                        default_delay_min=15)
#: Generous enough that a drop on Friday evening may still be called back on Monday.
FOUR_DAYS = CallbackLimits(max_attempts=3, min_delay_min=5, max_delay_min=4 * 24 * 60,
                           default_delay_min=15)
CALLBACK = DropRule(DropProtocolKind.CALLBACK, callback_delay_min=15, callback_attempts=2)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TORONTO)


def test_a_drop_inside_the_window_is_called_back_after_the_agreed_delay() -> None:
    plan = plan_callback(rule=CALLBACK, prefs=WEEKDAYS, limits=LIMITS,
                         dropped_at=local(2026, 11, 24, 10, 0), attempt=1)
    assert plan is not None
    assert plan.run_at == local(2026, 11, 24, 10, 15)


def test_a_call_back_due_after_the_window_closes_waits_for_the_next_window() -> None:
    plan = plan_callback(rule=CALLBACK, prefs=WEEKDAYS, limits=FOUR_DAYS,
                         dropped_at=local(2026, 11, 27, 16, 55), attempt=1)  # a Friday
    assert plan is not None
    assert plan.run_at == local(2026, 11, 30, 9, 0), "Monday 09:00, not the weekend"


def test_attempts_are_bounded_by_the_agreement() -> None:
    assert plan_callback(rule=CALLBACK, prefs=WEEKDAYS, limits=LIMITS,
                         dropped_at=local(2026, 11, 24, 10, 0), attempt=3) is None


def test_the_agency_limit_caps_what_was_agreed() -> None:
    generous = DropRule(DropProtocolKind.CALLBACK, callback_delay_min=1, callback_attempts=9)
    plan = plan_callback(rule=generous, prefs=WEEKDAYS, limits=LIMITS,
                         dropped_at=local(2026, 11, 24, 10, 0), attempt=1)
    assert plan is not None
    assert plan.max_attempts == 3
    assert plan.run_at == local(2026, 11, 24, 10, 5), "never sooner than the agency minimum"


def test_wait_schedules_nothing() -> None:
    assert plan_callback(rule=DropRule(DropProtocolKind.WAIT), prefs=WEEKDAYS, limits=LIMITS,
                         dropped_at=local(2026, 11, 24, 10, 0), attempt=1) is None


def test_a_call_back_whose_first_safe_time_is_past_the_agency_maximum_is_out_of_bounds() -> None:
    dropped = local(2026, 11, 27, 16, 55)  # Friday: the next window is Monday, 64 h later
    plan = plan_callback(rule=CALLBACK, prefs=WEEKDAYS, limits=LIMITS, dropped_at=dropped,
                         attempt=1)
    assert plan is not None
    assert plan.run_at == local(2026, 11, 30, 9, 0)
    assert callback_deadline(dropped, LIMITS) == local(2026, 11, 27, 20, 55)
    assert not within_bounds(plan.run_at, dropped_at=dropped, limits=LIMITS)
    assert within_bounds(plan.run_at, dropped_at=dropped, limits=FOUR_DAYS)


def test_no_window_ahead_means_no_safe_time_and_out_of_bounds() -> None:
    never = Preferences(timezone="America/Toronto")
    plan = plan_callback(rule=CALLBACK, prefs=never, limits=LIMITS,
                         dropped_at=local(2026, 11, 24, 10, 0), attempt=1)
    assert plan is not None and plan.run_at is None
    assert not within_bounds(None, dropped_at=local(2026, 11, 24, 10, 0), limits=LIMITS)
