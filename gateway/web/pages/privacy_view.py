"""What the privacy page and a run's page show, read from the self-test records.

Why here and not in the templates: the lock, the history and a run's progress are
words an admin acts on, built from verdicts only (``privacy_words``); the templates
lay them out. Times are on the admin's own clock (``when.moment``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.callerid import CallerIdMode
from gateway.selftest import records
from gateway.selftest.locks import MODES
from gateway.storage.tables import SelftestResultRow, as_utc
from gateway.web.pages import privacy_words as words
from gateway.web.pages.admin_frame import lock_reason, mode_name
from gateway.web.pages.catalogue import Translator
from gateway.web.pages.when import moment
from gateway.wiring import AppContext

#: How many of a mode's runs the privacy page lists.
HISTORY = 20


@dataclass(frozen=True)
class ResultLine:
    """One mode's verdict in one run, in words."""

    mode: str
    mode_name: str
    verdict: str  # pass | fail | inconclusive (for the tag's look, not shown as is)
    verdict_text: str
    reason: str | None
    when: str
    trigger: str


@dataclass(frozen=True)
class ModeView:
    mode: str
    name: str
    locked: bool
    lock_reason: str | None
    #: When the verdict that locked it landed (a failure, an inconclusive run), or None.
    locked_since: str | None
    #: The lock is for a failure: only then is "Clear" offered.
    failed: bool
    #: A run passed after the failure, so clearing will be accepted.
    clearable: bool
    last: ResultLine | None
    last_age: str | None
    history: list[ResultLine]


def result_line(t: Translator, row: SelftestResultRow, zone: str) -> ResultLine:
    return ResultLine(
        mode=row.mode, mode_name=mode_name(t, row.mode), verdict=row.verdict,
        verdict_text=words.verdict_words(t, row.verdict),
        reason=words.reason_words(t, row.verdict, row.failed_check, row.leaked_role),
        when=moment(t, as_utc(row.at), zone), trigger=words.trigger_words(t, row.trigger))


def modes(ctx: AppContext, t: Translator, *, zone: str, now: datetime) -> list[ModeView]:
    """Each mode's lock, last verdict and recent history."""
    causes = ctx.privacy_locks().causes()
    views = []
    with ctx.db.unit_of_work() as session:
        for mode in MODES:
            rows = records.recent(session, mode, limit=HISTORY)
            cause = causes[mode]
            failed = cause is not None and cause.value == "failed"
            history = [result_line(t, row, zone) for row in rows]
            cause_row = _cause_row(rows, cause.value if cause is not None else None)
            views.append(ModeView(
                mode=mode.value, name=mode_name(t, mode.value), locked=cause is not None,
                lock_reason=lock_reason(t, cause.value) if cause is not None else None,
                locked_since=(moment(t, as_utc(cause_row.at), zone)
                              if cause_row is not None else None),
                failed=failed,
                clearable=failed and records.passed_since_last_failure(session, mode),
                last=history[0] if history else None,
                last_age=words.age_words(t, as_utc(rows[0].at), now) if rows else None,
                history=history))
    return views


def _cause_row(rows: list[SelftestResultRow], cause: str | None) -> SelftestResultRow | None:
    """The newest run that locked the mode: its last failure, or the inconclusive run."""
    wanted = {"failed": "fail", "inconclusive": "inconclusive"}.get(cause or "")
    return next((row for row in rows if row.verdict == wanted), None)


@dataclass(frozen=True)
class RunView:
    """A run's progress: each mode's verdict as it lands, "testing" for the others."""

    run_id: str
    done: bool
    results: list[ResultLine]
    waiting: list[str]  # names of the modes still being tested

    def text(self, t: Translator) -> str:
        """The status region's words, one line per mode (live.js replaces them whole)."""
        lines = [t("admin_privacy.run.line", mode=line.mode_name, verdict=line.verdict_text)
                 + (f" {line.reason}" if line.reason else "") for line in self.results]
        lines += [t("admin_privacy.run.testing", mode=name) for name in self.waiting]
        if self.done:
            lines.append(t("admin_privacy.run.done") if self.results
                         else t("admin_privacy.run.nothing"))
        return "\n".join(lines)


def run(ctx: AppContext, t: Translator, run_id: str, *, zone: str) -> RunView | None:
    """The run's verdicts so far; None when this process knows no such run."""
    with ctx.db.unit_of_work() as session:
        rows = records.run_results(session, run_id)
        results = [result_line(t, row, zone) for row in rows]
    done = not ctx.selftest_runs.running(run_id)
    if not rows and done and ctx.selftest_runs.modes(run_id) is None:
        return None
    tested = {row.mode for row in rows}
    asked = ctx.selftest_runs.modes(run_id) or MODES
    waiting = [] if done else [mode_name(t, m.value) for m in asked if m.value not in tested]
    return RunView(run_id, done, results, waiting)


def mode_of(value: str) -> CallerIdMode | None:
    """A mode posted by a form, or None when it is not one the self-test proves."""
    return next((mode for mode in MODES if mode.value == value), None)
