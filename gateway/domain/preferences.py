"""What a participant agreed to, as plain data.

A field left as ``None`` means "not yet discussed": the agency policy's
default applies and advocates are told so ("default, not yet discussed").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from gateway.callerid import CallerIdMode
from gateway.domain.windows import Window

_SCRIPT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class VoicemailKind(StrEnum):
    NONE = "none"
    GENERIC = "generic"
    SCRIPT = "script"


@dataclass(frozen=True)
class VoicemailRule:
    """``none``, ``generic`` (the vague-but-recognisable script) or ``script:NAME``."""

    kind: VoicemailKind
    script: str | None = None

    def __post_init__(self) -> None:
        if (self.kind is VoicemailKind.SCRIPT) != (self.script is not None):
            raise ValueError("a script name goes with script:NAME and nothing else")
        if self.script is not None and not _SCRIPT_NAME.fullmatch(self.script):
            raise ValueError("a script name is lower-case letters, digits, '-' or '_'")

    @classmethod
    def parse(cls, text: str) -> VoicemailRule:
        """``none`` / ``generic`` / ``script:NAME``; ValueError otherwise."""
        value = text.strip()
        if value in ("none", "generic"):
            return cls(VoicemailKind(value))
        if value.startswith("script:"):
            return cls(VoicemailKind.SCRIPT, value.removeprefix("script:"))
        raise ValueError("voicemail must be none, generic or script:NAME")

    def __str__(self) -> str:
        return f"script:{self.script}" if self.script else self.kind.value


class DropProtocolKind(StrEnum):
    CALLBACK = "callback"
    WAIT = "wait"


def drop_options_problem(kind: DropProtocolKind, callback_delay_min: int | None,
                         callback_attempts: int | None) -> str | None:
    """Why these options cannot go together, or None: delay and attempts need ``callback``."""
    if kind is not DropProtocolKind.CALLBACK and (
        callback_delay_min is not None or callback_attempts is not None
    ):
        return "callback delay and attempts only go with on-drop callback"
    return None


@dataclass(frozen=True)
class DropRule:
    """What happens when a call drops: ``wait`` for the participant, or ``callback``."""

    kind: DropProtocolKind
    callback_delay_min: int | None = None
    callback_attempts: int | None = None

    def __post_init__(self) -> None:
        problem = drop_options_problem(self.kind, self.callback_delay_min, self.callback_attempts)
        if problem:
            raise ValueError(problem)


class OtherAnswerKind(StrEnum):
    NONE = "none"
    PAUSE = "pause"


#: The longest pause an "if someone else answers" rule may set.
MAX_OTHER_ANSWER_PAUSE_DAYS = 365


@dataclass(frozen=True)
class OtherAnswerRule:
    """What was agreed for when someone other than the participant answers.

    ``none``: nothing more than the advocate ending the call as rehearsed.
    ``pause:DAYS``: no call to the participant for that many days, since someone
    else in the household now knows the line rings.
    """

    kind: OtherAnswerKind
    days: int | None = None

    def __post_init__(self) -> None:
        if (self.kind is OtherAnswerKind.PAUSE) != (self.days is not None):
            raise ValueError("a number of days goes with pause:DAYS and nothing else")
        if self.days is not None and not 1 <= self.days <= MAX_OTHER_ANSWER_PAUSE_DAYS:
            raise ValueError(f"a pause is 1 to {MAX_OTHER_ANSWER_PAUSE_DAYS} days")

    @classmethod
    def parse(cls, text: str) -> OtherAnswerRule:
        """``none`` / ``pause:DAYS``; ValueError otherwise."""
        value = text.strip().lower()
        if value == "none":
            return cls(OtherAnswerKind.NONE)
        days = value.removeprefix("pause:")
        if value.startswith("pause:") and days.isdigit() and len(days) <= 3:
            return cls(OtherAnswerKind.PAUSE, int(days))
        raise ValueError(f"must be none or pause:DAYS (DAYS 1 to {MAX_OTHER_ANSWER_PAUSE_DAYS})")

    def pause_until(self, today: date, current: date | None) -> date | None:
        """The participant's pause after someone else answered on ``today`` (their date).

        Never shortens a pause already agreed; None when the rule sets none.
        """
        if self.days is None:
            return current
        until = today + timedelta(days=self.days)
        return until if current is None or until > current else current

    def __str__(self) -> str:
        return f"pause:{self.days}" if self.days is not None else self.kind.value


NO_OTHER_ANSWER_RULE = OtherAnswerRule(OtherAnswerKind.NONE)


@dataclass(frozen=True)
class Preferences:
    """A participant's contact preferences. ``None`` = not yet discussed."""

    timezone: str
    windows: tuple[Window, ...] = ()
    pause_until: date | None = None
    voicemail: VoicemailRule | None = None
    on_drop: DropRule | None = None
    caller_id: CallerIdMode | None = None
    masked_fallback: bool = False
    language: str | None = None
    #: Agreed: a voicemail may name the organisation / give the masked number to call back.
    voicemail_may_name_organisation: bool = False
    voicemail_may_include_number: bool = False
    has_code_word: bool = False
    code_word_rotated: date | None = None
    #: What happens after someone else answered (None: not yet discussed; none applies).
    if_other_answers: OtherAnswerRule | None = None
    has_cover_reason: bool = False


@dataclass(frozen=True)
class ParticipantFacts:
    """What a call decision needs to know about a participant, with no secret in it."""

    participant_id: str
    alias: str
    preferences: Preferences
    has_phone: bool = True


class Role(StrEnum):
    """What a signed-in person may do: advocates call, admins also keep records."""

    ADVOCATE = "advocate"
    ADMIN = "admin"


@dataclass(frozen=True)
class AdvocateFacts:
    """What a call decision, and a call-back's timing, need to know about an advocate.

    ``timezone`` is already resolved (their own zone, or the agency's when they set
    none), so the planning code never needs the policy to read ``working_hours``:
    weekly windows, in that zone, when a call-back may ring them. No working hours
    means any time, which is how advocates were treated before hours existed.
    """

    advocate_id: str
    display_name: str
    has_phone: bool = True
    active: bool = True
    language: str = "en"
    timezone: str = "UTC"
    working_hours: tuple[Window, ...] = ()


@dataclass(frozen=True)
class LockState:
    """Caller-ID modes locked by a failed or stale self-test (fail closed)."""

    locked_modes: frozenset[CallerIdMode] = field(default_factory=frozenset)
    reasons: tuple[str, ...] = ()
