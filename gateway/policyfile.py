"""Load the agency policy file (TOML), validated against its schema.

A bad policy file must stop start-up with a message an operator can act on:
the file, the line and the reason. Unknown keys are errors too (a typo would
otherwise silently leave a default in force).
"""

from __future__ import annotations

import re
import tomllib
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import (
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)

from gateway.callerid import CallerIdMode
from gateway.domain.anonymity import (
    DEFAULT_ANONYMOUS_REJECTIONS,
    MAX_RULES,
    TEXT_PATTERN,
    AnonymousRejection,
)
from gateway.domain.policy import (
    AdvocatesSee,
    AgencyPolicy,
    AmdTiming,
    CallbackLimits,
    SelftestPolicy,
    WebPolicy,
)
from gateway.domain.preferences import DropProtocolKind, DropRule, VoicemailRule
from gateway.errors import ConfigurationError
from gateway.validation import NoBoolIntegers, plain_message


class PolicyFileError(ConfigurationError):
    """The policy file is missing or malformed; the message names file, line and reason."""

    error_id = "policy-file-invalid"


class _Strict(NoBoolIntegers):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Agency(_Strict):
    timezone: str = "UTC"
    default_region: str = "US"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @field_validator("default_region")
    @classmethod
    def _region(cls, value: str) -> str:
        if value.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown region {value!r} (use a code like CA, US, GB)")
        return value.upper()


class _Defaults(_Strict):
    caller_id: CallerIdMode = CallerIdMode.WITHHOLD
    voicemail: str = "generic"
    on_drop: DropProtocolKind = DropProtocolKind.WAIT

    @field_validator("voicemail")
    @classmethod
    def _voicemail(cls, value: str) -> str:
        VoicemailRule.parse(value)
        return value


class _Callback(_Strict):
    max_attempts: int = Field(default=3, ge=1, le=10)
    min_delay_min: int = Field(default=5, ge=1, le=24 * 60)
    max_delay_min: int = Field(default=24 * 60, ge=1, le=7 * 24 * 60)
    default_delay_min: int = Field(default=15, ge=1, le=7 * 24 * 60)


class _AnonymousRejection(_Strict):
    """One (status, reason text) pair; the text is rendered into the dialplan, so strict."""

    status: StrictInt = Field(ge=400, le=699)
    reason: StrictStr

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if not re.match(TEXT_PATTERN, value):
            raise ValueError("must be 1 to 40 letters, digits and spaces, starting and ending "
                             "with a letter or digit")
        return value


def _default_rejections() -> list[_AnonymousRejection]:
    return [_AnonymousRejection(status=rule.status, reason=rule.text)
            for rule in DEFAULT_ANONYMOUS_REJECTIONS]


class _Calls(_Strict):
    drop_threshold_s: int = Field(default=30, ge=1, le=600)
    # Two to four of 0-9 * #: a single key is too easy to press by accident.
    other_person_keys: str = Field(default="*7", pattern=r"^[0-9*#]{2,4}$")
    anonymous_rejection: list[_AnonymousRejection] = Field(
        default_factory=_default_rejections, max_length=MAX_RULES
    )


class _Retention(_Strict):
    days: int = Field(default=90, ge=1, le=3650)


class _Identity(_Strict):
    code_word_rotation_days: int = Field(default=180, ge=1, le=3650)


class _Amd(_Strict):
    initial_silence: int = Field(default=2500, ge=500, le=10000)
    greeting: int = Field(default=1500, ge=500, le=10000)
    after_greeting_silence: int = Field(default=800, ge=100, le=5000)
    total_analysis_time: int = Field(default=5000, ge=1000, le=15000)
    min_word_length: int = Field(default=100, ge=10, le=1000)
    between_words_silence: int = Field(default=50, ge=10, le=1000)
    maximum_number_of_words: int = Field(default=3, ge=1, le=10)
    silence_threshold: int = Field(default=256, ge=1, le=32767)
    maximum_word_length: int = Field(default=5000, ge=500, le=15000)
    message_start_silence: int = Field(default=1500, ge=300, le=5000)
    message_start_max_s: int = Field(default=20, ge=2, le=60)
    beep_frequency: int = Field(default=1000, ge=0, le=3400)
    beep_min_duration: int = Field(default=400, ge=100, le=2000)


class _Voicemail(_Strict):
    organisation_names: list[str] = Field(default_factory=list, max_length=20)
    callback_hours: str = Field(default="weekdays between 9 and 5", min_length=3, max_length=120)


class _Access(_Strict):
    token_days: int = Field(default=90, ge=1, le=3650)
    advocates_see: AdvocatesSee = AdvocatesSee.ASSIGNED


class _Web(_Strict):
    idle_minutes: int = Field(default=30, ge=5, le=12 * 60)
    session_hours: int = Field(default=12, ge=1, le=72)
    code_word_attempts: int = Field(default=5, ge=1, le=50)
    sign_in_attempts: int = Field(default=5, ge=3, le=50)
    sign_in_attempts_per_address: int = Field(default=20, ge=3, le=1000)
    sign_in_window_minutes: int = Field(default=15, ge=1, le=24 * 60)


class _Briefing(_Strict):
    words_per_minute: int = Field(default=190, ge=120, le=320)


class _Selftest(_Strict):
    time: str = Field(default="03:30", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    max_age_hours: int = Field(default=36, ge=1, le=24 * 14)
    neutral_caller_names: list[str] = Field(default_factory=list, max_length=20)


class _PolicyFile(_Strict):
    agency: _Agency = _Agency()
    defaults: _Defaults = _Defaults()
    callback: _Callback = _Callback()
    calls: _Calls = _Calls()
    retention: _Retention = _Retention()
    identity: _Identity = _Identity()
    amd: _Amd = _Amd()
    voicemail: _Voicemail = _Voicemail()
    selftest: _Selftest = _Selftest()
    briefing: _Briefing = _Briefing()
    access: _Access = _Access()
    web: _Web = _Web()


def _line_of(text: str, location: tuple[Any, ...]) -> int | None:
    """Best-effort line of a key path such as ('callback', 'max_attempts').

    Inside a list (('calls', 'anonymous_rejection', 0, 'reason')) it is the list's line.
    """
    section, key = (str(location[0]), str(location[min(1, len(location) - 1)])) \
        if location else ("", "")
    in_section = len(location) < 2
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_section = stripped.strip("[] ") == section
            if len(location) == 1 and in_section:
                return number
            continue
        if in_section and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return None


def parse_policy(text: str, source: str = "policy") -> AgencyPolicy:
    """Validate policy TOML text and build the domain policy."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyFileError(f"{source}: not valid TOML: {exc}") from None
    try:
        parsed = _PolicyFile(**raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = tuple(error["loc"])
            line = _line_of(text, location)
            where = f"line {line}" if line else "somewhere"
            key = ".".join(str(part) for part in location)
            reason = plain_message(error["msg"])
            problems.append(f"{source} {where} ({key}): {reason}")
        raise PolicyFileError("; ".join(problems)) from None
    callback = parsed.callback
    if not callback.min_delay_min <= callback.default_delay_min <= callback.max_delay_min:
        raise PolicyFileError(
            f"{source} line {_line_of(text, ('callback', 'default_delay_min')) or '?'} "
            "(callback.default_delay_min): must lie between min_delay_min and max_delay_min"
        )
    web = parsed.web
    if web.idle_minutes > web.session_hours * 60:
        raise PolicyFileError(
            f"{source} line {_line_of(text, ('web', 'idle_minutes')) or '?'} "
            "(web.idle_minutes): must not be longer than session_hours"
        )
    return AgencyPolicy(
        timezone=parsed.agency.timezone,
        default_region=parsed.agency.default_region,
        default_caller_id=parsed.defaults.caller_id,
        default_voicemail=VoicemailRule.parse(parsed.defaults.voicemail),
        default_on_drop=DropRule(parsed.defaults.on_drop),
        callback=CallbackLimits(
            max_attempts=callback.max_attempts,
            min_delay_min=callback.min_delay_min,
            max_delay_min=callback.max_delay_min,
            default_delay_min=callback.default_delay_min,
        ),
        drop_threshold_s=parsed.calls.drop_threshold_s,
        anonymous_rejections=tuple(AnonymousRejection(rule.status, rule.reason)
                                   for rule in parsed.calls.anonymous_rejection),
        retention_days=parsed.retention.days,
        code_word_rotation_days=parsed.identity.code_word_rotation_days,
        amd=AmdTiming(**parsed.amd.model_dump()),
        organisation_names=tuple(parsed.voicemail.organisation_names),
        callback_hours=parsed.voicemail.callback_hours,
        selftest=SelftestPolicy(
            time=time.fromisoformat(parsed.selftest.time),
            max_age_hours=parsed.selftest.max_age_hours,
            neutral_caller_names=tuple(parsed.selftest.neutral_caller_names),
        ),
        other_person_keys=parsed.calls.other_person_keys,
        briefing_words_per_minute=parsed.briefing.words_per_minute,
        token_days=parsed.access.token_days,
        advocates_see=parsed.access.advocates_see,
        web=WebPolicy(**web.model_dump()),
    )


def load_policy(path: Path) -> AgencyPolicy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyFileError(f"SAFEDIAL_POLICY_FILE: cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise PolicyFileError(f"{path} line {line}: not UTF-8 text; save the policy file "
                              "as UTF-8") from None
    return parse_policy(text, str(path))
