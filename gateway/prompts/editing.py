"""What an admin's edit of a prompt may be: the linter's verdict, a recording's check.

Pure: text and bytes in, a verdict out; nothing is read or written here
(``gateway.prompts.edited`` keeps the files). The verdict is the one a call would
reach, only stricter, so a script that passes here never fails a call for its words:

- The text is what the file would hold once saved (comment lines dropped, NFC).
- Fields are checked as when the file is loaded (plain names the kind allows).
- A voicemail (``generic``, ``script``) is linted with ``{organisation}`` and
  ``{callback_number}`` left empty, so a name or number written out in the text is
  caught even in a script meant for participants who agreed to one; and it must
  say ``{advocate_name}`` (a name written out would be the wrong one on most calls).

A recording must be what Asterisk plays without transcoding: a RIFF/WAVE file of
16-bit PCM, mono, 8000 Hz, between one second and a minute long.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass, field
from typing import Final

from gateway.domain.policy import AgencyPolicy
from gateway.prompts.linter import lint_script
from gateway.prompts.templates import (
    KIND_FIELDS,
    PromptError,
    PromptRoots,
    clean_value,
    spoken_lines,
    template_fields,
)

#: The kinds whose text a participant's answering machine records.
VOICEMAIL_KINDS: Final = frozenset({"generic", "script"})
#: Longer than any voicemail worth leaving (about two minutes of speech).
MAX_SCRIPT_CHARS: Final = 2000
#: The advocate's name used to lint and to play a script: no real account's.
SAMPLE_ADVOCATE: Final = "Alex Sample"
#: The alias spoken in a played notice: never a real participant's.
SAMPLE_ALIAS: Final = "Sample"

RECORDING_RATE: Final = 8000
RECORDING_MIN_S: Final = 1.0
RECORDING_MAX_S: Final = 60.0
#: Sixty seconds of 8 kHz 16-bit mono is 960,000 bytes; the rest is headroom for headers.
MAX_RECORDING_BYTES: Final = 1024 * 1024


@dataclass(frozen=True)
class Verdict:
    """The linter's word on a text: problem codes (empty: it may be saved) and its fields."""

    problems: tuple[str, ...]
    fields: frozenset[str] = field(default_factory=frozenset)
    allowed: frozenset[str] = field(default_factory=frozenset)

    @property
    def passes(self) -> bool:
        return not self.problems


def spoken_text(text: str) -> str:
    """The text a saved file would give the loader: comment lines out, lines trimmed."""
    return "\n".join(spoken_lines(text))


def verdict(text: str, *, kind: str, language: str, policy: AgencyPolicy,
            roots: PromptRoots) -> Verdict:
    """Every problem with ``text`` as a ``kind`` prompt in ``language``; none: it may be saved.

    Codes: ``too-long``, ``fields`` (braces or a field the kind does not have), and the
    linter's (``empty``, ``names-organisation``, ``contains-number``, ``no-name``,
    ``no-reason``) for a voicemail.
    """
    allowed = KIND_FIELDS[kind]
    if len(text) > MAX_SCRIPT_CHARS:
        return Verdict(("too-long",), allowed=allowed)
    spoken = spoken_text(text)
    if not spoken:
        return Verdict(("empty",), allowed=allowed)
    try:
        fields = template_fields(spoken, allowed, "the text")
    except PromptError:
        return Verdict(("fields",), allowed=allowed)
    if kind not in VOICEMAIL_KINDS:
        return Verdict((), fields, allowed)
    values = {"advocate_name": SAMPLE_ADVOCATE, "callback_hours": clean_value(
        policy.callback_hours), "organisation": "", "callback_number": ""}
    problems = [p.code for p in lint_script(
        spoken.format_map(values), language=language, advocate_name=SAMPLE_ADVOCATE,
        organisation_names=policy.organisation_names, allow_organisation=False,
        allow_number=False, base=roots)]
    if "advocate_name" not in fields and "no-name" not in problems:
        problems.append("no-name")
    return Verdict(tuple(problems), fields, allowed)


def sample_values(*, policy: AgencyPolicy, callback_number: str) -> dict[str, str]:
    """What a played prompt's fields say: the agency's own words, no participant's."""
    values = {"advocate_name": SAMPLE_ADVOCATE, "callback_hours": policy.callback_hours,
              "callback_number": callback_number, "alias": SAMPLE_ALIAS}
    if policy.organisation_names:
        values["organisation"] = policy.organisation_names[0]
    return values


def refused_recording(reason: str) -> PromptError:
    """An uploaded recording Asterisk cannot play as it is; ``details["reason"]`` says why."""
    return PromptError(f"the recording was refused: {reason}", reason=reason)


def check_recording(data: bytes) -> float:
    """The recording's length in seconds, or a ``PromptError`` with the reason code.

    Reasons: ``too-large``, ``not-wav``, ``not-pcm`` (compressed, or unreadable),
    ``wrong-format`` (not 16-bit mono 8000 Hz), ``truncated``, ``too-short``, ``too-long``.
    """
    if len(data) > MAX_RECORDING_BYTES:
        raise refused_recording("too-large")
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise refused_recording("not-wav")
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.getnframes()
            samples = wav.readframes(frames)
    except (wave.Error, EOFError):
        raise refused_recording("not-pcm") from None
    if channels != 1 or width != 2 or rate != RECORDING_RATE:
        raise refused_recording("wrong-format")
    if len(samples) != frames * width:
        raise refused_recording("truncated")
    duration = frames / rate
    if duration < RECORDING_MIN_S:
        raise refused_recording("too-short")
    if duration > RECORDING_MAX_S:
        raise refused_recording("too-long")
    return duration
