"""Times and weekly windows in words, in a named time zone and the page's language.

Why: a time an advocate acts on must say whose clock it is read on. The next safe
time is shown on the participant's clock and on the advocate's, each with its zone's
name, so nobody converts in their head. The date is written ``2026-03-09``, which
reads the same in every language; the day's name comes from the catalogue.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from gateway.domain.windows import Window, zone_or_none
from gateway.web.pages.catalogue import Translator


def day_name(t: Translator, day: int) -> str:
    """The name of weekday ``day`` (0 = Monday)."""
    return (t("when.monday"), t("when.tuesday"), t("when.wednesday"), t("when.thursday"),
            t("when.friday"), t("when.saturday"), t("when.sunday"))[day]


def moment(t: Translator, instant: datetime, zone: str) -> str:
    """``Monday 2026-03-09, 09:00 (America/Toronto)``; UTC when ``zone`` is unknown."""
    tz = zone_or_none(zone) or ZoneInfo("UTC")
    local = instant.astimezone(tz)
    return t("when.moment", day=day_name(t, local.weekday()), date=f"{local:%Y-%m-%d}",
             time=f"{local:%H:%M}", zone=tz.key)


def window(t: Translator, w: Window) -> str:
    """``Monday 09:00 to 17:00``; an end at midnight reads ``24:00``."""
    end = "24:00" if w.end == time(0) else f"{w.end:%H:%M}"
    return t("when.window", day=day_name(t, w.day), start=f"{w.start:%H:%M}", end=end)
