"""One way a config could leak a number, as the guard's checks report it.

Its own module so that every check module (``guard``, ``guard_files``) can
report findings without importing the others.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One way the config could leak a number."""

    file: str
    section: str
    setting: str
    why: str

    def __str__(self) -> str:
        where = f"{self.file} [{self.section}]" if self.section else self.file
        return f"{where} {self.setting}: {self.why}"
