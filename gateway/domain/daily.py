"""A daily wall-clock time in a zone, exactly once per day across DST changes.

The nightly self-test runs at e.g. 03:30 agency time. Twice a year that wall
time is special: on the day clocks spring forward it may not exist (Helsinki
skips 03:00-04:00), then the run is at the first instant after the gap; on the
day they fall back it may occur twice, then only the first occurrence counts.
Pure: the caller passes the instant to start from.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def occurrence(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The one instant (UTC) that stands for ``at`` on ``day`` in ``zone``."""
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(first, zone) == wall:
        return first  # exists; fold=0 is its first occurrence when it occurs twice
    # In a gap: the first instant whose wall time is at or after ``wall``.
    low, high = first - timedelta(hours=3), first + timedelta(hours=3)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if _wall(middle, zone) >= wall:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def next_daily_run(after: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The first daily run strictly after ``after`` (aware), as UTC."""
    if after.tzinfo is None:
        raise ValueError("next_daily_run needs an aware instant")
    day = after.astimezone(zone).date() - timedelta(days=1)
    while True:
        candidate = occurrence(day, at, zone)
        if candidate > after:
            return candidate
        day += timedelta(days=1)
