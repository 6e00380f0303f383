"""Properties of windows and decisions across zones, DST transitions and midnights.

Instants cluster within three days of each zone's 2026 UTC-offset changes, where
wall-clock bugs live, plus random ones from 2025-2028. ``now`` is given either in
UTC or in the participant's own zone: two datetimes sharing a tzinfo compare by
wall time, a classic source of DST bugs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.callerid import CallerIdMode
from gateway.domain.decision import decide
from gateway.domain.policy import AgencyPolicy
from gateway.domain.preferences import AdvocateFacts, LockState, ParticipantFacts, Preferences
from gateway.domain.windows import Window, is_open, next_open

ZONES = (
    "America/New_York",
    "America/Los_Angeles",
    "America/St_Johns",
    "America/Havana",
    "America/Santiago",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Africa/Casablanca",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "UTC",
)
PROPERTY = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
MINUTE = timedelta(minutes=1)


def _offset_changes_2026(key: str) -> list[datetime]:
    """Instants in 2026, to the hour, just after the zone changed its UTC offset."""
    tz = ZoneInfo(key)
    hours = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(365 * 24)]
    return [b for a, b in pairwise(hours) if _offset(a, tz) != _offset(b, tz)]


def _offset(instant: datetime, tz: ZoneInfo) -> timedelta | None:
    return instant.astimezone(tz).utcoffset()


CHANGES = {key: _offset_changes_2026(key) for key in ZONES}


def _window(day: int, start_min: int, length_min: int) -> Window:
    if length_min >= 24 * 60:
        return Window(day, time(0), time(0))
    end_min = (start_min + length_min) % (24 * 60)
    return Window(day, time(*divmod(start_min, 60)), time(*divmod(end_min, 60)))


# Starts and lengths lean towards the hours DST moves and towards midnight.
_START = st.sampled_from([0, 30, 60, 90, 120, 150, 180, 1380, 1410]) | st.integers(0, 24 * 60 - 1)
_LENGTH = st.sampled_from([1, 30, 60, 90, 24 * 60]) | st.integers(1, 24 * 60 - 1)
Windows = tuple[Window, ...]
WINDOWS = st.lists(st.builds(_window, st.integers(0, 6), _START, _LENGTH), max_size=5).map(tuple)


CHANGING = tuple(key for key in ZONES if CHANGES[key])


@st.composite
def scenario(draw: st.DrawFn, *, at_a_change: bool = False) -> tuple[ZoneInfo, datetime, Windows]:
    """A zone, an aware instant and windows, often all close to an offset change.

    Windows drawn near the change start at wall times just before, inside or after
    a DST gap or repeated hour, which is where "next safe time" is hardest.
    """
    key = draw(st.sampled_from(CHANGING if at_a_change else ZONES))
    tz = ZoneInfo(key)
    near = st.sampled_from(CHANGES[key]) if CHANGES[key] else st.nothing()
    anywhere = st.datetimes(datetime(2025, 1, 1), datetime(2028, 12, 31), timezones=st.just(UTC))
    anchor = draw(near if at_a_change else near | anywhere)
    spread = draw(st.sampled_from([2 * 3600] if at_a_change else [3 * 3600, 3 * 86400]))
    now = anchor + timedelta(seconds=draw(st.integers(-spread, spread)))
    now += timedelta(microseconds=draw(st.sampled_from([0, 0, 1, 999_999])))
    windows = list(draw(WINDOWS)) if not at_a_change else []
    windows += draw(st.lists(_near_change(tz, anchor), min_size=at_a_change, max_size=2))
    return tz, draw(st.sampled_from([now, now.astimezone(tz)])), tuple(windows)


@st.composite
def _near_change(draw: st.DrawFn, tz: ZoneInfo, change: datetime) -> Window:
    """A window starting near ``change``, by the wall clock before or after it.

    Read with the other offset, such a start may be skipped or repeated that day.
    """
    offset = draw(st.sampled_from([_offset(change - timedelta(hours=1), tz), _offset(change, tz)]))
    assert offset is not None
    minutes = draw(st.sampled_from([-60, -30, 0, 15, 30, 45]) | st.integers(-120, 120))
    wall = change.replace(tzinfo=None) + offset + timedelta(minutes=minutes)
    return _window(wall.weekday(), wall.hour * 60 + wall.minute, draw(_LENGTH))


def _covered_by_brute_force(windows: Windows, wall: datetime) -> bool:
    """Each window as concrete local datetimes on the days that could hold ``wall``."""
    for days_back in (0, 1):
        day = wall.date() - timedelta(days=days_back)
        for w in windows:
            if w.day != day.weekday():
                continue
            start, end = datetime.combine(day, w.start), datetime.combine(day, w.end)
            if end <= start:
                end += timedelta(days=1)
            if start <= wall < end:
                return True
    return False


def _none_open_before(windows: Windows, tz: ZoneInfo, lower: datetime, found: datetime) -> bool:
    """No instant in ``[lower, found)`` is open.

    Every zone here is a whole number of minutes from UTC and windows are whole
    minutes, so openness only changes on whole UTC minutes: checking ``lower`` and
    each UTC minute after it is exhaustive.
    """
    lower, found = lower.astimezone(UTC), found.astimezone(UTC)
    minute = lower.replace(second=0, microsecond=0) + MINUTE
    points = [lower] if lower < found else []
    while minute < found:
        points.append(minute)
        minute += MINUTE
    return not any(is_open(windows, tz, at) for at in points)


def _pause_start(pause_until: date | None, tz: ZoneInfo) -> datetime | None:
    return None if pause_until is None else datetime.combine(pause_until, time(0), tzinfo=tz)


def _later(a: datetime, b: datetime | None) -> datetime:
    a = a.astimezone(UTC)
    return a if b is None else max(a, b.astimezone(UTC))


@PROPERTY
@given(scenario())
def test_is_open_means_the_local_wall_time_lies_in_a_window(case):
    tz, instant, windows = case
    wall = instant.astimezone(tz).replace(tzinfo=None)
    assert is_open(windows, tz, instant) is _covered_by_brute_force(windows, wall)


def _check_next_open(case: tuple[ZoneInfo, datetime, Windows], pause: int | None) -> None:
    tz, now, windows = case
    pause_until = None if pause is None else now.astimezone(tz).date() + timedelta(pause)
    not_before = _pause_start(pause_until, tz)
    found = next_open(windows, tz, now, not_before=not_before)
    if not windows:
        assert found is None
        return
    assert found is not None
    assert found.tzinfo is tz
    lower = _later(now, not_before)
    assert found.astimezone(UTC) >= lower
    assert is_open(windows, tz, found)
    assert _none_open_before(windows, tz, lower, found)


@PROPERTY
@given(scenario(), st.none() | st.integers(-3, 10))
def test_next_open_is_open_not_too_early_and_nothing_earlier_is_open(case, pause):
    _check_next_open(case, pause)


@PROPERTY
@given(scenario(at_a_change=True))
def test_next_open_is_exact_for_windows_starting_in_a_dst_gap_or_repeated_hour(case):
    _check_next_open(case, None)


@st.composite
def _covering(draw: st.DrawFn, local: datetime) -> Window:
    """A window that holds the wall time of ``local``."""
    back = draw(st.integers(0, 600))
    start = local - timedelta(minutes=back)  # wall-clock arithmetic, on purpose
    length = draw(st.integers(back + 1, 24 * 60 - 1))
    return _window(start.weekday(), start.hour * 60 + start.minute, length)


@st.composite
def call_facts(draw: st.DrawFn) -> dict[str, object]:
    """Facts for one call attempt; mostly usable so that many calls are allowed."""
    tz, now, windows = draw(scenario())
    if draw(st.sampled_from([True, True, True, False])):
        windows += (draw(_covering(now.astimezone(tz))),)
    pause = draw(st.sampled_from([None, None, None, -3, 0, 1, 2, 10]))
    prefs = Preferences(
        timezone=tz.key,
        windows=windows,
        pause_until=None if pause is None else now.astimezone(tz).date() + timedelta(pause),
        caller_id=draw(st.none() | st.sampled_from(CallerIdMode)),
        masked_fallback=draw(st.booleans()),
    )
    mostly = st.sampled_from([True] * 9 + [False])
    locked = st.sampled_from([frozenset(), frozenset()] + [frozenset({m}) for m in CallerIdMode])
    return {
        "participant": ParticipantFacts("p", "P", prefs, has_phone=draw(mostly)),
        "advocate": AdvocateFacts("a", "A", has_phone=draw(mostly), active=draw(mostly)),
        "policy": AgencyPolicy(default_caller_id=draw(st.sampled_from(CallerIdMode))),
        "locks": LockState(draw(locked)),
        "now": now,
        "masked_number_configured": draw(mostly),
    }


@PROPERTY
@given(call_facts())
def test_an_allowed_call_is_inside_a_window_outside_any_pause_and_has_a_privacy_mode(facts):
    decision = decide(**facts)
    prefs = facts["participant"].preferences
    tz = ZoneInfo(prefs.timezone)
    now, locks = facts["now"], facts["locks"]
    pause_start = _pause_start(prefs.pause_until, tz)
    if not decision.allowed:
        assert decision.dial is None
        assert decision.reasons
        return
    assert decision.reasons == ()
    assert decision.next_safe_time is None
    assert prefs.windows
    assert is_open(prefs.windows, tz, now)
    assert pause_start is None or now.astimezone(UTC) >= pause_start.astimezone(UTC)
    assert decision.dial is not None
    assert decision.dial.mode in CallerIdMode
    assert decision.dial.mode not in locks.locked_modes
    if decision.dial.mode is CallerIdMode.MASKED or decision.dial.masked_fallback:
        assert facts["masked_number_configured"]
    if decision.dial.masked_fallback:
        assert prefs.masked_fallback and CallerIdMode.MASKED not in locks.locked_modes


@PROPERTY
@given(call_facts())
def test_a_call_is_refused_exactly_when_a_rule_says_so(facts):
    decision = decide(**facts)
    prefs = facts["participant"].preferences
    tz = ZoneInfo(prefs.timezone)
    now, advocate = facts["now"], facts["advocate"]
    mode = prefs.caller_id or facts["policy"].default_caller_id
    pause_start = _pause_start(prefs.pause_until, tz)
    should_allow = (
        is_open(prefs.windows, tz, now)
        and (pause_start is None or now.astimezone(UTC) >= pause_start.astimezone(UTC))
        and facts["participant"].has_phone
        and advocate.has_phone
        and advocate.active
        and mode not in facts["locks"].locked_modes
        and (mode is CallerIdMode.WITHHOLD or facts["masked_number_configured"])
    )
    assert decision.allowed is should_allow


@PROPERTY
@given(call_facts())
def test_a_next_safe_time_is_open_not_before_now_or_the_pause_and_the_earliest(facts):
    decision = decide(**facts)
    prefs = facts["participant"].preferences
    tz = ZoneInfo(prefs.timezone)
    codes = {reason.code for reason in decision.reasons}
    timing = bool(codes & {"paused", "outside-window"})
    if decision.next_safe_time is None:
        assert not (timing and prefs.windows)
        return
    assert timing
    lower = _later(facts["now"], _pause_start(prefs.pause_until, tz))
    assert decision.next_safe_time.tzinfo is tz
    assert decision.next_safe_time.astimezone(UTC) >= lower
    assert is_open(prefs.windows, tz, decision.next_safe_time)
    assert _none_open_before(prefs.windows, tz, lower, decision.next_safe_time)


@PROPERTY
@given(call_facts())
def test_a_call_is_never_allowed_with_zero_windows(facts):
    participant = facts["participant"]
    no_windows = Preferences(timezone=participant.preferences.timezone, windows=())
    facts["participant"] = ParticipantFacts("p", "P", no_windows)
    decision = decide(**facts)
    assert not decision.allowed
    assert "no-window" in {reason.code for reason in decision.reasons}
    assert decision.next_safe_time is None
