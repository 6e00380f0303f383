"""Admins' edits of the prompts: a folder of their own, read by calls before the shipped one.

Why a folder and not the shipped ``prompts/``: those files are the defaults (and
under version control); an edit lives in ``Settings.edited_prompts`` with the same
layout (``<lang>/generic.txt``, ``<lang>/scripts/<name>.txt``,
``recordings/<lang>/<prompt>.wav``), and a call looks there first
(``Settings.prompt_roots``). Going back to the shipped text is removing the edit.

Only prompts the prompts folder ships can be edited, in the languages it ships: an
address cannot invent a language, kind or path. Files are written whole (a
temporary file renamed into place), so a call never reads half an edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from gateway.errors import NotFound
from gateway.prompts.audio import NOT_RECORDABLE, recording_file
from gateway.prompts.templates import PromptError, Template, language_candidates, load_template
from gateway.storage.private import write_private_file

#: Kinds in the order the list shows them; scripts come after ``generic``.
ORDER: Final = ("generic", "script", "notice-voicemail-left", "notice-voicemail-not-left",
                "notice-not-reached", "briefing")
#: Kinds whose text an admin may edit (the voicemail a machine records).
EDITABLE: Final = frozenset({"generic", "script"})
#: Fixed prompts an admin may replace with a recording (a script's text is the point).
RECORDABLE: Final = frozenset({"generic", "notice-voicemail-left", "notice-voicemail-not-left",
                               "notice-not-reached"}) - NOT_RECORDABLE

Source = Literal["shipped", "edited", "recording"]


@dataclass(frozen=True)
class PromptRef:
    """One prompt of one language, as an address names it (``generic``, ``script-NAME``)."""

    language: str
    kind: str
    name: str | None = None

    @property
    def prompt_name(self) -> str:
        return f"script-{self.name}" if self.name else self.kind

    @property
    def relative(self) -> Path:
        return Path(self.language, "scripts", f"{self.name}.txt") if self.name \
            else Path(self.language, f"{self.kind}.txt")

    @property
    def editable(self) -> bool:
        return self.kind in EDITABLE

    @property
    def recordable(self) -> bool:
        return self.kind in RECORDABLE


@dataclass(frozen=True)
class EditedPrompts:
    """The shipped prompts folder and the admins' folder beside it."""

    shipped: Path
    edits: Path

    @property
    def roots(self) -> tuple[Path, Path]:
        return (self.edits, self.shipped)

    def languages(self) -> list[str]:
        """The languages the prompts folder ships (a folder with a ``generic.txt``)."""
        found = [p.parent.name for p in self.shipped.glob("*/generic.txt")]
        return sorted(tag for tag in found if _is_tag(tag))

    def prompts(self, language: str) -> list[PromptRef]:
        """Every prompt this language ships, in list order; NotFound for another language."""
        if language not in self.languages():
            raise NotFound(f"no prompts in language {language!r}")
        refs = []
        for kind in ORDER:
            if kind == "script":
                names = sorted(p.stem for p in (self.shipped / language / "scripts").glob("*.txt"))
                refs += [PromptRef(language, kind, name) for name in names]
            elif (self.shipped / language / f"{kind}.txt").is_file():
                refs.append(PromptRef(language, kind))
        return refs

    def find(self, language: str, prompt: str) -> PromptRef:
        """The prompt an address names; NotFound unless this language ships it."""
        for ref in self.prompts(language):
            if ref.prompt_name == prompt:
                return ref
        raise NotFound(f"no prompt {prompt!r} in language {language!r}")

    def template(self, ref: PromptRef) -> Template:
        """The text a call in this language uses now (the edit, else the shipped one)."""
        return load_template(ref.kind, ref.language, ref.name, base=self.roots)

    def shipped_template(self, ref: PromptRef) -> Template:
        return load_template(ref.kind, ref.language, ref.name, base=self.shipped)

    def source(self, ref: PromptRef) -> Source:
        if ref.recordable and self.recording(ref) is not None:
            return "recording"
        return "edited" if (self.edits / ref.relative).is_file() else "shipped"

    def recording(self, ref: PromptRef) -> Path | None:
        """The recording a call in this language plays instead of the text, if any."""
        return recording_file(ref.prompt_name, ref.language, self.roots)

    def uploaded(self, ref: PromptRef) -> Path:
        """Where an admin's recording of this prompt goes."""
        return self.edits / "recordings" / ref.language / f"{ref.prompt_name}.wav"

    # -- changes -----------------------------------------------------------------------
    def save_text(self, ref: PromptRef, text: str) -> None:
        """Write an edit (the caller has had the linter pass it)."""
        body = text.replace("\r\n", "\n").rstrip("\n") + "\n"
        _write(self.edits / ref.relative, body.encode("utf-8"))

    def restore_text(self, ref: PromptRef) -> bool:
        """Back to the shipped text; False when there was no edit."""
        return _remove(self.edits / ref.relative)

    def save_recording(self, ref: PromptRef, data: bytes) -> None:
        """Store a recording (the caller has checked it)."""
        _write(self.uploaded(ref), data)

    def remove_recording(self, ref: PromptRef) -> bool:
        """Back to the rendered text; False when there was no uploaded recording."""
        return _remove(self.uploaded(ref))


def _is_tag(tag: str) -> bool:
    try:
        return language_candidates(tag, fallback=False)[0] == tag
    except PromptError:
        return False


def _write(path: Path, data: bytes) -> None:
    """Whole or not at all: a call never reads half an edit."""
    write_private_file(path, data)


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True

