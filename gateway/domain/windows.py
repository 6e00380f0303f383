"""Weekly safe-call windows: when a participant said it is safe to call them.

Windows are wall-clock times in the participant's zone, as people say them. An
instant is inside when its local wall time is: no instant has the wall times
skipped at spring-forward, and both instants of a repeated fall-back hour count.
A window is a half-open span of seconds on the weekly cycle (Monday 00:00 = 0), so
midnight and Sunday->Monday crossings need no special case.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_DAY_S = 24 * 3600
_WEEK_S = 7 * _DAY_S
_EXAMPLE = "expected DAYS HH:MM-HH:MM, e.g. 'mon-fri 09:00-17:00'"
_SPEC = re.compile(
    r"(?P<days>[a-z]+(?:\s*[-,]\s*[a-z]+)*)\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})",
    re.ASCII,
)
_TIME = re.compile(r"(?P<h>\d{2}):(?P<m>\d{2})", re.ASCII)
# Keys that load but do not name a place: they would silently use the server's zone.
_NOT_A_PLACE = frozenset({"localtime", "posixrules", "Factory"})
# A window can be empty for a week (it lies in a DST gap); look two weeks ahead.
_HORIZON = timedelta(days=16)


class WindowSpecError(ValueError):
    """A window spec or set of windows that cannot be used; the message names it."""


@dataclass(frozen=True, order=True)
class Window:
    """One weekly window on ``day`` (0 = Monday) from ``start`` (inclusive) to ``end``.

    An ``end`` at or before ``start`` crosses midnight and belongs to the start day.
    ``start == end`` is refused as a surprise, except 00:00-00:00: the whole day
    (written ``00:00-24:00``).
    """

    day: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.day <= 6:
            raise WindowSpecError(f"window day {self.day!r}: expected 0 (mon) to 6 (sun)")
        for t in (self.start, self.end):
            if t.tzinfo is not None or t.second or t.microsecond:
                raise WindowSpecError(f"window time {t!r}: expected a plain HH:MM wall time")
        if self.start == self.end and self.start != time(0):
            raise WindowSpecError(
                f"window '{format_window(self)}': a window needs a start and a different end"
            )

    @property
    def offset_s(self) -> int:
        """Seconds from Monday 00:00 to the start."""
        return self.day * _DAY_S + _seconds(self.start)

    @property
    def duration_s(self) -> int:
        """Length in seconds; an end at or before the start runs past midnight."""
        return (_seconds(self.end) - _seconds(self.start)) % _DAY_S or _DAY_S


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def format_window(w: Window) -> str:
    """``fri 22:00-02:00``; an end at midnight shows as ``24:00``."""
    end = "24:00" if w.end == time(0) else f"{w.end:%H:%M}"
    return f"{DAYS[w.day]} {w.start:%H:%M}-{end}"


def parse_window_spec(spec: str) -> tuple[Window, ...]:
    """Parse ``DAYS HH:MM-HH:MM`` into one window per day, sorted by day.

    DAYS is a day, a range (``mon-fri``, or wrapping ``sat-mon``) or a comma list of
    those. Errors name the spec and show the expected form so an admin can fix it.
    """
    match = _SPEC.fullmatch(spec.strip().lower())
    if match is None:
        raise WindowSpecError(f"window {spec!r}: {_EXAMPLE}")
    days = _parse_days(spec, match["days"])
    start = _parse_time(spec, match["start"], as_end=False)
    end = _parse_time(spec, match["end"], as_end=True)
    if start == end and match["end"] != "24:00":
        raise WindowSpecError(
            f"window {spec!r}: a window needs a start and a different end"
            " (a whole day is 00:00-24:00)"
        )
    return tuple(Window(day, start, end) for day in sorted(days))


def parse_window_specs(specs: Iterable[str]) -> tuple[Window, ...]:
    """Parse several specs into one sorted set of windows that must not overlap."""
    windows = tuple(sorted(w for spec in specs for w in parse_window_spec(spec)))
    check_no_overlap(windows)
    return windows


def _parse_days(spec: str, text: str) -> list[int]:
    days: list[int] = []
    for item in re.split(r"\s*,\s*", text):
        ends = [_day_index(spec, part) for part in re.split(r"\s*-\s*", item)]
        if len(ends) > 2 or (len(ends) == 2 and ends[0] == ends[1]):
            raise WindowSpecError(
                f"window {spec!r}: {item!r} is not a day or a range of two days like 'mon-fri'"
            )
        span = (ends[-1] - ends[0]) % 7
        for step in range(span + 1):
            day = (ends[0] + step) % 7
            if day in days:
                raise WindowSpecError(f"window {spec!r}: {DAYS[day]} is listed twice")
            days.append(day)
    return days


def _day_index(spec: str, name: str) -> int:
    if name not in DAYS:
        raise WindowSpecError(
            f"window {spec!r}: {name!r} is not a day; use mon, tue, wed, thu, fri, sat or sun"
        )
    return DAYS.index(name)


def _parse_time(spec: str, text: str, *, as_end: bool) -> time:
    match = _TIME.fullmatch(text)
    hour, minute = (int(match["h"]), int(match["m"])) if match else (-1, -1)
    if as_end and (hour, minute) == (24, 0):
        return time(0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise WindowSpecError(
            f"window {spec!r}: {text!r} is not a time; use HH:MM from 00:00 to 23:59"
            " (24:00 only as an end)"
        )
    return time(hour, minute)


def check_no_overlap(windows: Sequence[Window]) -> None:
    """Refuse overlapping windows (on the weekly cycle); touching end-to-start is fine.

    Overlaps are almost always a typing mistake, and they make "which window is this
    call in" ambiguous for the advocate.
    """
    for i, first in enumerate(windows):
        for second in windows[i + 1 :]:
            gap = (second.offset_s - first.offset_s) % _WEEK_S
            if gap < first.duration_s or (_WEEK_S - gap) % _WEEK_S < second.duration_s:
                raise WindowSpecError(
                    f"windows '{format_window(first)}' and '{format_window(second)}' overlap"
                )


def window_covers(windows: Iterable[Window], local_wall: datetime) -> bool:
    """Whether a naive local wall time lies inside one of the windows."""
    if local_wall.tzinfo is not None:
        raise ValueError("window_covers takes a naive local wall time")
    at = local_wall.weekday() * _DAY_S + _seconds(local_wall.time())
    # Window bounds are whole minutes, so dropping microseconds cannot change the answer.
    return any((at - w.offset_s) % _WEEK_S < w.duration_s for w in windows)


def is_open(windows: Iterable[Window], tz: ZoneInfo, instant: datetime) -> bool:
    """Whether ``instant`` (aware) falls inside a window, judged by its wall time in ``tz``."""
    return window_covers(windows, _utc(instant).astimezone(tz).replace(tzinfo=None))


def next_open(
    windows: Sequence[Window],
    tz: ZoneInfo,
    instant: datetime,
    not_before: datetime | None = None,
) -> datetime | None:
    """The earliest instant at or after ``instant`` and ``not_before`` that is open.

    Open instants form half-open runs that begin at the lower bound, where a wall
    time reaches a window start, or where the UTC offset jumps. Those are the only
    candidates, so the answer is exact to the second, DST and midnight included.
    Returned in ``tz``; None when there are no windows (or none in two weeks).
    """
    # Compare in UTC: Python compares two datetimes sharing a tzinfo by wall time.
    lower = _utc(instant) if not_before is None else max(_utc(instant), _utc(not_before))
    if not windows:
        return None
    upper = lower + _HORIZON
    candidates = [lower, *_starts(windows, tz, lower, upper), *_transitions(tz, lower, upper)]
    for candidate in sorted(c for c in candidates if c >= lower):
        if is_open(windows, tz, candidate):
            return candidate.astimezone(tz)
    return None


def _starts(
    windows: Sequence[Window], tz: ZoneInfo, lower: datetime, upper: datetime
) -> list[datetime]:
    """Every window start as an instant, both readings of a repeated wall time."""
    first = lower.astimezone(tz).date() - timedelta(days=1)
    found: list[datetime] = []
    for offset in range((upper - lower).days + 3):
        day: date = first + timedelta(days=offset)
        for w in windows:
            if w.day == day.weekday():
                wall = datetime.combine(day, w.start, tzinfo=tz)
                found += [wall.astimezone(UTC), wall.replace(fold=1).astimezone(UTC)]
    return found


def _transitions(tz: ZoneInfo, lower: datetime, upper: datetime) -> list[datetime]:
    """Instants where ``tz`` changes its UTC offset (assumes at most one per hour)."""
    found: list[datetime] = []
    step = timedelta(hours=1)
    at = lower
    while at < upper:
        if _offset(tz, at) != _offset(tz, at + step):
            found.append(_bisect_transition(tz, at, at + step))
        at += step
    return found


def _bisect_transition(tz: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The first whole second after ``before`` with ``after``'s offset (tzdata is in seconds)."""
    old = math.floor(before.timestamp())
    new = math.ceil(after.timestamp())
    target = _offset(tz, after)
    while new - old > 1:
        mid = (old + new) // 2
        if _offset(tz, datetime.fromtimestamp(mid, UTC)) == target:
            new = mid
        else:
            old = mid
    return datetime.fromtimestamp(new, UTC)


def _offset(tz: ZoneInfo, instant: datetime) -> timedelta | None:
    return instant.astimezone(tz).utcoffset()


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("an instant must be time-zone aware")
    return instant.astimezone(UTC)


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_A_PLACE


def zone_or_none(key: str) -> ZoneInfo | None:
    """The IANA zone named ``key``, or None if unknown (callers fail closed)."""
    if key not in _known_zones():
        return None
    try:
        return ZoneInfo(key)
    except (LookupError, ValueError, OSError):
        return None
