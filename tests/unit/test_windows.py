"""Safe-call windows: parsing, overlap, midnight crossings and DST (practice-guide rule 1)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from gateway.domain.windows import (
    DAYS,
    Window,
    WindowSpecError,
    check_no_overlap,
    format_window,
    is_open,
    next_open,
    parse_window_spec,
    parse_window_specs,
    window_covers,
    zone_or_none,
)

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
TORONTO = ZoneInfo("America/Toronto")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def _w(day: int, start: str, end: str) -> Window:
    sh, sm = map(int, start.split(":"))
    eh, em = map(int, end.split(":"))
    return Window(day, time(sh, sm), time(eh % 24, em))


def _local(tz: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=tz, fold=fold)  # type: ignore[misc]


# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param("mon 09:00-17:00", [_w(MON, "09:00", "17:00")], id="one-day"),
        pytest.param(
            "mon-wed 09:00-17:00",
            [_w(d, "09:00", "17:00") for d in (MON, TUE, WED)],
            id="range",
        ),
        pytest.param(
            "mon,wed,fri 09:00-12:30",
            [_w(d, "09:00", "12:30") for d in (MON, WED, FRI)],
            id="comma-list",
        ),
        pytest.param(
            "sat-mon 10:00-11:00",
            [_w(d, "10:00", "11:00") for d in (MON, SAT, SUN)],
            id="range-wrapping-past-sunday",
        ),
        pytest.param(
            "mon-tue,fri 10:00-11:00",
            [_w(d, "10:00", "11:00") for d in (MON, TUE, FRI)],
            id="range-and-list",
        ),
        pytest.param("  FRI 22:00-02:00 \n", [_w(FRI, "22:00", "02:00")], id="case-and-spaces"),
        pytest.param("Sun 18:00-24:00", [_w(SUN, "18:00", "00:00")], id="24:00-as-end"),
        pytest.param("tue 00:00-24:00", [_w(TUE, "00:00", "00:00")], id="whole-day"),
        pytest.param("thu 09:00 - 10:00", [_w(THU, "09:00", "10:00")], id="spaces-around-dash"),
    ],
)
def test_a_well_formed_spec_gives_one_window_per_day_sorted_by_day(spec, expected):
    assert list(parse_window_spec(spec)) == expected


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        pytest.param("mon 9-5", "expected DAYS HH:MM-HH:MM, e.g. 'mon-fri 09:00-17:00'", id="9-5"),
        pytest.param("", "expected DAYS HH:MM-HH:MM", id="empty"),
        pytest.param("   ", "expected DAYS HH:MM-HH:MM", id="blank"),
        pytest.param("mon", "expected DAYS HH:MM-HH:MM", id="no-times"),
        pytest.param("09:00-17:00", "expected DAYS HH:MM-HH:MM", id="no-days"),
        pytest.param("mon 09:00", "expected DAYS HH:MM-HH:MM", id="no-end"),
        pytest.param("mon 09:00-17:00 extra", "expected DAYS HH:MM-HH:MM", id="trailing-text"),
        pytest.param("mon 09h00-17h00", "expected DAYS HH:MM-HH:MM", id="h-separator"),
        pytest.param(
            "mon \u0660\u0669:\u0660\u0660-\u0661\u0667:\u0660\u0660",
            "expected DAYS",
            id="arabic-digits",
        ),
        pytest.param("funday 09:00-10:00", "'funday' is not a day", id="funday"),
        pytest.param("monday 09:00-10:00", "'monday' is not a day", id="full-day-name"),
        pytest.param("mon-fri-sun 09:00-10:00", "not a day or a range", id="three-part-range"),
        pytest.param("mon-mon 09:00-10:00", "not a day or a range", id="range-to-itself"),
        pytest.param("mon 09:00-09:00", "needs a start and a different end", id="empty-window"),
        pytest.param("mon 00:00-00:00", "needs a start and a different end", id="zero-zero"),
        pytest.param("mon 25:00-26:00", "'25:00' is not a time", id="hour-25"),
        pytest.param("mon 09:60-10:00", "'09:60' is not a time", id="minute-60"),
        pytest.param("mon 9:00-10:00", "'9:00' is not a time", id="one-digit-hour"),
        pytest.param("mon 24:00-02:00", "24:00 only as an end", id="24:00-as-start"),
        pytest.param("mon 22:00-24:30", "'24:30' is not a time", id="24:30"),
        pytest.param("mon,mon 09:00-10:00", "mon is listed twice", id="duplicate-day"),
        pytest.param("mon-wed,tue 09:00-10:00", "tue is listed twice", id="day-in-range-and-list"),
    ],
)
def test_a_malformed_spec_is_refused_with_a_message_naming_it(spec, says):
    with pytest.raises(WindowSpecError) as caught:
        parse_window_spec(spec)
    assert says in str(caught.value)
    assert f"window {spec!r}" in str(caught.value)


def test_a_window_spec_error_is_a_value_error():
    assert issubclass(WindowSpecError, ValueError)


@pytest.mark.parametrize(
    "spec", ["fri 22:00-02:00", "mon 09:00-17:00", "sun 18:00-24:00", "wed 00:00-24:00"]
)
def test_a_window_formats_back_to_the_spec_it_came_from(spec):
    (window,) = parse_window_spec(spec)
    assert format_window(window) == spec


def test_every_day_name_is_three_lower_case_letters_monday_first():
    assert DAYS == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        pytest.param(7, time(9), time(10), id="day-7"),
        pytest.param(-1, time(9), time(10), id="day-minus-1"),
        pytest.param(MON, time(9), time(9), id="start-equals-end"),
        pytest.param(MON, time(9, 0, 30), time(10), id="seconds"),
        pytest.param(MON, time(9, tzinfo=UTC), time(10), id="aware-time"),
    ],
)
def test_a_window_built_by_hand_is_checked_like_a_parsed_one(day, start, end):
    with pytest.raises(WindowSpecError):
        Window(day, start, end)


# --- overlap -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("specs", "names"),
    [
        pytest.param(
            ["mon 09:00-12:00", "mon 11:00-13:00"],
            "windows 'mon 09:00-12:00' and 'mon 11:00-13:00' overlap",
            id="same-day",
        ),
        pytest.param(
            ["sun 23:00-01:00", "mon 00:30-02:00"],
            "windows 'mon 00:30-02:00' and 'sun 23:00-01:00' overlap",
            id="across-sunday-to-monday",
        ),
        pytest.param(
            ["fri 22:00-02:00", "sat 01:00-03:00"],
            "windows 'fri 22:00-02:00' and 'sat 01:00-03:00' overlap",
            id="across-midnight",
        ),
        pytest.param(
            ["mon 09:00-17:00", "mon 10:00-11:00"],
            "windows 'mon 09:00-17:00' and 'mon 10:00-11:00' overlap",
            id="one-inside-the-other",
        ),
        pytest.param(
            ["wed 00:00-24:00", "wed 12:00-13:00"],
            "windows 'wed 00:00-24:00' and 'wed 12:00-13:00' overlap",
            id="whole-day",
        ),
        pytest.param(
            ["mon 09:00-10:00", "mon 09:00-10:00"],
            "windows 'mon 09:00-10:00' and 'mon 09:00-10:00' overlap",
            id="same-window-twice",
        ),
    ],
)
def test_overlapping_windows_of_one_participant_are_refused_naming_both(specs, names):
    with pytest.raises(WindowSpecError, match=names):
        parse_window_specs(specs)


@pytest.mark.parametrize(
    "specs",
    [
        pytest.param(["mon 09:00-12:00", "mon 12:00-13:00"], id="end-meets-start"),
        pytest.param(["sun 22:00-24:00", "mon 00:00-02:00"], id="sunday-meets-monday"),
        pytest.param(["sun 23:00-01:00", "mon 01:00-02:00"], id="crossing-meets-monday"),
        pytest.param([f"{d} 00:00-24:00" for d in DAYS], id="every-whole-day"),
        pytest.param(["mon-fri 09:00-17:00", "sat,sun 10:00-12:00"], id="disjoint"),
    ],
)
def test_adjacent_windows_are_fine(specs):
    check_no_overlap(parse_window_specs(specs))


# --- covering a wall time ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wall", "inside"),
    [
        pytest.param(datetime(2026, 1, 9, 21, 59, 59), False, id="fri-21:59:59"),
        pytest.param(datetime(2026, 1, 9, 22, 0), True, id="fri-22:00-start-inclusive"),
        pytest.param(datetime(2026, 1, 10, 1, 59, 59, 999999), True, id="sat-01:59:59.999"),
        pytest.param(datetime(2026, 1, 10, 2, 0), False, id="sat-02:00-end-exclusive"),
        pytest.param(datetime(2026, 1, 10, 22, 30), False, id="sat-22:30-not-a-saturday-window"),
        pytest.param(datetime(2026, 1, 9, 1, 0), False, id="fri-01:00-belongs-to-thursday"),
    ],
)
def test_a_window_crossing_midnight_belongs_to_its_start_day(wall, inside):
    assert window_covers(parse_window_spec("fri 22:00-02:00"), wall) is inside


@pytest.mark.parametrize(
    ("wall", "inside"),
    [
        pytest.param(datetime(2026, 1, 11, 23, 30), True, id="sun-23:30"),
        pytest.param(datetime(2026, 1, 12, 0, 30), True, id="mon-00:30"),
        pytest.param(datetime(2026, 1, 12, 1, 0), False, id="mon-01:00"),
        pytest.param(datetime(2026, 1, 5, 0, 30), True, id="any-monday-00:30"),
    ],
)
def test_a_sunday_night_window_runs_into_monday_morning(wall, inside):
    assert window_covers(parse_window_spec("sun 23:00-01:00"), wall) is inside


def test_no_wall_time_is_covered_by_no_windows():
    assert not window_covers((), datetime(2026, 1, 5, 12, 0))


def test_window_covers_refuses_an_aware_datetime():
    with pytest.raises(ValueError, match="naive"):
        window_covers(parse_window_spec("mon 09:00-17:00"), datetime(2026, 1, 5, 12, tzinfo=UTC))


# --- DST: open or not ----------------------------------------------------------------------


def test_a_window_inside_the_spring_forward_gap_is_empty_that_day_in_new_york():
    windows = parse_window_spec("sun 02:00-03:00")
    day_start = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # 00:00 EST
    minutes = (day_start + timedelta(minutes=m) for m in range(24 * 60))
    assert not any(is_open(windows, NEW_YORK, at) for at in minutes)


def test_both_instants_of_the_repeated_hour_are_inside_in_new_york():
    windows = parse_window_spec("sun 01:00-01:30")
    first = _local(NEW_YORK, 2026, 11, 1, 1, 15, fold=0)
    second = _local(NEW_YORK, 2026, 11, 1, 1, 15, fold=1)
    assert second - first == timedelta(0)  # same wall time...
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)  # ...an hour apart
    assert is_open(windows, NEW_YORK, first)
    assert is_open(windows, NEW_YORK, second)
    assert not is_open(windows, NEW_YORK, _local(NEW_YORK, 2026, 11, 1, 1, 45, fold=0))


def test_both_instants_of_the_repeated_hour_are_inside_in_london():
    windows = parse_window_spec("sun 01:00-02:00")
    assert is_open(windows, LONDON, datetime(2026, 10, 25, 0, 30, tzinfo=UTC))  # 01:30 BST
    assert is_open(windows, LONDON, datetime(2026, 10, 25, 1, 30, tzinfo=UTC))  # 01:30 GMT
    assert not is_open(windows, LONDON, datetime(2026, 10, 25, 2, 0, tzinfo=UTC))  # 02:00 GMT


def test_an_instant_is_judged_by_its_wall_time_in_the_participant_zone():
    windows = parse_window_spec("mon 09:00-17:00")
    at = datetime(2026, 1, 5, 13, 59, tzinfo=UTC)  # Mon 08:59 in Toronto
    assert not is_open(windows, TORONTO, at)
    assert is_open(windows, TORONTO, at + timedelta(minutes=1))


def test_is_open_refuses_a_naive_instant():
    with pytest.raises(ValueError, match="aware"):
        is_open(parse_window_spec("mon 09:00-17:00"), TORONTO, datetime(2026, 1, 5, 12))


# --- next open -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "tz", "now", "expected"),
    [
        pytest.param(
            "mon-fri 09:00-17:00",
            TORONTO,
            _local(TORONTO, 2026, 1, 6, 17, 0),
            _local(TORONTO, 2026, 1, 7, 9, 0),
            id="at-17:00-next-is-tomorrow-09:00",
        ),
        pytest.param(
            "mon-fri 09:00-17:00",
            TORONTO,
            _local(TORONTO, 2026, 1, 9, 18, 0),
            _local(TORONTO, 2026, 1, 12, 9, 0),
            id="friday-evening-next-is-monday",
        ),
        pytest.param(
            "mon-fri 09:00-17:00",
            TORONTO,
            _local(TORONTO, 2026, 1, 6, 12, 34, 56),
            _local(TORONTO, 2026, 1, 6, 12, 34, 56),
            id="inside-a-window-is-now",
        ),
        pytest.param(
            "sun 23:00-01:00",
            TORONTO,
            _local(TORONTO, 2026, 1, 12, 0, 59, 59),
            _local(TORONTO, 2026, 1, 12, 0, 59, 59),
            id="monday-00:59:59-is-inside-sundays-window",
        ),
        pytest.param(
            "sun 02:30-04:00",
            NEW_YORK,
            _local(NEW_YORK, 2026, 3, 7, 12, 0),
            datetime(2026, 3, 8, 7, 0, tzinfo=UTC),
            id="window-starting-in-the-gap-opens-at-03:00-edt",
        ),
        pytest.param(
            "sun 02:00-03:00",
            NEW_YORK,
            _local(NEW_YORK, 2026, 3, 7, 12, 0),
            _local(NEW_YORK, 2026, 3, 15, 2, 0),
            id="window-wholly-in-the-gap-opens-next-week",
        ),
        pytest.param(
            "sun 01:00-01:30",
            NEW_YORK,
            _local(NEW_YORK, 2026, 11, 1, 1, 45, fold=0),
            _local(NEW_YORK, 2026, 11, 1, 1, 0, fold=1),
            id="after-the-first-pass-of-the-repeated-hour-opens-in-the-second",
        ),
        pytest.param(
            "sun 01:30-02:30",
            LONDON,
            datetime(2026, 3, 28, 12, 0, tzinfo=UTC),
            datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
            id="london-spring-forward-opens-at-02:00-bst",
        ),
        pytest.param(
            "sun 02:00-02:30",
            LORD_HOWE,
            _local(LORD_HOWE, 2026, 10, 3, 12, 0),
            _local(LORD_HOWE, 2026, 10, 11, 2, 0),
            id="lord-howe-half-hour-gap-skips-a-week",
        ),
        pytest.param(
            "sun 02:00-02:45",
            LORD_HOWE,
            _local(LORD_HOWE, 2026, 10, 3, 12, 0),
            _local(LORD_HOWE, 2026, 10, 4, 2, 30),
            id="lord-howe-opens-right-after-its-half-hour-gap",
        ),
    ],
)
def test_next_open_is_the_earliest_open_instant(spec, tz, now, expected):
    found = next_open(parse_window_spec(spec), tz, now)
    assert found is not None
    # Compare and step in UTC: datetimes sharing a tzinfo compare by wall time, fold ignored.
    assert found.astimezone(UTC) == expected.astimezone(UTC)
    assert found.tzinfo is tz
    assert is_open(parse_window_spec(spec), tz, found)
    just_before = found.astimezone(UTC) - timedelta(seconds=1)
    assert found.astimezone(UTC) == now.astimezone(UTC) or not is_open(
        parse_window_spec(spec), tz, just_before
    )


def test_next_open_respects_not_before():
    windows = parse_window_spec("mon-fri 09:00-17:00")
    now = _local(TORONTO, 2026, 1, 6, 12, 0)
    pause_start = _local(TORONTO, 2026, 1, 8, 0, 0)
    assert next_open(windows, TORONTO, now, not_before=pause_start) == _local(
        TORONTO, 2026, 1, 8, 9, 0
    )


def test_next_open_with_a_not_before_in_the_past_is_now_when_open():
    windows = parse_window_spec("mon-fri 09:00-17:00")
    now = _local(TORONTO, 2026, 1, 6, 12, 0)
    assert next_open(windows, TORONTO, now, not_before=now - timedelta(days=3)) == now


def test_next_open_with_no_windows_is_none():
    assert next_open((), TORONTO, _local(TORONTO, 2026, 1, 6, 12, 0)) is None


def test_next_open_refuses_a_naive_instant():
    with pytest.raises(ValueError, match="aware"):
        next_open(parse_window_spec("mon 09:00-17:00"), TORONTO, datetime(2026, 1, 6, 12))


# --- zones ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["America/Toronto", "Asia/Kolkata", "Pacific/Chatham", "UTC"])
def test_a_known_iana_zone_loads(key):
    zone = zone_or_none(key)
    assert zone is not None
    assert zone.key == key


@pytest.mark.parametrize(
    "key",
    [
        "",
        "Mars/Olympus",
        "America",
        "america/toronto",
        "../etc/passwd",
        "/etc/localtime",
        "localtime",
        "posixrules",
        "Factory",
        "America/Toronto ",
    ],
)
def test_an_unknown_or_placeless_zone_is_none(key):
    assert zone_or_none(key) is None
