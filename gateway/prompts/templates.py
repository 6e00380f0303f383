"""Prompt templates per language: loading with fallback, and safe rendering.

A template is a text file under ``prompts/<lang>/`` with ``str.format``-style named
fields (``{advocate_name}``). Lines starting with ``#`` are notes for whoever edits the
file and are never spoken. Fields are checked when the file is loaded: only plain names
from the kind's list are accepted (no ``{0}``, ``{x.attr}``, ``{x!r}``, ``{x:>99}``), so
an edited file cannot reach into Python objects or pad a prompt to megabytes.

Practice-guide rule 2: a voicemail never says the organisation or a phone number unless
the participant agreed. A template that uses ``{organisation}`` or ``{callback_number}``
therefore refuses to render unless the caller says it is allowed.
"""

from __future__ import annotations

import re
import string
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gateway.domain.policy import DEFAULT_CALLBACK_LIMITS, CallbackLimits, effective_drop_rule
from gateway.domain.preferences import (
    DropProtocolKind,
    DropRule,
    VoicemailKind,
    VoicemailRule,
)
from gateway.errors import BadInput

VOICEMAIL_FIELDS = frozenset({"advocate_name", "callback_hours", "organisation", "callback_number"})
KIND_FIELDS: Mapping[str, frozenset[str]] = {
    "generic": VOICEMAIL_FIELDS,
    "script": VOICEMAIL_FIELDS,
    "briefing": frozenset({"alias", "advocate_name", "voicemail_rule", "drop_rule",
                           "code_word_note", "other_person_note"}),
    "notice-voicemail-left": frozenset({"alias"}),
    "notice-voicemail-not-left": frozenset({"alias"}),
    "notice-not-reached": frozenset({"alias"}),
}
KINDS = frozenset(KIND_FIELDS)
FALLBACK_LANGUAGE = "en"

_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# Bidi embeddings/overrides/isolates: meaningless in speech, a known way to disguise text.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class PromptError(BadInput):
    """A prompt cannot be loaded, rendered, passed by the linter, or turned into audio."""

    error_id = "prompt-error"


@dataclass(frozen=True)
class Template:
    """One prompt file, with the language actually used after fallback."""

    kind: str
    language: str
    text: str
    fields: frozenset[str]
    path: Path
    name: str | None = None

    @property
    def prompt_name(self) -> str:
        """The name a human recording of this prompt goes by: the kind, or ``script-NAME``."""
        return f"script-{self.name}" if self.name else self.kind

    def describe(self) -> str:
        what = f"script {self.name}" if self.name else f"{self.kind} prompt"
        return f"the {what} ({self.language})"


#: The prompts shipped with the project; ``SAFEDIAL_PROMPTS_DIR`` (settings) names others.
SHIPPED_PROMPTS = Path(__file__).resolve().parents[2] / "prompts"

#: Where prompts are looked up: one folder, folders in order (the first that has a file
#: for a language wins: admins' edits before the shipped text), or None for the shipped.
PromptRoots = Path | Sequence[Path] | None


def prompt_roots(base: PromptRoots) -> list[Path]:
    """The folders ``base`` names, in the order they are searched."""
    if base is None:
        return [SHIPPED_PROMPTS]
    if isinstance(base, Path):
        return [base]
    return list(base)


def language_candidates(language: str, *, fallback: bool = True) -> list[str]:
    """Exact tag, then primary subtag, then (with ``fallback``) English.

    ``pa-Guru`` -> pa-Guru, pa, en. A tag that is not one (``../en``) is a PromptError,
    so a language never becomes a path outside the prompts folder.
    """
    tag = language.strip().replace("_", "-")
    if not _LANGUAGE_TAG.fullmatch(tag):
        raise PromptError("the language is not a language tag such as en, fr or pa-Guru")
    out: list[str] = []
    last = (FALLBACK_LANGUAGE,) if fallback else ()
    for candidate in (tag, tag.split("-", 1)[0].lower(), *last):
        if candidate not in out:
            out.append(candidate)
    return out


def find_language_file(relative: str, language: str, base: PromptRoots = None) -> Path | None:
    """The first ``<root>/<lang>/<relative>`` that exists, following the fallback order.

    The language comes first: an edit of the English text never stands in for the
    shipped French one; within one language, the roots are tried in their order.
    """
    roots = prompt_roots(base)
    for candidate in language_candidates(language):
        for root in roots:
            path = root / candidate / relative
            if path.is_file():
                return path
    return None


def load_template(
    kind: str, language: str, name: str | None = None, base: PromptRoots = None
) -> Template:
    """Load ``prompts/<lang>/<kind>.txt`` (or ``scripts/<name>.txt`` for ``script``)."""
    if kind not in KINDS:
        raise PromptError(f"unknown prompt kind {kind!r}; kinds: {', '.join(sorted(KINDS))}")
    if (kind == "script") != (name is not None):
        raise PromptError("a script name goes with kind 'script' and nothing else")
    if name is not None and not _SLUG.fullmatch(name):
        raise PromptError("a script name is lower-case letters, digits, '-' or '_'")
    relative = f"scripts/{name}.txt" if name is not None else f"{kind}.txt"
    path = find_language_file(relative, language, base)
    if path is None:
        looked = ", ".join(language_candidates(language))
        if name is not None:
            raise PromptError(
                f"no approved script {name!r} for language {language!r} (looked in {looked}); "
                f"available: {', '.join(available_scripts(language, base)) or 'none'}",
                script=name, language=language)
        raise PromptError(f"no {kind} prompt for language {language!r} (looked in {looked})")
    return _parse(kind, name, path)


def available_scripts(language: str, base: PromptRoots = None) -> list[str]:
    """Names of the approved scripts reachable for this language (with fallback)."""
    names = {p.stem for c in language_candidates(language) for root in prompt_roots(base)
             for p in (root / c / "scripts").glob("*.txt") if _SLUG.fullmatch(p.stem)}
    return sorted(names)


def voicemail_template(
    rule: VoicemailRule, language: str, base: PromptRoots = None
) -> Template | None:
    """The template a voicemail rule leaves, or ``None`` for ``none``."""
    if rule.kind is VoicemailKind.NONE:
        return None
    if rule.kind is VoicemailKind.GENERIC:
        return load_template("generic", language, base=base)
    return load_template("script", language, rule.script, base)


def render_text(
    template: Template,
    values: Mapping[str, str],
    *,
    allow_organisation: bool = False,
    allow_number: bool = False,
) -> str:
    """Fill a template's fields with cleaned values; refuse what was not agreed."""
    if "organisation" in template.fields and not allow_organisation:
        raise PromptError(f"{template.describe()} says the organisation's name, and the "
                          "participant has not agreed to that; choose another script")
    if "callback_number" in template.fields and not allow_number:
        raise PromptError(f"{template.describe()} says a call-back number, and the "
                          "participant has not agreed to that; choose another script")
    cleaned = {field: clean_value(values.get(field, "")) for field in template.fields}
    missing = sorted(field for field, value in cleaned.items() if not value)
    if missing:
        raise PromptError(f"{template.describe()} needs a value for {', '.join(missing)}")
    return unicodedata.normalize("NFC", template.text.format_map(cleaned))


def clean_value(value: str) -> str:
    """NFC text with control and bidi-override characters removed, spaces collapsed."""
    kept = "".join(
        " " if unicodedata.category(ch) == "Cc" else ch
        for ch in unicodedata.normalize("NFC", value)
        if ch not in _BIDI_CONTROLS
    )
    return " ".join(kept.split())


def read_lines(path: Path) -> list[str]:
    """Non-empty, non-comment lines of a prompt file, NFC-normalised."""
    return spoken_lines(path.read_text(encoding="utf-8"))


def spoken_lines(text: str) -> list[str]:
    """Non-empty, non-comment lines of a prompt's text, NFC-normalised."""
    text = unicodedata.normalize("NFC", text)
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def template_fields(text: str, allowed: frozenset[str], where: str) -> frozenset[str]:
    """The named fields in ``text``; PromptError for anything but plain allowed names."""
    try:
        parsed = list(_parse_format(text))
    except ValueError as exc:
        raise PromptError(f"{where}: braces do not match ({exc}); write {{{{ for a brace") from None
    fields: set[str] = set()
    for field, conversion, spec in parsed:
        if conversion or spec or not field.isidentifier():
            raise PromptError(f"{where}: write fields as plain names such as {{advocate_name}}")
        if field not in allowed:
            raise PromptError(f"{where}: {{{field}}} is not available here; "
                              f"available: {', '.join(sorted(allowed))}")
        fields.add(field)
    return frozenset(fields)


def _parse_format(text: str) -> Iterator[tuple[str, str | None, str]]:
    for _literal, field, spec, conversion in string.Formatter().parse(text):
        if field is not None:
            yield field, conversion, spec or ""


def _parse(kind: str, name: str | None, path: Path) -> Template:
    language = path.parent.parent.name if name is not None else path.parent.name
    where = f"{language}/scripts/{path.name}" if name is not None else f"{language}/{path.name}"
    text = "\n".join(read_lines(path))
    if not text:
        raise PromptError(f"{where} is empty")
    fields = template_fields(text, KIND_FIELDS[kind], where)
    return Template(kind=kind, language=language, text=text, fields=fields, path=path, name=name)


# Each phrase in prompts/<lang>/phrases.toml, and the fields it may use.
_PHRASE_FIELDS: Mapping[tuple[str, str], frozenset[str]] = {
    ("voicemail", "none"): frozenset(),
    ("voicemail", "generic"): frozenset(),
    ("voicemail", "script"): frozenset({"name"}),
    ("drop", "wait"): frozenset(),
    ("drop", "callback"): frozenset({"delay", "attempts"}),
    ("drop", "callback_once"): frozenset({"delay"}),
    ("code_word", "on_file"): frozenset(),
    ("code_word", "none"): frozenset(),
    ("briefing", "not_discussed"): frozenset({"phrase"}),
    ("other_person", "none"): frozenset({"keys"}),
    ("other_person", "pause"): frozenset({"keys", "days"}),
    ("other_person", "cover"): frozenset({"keys", "reason"}),
    ("other_person", "cover_pause"): frozenset({"keys", "reason", "days"}),
    ("keys", "star"): frozenset(),
    ("keys", "hash"): frozenset(),
}


def briefing_values(
    alias: str,
    voicemail: VoicemailRule,
    drop: DropRule,
    has_code_word: bool,
    language: str,
    *,
    base: PromptRoots = None,
    limits: CallbackLimits = DEFAULT_CALLBACK_LIMITS,
    voicemail_default: bool = False,
    drop_default: bool = False,
    other_person_keys: str = "*7",
    other_person_pause_days: int | None = None,
    cover_reason: str | None = None,
) -> dict[str, str]:
    """The briefing's fields, in the advocate's language, from ``phrases.toml``.

    ``*_default`` marks a rule that was not yet discussed (the policy default applies),
    which the advocate is told. The call-back's delay and attempts are the bounded ones
    (``effective_drop_rule``), the same the call-back plan uses.
    """
    say = _phrase_book(language, base)
    voicemail_rule = say("voicemail", voicemail.kind.value,
                         name=(voicemail.script or "").replace("-", " ").replace("_", " "))
    if drop.kind is DropProtocolKind.WAIT:
        drop_rule = say("drop", "wait")
    else:
        bounded = effective_drop_rule(drop, limits)
        delay, attempts = bounded.callback_delay_min, bounded.callback_attempts
        key = "callback_once" if attempts == 1 else "callback"
        drop_rule = say("drop", key, delay=str(delay), attempts=str(attempts))
    if voicemail_default:
        voicemail_rule = say("briefing", "not_discussed", phrase=voicemail_rule)
    if drop_default:
        drop_rule = say("briefing", "not_discussed", phrase=drop_rule)
    code_word_note = say("code_word", "on_file" if has_code_word else "none")
    keys = " ".join(say("keys", "star") if key == "*" else say("keys", "hash") if key == "#"
                    else key for key in other_person_keys)
    days = None if other_person_pause_days is None else str(other_person_pause_days)
    if cover_reason:
        reason = clean_value(cover_reason)
        other_person_note = (say("other_person", "cover", keys=keys, reason=reason)
                             if days is None else
                             say("other_person", "cover_pause", keys=keys, reason=reason,
                                 days=days))
    elif days is None:
        other_person_note = say("other_person", "none", keys=keys)
    else:
        other_person_note = say("other_person", "pause", keys=keys, days=days)
    return {"alias": alias, "voicemail_rule": voicemail_rule, "drop_rule": drop_rule,
            "code_word_note": code_word_note, "other_person_note": other_person_note}


class _Say:
    """Looks up and fills one phrase; every phrase is checked when the file is read."""

    def __init__(self, table: Mapping[str, object], where: str) -> None:
        self._phrases: dict[tuple[str, str], str] = {}
        for (section, key), allowed in _PHRASE_FIELDS.items():
            entries = table.get(section)
            phrase = entries.get(key) if isinstance(entries, dict) else None
            if not isinstance(phrase, str) or not phrase.strip():
                raise PromptError(f"{where}: [{section}] {key} is missing")
            template_fields(phrase, allowed, f"{where} [{section}] {key}")
            self._phrases[section, key] = unicodedata.normalize("NFC", phrase.strip())

    def __call__(self, section: str, key: str, **values: str) -> str:
        return self._phrases[section, key].format_map(values)


def _phrase_book(language: str, base: PromptRoots) -> _Say:
    path = find_language_file("phrases.toml", language, base)
    if path is None:
        raise PromptError(f"no phrases.toml for language {language!r}")
    where = f"{path.parent.name}/{path.name}"
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PromptError(f"{where} is not valid TOML: {exc}") from None
    return _Say(table, where)
