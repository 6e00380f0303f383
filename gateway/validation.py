"""Validation errors in plain words, built only from field names and messages.

The rejected input itself is never repeated: it may be a phone number or a
code word. Settings, the policy file, the services and the API all word their
problems through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

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
