"""A participant's windows and next safe times in words, on two clocks.

Why: windows are agreed in the participant's zone but the agency's staff read the
agency's clock; showing each window on both (for the week ahead, DST included) and
the next three safe times the gate would allow lets an admin catch a window typed in
the wrong zone before it is saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from gateway.domain.safe_times import next_safe_times
from gateway.domain.windows import Window, zone_or_none
from gateway.web.pages.catalogue import Translator
from gateway.web.pages.when import day_name, moment, window


@dataclass(frozen=True)
class WindowLine:
    """One window as agreed (participant's zone) and on the agency's clock."""

    theirs: str
    agency: str


@dataclass(frozen=True)
class SafeTime:
    theirs: str
    agency: str


def _clock(t: Translator, instant: datetime, tz: ZoneInfo) -> str:
    local = instant.astimezone(tz)
    return t("admin_participants.clock", day=day_name(t, local.weekday()),
             time=f"{local:%H:%M}")


def window_lines(t: Translator, windows: Sequence[Window], zone: str, agency_zone: str,
                 today: date) -> list[WindowLine]:
    """Each window in words, and where its next occurrence falls on the agency's clock."""
    tz = zone_or_none(zone)
    agency = zone_or_none(agency_zone) or ZoneInfo("UTC")
    lines = []
    for w in windows:
        if tz is None:
            lines.append(WindowLine(window(t, w), t("admin_participants.zone_unknown")))
            continue
        day = today + timedelta(days=(w.day - today.weekday()) % 7)
        start = datetime.combine(day, w.start, tzinfo=tz)
        end = start + timedelta(seconds=w.duration_s)
        lines.append(WindowLine(
            t("admin_participants.in_zone", window=window(t, w), zone=tz.key),
            t("admin_participants.span", start=_clock(t, start, agency),
              end=_clock(t, end, agency), zone=agency.key)))
    return lines


def safe_times(t: Translator, windows: Sequence[Window], zone: str, agency_zone: str,
               now: datetime, pause_until: date | None) -> list[SafeTime]:
    """The next three safe times to call, on the participant's clock and the agency's."""
    tz = zone_or_none(zone)
    if tz is None or not windows:
        return []
    return [SafeTime(moment(t, at, zone), moment(t, at, agency_zone))
            for at in next_safe_times(windows, tz, now, pause_until=pause_until)]
