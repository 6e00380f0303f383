"""Prompt audio: espeak-ng and sox render text as 8 kHz mono WAV that Asterisk plays.

Files in the cache are named by a SHA-256 hash, never by any part of the text (the text
carries the advocate's name). A human recording an admin places at
``prompts/recordings/<lang>/<name>.wav`` replaces the rendered prompt of that name.
Subprocess failures become one ``PromptError`` in one place (``_run``), with the tail of
stderr and never the prompt text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gateway.prompts.templates import (
    PromptError,
    PromptRoots,
    language_candidates,
    prompt_roots,
)
from gateway.storage.private import make_private_folder

TIMEOUT_S = 30
SAMPLE_RATE = 8000
# Part of every cache key: change it when the output format or the sox chain changes.
_FORMAT = "wav-8000-mono-s16-norm3"
_OUTPUT = ["-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", "-e", "signed-integer"]
_EFFECTS = ["norm", "-3"]
VOICES = {"en": "en-us", "fr": "fr", "es": "es", "ar": "ar", "hi": "hi", "pa": "pa",
          "zh": "cmn"}
DEFAULT_VOICE = "en-us"
# The briefing carries per-call facts (code word, drop rule); a fixed recording would
# tell the advocate something stale, so it is always rendered.
NOT_RECORDABLE = frozenset({"briefing"})
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_RMS = re.compile(r"^RMS\s+amplitude:\s+(\S+)", re.MULTILINE)


@dataclass(frozen=True)
class AudioStats:
    duration_s: float
    rms: float
    sample_rate: int
    channels: int


def espeak_voice(language: str) -> str:
    """The espeak-ng voice for a language tag: exact tag, primary subtag, else English."""
    tag = language.strip().replace("_", "-").lower()
    return VOICES.get(tag) or VOICES.get(tag.split("-", 1)[0]) or DEFAULT_VOICE


def render_audio(
    text: str, language: str, cache_dir: Path, *, name_key: bytes, espeak: str = "espeak-ng",
    sox: str = "sox", words_per_minute: int | None = None,
) -> Path:
    """Speak ``text`` in the language's voice into the cache; reuse a cached file.

    ``name_key`` keys the file's name (an HMAC of what was spoken), so someone who can
    list the cache cannot confirm a guessed text by hashing it.
    ``words_per_minute`` None is espeak-ng's own default rate (about 175).
    """
    spoken = unicodedata.normalize("NFC", text).strip()
    if not spoken:
        raise PromptError("there is no text to turn into audio")
    voice = espeak_voice(language)
    rate = [] if words_per_minute is None else ["-s", str(int(words_per_minute))]
    key = json.dumps([_FORMAT, voice, spoken, *rate], ensure_ascii=False).encode()

    def make(work: Path, out: Path) -> None:
        raw = work / "espeak.wav"
        _run([espeak, "-v", voice, "-b", "1", *rate, "--stdin", "-w", str(raw)], "espeak-ng",
             stdin=spoken, hide=spoken)
        _run([sox, "-V1", str(raw), *_OUTPUT, str(out), *_EFFECTS], "sox", hide=spoken)

    return _cached(cache_dir, _name(name_key, key), make)


def human_recording(
    name: str, language: str, base: PromptRoots, cache_dir: Path, *, name_key: bytes,
    sox: str = "sox"
) -> Path | None:
    """The admin's recording ``<root>/recordings/<lang>/<name>.wav`` as 8 kHz mono, or None.

    Looks in the exact language tag, then the primary subtag (not English: a recording in
    another language would be the wrong prompt), in each root in order. Converted once
    into the cache, keyed by the recording's content, so replacing the file takes effect.
    """
    source = recording_file(name, language, base)
    if source is None:
        return None
    digest = hashlib.sha256(source.read_bytes()).digest()

    def make(_work: Path, out: Path) -> None:
        _run([sox, "-V1", str(source), *_OUTPUT, str(out), *_EFFECTS], "sox")

    return _cached(cache_dir, _name(name_key, _FORMAT.encode() + b"\0recording\0" + digest),
                   make)


def recording_file(name: str, language: str, base: PromptRoots) -> Path | None:
    """The human recording that stands in for prompt ``name`` in this language, or None."""
    if name in NOT_RECORDABLE or not _NAME.fullmatch(name):
        return None
    for candidate in language_candidates(language, fallback=False):
        for root in prompt_roots(base):
            source = root / "recordings" / candidate / f"{name}.wav"
            if source.is_file():
                return source
    return None


def prompt_audio(
    kind_or_name: str,
    text: str,
    language: str,
    cache_dir: Path,
    base: PromptRoots = None,
    *,
    name_key: bytes,
    espeak: str = "espeak-ng",
    sox: str = "sox",
    words_per_minute: int | None = None,
) -> Path:
    """The audio for a prompt: the admin's human recording if there is one, else rendered.

    ``kind_or_name`` is ``Template.prompt_name`` (``generic``, ``notice-not-reached``,
    ``script-appointment``); pass ``Template.language`` as the language.
    """
    recorded = human_recording(kind_or_name, language, base, cache_dir, name_key=name_key,
                               sox=sox)
    if recorded is not None:
        return recorded
    return render_audio(text, language, cache_dir, name_key=name_key, espeak=espeak, sox=sox,
                        words_per_minute=words_per_minute)


def audio_stats(path: Path, *, sox: str = "sox") -> AudioStats:
    """Length, loudness and format of a WAV: what tells a spoken prompt from silence."""
    info = [_run([sox, "--i", flag, str(path)], "sox").stdout.strip()
            for flag in ("-r", "-c", "-D")]
    stat = _run([sox, str(path), "-n", "stat"], "sox").stderr
    rms = _RMS.search(stat)
    try:
        if rms is None:
            raise ValueError("no RMS amplitude")
        return AudioStats(duration_s=float(info[2]), rms=float(rms.group(1)),
                          sample_rate=int(float(info[0])), channels=int(info[1]))
    except ValueError as exc:
        raise PromptError(f"sox reported something unexpected about {path.name}: {exc}") from None


def _name(key: bytes, what: bytes) -> str:
    """A cached file's name: HMAC-SHA256 of what it holds, under the key file's cache key."""
    if len(key) < 16:
        raise ValueError("the prompt cache needs a key of at least 16 bytes")
    return hmac.new(key, what, hashlib.sha256).hexdigest()


def _cached(cache_dir: Path, digest: str, make: Callable[[Path, Path], None]) -> Path:
    """``<cache_dir>/<digest>.wav``, made by ``make(work_dir, out)`` and renamed in place."""
    final = cache_dir / f"{digest}.wav"
    if final.is_file():
        return final
    make_private_folder(cache_dir)
    work = Path(tempfile.mkdtemp(prefix=".render-", dir=cache_dir))
    try:
        out = work / "out.wav"
        make(work, out)
        os.replace(out, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def _run(
    command: Sequence[str], what: str, *, stdin: str | None = None, hide: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run a tool; every way it can fail becomes a PromptError without the prompt text."""
    try:
        done = subprocess.run(list(command), input=stdin, capture_output=True, text=True,
                              encoding="utf-8", errors="replace", timeout=TIMEOUT_S,
                              check=False)
    except FileNotFoundError:
        raise PromptError(f"{what} is not installed (looked for {command[0]})") from None
    except subprocess.TimeoutExpired:
        raise PromptError(f"{what} took longer than {TIMEOUT_S} s and was stopped") from None
    if done.returncode != 0:
        raise PromptError(f"{what} failed (exit {done.returncode}): "
                          f"{_redact(done.stderr, hide)[-300:].strip() or 'no message'}")
    return done


def _redact(stderr: str, text: str) -> str:
    """stderr with any line or word of the prompt text blanked out."""
    pieces = {text, *text.splitlines(), *text.split()}
    for piece in sorted((p for p in pieces if len(p) >= 3), key=len, reverse=True):
        stderr = stderr.replace(piece, "[prompt text]")
    return stderr
