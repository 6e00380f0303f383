"""The admin participant form as data: what was posted, read into the services' input.

Pure: no database. Why a module of its own: the form is read three ways (check,
add more rows, save) and every way must treat secrets alike. The phone number, the
code word and the cover reason are read from the post but never kept in ``Form``
(what is rendered back), so no page ever shows them; blank means "keep what is on
file". Weekly windows are typed as rows of (days, from, to) and checked row by row,
then pairwise for overlaps, each with its reason: overlapping windows are refused,
never merged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from starlette.datastructures import FormData

from gateway.domain.windows import Window, WindowSpecError, check_no_overlap, parse_window_spec

#: Empty window rows offered, and how many "add more rows" adds.
SPARE_ROWS: Final = 2
#: The records allow 28 window specs.
MAX_ROWS: Final = 28
#: Select values meaning "not set: the agency's default applies".
DEFAULT: Final = ""


@dataclass(frozen=True)
class WindowRow:
    """One typed row; ``spec`` is ``DAYS HH:MM-HH:MM`` (empty for a blank row)."""

    days: str = ""
    start: str = ""
    end: str = ""

    @property
    def blank(self) -> bool:
        return not (self.days.strip() or self.start.strip() or self.end.strip())

    @property
    def spec(self) -> str:
        end = "24:00" if self.start.strip() == self.end.strip() == "00:00" else self.end.strip()
        return f"{self.days.strip().lower()} {self.start.strip()}-{end}"


@dataclass(frozen=True)
class Form:
    """What the form shows: every field as typed, except the secrets."""

    alias: str = ""
    timezone: str = ""
    rows: tuple[WindowRow, ...] = ()
    voicemail: str = DEFAULT
    voicemail_script: str = ""
    voicemail_may_name_organisation: bool = False
    voicemail_may_include_number: bool = False
    on_drop: str = DEFAULT
    callback_delay_min: str = ""
    callback_attempts: str = ""
    caller_id: str = DEFAULT
    masked_fallback: bool = False
    if_other_answers: str = DEFAULT
    other_pause_days: str = ""
    language: str = ""
    pause_until: str = ""
    code_word_clear: bool = False
    cover_reason_clear: bool = False


@dataclass(frozen=True)
class Secrets:
    """The secrets typed in this post (blank: keep what is on file); never rendered."""

    phone: str = ""
    code_word: str = ""
    cover_reason: str = ""


@dataclass(frozen=True)
class WindowCheck:
    """The rows read as windows, and what is wrong with them (row errors, overlaps)."""

    windows: tuple[Window, ...] = ()
    specs: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default_factory=tuple)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _texts(form: FormData, name: str) -> list[str]:
    return [value if isinstance(value, str) else "" for value in form.getlist(name)]


def read_rows(form: FormData) -> tuple[WindowRow, ...]:
    days, starts, ends = (_texts(form, name) for name in ("win_days", "win_from", "win_to"))
    count = min(max(len(days), len(starts), len(ends)), MAX_ROWS)

    def at(values: list[str], i: int) -> str:
        return values[i] if i < len(values) else ""

    return tuple(WindowRow(at(days, i), at(starts, i), at(ends, i)) for i in range(count))


def read_form(form: FormData) -> tuple[Form, Secrets]:
    """The post as a ``Form`` (shown back) and its ``Secrets`` (never shown)."""
    shown = Form(
        alias=_text(form, "alias"), timezone=_text(form, "timezone"), rows=read_rows(form),
        voicemail=_text(form, "voicemail"), voicemail_script=_text(form, "voicemail_script"),
        voicemail_may_name_organisation=bool(_text(form, "voicemail_may_name_organisation")),
        voicemail_may_include_number=bool(_text(form, "voicemail_may_include_number")),
        on_drop=_text(form, "on_drop"), callback_delay_min=_text(form, "callback_delay_min"),
        callback_attempts=_text(form, "callback_attempts"), caller_id=_text(form, "caller_id"),
        masked_fallback=bool(_text(form, "masked_fallback")),
        if_other_answers=_text(form, "if_other_answers"),
        other_pause_days=_text(form, "other_pause_days"), language=_text(form, "language"),
        pause_until=_text(form, "pause_until"),
        code_word_clear=bool(_text(form, "code_word_clear")),
        cover_reason_clear=bool(_text(form, "cover_reason_clear")))
    secrets = Secrets(phone=_text(form, "phone"), code_word=_text(form, "code_word"),
                      cover_reason=_text(form, "cover_reason"))
    return shown, secrets


def with_spare_rows(form: Form, spare: int = SPARE_ROWS) -> Form:
    """The form with its typed rows and ``spare`` blank ones (up to the records' limit)."""
    typed = tuple(row for row in form.rows if not row.blank)
    blanks = max(0, min(spare, MAX_ROWS - len(typed)))
    return Form(**{**form.__dict__, "rows": typed + (WindowRow(),) * blanks})


def check_windows(rows: tuple[WindowRow, ...]) -> WindowCheck:
    """Each non-blank row parsed (its error named with its row number), then every pair
    of windows checked for overlap, every overlap listed with its reason."""
    problems: list[str] = []
    windows: list[Window] = []
    specs: list[str] = []
    for number, row in enumerate(rows, start=1):
        if row.blank:
            continue
        try:
            parsed = parse_window_spec(row.spec)
        except WindowSpecError as exc:
            problems.append(f"row {number}: {exc}")
            continue
        windows.extend(parsed)
        specs.append(row.spec)
    ordered = sorted(windows)
    for i, first in enumerate(ordered):
        for second in ordered[i + 1:]:
            try:
                check_no_overlap([first, second])
            except WindowSpecError as exc:
                problems.append(str(exc))
    return WindowCheck(tuple(ordered), tuple(specs), tuple(problems))


def pause_date(form: Form) -> date | None:
    """The pause's day if it reads as one (the services check it again on save)."""
    try:
        return date.fromisoformat(form.pause_until) if form.pause_until else None
    except ValueError:
        return None


def _number(text: str) -> int | str | None:
    """A whole number typed, else the text (the services refuse it with its field)."""
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 7 else text


def _voicemail(form: Form) -> str | None:
    if form.voicemail == "script":
        return f"script:{form.voicemail_script}"
    return form.voicemail or None


def _other_answers(form: Form) -> str | None:
    if form.if_other_answers == "pause":
        return f"pause:{form.other_pause_days}"
    return form.if_other_answers or None


def changes(form: Form, secrets: Secrets, specs: tuple[str, ...], *, creating: bool
            ) -> dict[str, Any]:
    """The input for ``NewParticipant`` (``creating``) or ``ParticipantFields``.

    Every preference is given, a default as None (so going back to a default is a
    change); on creation, defaults are left out. Secrets left blank are left out
    (kept), unless their "remove" box is ticked.
    """
    data: dict[str, Any] = {
        "alias": form.alias, "timezone": form.timezone, "windows": list(specs),
        "voicemail": _voicemail(form), "on_drop": form.on_drop or None,
        "caller_id": form.caller_id or None, "if_other_answers": _other_answers(form),
        "language": form.language or None, "pause_until": form.pause_until or None,
        "masked_fallback": form.masked_fallback,
        "voicemail_may_name_organisation": form.voicemail_may_name_organisation,
        "voicemail_may_include_number": form.voicemail_may_include_number,
    }
    if form.on_drop == "callback":
        data["callback_delay_min"] = _number(form.callback_delay_min)
        data["callback_attempts"] = _number(form.callback_attempts)
    for name, typed, clear in (("phone", secrets.phone, False),
                               ("code_word", secrets.code_word, form.code_word_clear),
                               ("cover_reason", secrets.cover_reason, form.cover_reason_clear)):
        if typed:
            data[name] = typed
        elif clear and not creating:
            data[name] = None
    if creating:
        data = {name: value for name, value in data.items()
                if value not in (None, False) or name in ("alias", "timezone")}
        data.setdefault("phone", "")
    return data


def form_of(view: Mapping[str, Any], stored: Mapping[str, Any]) -> Form:
    """The form for a participant on file: ``participant_view``'s record, and what it
    bounds or reformats as stored (``windows`` specs, ``callback_delay_min``,
    ``callback_attempts``); defaults show as "not set"."""
    voicemail = "" if "note" in view["voicemail"] else str(view["voicemail"]["value"])
    other = "" if "note" in view["if_other_answers"] else str(view["if_other_answers"]["value"])
    on_drop = view["on_drop"]
    return Form(
        alias=str(view["alias"]), timezone=str(view["timezone"]),
        rows=tuple(_row_of(spec) for spec in stored["windows"]),
        voicemail=voicemail.partition(":")[0], voicemail_script=voicemail.partition(":")[2],
        voicemail_may_name_organisation=bool(view["voicemail_may_name_organisation"]),
        voicemail_may_include_number=bool(view["voicemail_may_include_number"]),
        on_drop="" if "note" in on_drop else str(on_drop["value"]),
        callback_delay_min=str(stored["callback_delay_min"] or ""),
        callback_attempts=str(stored["callback_attempts"] or ""),
        caller_id="" if "note" in view["caller_id"] else str(view["caller_id"]["value"]),
        masked_fallback=bool(view["masked_fallback"]),
        if_other_answers=other.partition(":")[0], other_pause_days=other.partition(":")[2],
        language=str(view["language"] or ""), pause_until=str(view["pause_until"] or ""))


def _row_of(spec: str) -> WindowRow:
    """A stored spec (``mon-fri 09:00-17:00``) as a row."""
    days, _, times = spec.strip().rpartition(" ")
    start, _, end = times.partition("-")
    return WindowRow(days, start, end)
