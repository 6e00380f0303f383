"""Which catalogue a page is shown in: the session's language, else the browser's."""

from __future__ import annotations

from collections.abc import Collection

from gateway.web.pages.catalogue import ENGLISH


def _preferences(accept_language: str) -> list[str]:
    """The tags of an ``Accept-Language`` header, most wanted first (q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag.lower()))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(accept_language: str | None, available: Collection[str]) -> str:
    """The best available language for a browser's ``Accept-Language``; else English.

    A regional tag matches its language (``fr-CA`` is shown ``fr``) when the region
    has no catalogue of its own.
    """
    known = {tag.lower(): tag for tag in available}
    for wanted in _preferences(accept_language or ""):
        if wanted in known:
            return known[wanted]
        primary = wanted.split("-", 1)[0]
        if primary in known:
            return known[primary]
    return ENGLISH
