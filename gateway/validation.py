"""Validation errors in plain words, built only from field names and messages.

The rejected input itself is never repeated: it may be a phone number or a
code word. Settings, the policy file, the services and the API all word their
problems through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, get_args

from pydantic import BaseModel, ValidationInfo, field_validator

_PREFIX = "Value error, "


def plain_message(message: object) -> str:
    return str(message or "invalid").removeprefix(_PREFIX)


def problems(errors: Iterable[Mapping[str, Any]], skip: tuple[str, ...] = ()
             ) -> list[tuple[str, str]]:
    """``(dotted field, message)`` for each error; ``skip`` drops location parts like "body"."""
    return [
        (".".join(str(part) for part in error.get("loc", ()) if part not in skip),
         plain_message(error.get("msg")))
        for error in errors
    ]


def _takes_int(annotation: object) -> bool:
    return annotation is int or int in get_args(annotation)


class NoBoolIntegers(BaseModel):
    """Refuses ``true``/``false`` for an integer field (Python counts a bool as 1 or 0,
    so ``"callback_attempts": true`` would quietly mean one attempt)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_int(cls, value: object, info: ValidationInfo) -> object:
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, bool) and field is not None and _takes_int(field.annotation):
            raise ValueError("must be a whole number, not true or false")
        return value
