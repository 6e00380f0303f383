"""When a call-back may run, and when it can no longer run within its bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from gateway.callbacks.planning import (
    callback_deadline,
    next_safe_start,
    on_duty,
    plan_callback,
    within_bounds,
)
from gateway.domain.policy import CallbackLimits
from gateway.domain.preferences import AdvocateFacts, DropProtocolKind, DropRule, Preferences
from gateway.domain.windows import parse_window_spec, parse_window_specs

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
                         dropped_at=local(2026, 11, 24, 10, 0), attempt=1, advocate=None)
    assert plan is not None
    assert plan.run_at == local(2026, 11, 24, 10, 15)


def test_a_call_back_due_after_the_window_closes_waits_for_the_next_window() -> None:
    plan = plan_callback(rule=CALLBACK, prefs=WEEKDAYS, limits=FOUR_DAYS,  # on a Friday:
                         dropped_at=local(2026, 11, 27, 16, 55), attempt=1, advocate=None)
    assert plan is not None
    assert plan.run_at == local(2026, 11, 30, 9, 0), "Monday 09:00, not the weekend"


def test_attempts_are_bounded_by_the_agreement() -> None:
    assert plan_callback(rule=CALLBACK, prefs=WEEKDAYS, limits=LIMITS,
                         dropped_at=local(2026, 11, 24, 10, 0), attempt=3,
                         advocate=None) is None


def test_the_agency_limit_caps_what_was_agreed() -> None:
    generous = DropRule(DropProtocolKind.CALLBACK, callback_delay_min=1, callback_attempts=9)
    plan = plan_callback(rule=generous, prefs=WEEKDAYS, limits=LIMITS,
                         dropped_at=local(2026, 11, 24, 10, 0), attempt=1, advocate=None)
    assert plan is not None
    assert plan.max_attempts == 3
    assert plan.run_at == local(2026, 11, 24, 10, 5), "never sooner than the agency minimum"


def test_wait_schedules_nothing() -> None:
    assert plan_callback(rule=DropRule(DropProtocolKind.WAIT), prefs=WEEKDAYS, limits=LIMITS,
                         dropped_at=local(2026, 11, 24, 10, 0), attempt=1,
                         advocate=None) is None


def test_a_call_back_whose_first_safe_time_is_past_the_agency_maximum_is_out_of_bounds() -> None:
    dropped = local(2026, 11, 27, 16, 55)  # Friday: the next window is Monday, 64 h later
    plan = plan_callback(rule=CALLBACK, prefs=WEEKDAYS, limits=LIMITS, dropped_at=dropped,
                         attempt=1, advocate=None)
    assert plan is not None
    assert plan.run_at == local(2026, 11, 30, 9, 0)
    assert callback_deadline(dropped, LIMITS) == local(2026, 11, 27, 20, 55)
    assert not within_bounds(plan.run_at, dropped_at=dropped, limits=LIMITS)
    assert within_bounds(plan.run_at, dropped_at=dropped, limits=FOUR_DAYS)


def test_no_window_ahead_means_no_safe_time_and_out_of_bounds() -> None:
    never = Preferences(timezone="America/Toronto")
    plan = plan_callback(rule=CALLBACK, prefs=never, limits=LIMITS,
                         dropped_at=local(2026, 11, 24, 10, 0), attempt=1, advocate=None)
    assert plan is not None and plan.run_at is None
    assert not within_bounds(None, dropped_at=local(2026, 11, 24, 10, 0), limits=LIMITS)


# -- the advocate's working hours ---------------------------------------------------------

def advocate(zone: str, *hours: str, active: bool = True) -> AdvocateFacts:
    return AdvocateFacts("a-1", "Sam", active=active, timezone=zone,
                         working_hours=parse_window_specs(hours))


def run_at(prefs: Preferences, who: AdvocateFacts | None, dropped: datetime,
           limits: CallbackLimits = LIMITS) -> datetime | None:
    plan = plan_callback(rule=CALLBACK, prefs=prefs, limits=limits, dropped_at=dropped,
                         attempt=1, advocate=who)
    assert plan is not None
    return plan.run_at


def test_a_call_back_waits_for_the_advocates_hours_when_the_participants_window_opens_earlier(
) -> None:
    afternoons = advocate("America/Toronto", "mon-fri 13:00-17:00")
    assert run_at(WEEKDAYS, afternoons, local(2026, 11, 24, 10, 0)) == local(2026, 11, 24, 13, 0)


def test_a_call_back_waits_for_the_participants_window_when_the_advocate_starts_earlier() -> None:
    early = advocate("America/Toronto", "mon-fri 06:00-18:00")
    dropped = local(2026, 11, 24, 7, 0)  # the advocate is on duty, the participant is not
    assert run_at(WEEKDAYS, early, dropped) == local(2026, 11, 24, 9, 0)


def test_no_working_hours_means_any_time_as_before() -> None:
    dropped = local(2026, 11, 27, 16, 55)  # a Friday
    anytime = advocate("Asia/Tokyo")
    assert run_at(WEEKDAYS, anytime, dropped, FOUR_DAYS) == local(2026, 11, 30, 9, 0)
    assert run_at(WEEKDAYS, anytime, dropped, FOUR_DAYS) == run_at(WEEKDAYS, None, dropped,
                                                                   FOUR_DAYS)


def test_an_advocate_in_another_zone_has_their_hours_read_in_their_zone() -> None:
    vancouver = advocate("America/Vancouver", "mon-fri 09:00-17:00")  # 12:00-20:00 in Toronto
    assert run_at(WEEKDAYS, vancouver, local(2026, 11, 24, 10, 0)) == local(2026, 11, 24, 12, 0)


def test_the_meeting_point_moves_in_the_weeks_when_only_one_zone_has_changed_to_summer_time(
) -> None:
    # London afternoons meet Toronto mornings at 09:00 Toronto in winter; from 8 March 2026
    # Toronto is on summer time and London not yet (until 29 March): 14:00 London is 10:00.
    mornings = Preferences(timezone="America/Toronto",
                           windows=parse_window_spec("mon-fri 09:00-12:00"))
    london = advocate("Europe/London", "mon-fri 14:00-18:00")
    assert run_at(mornings, london, local(2026, 3, 2, 8, 0)) == local(2026, 3, 2, 9, 0)
    assert run_at(mornings, london, local(2026, 3, 9, 8, 0)) == local(2026, 3, 9, 10, 0)
    assert run_at(mornings, london, local(2026, 3, 30, 8, 0)) == local(2026, 3, 30, 9, 0)


def test_a_call_back_whose_window_and_hours_never_meet_has_no_safe_time_and_expires() -> None:
    mornings = Preferences(timezone="America/Toronto",
                           windows=parse_window_spec("mon-fri 09:00-12:00"))
    afternoons = advocate("America/Toronto", "mon-fri 13:00-17:00")
    dropped = local(2026, 11, 24, 10, 0)
    assert run_at(mornings, afternoons, dropped) is None
    assert not within_bounds(None, dropped_at=dropped, limits=LIMITS)


def test_a_call_back_whose_window_and_hours_meet_only_after_the_deadline_is_out_of_bounds(
) -> None:
    weekends = advocate("America/Toronto", "sat-sun 10:00-16:00")
    always = Preferences(timezone="America/Toronto",
                         windows=parse_window_spec("mon-sun 00:00-24:00"))
    dropped = local(2026, 11, 24, 10, 0)  # a Tuesday; the deadline is 4 hours later
    start = run_at(always, weekends, dropped)
    assert start == local(2026, 11, 28, 10, 0)
    assert not within_bounds(start, dropped_at=dropped, limits=LIMITS)


def test_the_shared_start_is_open_on_both_sides_across_midnight_and_zones() -> None:
    nights = Preferences(timezone="America/Toronto",
                         windows=parse_window_spec("mon-sun 22:00-02:00"))
    sydney = advocate("Australia/Sydney", "mon-sun 15:00-16:00")  # 23:00-00:00 in Toronto
    start = next_safe_start(nights, local(2026, 11, 24, 12, 0), sydney)
    assert start == local(2026, 11, 24, 23, 0)
    assert start is not None and on_duty(sydney, start)
    assert not on_duty(sydney, start - timedelta(seconds=1))


def test_a_pause_still_comes_first_when_the_advocate_has_hours() -> None:
    paused = Preferences(timezone="America/Toronto",
                         windows=parse_window_spec("mon-fri 09:00-17:00"),
                         pause_until=datetime(2026, 11, 26).date())
    afternoons = advocate("America/Toronto", "mon-fri 13:00-17:00")
    start = next_safe_start(paused, local(2026, 11, 24, 10, 0), afternoons)
    assert start == local(2026, 11, 26, 13, 0)


def test_an_inactive_advocates_hours_are_not_read() -> None:
    """The gate refuses an inactive advocate's call-backs whatever the hour, as before."""
    inactive = advocate("America/Toronto", "mon-fri 13:00-17:00", active=False)
    assert run_at(WEEKDAYS, inactive, local(2026, 11, 24, 10, 0)) == local(2026, 11, 24, 10, 15)
    assert on_duty(inactive, datetime(2026, 11, 24, 15, 15, tzinfo=UTC))
