"""A pure reader for Asterisk's ``.conf`` format, enough for the privacy guard.

It understands sections (``[name]``), templates (``[name](!)``),
inheritance from any earlier section (``[name](base,...)``), appending
(``[name](+)``), repeated section names (PJSIP keeps an endpoint and an aor
under one name), ``key = value`` and ``key => value`` (names compared in lower
case, as Asterisk does), ``;`` and ``;-- --;`` comments with ``\\;`` escapes,
and ``#include`` through a loader the caller passes. ``#exec`` cannot be
checked, so it is reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

_SECTION = re.compile(r"^\[(?P<name>[^\]]+)\](?:\((?P<opts>[^)]*)\))?\s*$")
_INCLUDE = re.compile(r'^#\s*(?P<kind>include|tryinclude|exec)\s+"?(?P<target>[^"]+?)"?\s*$')


class ConfigSyntaxError(ValueError):
    """A line the reader cannot interpret; the message names file and line."""


@dataclass
class Section:
    """One ``[name]`` block with its own and inherited options, in order."""

    name: str
    is_template: bool = False
    templates: tuple[str, ...] = ()
    options: list[tuple[str, str]] = field(default_factory=list)
    lines: list[tuple[int, str]] = field(default_factory=list)

    def get(self, key: str) -> str | None:
        """The last value of ``key`` (Asterisk's rule for single-valued options)."""
        value = None
        key = key.lower()
        for name, item in self.options:
            if name == key:
                value = item
        return value

    def get_all(self, key: str) -> list[str]:
        return [item for name, item in self.options if name == key.lower()]


@dataclass
class ConfigFile:
    name: str
    sections: list[Section]
    directives: list[str] = field(default_factory=list)

    def named(self, name: str) -> list[Section]:
        return [section for section in self.sections if section.name == name]

    def concrete(self) -> list[Section]:
        return [section for section in self.sections if not section.is_template]


def _strip_comments(text: str) -> list[str]:
    """Remove comments the way Asterisk's config.c does, keeping line numbers.

    ``;`` starts a line comment unless escaped as ``\\;``; ``;--`` (exactly two
    dashes) opens a block comment anywhere on a line, ``--;`` closes it, and
    text after the close is read. ``;---`` is an ordinary line comment.
    """
    lines: list[str] = []
    in_block = False
    for raw in text.splitlines():
        out: list[str] = []
        index = 0
        while index < len(raw):
            if in_block:
                close = raw.find("--;", index)
                if close < 0:
                    index = len(raw)
                    continue
                in_block = False
                index = close + 3
                continue
            char = raw[index]
            if char == "\\" and raw[index + 1 : index + 2] == ";":
                out.append(";")
                index += 2
                continue
            if char == ";":
                if raw[index + 1 : index + 3] == "--" and raw[index + 3 : index + 4] != "-":
                    in_block = True
                    index += 3
                    continue
                break
            out.append(char)
            index += 1
        lines.append("".join(out).strip())
    return lines


def parse(
    name: str,
    text: str,
    load_include: Callable[[str], str | None] | None = None,
) -> ConfigFile:
    """Parse ``text`` (the content of file ``name``) into sections."""
    config = ConfigFile(name=name, sections=[])
    templates: dict[str, Section] = {}
    _parse_into(config, templates, name, text, load_include, depth=0)
    return config


def _parse_into(
    config: ConfigFile,
    templates: dict[str, Section],
    name: str,
    text: str,
    load_include: Callable[[str], str | None] | None,
    depth: int,
) -> None:
    if depth > 8:
        raise ConfigSyntaxError(f"{name}: #include nested too deeply")
    current: Section | None = config.sections[-1] if config.sections else None
    for number, line in enumerate(_strip_comments(text), start=1):
        if not line:
            continue
        directive = _INCLUDE.match(line)
        if directive:
            kind, target = directive["kind"], directive["target"]
            config.directives.append(f"{kind} {target}")
            if kind == "exec":
                continue
            included = load_include(target) if load_include else None
            if included is None:
                if kind == "include":
                    raise ConfigSyntaxError(f"{name} line {number}: cannot read #include {target}")
                continue
            _parse_into(config, templates, target, included, load_include, depth + 1)
            current = config.sections[-1] if config.sections else None
            continue
        header = _SECTION.match(line)
        if header:
            current = _open_section(config, header["name"].strip(), header["opts"], templates)
            continue
        if current is None:
            raise ConfigSyntaxError(f"{name} line {number}: setting outside any [section]")
        key, sep, value = line.partition("=")
        if not sep:
            raise ConfigSyntaxError(f"{name} line {number}: expected 'name = value'")
        value = value.removeprefix(">")
        # Asterisk matches option names without regard to case.
        current.options.append((key.strip().lower(), value.strip()))
        current.lines.append((number, line))


def _open_section(
    config: ConfigFile, name: str, opts: str | None, templates: dict[str, Section]
) -> Section:
    """A new section, or the existing one when the header says ``(+)``."""
    words = [opt.strip() for opt in (opts or "").split(",") if opt.strip()]
    if "+" in words:
        existing = config.named(name)
        if existing:
            return existing[0]  # Asterisk appends to the first section of that name
    section = _new_section(name, opts, templates)
    config.sections.append(section)
    return section


def _new_section(name: str, opts: str | None, templates: dict[str, Section]) -> Section:
    section = Section(name=name)
    for opt in (part.strip() for part in (opts or "").split(",")):
        if not opt:
            continue
        if opt == "!":
            section.is_template = True
        elif opt == "+":
            continue
        else:
            section.templates += (opt,)
            parent = templates.get(opt)
            if parent is not None:
                section.options.extend(parent.options)
    # Asterisk inherits from any earlier section, template or not.
    templates[name] = section
    return section
