"""The voicemail-script pages' words: kinds, sources, verdicts and refusals, translated.

Every key is written out in its own call of ``t`` (the catalogue test reads them), picked from
a dict by the code it stands for.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.prompts.edited import PromptRef, Source
from gateway.prompts.editing import Verdict
from gateway.web.pages.catalogue import Translator
from gateway.web.pages.render import Notice
from gateway.web.pages.script_services import Row


@dataclass(frozen=True)
class VerdictView:
    passes: bool
    summary: str
    problems: list[str]
    allowed: str


@dataclass(frozen=True)
class RowView:
    address: str
    title: str
    source: str
    verdict: str


def prompt_title(t: Translator, ref: PromptRef) -> str:
    if ref.kind == "script":
        return t("admin_scripts.kind.script", name=ref.name or "")
    return {
        "generic": t("admin_scripts.kind.generic"),
        "briefing": t("admin_scripts.kind.briefing"),
        "notice-voicemail-left": t("admin_scripts.kind.notice-voicemail-left"),
        "notice-voicemail-not-left": t("admin_scripts.kind.notice-voicemail-not-left"),
        "notice-not-reached": t("admin_scripts.kind.notice-not-reached"),
    }[ref.kind]


def source_words(t: Translator, source: Source) -> str:
    return {
        "shipped": t("admin_scripts.source.shipped"),
        "edited": t("admin_scripts.source.edited"),
        "recording": t("admin_scripts.source.recording"),
    }[source]


def problem_words(t: Translator, code: str) -> str:
    return {
        "too-long": t("admin_scripts.problem.too-long"),
        "empty": t("admin_scripts.problem.empty"),
        "fields": t("admin_scripts.problem.fields"),
        "names-organisation": t("admin_scripts.problem.names-organisation"),
        "contains-number": t("admin_scripts.problem.contains-number"),
        "no-name": t("admin_scripts.problem.no-name", field="{advocate_name}"),
        "no-reason": t("admin_scripts.problem.no-reason"),
    }.get(code, code)


def verdict_view(t: Translator, verdict: Verdict) -> VerdictView:
    summary = t("admin_scripts.verdict.passes") if verdict.passes \
        else t("admin_scripts.verdict.refused")
    allowed = ", ".join("{" + name + "}" for name in sorted(verdict.allowed))
    return VerdictView(verdict.passes, summary,
                       [problem_words(t, code) for code in verdict.problems], allowed)


def row_view(t: Translator, row: Row) -> RowView:
    if row.verdict is None:
        said = t("admin_scripts.verdict.not_voicemail")
    elif row.verdict.passes:
        said = t("admin_scripts.verdict.passes")
    else:
        said = t("admin_scripts.verdict.refused") + " " + " ".join(
            problem_words(t, code) for code in row.verdict.problems)
    if row.source == "recording":
        said = t("admin_scripts.verdict.recording")
    return RowView(f"/admin/scripts/{row.ref.language}/{row.ref.prompt_name}",
                   prompt_title(t, row.ref), source_words(t, row.source), said)


def done_notice(t: Translator, done: str) -> Notice | None:
    text = {
        "saved": t("admin_scripts.notice.saved"),
        "restored": t("admin_scripts.notice.restored"),
        "uploaded": t("admin_scripts.notice.uploaded"),
        "removed": t("admin_scripts.notice.removed"),
    }.get(done)
    return Notice("info", text) if text else None


def recording_refused(t: Translator, reason: str) -> str:
    return {
        "missing": t("admin_scripts.recording.missing"),
        "too-large": t("admin_scripts.recording.too-large"),
        "not-wav": t("admin_scripts.recording.not-wav"),
        "not-pcm": t("admin_scripts.recording.not-pcm"),
        "wrong-format": t("admin_scripts.recording.wrong-format"),
        "truncated": t("admin_scripts.recording.truncated"),
        "too-short": t("admin_scripts.recording.too-short"),
        "too-long": t("admin_scripts.recording.too-long"),
    }.get(reason, t("admin_scripts.recording.not-pcm"))
