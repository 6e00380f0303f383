"""A pure reader for Asterisk's ``.conf`` format, enough for the privacy guard.

It understands sections (``[name]``), templates (``[name](!)``),
inheritance from any earlier section (``[name](base,...)``), appending
(``[name](+)``, also with a filter: ``[name](+type=endpoint)``), repeated
section names (PJSIP keeps an endpoint and an aor under one name), ``key =
value`` and ``key => value``, ``;`` and ``;-- --;`` comments with ``\\;``
escapes, and ``#include``/``#tryinclude`` through a loader the caller passes
(which expands globs the way Asterisk's ``glob()`` does). ``#exec`` cannot be
checked, so it is reported.

Names are compared as main/config.c compares them: option names, section names
(for ``(+)`` and inheritance) and directives without regard to case, the first
section of a name winning. An include loop is refused instead of followed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

_SECTION = re.compile(r"^\[(?P<name>[^\]]+)\](?:\((?P<opts>[^)]*)\))?\s*$")
_INCLUDE = re.compile(
    r"^#(?P<kind>include|tryinclude|exec)\s+(?P<target>.+?)\s*$", re.IGNORECASE
)
_QUOTES = {'"': '"', "<": ">"}
#: Include levels main/config.c follows (MAX_INCLUDE_LEVEL is 10); deeper is refused.
_MAX_DEPTH = 8
#: Files one config may pull in before the reader gives up (a glob fan-out bound).
_MAX_INCLUDED = 256

#: What a loader returns for an include target: the file's text, or the files a
#: glob matched as (name, text) in the order Asterisk reads them; None or an
#: empty list when nothing exists there.
Included = str | Sequence[tuple[str, str]] | None
IncludeLoader = Callable[[str], Included]


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

    #: Files pulled in by ``#include``/``#tryinclude``, as the loader named them.
    included: list[str] = field(default_factory=list)

    def named(self, name: str) -> list[Section]:
        return [section for section in self.sections if section.name == name]

    def first(self, name: str, match: str = "") -> Section | None:
        """The first section Asterisk finds by ``name`` (any case) and filter ``match``."""
        for section in self.sections:
            if section.name.lower() == name.lower() and _matches(section, match):
                return section
        return None

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
    load_include: IncludeLoader | None = None,
) -> ConfigFile:
    """Parse ``text`` (the content of file ``name``) into sections."""
    config = ConfigFile(name=name, sections=[])
    _parse_into(config, (name,), text, load_include)
    return config


def _parse_into(
    config: ConfigFile,
    stack: tuple[str, ...],
    text: str,
    load_include: IncludeLoader | None,
) -> None:
    name = stack[-1]
    if len(stack) > _MAX_DEPTH + 1:
        raise ConfigSyntaxError(f"{name}: #include nested too deeply")
    current: Section | None = config.sections[-1] if config.sections else None
    for number, line in enumerate(_strip_comments(text), start=1):
        if not line:
            continue
        directive = _INCLUDE.match(line)
        if directive:
            kind, target = directive["kind"].lower(), _unquote(directive["target"])
            config.directives.append(f"{kind} {target}")
            if kind == "exec":
                continue
            files = _files(target, load_include(target) if load_include else None)
            if not files and kind == "include":
                raise ConfigSyntaxError(f"{name} line {number}: cannot read #include {target}")
            for included, included_text in files:
                if included in stack:
                    raise ConfigSyntaxError(
                        f"{name} line {number}: #include {target} loops back to {included} "
                        "(nested too deeply)"
                    )
                config.included.append(included)
                if len(config.included) > _MAX_INCLUDED:
                    raise ConfigSyntaxError(f"{name}: more than {_MAX_INCLUDED} included files")
                _parse_into(config, (*stack, included), included_text, load_include)
            current = config.sections[-1] if config.sections else None
            continue
        header = _SECTION.match(line)
        if header:
            current = _open_section(config, header["name"].strip(), header["opts"], name, number)
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


def _unquote(target: str) -> str:
    """The include target without its quotes, ``"x"`` or ``<x>``, as config.c strips them."""
    close = _QUOTES.get(target[:1])
    if close and len(target) > 1 and target.endswith(close):
        return target[1:-1]
    return target


def _files(target: str, loaded: Included) -> list[tuple[str, str]]:
    if loaded is None:
        return []
    if isinstance(loaded, str):
        return [(target, loaded)]
    return list(loaded)


def _open_section(
    config: ConfigFile, name: str, opts: str | None, file: str, number: int
) -> Section:
    """The section a header opens: a new one, or with ``(+)`` an existing one.

    The words in parentheses apply in order, as in config.c: ``!`` marks a
    template, ``+`` (with an optional ``name=regex&...`` filter) switches to the
    first existing section of that name, any other word copies the options of
    the first earlier section of that name into the section.
    """
    section = Section(name=name)
    appended = False
    for word in (part.strip() for part in (opts or "").split(",")):
        if not word:
            continue
        if word == "!":
            section.is_template = True
        elif word.startswith("+"):
            existing = config.first(name, word[1:])
            if existing is None:
                raise ConfigSyntaxError(
                    f"{file} line {number}: [{name}]({word}) adds to a section that does not exist"
                )
            existing.options.extend(section.options)
            existing.is_template |= section.is_template
            section, appended = existing, True
        else:
            parent = config.first(word, "TEMPLATES=include")
            if parent is None:
                raise ConfigSyntaxError(
                    f"{file} line {number}: [{name}] inherits from [{word}], which does not exist"
                )
            section.templates += (word,)
            section.options.extend(parent.options)
    if not appended:
        config.sections.append(section)
    return section


def _matches(section: Section, match: str) -> bool:
    """config.c's ``does_category_match``: every ``name=regex`` (``&``-separated) holds.

    With no filter a template does not match; ``TEMPLATES=include`` lets one.
    """
    if not match:
        return not section.is_template
    templates_ok = False
    for expression in match.split("&"):
        key, sep, wanted = (part.strip() for part in expression.partition("="))
        if not sep:
            return False
        if key == "TEMPLATES":
            templates_ok = wanted.lower() in ("include", "restrict")
            continue
        try:
            found = any(
                re.search(key, option) and re.search(wanted, value)
                for option, value in section.options
            )
        except re.error:
            return False
        if not found:
            return False
    return templates_ok or not section.is_template
