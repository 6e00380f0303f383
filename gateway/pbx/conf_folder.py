"""Read an Asterisk config folder the way Asterisk would find its files.

The guard must judge exactly the text Asterisk loads, so include targets are
resolved as main/config.c resolves them: relative to the config folder
(absolute paths as they are), expanded with ``glob()`` and its
``GLOB_BRACE``/``GLOB_NOMAGIC`` flags (``{a,b}`` alternatives in their order,
each alternative's matches sorted, a pattern without wildcards naming the file
itself), keeping regular files only.
"""

from __future__ import annotations

import glob
from pathlib import Path

from gateway.pbx.asterisk_conf import IncludeLoader


def expand_braces(pattern: str) -> list[str]:
    """``a{b,c}d`` as ``abd``, ``acd`` (nested braces too), in the order written."""
    start = pattern.find("{")
    if start < 0:
        return [pattern]
    depth = 0
    parts: list[str] = []
    begin = start + 1
    for index in range(start, len(pattern)):
        char = pattern[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                parts.append(pattern[begin:index])
                head, tail = pattern[:start], pattern[index + 1 :]
                return [
                    expanded
                    for part in parts
                    for expanded in expand_braces(head + part + tail)
                ]
        elif char == "," and depth == 1:
            parts.append(pattern[begin:index])
            begin = index + 1
    return [pattern]  # an unclosed brace is taken literally, as glob() does


def folder_files(etc: Path) -> dict[str, str]:
    """Every regular file directly in the config folder, by name."""
    return {path.name: _read(path) for path in sorted(etc.iterdir()) if path.is_file()}


def folder_loader(etc: Path) -> IncludeLoader:
    """A loader for :func:`gateway.pbx.asterisk_conf.parse` reading includes in ``etc``.

    Files inside the folder are named relative to it (``pjsip.d/trunk.conf``),
    others by their absolute path.
    """

    def load(target: str) -> list[tuple[str, str]]:
        pattern = target if target.startswith("/") else f"{etc}/{target}"
        found: list[tuple[str, str]] = []
        for alternative in expand_braces(pattern):
            for match in sorted(glob.glob(alternative)):
                path = Path(match)
                if path.is_file():
                    found.append((_name(etc, path), _read(path)))
        return found

    return load


def _name(etc: Path, path: Path) -> str:
    return str(path.relative_to(etc)) if path.is_relative_to(etc) else str(path)


def _read(path: Path) -> str:
    # Asterisk reads bytes; an undecodable byte must not hide the lines around it.
    return path.read_text(errors="replace")
