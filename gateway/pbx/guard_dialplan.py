"""The guard's dialplan rules: every dial path pins a caller ID that cannot be a real number.

A hand-edited dialplan can leak in ways a search for ``prohib`` does not see: a
withhold path that sets the agency number and mentions ``prohib`` elsewhere, a
``Dial`` in another context, an application that dials without Dial's caller-ID
options. So every ``Dial`` in every context must have its caller ID set on the
lines immediately before it (number and presentation) and pinned with ``f()``
and ``u()``, and every caller-ID number the dialplan sets must be ``anonymous``,
the masked number or the gateway number. Applications that place calls but
cannot pin a caller ID are refused outright.

Numbers are never echoed in findings: a finding names the context and what is
wrong, never the digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import phonenumbers

from gateway.pbx.asterisk_conf import ConfigFile, Section

#: The variable the rendered dialplan sets the masked number in ([globals]).
MASKED_VARIABLE = "SAFEDIAL_MASKED_CALLERID"

#: A Dial application call (Asterisk allows space before the parenthesis).
DIAL_APP = re.compile(r"\bDial\s*\(", re.IGNORECASE)
#: Applications that place a call but have no Dial-style caller-ID options.
_UNPINNABLE = re.compile(r"\b(Originate|Queue|Page|FollowMe)\s*\(", re.IGNORECASE)
#: ``Set(CALLERID(part)=value)``; a value holding a function call is cut at its first
#: ``)`` and then judged not allowed (fail closed).
_SET_CALLERID = re.compile(
    r"\bSet\s*\(\s*CALLERID\s*\(\s*(?P<part>[a-z-]+)\s*\)\s*=\s*(?P<value>[^)]*)\)",
    re.IGNORECASE)
_NUMBER_PARTS = {"num", "all", "ani", "ani-num", "number"}
_DIGIT_RUN = re.compile(r"\+?[0-9][0-9 .()-]{5,}[0-9]")


@dataclass(frozen=True)
class KnownNumbers:
    """The numbers the guard can judge a dialplan by (E.164; None when not configured).

    ``personal_role`` is the pre-call check's lookup, which has the keys and the
    database: the role of a number written in the dialplan ("advocate",
    "participant") or None. ``pbx check`` alone has only the settings.
    """

    masked: str | None = None
    gateway: str | None = None
    agency: str | None = None
    default_region: str = "US"
    personal_role: Callable[[str], str | None] | None = None


@dataclass(frozen=True)
class DialplanFinding:
    section: str
    setting: str
    why: str


def _e164(text: str, region: str) -> str | None:
    digits = re.sub(r"[^0-9+]", "", text)
    if len(digits.lstrip("+")) < 7:
        return None
    try:
        parsed = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _caller_number(value: str) -> str:
    """The number part of a caller-ID value: ``"Name" <num>``, ``<num>`` or ``num``."""
    value = value.strip()
    if "<" in value and value.endswith(">"):
        return value.rsplit("<", 1)[1].removesuffix(">").strip()
    return value.strip('"').strip()


def _allowed_number(number: str, known: KnownNumbers) -> bool:
    if number.lower() == "anonymous" or number == "${" + MASKED_VARIABLE + "}":
        return True
    e164 = _e164(number, known.default_region)
    return e164 is not None and e164 in {known.masked, known.gateway} - {None}


def dial_options(line: str) -> dict[str, str]:
    """Dial's option letters and their arguments, e.g. ``If(x)u(prohib)``."""
    match = DIAL_APP.search(line)
    inner = line[match.end():] if match else ""
    parts = inner.split(",", 2)
    text = parts[2] if len(parts) > 2 else ""
    options: dict[str, str] = {}
    index = 0
    while index < len(text) and text[index] != ")":
        letter = text[index]
        index += 1
        argument = ""
        if index < len(text) and text[index] == "(":
            depth, start = 1, index + 1
            index += 1
            while index < len(text) and depth:
                depth += {"(": 1, ")": -1}.get(text[index], 0)
                index += 1
            argument = text[start:index - 1]
        options[letter] = argument
    return options


def _steps(context: Section) -> list[str]:
    return [value for key, value in context.options if key in ("exten", "same")]


def check_dial_paths(conf: ConfigFile, known: KnownNumbers) -> Iterator[DialplanFinding]:
    """Every dial path in every context; every caller-ID number the dialplan sets."""
    for context in conf.concrete():
        if context.name.lower() == "globals":
            yield from _check_globals(context, known)
            continue
        steps = _steps(context)
        for index, step in enumerate(steps):
            app = _UNPINNABLE.search(step)
            if app:
                yield DialplanFinding(context.name, app[1],
                                      "places a call without Dial's caller-ID options; "
                                      "SafeDial's dial paths use Dial only")
            for setting in _SET_CALLERID.finditer(step):
                part = setting["part"].lower()
                if part in _NUMBER_PARTS and not _allowed_number(
                        _caller_number(setting["value"]), known):
                    yield DialplanFinding(context.name, f"CALLERID({part})",
                                          "sets a caller-ID number that is not anonymous, the "
                                          "masked number or the gateway number")
            if DIAL_APP.search(step):
                yield from _check_dial(context.name, steps, index, known)


def _check_dial(context: str, steps: list[str], index: int,
                known: KnownNumbers) -> Iterator[DialplanFinding]:
    """Caller ID set on the lines immediately before, and pinned in the Dial itself."""
    parts: set[str] = set()
    for earlier in reversed(steps[:index]):
        found = [match["part"].lower() for match in _SET_CALLERID.finditer(earlier)]
        if not found:
            break
        parts.update(found)
    if "pres" not in parts:
        yield DialplanFinding(context, "CALLERID(pres)",
                              "must be set on the lines immediately before each Dial")
    if not parts & _NUMBER_PARTS:
        yield DialplanFinding(context, "CALLERID(num)",
                              "must be set on the lines immediately before each Dial")
    options = dial_options(steps[index])
    if "f" not in options or "u" not in options:
        yield DialplanFinding(context, "Dial", "lacks the f()/u() caller-ID options")
    elif not _allowed_number(_caller_number(options["f"]), known):
        yield DialplanFinding(context, "Dial", "f() pins a number that is not anonymous, the "
                              "masked number or the gateway number")


def _check_globals(section: Section, known: KnownNumbers) -> Iterator[DialplanFinding]:
    for name, value in section.options:
        if name.upper() != MASKED_VARIABLE:
            continue
        e164 = _e164(value, known.default_region)
        if e164 is None or (known.masked is not None and e164 != known.masked):
            yield DialplanFinding(section.name, MASKED_VARIABLE,
                                  "must be the configured masked number")
        elif e164 in {known.agency, known.gateway} - {None} and e164 != known.masked:
            yield DialplanFinding(section.name, MASKED_VARIABLE, "is not the masked number")


def check_personal_numbers(conf: ConfigFile, known: KnownNumbers) -> Iterator[DialplanFinding]:
    """No advocate's or participant's number written anywhere in the dialplan."""
    if known.personal_role is None:
        return
    for section in conf.sections:
        for _, value in section.options:
            for run in _DIGIT_RUN.finditer(value):
                e164 = _e164(run[0], known.default_region)
                role = known.personal_role(e164) if e164 else None
                if role:
                    yield DialplanFinding(section.name, "number",
                                          f"an {role}'s number is written in the dialplan")


def check_agency_number(conf: ConfigFile, known: KnownNumbers) -> Iterator[DialplanFinding]:
    """The agency's real number never appears in the dialplan at all."""
    if known.agency is None:
        return
    for section in conf.sections:
        for _, value in section.options:
            if any(_e164(run[0], known.default_region) == known.agency
                   for run in _DIGIT_RUN.finditer(value)):
                yield DialplanFinding(section.name, "number",
                                      "the agency's number is written in the dialplan")
                break
