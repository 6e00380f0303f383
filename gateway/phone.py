"""A phone number that cannot reach a log by accident.

Numbers are the most sensitive thing SafeDial handles: a participant's number
in a log, an exception or a URL can put them in danger. ``PhoneNumber`` keeps
the digits behind an explicit ``.e164`` property; ``str()``, ``repr()`` and
f-strings show only a redacted form, so a stray ``logger.info("%s", number)``
or a traceback leaks nothing.
"""

from __future__ import annotations

import re
from typing import Final

_E164: Final = re.compile(r"\+[1-9][0-9]{6,14}")
_SEPARATORS: Final = re.compile(r"[\s().-]")


class InvalidPhoneNumber(ValueError):
    """A number that is not in E.164 form; the message never repeats it."""


class PhoneNumber:
    """An E.164 number whose text form hides the digits."""

    __slots__ = ("_e164",)

    def __init__(self, text: str) -> None:
        # "+44 (0)20 ..." writes the national trunk prefix in brackets; it is not dialled.
        text = text.replace("(0)", "") if isinstance(text, str) else ""
        candidate = _SEPARATORS.sub("", text.strip())
        if not _E164.fullmatch(candidate):
            raise InvalidPhoneNumber(
                "not a phone number in international E.164 form "
                "(a '+', the country code, then 6 to 14 digits)"
            )
        self._e164 = candidate

    @property
    def e164(self) -> str:
        """The real number. Read it only where it must go: the PBX or encrypted storage."""
        return self._e164

    @property
    def last_two(self) -> str:
        """The last two digits: all a page may show of a number on file."""
        return self._e164[-2:]

    @property
    def national_tail(self) -> str:
        """The last seven digits: how a leaked number is recognised in any format."""
        return self._e164[-7:]

    def __str__(self) -> str:
        return "<phone number redacted>"

    def __repr__(self) -> str:
        return "PhoneNumber(<redacted>)"

    def __format__(self, spec: str) -> str:
        return str(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PhoneNumber) and other._e164 == self._e164

    def __hash__(self) -> int:
        return hash(("PhoneNumber", self._e164))

    def __reduce__(self) -> tuple[type[PhoneNumber], tuple[str]]:
        return (PhoneNumber, (self._e164,))
