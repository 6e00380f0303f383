"""UI strings: one TOML catalogue per language, English first and the fallback.

``gateway/web/locales/<tag>.toml`` holds a ``[meta]`` table (the language's own
name and its writing direction) and the strings in nested tables, read as dotted
keys (``[sign_in] username = "Username"`` is ``sign_in.username``). A value may
name values to fill in as ``{name}``; nothing else in it is special. Strings are
plain text: templates escape them like any other value.

A key missing from another language falls back to English; a key missing from
English is a bug and raises (the tests check every key the templates use).

A language's strings may be split: ``<tag>.toml`` (with the ``[meta]`` table) plus
any ``<tag>/*.toml`` beside it, one file per area of the app (the admin pages keep
theirs in ``en/admin_*.toml``), so areas are edited without touching each other. A
key defined in two files is a bug and is refused.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENGLISH = "en"
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class CatalogueError(ValueError):
    """A catalogue file that cannot be used (a bug in the shipped files)."""


@dataclass(frozen=True)
class Catalogue:
    """One language's strings, with its own name and writing direction."""

    language: str
    name: str
    direction: str
    strings: Mapping[str, str]


def placeholders(text: str) -> frozenset[str]:
    """The names a string expects to be filled in."""
    return frozenset(_PLACEHOLDER.findall(text))


def _flatten(table: Mapping[str, Any], prefix: str, where: Path) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{dotted}.", where))
        elif isinstance(value, str):
            flat[dotted] = value
        else:
            raise CatalogueError(f"{where.name}: {dotted} is not text")
    return flat


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{path.name}: {exc}") from exc


def load_catalogue(path: Path) -> Catalogue:
    """``<tag>.toml`` and the parts in the ``<tag>/`` folder beside it, as one catalogue."""
    language = path.stem
    if not _TAG.match(language):
        raise CatalogueError(f"{path.name}: the file name is not a language tag")
    data = _read(path)
    meta = data.pop("meta", {})
    direction = meta.get("direction", "ltr")
    if direction not in ("ltr", "rtl") or not isinstance(meta.get("name"), str):
        raise CatalogueError(f"{path.name}: [meta] needs a name and direction ltr or rtl")
    strings = _flatten(data, "", path)
    for part in sorted((path.parent / language).glob("*.toml")):
        for key, value in _flatten(_read(part), "", part).items():
            if key in strings:
                raise CatalogueError(f"{language}/{part.name}: {key} is already defined")
            strings[key] = value
    return Catalogue(language=language, name=meta["name"], direction=direction,
                     strings=strings)


def load_catalogues(folder: Path) -> dict[str, Catalogue]:
    """Every ``*.toml`` in ``folder`` by language tag; English must be there."""
    catalogues = {c.language: c for c in map(load_catalogue, sorted(folder.glob("*.toml")))}
    if ENGLISH not in catalogues:
        raise CatalogueError(f"{folder}: no English catalogue ({ENGLISH}.toml)")
    return catalogues


class Translator:
    """``t(key, **values)``: the string in one language, English where it has none."""

    def __init__(self, catalogue: Catalogue, english: Catalogue) -> None:
        self.catalogue = catalogue
        self.english = english

    @property
    def language(self) -> str:
        return self.catalogue.language

    def has(self, key: str) -> bool:
        """Whether the catalogues hold ``key`` (English does, when any does)."""
        return key in self.english.strings

    def __call__(self, key: str, /, **values: object) -> str:
        text = self.catalogue.strings.get(key)
        if text is None:
            text = self.english.strings.get(key)
        if text is None:
            raise KeyError(f"no UI string {key!r} in the English catalogue")

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise KeyError(f"UI string {key!r} needs a value for {name!r}")
            return str(values[name])

        return _PLACEHOLDER.sub(fill, text)


def translator(catalogues: Mapping[str, Catalogue], language: str) -> Translator:
    """The translator for ``language`` (a known tag), falling back to English."""
    english = catalogues[ENGLISH]
    return Translator(catalogues.get(language, english), english)
