"""A pure reader for Asterisk's ``.conf`` format, enough for the privacy guard.

It understands sections (``[name]``), templates (``[name](!)``) and
inheritance (``[name](tmpl,...)``), repeated section names (PJSIP keeps an
endpoint and an aor under one name), ``key = value`` and ``key => value``,
``;`` comments with ``\\;`` escapes, and ``#include`` through a loader the
caller passes. ``#exec`` cannot be checked, so it is reported.
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
        for name, item in self.options:
            if name == key:
                value = item
        return value

    def get_all(self, key: str) -> list[str]:
        return [item for name, item in self.options if name == key]


@dataclass
class ConfigFile:
    name: str
    sections: list[Section]
    directives: list[str] = field(default_factory=list)

    def named(self, name: str) -> list[Section]:
        return [section for section in self.sections if section.name == name]

    def concrete(self) -> list[Section]:
        return [section for section in self.sections if not section.is_template]


def _strip_comment(line: str) -> str:
    out = []
    escaped = False
    for char in line:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
            out.append(char)
        elif char == ";":
            break
        else:
            out.append(char)
    return "".join(out).replace("\\;", ";").strip()


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
    in_block_comment = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if in_block_comment:
            if "--;" in line:
                in_block_comment = False
            continue
        if line.startswith(";--"):
            in_block_comment = "--;" not in line[3:]
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
        line = _strip_comment(raw)
        if not line:
            continue
        header = _SECTION.match(line)
        if header:
            current = _new_section(header["name"].strip(), header["opts"], templates)
            config.sections.append(current)
            continue
        if current is None:
            raise ConfigSyntaxError(f"{name} line {number}: setting outside any [section]")
        key, sep, value = line.partition("=")
        if not sep:
            raise ConfigSyntaxError(f"{name} line {number}: expected 'name = value'")
        value = value.removeprefix(">")
        current.options.append((key.strip(), value.strip()))
        current.lines.append((number, line))


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
    if section.is_template:
        templates[name] = section
    return section
