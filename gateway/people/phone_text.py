"""What a typed phone number may hold: digits, a leading ``+`` and the usual separators.

The number parser (``phonenumbers``) is generous: it translates letters
("1-800-FLOWERS"), keeps extensions ("ext. 12") and picks a number out of
surrounding words. For a participant that generosity is a risk: the digits
dialled would not be the ones the admin read out with the participant. So
anything but a plain number is refused, and the message says which part is
wrong without repeating the input (it is a phone number).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

#: Separators people write inside a number; "(0)" is the UK's bracketed trunk prefix.
_SEPARATORS: Final = frozenset(" -.()/\u00a0")
#: A digit, then an extension marker (ext, extension, x, #, ';ext=', a dialling pause ','
#: or ';', French "poste"), then more digits.
_EXTENSION: Final = re.compile(
    r"(?i)\d[\s.\-]*(extension|extn?|x|poste|#|;|,)[\s.:=]*(ext=)?\d")

#: Capitals written after the digits, as vanity numbers are ("1-800-FLOWERS").
_VANITY_TAIL: Final = re.compile(r"[\s\-.]*[A-Z][A-Z\s\-.]*")


def _is_digit(char: str) -> bool:
    return unicodedata.category(char) == "Nd"


def phone_text_problem(text: str) -> str | None:
    """Why ``text`` is not a plain phone number, in words that do not quote it; None if it is."""
    core = text.strip()
    digits = [index for index, char in enumerate(core) if _is_digit(char)]
    if not digits:
        return "no digits: write the number with its digits"
    if _EXTENSION.search(core):
        return "an extension is not accepted: give the number alone, without ext, x or #"
    start = 0 if core.startswith("+") else digits[0]
    tail = core[digits[-1] + 1:]
    if _VANITY_TAIL.fullmatch(tail):
        return "letters are not accepted (vanity numbers are not translated): write the digits"
    outside = core[:start] + tail
    if any(char not in _SEPARATORS for char in outside.replace("(0)", "")):
        return "text around the number is not accepted: give only the number"
    inside = core[start:digits[-1] + 1]
    if any(char.isalpha() for char in inside):
        return "letters are not accepted (vanity numbers are not translated): write the digits"
    if "+" in inside[1:]:
        return "a '+' belongs only at the start, before the country code"
    if any(not _is_digit(char) and char not in _SEPARATORS and char != "+" for char in inside):
        return "only digits, spaces, '-', '.', '/' and brackets may be written in a number"
    return None
