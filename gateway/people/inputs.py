"""Validated input for participant and advocate records, shared by the CLI and the API.

Validation happens before anything is written: bad input gets a clear message
naming the field and changes nothing. Messages never repeat a phone number or
a code word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gateway.callerid import CallerIdMode
from gateway.domain.preferences import DropProtocolKind, OtherAnswerRule, Role, VoicemailRule
from gateway.domain.windows import Window, WindowSpecError, check_no_overlap, parse_window_spec
from gateway.errors import BadInput
from gateway.people.phone_text import phone_text_problem
from gateway.validation import NoBoolIntegers, problems

_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}")

Model = TypeVar("Model", bound=BaseModel)


def parse_input(model: type[Model], data: Mapping[str, Any]) -> Model:
    """Validate raw input (the CLI's flags) into ``model``; one plain sentence per field,
    never repeating the value (it may be a phone number or a code word)."""
    try:
        return model(**data)
    except ValidationError as exc:
        raise BadInput("; ".join(f"{field or 'input'}: {message}"
                                 for field, message in problems(exc.errors()))) from None


Alias = Annotated[str, Field(min_length=1, max_length=80)]
Name = Annotated[str, Field(min_length=1, max_length=80)]


def clean_text(value: str, what: str) -> str:
    """Any script is welcome; control characters and blank names are not."""
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise ValueError(f"{what} must not be empty")
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in text):
        raise ValueError(f"{what} must not contain control characters")
    return text


def parse_phone(text: str, default_region: str) -> str:
    """E.164 for a real, valid number; ValueError (without the number) otherwise.

    Only a plain number is read: letters, extensions and words around it are
    refused first (the parser would quietly translate or drop them).
    """
    if not isinstance(text, str) or len(text) > 32:
        raise ValueError("not a valid phone number")
    problem = phone_text_problem(text)
    if problem:
        raise ValueError(problem)
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise ValueError("not a valid phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("not a valid phone number for its country")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def check_language(value: str) -> str:
    if not _LANGUAGE.fullmatch(value):
        raise ValueError("must be a language tag such as en, fr or pa-Guru")
    return value


def check_timezone(value: str) -> str:
    """An IANA zone name (participants' and advocates' own zones)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("unknown time zone: use an IANA name such as America/Toronto") from None
    return value


def check_windows(value: list[str]) -> list[str]:
    """Weekly window specs that parse and do not overlap (safe-call windows, working hours)."""
    parsed: list[Window] = []
    for spec in value:
        if len(spec) > 64:
            raise ValueError("a window spec is at most 64 characters")
        try:
            parsed.extend(parse_window_spec(spec))
        except WindowSpecError as exc:
            raise ValueError(str(exc)) from None
    try:
        check_no_overlap(parsed)
    except WindowSpecError as exc:
        raise ValueError(str(exc)) from None
    return value


class ParticipantFields(NoBoolIntegers):
    """Every participant field; in an update, fields left unset are not changed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    alias: Alias | None = None
    phone: str | None = Field(default=None, max_length=32)
    timezone: str | None = Field(default=None, max_length=64)
    windows: list[str] | None = Field(default=None, max_length=28)
    voicemail: str | None = Field(default=None, max_length=80)
    on_drop: DropProtocolKind | None = None
    callback_delay_min: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    callback_attempts: int | None = Field(default=None, ge=1, le=10)
    caller_id: CallerIdMode | None = None
    masked_fallback: bool | None = None
    voicemail_may_name_organisation: bool | None = None
    voicemail_may_include_number: bool | None = None
    code_word: str | None = Field(default=None, min_length=1, max_length=64)
    language: str | None = Field(default=None, max_length=35)
    pause_until: date | None = None
    if_other_answers: str | None = Field(default=None, max_length=16)
    #: The agreed reason for calling, said if someone else answers (null clears it).
    cover_reason: str | None = Field(default=None, min_length=1, max_length=160)

    @field_validator("alias")
    @classmethod
    def _alias(cls, value: str | None) -> str | None:
        return None if value is None else clean_text(value, "alias")

    @field_validator("code_word")
    @classmethod
    def _code_word(cls, value: str | None) -> str | None:
        return None if value is None else clean_text(value, "code word")

    @field_validator("cover_reason")
    @classmethod
    def _cover_reason(cls, value: str | None) -> str | None:
        return None if value is None else clean_text(value, "cover reason")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @field_validator("windows")
    @classmethod
    def _windows(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else check_windows(value)

    @field_validator("if_other_answers")
    @classmethod
    def _if_other_answers(cls, value: str | None) -> str | None:
        return None if value is None else str(OtherAnswerRule.parse(value))

    @field_validator("voicemail")
    @classmethod
    def _voicemail(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return str(VoicemailRule.parse(value))

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        return None if value is None else check_language(value)


class NewParticipant(ParticipantFields):
    """Creating a participant: alias, phone and time zone are required."""

    alias: Alias = Field(description="what advocates see, in any script; kept in plain text "
                                     "so it can be searched: choose one that does not identify "
                                     "the participant")
    phone: str = Field(max_length=32)
    timezone: str = Field(max_length=64)


class AdvocateFields(BaseModel):
    """An advocate's working hours; in an update, fields left unset are not changed.

    ``timezone`` null means the agency's zone; ``working_hours`` empty means none
    (call-backs may ring them at any time).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    timezone: str | None = Field(default=None, max_length=64,
                                 description="their own IANA zone; null: the agency's")
    working_hours: list[str] | None = Field(
        default=None, max_length=28,
        description="weekly windows 'DAYS HH:MM-HH:MM' in their zone when call-backs may "
                    "ring them; empty: any time")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @field_validator("working_hours")
    @classmethod
    def _working_hours(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else check_windows(value)


class NewAdvocate(AdvocateFields):
    name: Name
    phone: str = Field(max_length=32)
    role: Role = Role.ADVOCATE
    language: str = Field(default="en", max_length=35)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return clean_text(value, "name")

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        return check_language(value)
