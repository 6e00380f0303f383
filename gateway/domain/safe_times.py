"""The next few safe times to call, from a participant's windows and pause.

Why: an admin recording windows (often typed in another zone than the agency's)
checks them against what the gate will actually allow: the next openings, on the
participant's clock and the agency's. It uses the gate's own rules
(``windows.next_open``, a pause lasting until 00:00 local on its day), so what the
check shows is what a call would meet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gateway.domain.windows import Window, is_open, next_open

#: How far ahead the check looks (a window may be empty for a week in a DST gap).
_HORIZON = timedelta(days=15)


def pause_start(pause_until: date | None, tz: ZoneInfo) -> datetime | None:
    """The first instant a pause no longer holds: 00:00 local on ``pause_until`` (fold=0:
    the first such instant, or just past a gap). The gate's rule (``decision``) too."""
    return None if pause_until is None else datetime.combine(pause_until, time(0), tzinfo=tz)


def _close_after(windows: Sequence[Window], tz: ZoneInfo, opened: datetime) -> datetime | None:
    """When the run of open time that ``opened`` is in ends (None: open to the horizon).

    A run ends at a window's end, so only those instants (both readings of a repeated
    wall time) are tried, in order.
    """
    local = opened.astimezone(tz).date() - timedelta(days=1)
    ends: list[datetime] = []
    for offset in range(_HORIZON.days + 2):
        day = local + timedelta(days=offset)
        for w in windows:
            if w.day == day.weekday():
                wall = datetime.combine(day, w.start) + timedelta(seconds=w.duration_s)
                for fold in (0, 1):
                    ends.append(wall.replace(tzinfo=tz, fold=fold).astimezone(UTC))
    for end in sorted(e for e in set(ends) if e > opened):
        if not is_open(windows, tz, end):
            return end
    return None


def next_safe_times(windows: Sequence[Window], tz: ZoneInfo, now: datetime, *,
                    pause_until: date | None = None, count: int = 3) -> list[datetime]:
    """The starts of the next ``count`` runs of safe time at or after ``now`` (the first
    is ``now`` itself when a window is open now and no pause holds), in ``tz``.

    Fewer when the windows never close (always open) or nothing opens in two weeks;
    none without windows.
    """
    found: list[datetime] = []
    at = now.astimezone(UTC)
    not_before = pause_start(pause_until, tz)
    while len(found) < count:
        opened = next_open(windows, tz, at, not_before)
        if opened is None or opened.astimezone(UTC) > now.astimezone(UTC) + _HORIZON:
            break
        found.append(opened)
        closed = _close_after(windows, tz, opened.astimezone(UTC))
        if closed is None:
            break
        at = closed
    return found
