"""The caller-ID privacy self-test: judging what the canary saw, and the privacy lock.

Pure functions of plain data and a clock. The practice guides say: every now
and then, test that your number is still private. A test call goes out through
the real trunk to a number the agency controls (the canary); what arrived
there is judged here. The reading carries numbers, so it is held in memory for
the verdict only: the verdict names a leaked number by its role ("agency
number", "an advocate's phone"), never by its digits.

The lock is fail-closed. Per caller-ID mode it is on if and only if an
uncleared failure exists, or the self-test is required and the mode never
passed, or its latest run was inconclusive, or its last pass is older than the
maximum age (a missed nightly run counts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import phonenumbers

from gateway.callerid import CallerIdMode


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"


#: The headers a reading carries, as the canary's side received them.
READ_HEADERS = ("From", "P-Asserted-Identity", "Remote-Party-ID", "Privacy", "Diversion")

#: Runs of digits long enough to be a phone number (separators allowed).
_DIGIT_RUN = re.compile(r"\+?\d[\d ().-]{5,}\d")


@dataclass(frozen=True)
class CanaryReading:
    """What the canary received for one test call. Numbers: memory only, never stored."""

    calls: int  # canary calls that arrived for this test call
    caller_number: str = ""
    caller_name: str = ""
    #: Each header's copies in the order they arrived (a single string: its one copy).
    headers: Mapping[str, str | tuple[str, ...]] | None = None
    sip_cause: str | None = None  # why the test call failed, when the canary never rang
    #: Why part of what arrived could not be read (more copies of a header than the canary
    #: reports, a reading cut short): what was not read was not judged, so it cannot pass.
    unread: str | None = None

    def copies(self, header: str) -> tuple[str, ...]:
        value = (self.headers or {}).get(header, ())
        return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class Judgement:
    """One mode's verdict; ``check`` names what failed, ``leaked`` whose number leaked."""

    mode: CallerIdMode
    verdict: Verdict
    check: str | None = None
    leaked: str | None = None  # a role, e.g. "agency number"; never digits
    sip_cause: str | None = None


#: Given a number (E.164), whose it is ("agency number", "an advocate's phone") or None.
RoleOf = Callable[[str], str | None]


def numbers_in(text: str, default_region: str) -> list[str]:
    """Every phone number written in ``text`` (any format), as E.164."""
    found = []
    for run in _DIGIT_RUN.findall(text or ""):
        try:
            parsed = phonenumbers.parse(run, default_region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(parsed):
            found.append(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    return found


#: How a number the gateway cannot name is reported (its digits never are).
UNKNOWN_NUMBER = "an unknown number"

#: Parts of a SIP header that hold digits but no one's number: a dialog tag or endpoint id
#: (random, sometimes all digits) and an IPv4 host. Removed before numbers are looked for,
#: so that "any other number fails" does not fail on a carrier's address.
_NOT_A_NUMBER = (re.compile(r";\s*(?:tag|epid)\s*=[^;,>\s]*", re.IGNORECASE),
                 re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])"))


def _without_addresses(header: str) -> str:
    for pattern in _NOT_A_NUMBER:
        header = pattern.sub(" ", header)
    return header


def _places(reading: CanaryReading) -> list[tuple[str, str]]:
    """Every place a number could have arrived, each copy of each header on its own."""
    places = [("caller-number", reading.caller_number), ("caller-name", reading.caller_name)]
    places += [(f"header:{name}", _without_addresses(copy))
               for name in READ_HEADERS for copy in reading.copies(name)]
    return places


def _leak(reading: CanaryReading, allowed: frozenset[str], role_of: RoleOf,
          default_region: str) -> tuple[str, str] | None:
    """The first place showing a number that is not ``allowed``, and whose it is.

    A number the gateway knows is named by its role, before any it does not know
    (which is "an unknown number"): the admin learns the most useful thing first.
    """
    unknown: str | None = None
    for place, text in _places(reading):
        for number in numbers_in(text, default_region):
            if number in allowed:
                continue
            role = role_of(number)
            if role is not None:
                return place, role
            unknown = unknown or place
    return (unknown, UNKNOWN_NUMBER) if unknown else None


_URI_USER = re.compile(r"sips?:([^@;>]*)@", re.IGNORECASE)


def _restricted(reading: CanaryReading) -> bool:
    """Presentation is judged from the headers: an anonymous From user (every copy), or
    Privacy: id (in some copy, and no copy saying ``none``)."""
    users = [_URI_USER.search(copy) for copy in reading.copies("From")]
    anonymous = bool(users) and all(user is not None and user[1].lower() == "anonymous"
                                    for user in users)
    privacy = {token.strip().lower() for copy in reading.copies("Privacy")
               for token in re.split(r"[;,]", copy)}
    return anonymous or ("id" in privacy and "none" not in privacy)


def judge(mode: CallerIdMode, reading: CanaryReading, *, masked_number: str,
          role_of: RoleOf, default_region: str,
          neutral_names: frozenset[str] = frozenset()) -> Judgement:
    """Did the canary see only what the mode promises?

    Every copy of every header is judged. A leak found in what was read fails; a
    reading with parts unread is otherwise inconclusive, never a pass.

    ``withhold``: no number at all anywhere and presentation restricted.
    ``masked``: the caller number is the masked number (national formats parsed
    with ``default_region``), no other number anywhere, and the caller name
    empty or one of the policy's neutral names. "No other number" means any
    number, not only those the gateway knows: a participant's phone shown a
    number nobody here recognises (a forwarding line, a carrier's billing
    number) learns something about the caller all the same.
    """
    if reading.calls != 1:
        check = "canary-not-reached" if reading.calls == 0 else "canary-called-more-than-once"
        return Judgement(mode, Verdict.INCONCLUSIVE, check, sip_cause=reading.sip_cause)
    allowed = frozenset({masked_number} if mode is CallerIdMode.MASKED else ())
    leak = _leak(reading, allowed, role_of, default_region)
    if leak is not None:
        return Judgement(mode, Verdict.FAIL, leak[0], leaked=leak[1])
    if reading.unread is not None:
        return Judgement(mode, Verdict.INCONCLUSIVE, reading.unread)
    if mode is CallerIdMode.WITHHOLD:
        if not _restricted(reading):
            return Judgement(mode, Verdict.FAIL, "presentation")
        return Judgement(mode, Verdict.PASS)
    if masked_number not in numbers_in(reading.caller_number, default_region):
        return Judgement(mode, Verdict.FAIL, "caller-number")
    name = reading.caller_name.strip()
    if name and name.lower() not in {neutral.lower() for neutral in neutral_names}:
        return Judgement(mode, Verdict.FAIL, "caller-name")
    return Judgement(mode, Verdict.PASS)


# -- the privacy lock -------------------------------------------------------------------


@dataclass(frozen=True)
class ModeHistory:
    """What the recorded self-test runs say about one mode."""

    latest: Verdict | None = None
    last_pass_at: datetime | None = None
    #: A ``fail`` no admin has cleared yet (clearing needs a pass after it).
    uncleared_failure: bool = False


class LockCause(StrEnum):
    FAILED = "failed"
    NEVER_PASSED = "never-passed"
    INCONCLUSIVE = "inconclusive"
    STALE = "stale"


_EXPLAIN = {
    LockCause.FAILED: "the privacy self-test found the caller ID is not private in this mode "
                      "(once fixed and passing, an admin clears it: 'safedial lock clear')",
    LockCause.NEVER_PASSED: "the privacy self-test has never passed in this mode",
    LockCause.INCONCLUSIVE: "the latest privacy self-test could not tell whether the number "
                            "is private in this mode",
    LockCause.STALE: "the privacy self-test has not passed recently in this mode",
}


def explain(cause: LockCause) -> str:
    return _EXPLAIN[cause]


def lock_cause(history: ModeHistory, *, required: bool, max_age: timedelta,
               now: datetime) -> LockCause | None:
    """Why this mode is locked, or None. Locked iff an uncleared failure, or (required and
    (never passed, or latest inconclusive, or the last pass older than ``max_age``))."""
    if history.uncleared_failure:
        return LockCause.FAILED
    if not required:
        return None
    if history.last_pass_at is None:
        return LockCause.NEVER_PASSED
    if history.latest is Verdict.INCONCLUSIVE:
        return LockCause.INCONCLUSIVE
    if now - history.last_pass_at > max_age:
        return LockCause.STALE
    return None
