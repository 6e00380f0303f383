"""What the voicemail-script pages do: list, check, save, restore, play, record.

Every change is audited with what it touched (``language=``, ``prompt=``), never the
text or the sound. A text is saved only when the linter passes it
(``editing.verdict``); a recording only when it is what Asterisk plays as it is
(``editing.check_recording``): anything else changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gateway.audit import service as audit
from gateway.errors import BadInput
from gateway.pbx.process import layout_for
from gateway.prompts.audio import human_recording, render_audio
from gateway.prompts.edited import EditedPrompts, PromptRef, Source
from gateway.prompts.editing import (
    Verdict,
    check_recording,
    sample_values,
    verdict,
)
from gateway.prompts.templates import PromptError, render_text
from gateway.web_auth.sessions import WebUser
from gateway.wiring import AppContext


@dataclass(frozen=True)
class Row:
    """One prompt in the list: where its words come from and the linter's verdict."""

    ref: PromptRef
    source: Source
    verdict: Verdict | None


def prompts_of(ctx: AppContext) -> EditedPrompts:
    return EditedPrompts(shipped=ctx.settings.prompts_dir, edits=ctx.settings.edited_prompts)


def rows(ctx: AppContext, language: str) -> list[Row]:
    """The language's prompts; a voicemail's verdict on the text calls use now."""
    prompts = prompts_of(ctx)
    return [Row(ref, prompts.source(ref), current_verdict(ctx, ref) if ref.editable else None)
            for ref in prompts.prompts(language)]


def current_text(ctx: AppContext, ref: PromptRef) -> str:
    return prompts_of(ctx).template(ref).text


def check(ctx: AppContext, ref: PromptRef, text: str) -> Verdict:
    """The linter's verdict on a draft: nothing is saved."""
    return verdict(text, kind=ref.kind, language=ref.language, policy=ctx.policy,
                   roots=prompts_of(ctx).roots)


def current_verdict(ctx: AppContext, ref: PromptRef) -> Verdict:
    return check(ctx, ref, current_text(ctx, ref))


def save(ctx: AppContext, user: WebUser, ref: PromptRef, text: str) -> Verdict:
    """Save a draft only if the linter passes it; the verdict either way (refused: nothing
    was saved)."""
    if not ref.editable:
        raise BadInput("this prompt's text cannot be edited here")
    found = check(ctx, ref, text)
    if not found.passes:
        return found
    with ctx.db.unit_of_work() as session:
        audit.append(session, actor=user.advocate.advocate_id, action="prompt.script.saved",
                     fields=_fields(ref))
        prompts_of(ctx).save_text(ref, text)
    return found


def restore(ctx: AppContext, user: WebUser, ref: PromptRef) -> None:
    """Back to the shipped text (audited even when there was no edit: the admin asked)."""
    with ctx.db.unit_of_work() as session:
        audit.append(session, actor=user.advocate.advocate_id,
                     action="prompt.script.restored", fields=_fields(ref))
        prompts_of(ctx).restore_text(ref)


def upload(ctx: AppContext, user: WebUser, ref: PromptRef, data: bytes) -> None:
    """Store a checked recording of a fixed prompt; a refused one (``PromptError`` with
    ``details["reason"]``) changes nothing."""
    if not ref.recordable:
        raise BadInput("this prompt cannot be replaced by a recording")
    check_recording(data)
    with ctx.db.unit_of_work() as session:
        audit.append(session, actor=user.advocate.advocate_id,
                     action="prompt.recording.uploaded", fields=_fields(ref))
        prompts_of(ctx).save_recording(ref, data)


def remove_recording(ctx: AppContext, user: WebUser, ref: PromptRef) -> None:
    """Back to the rendered text."""
    with ctx.db.unit_of_work() as session:
        audit.append(session, actor=user.advocate.advocate_id,
                     action="prompt.recording.removed", fields=_fields(ref))
        prompts_of(ctx).remove_recording(ref)


def audio(ctx: AppContext, ref: PromptRef) -> Path:
    """A WAV of what a call would play (sample values in the fields), from the cache."""
    if ref.kind == "briefing":  # made per call (alias, code word): no sample to play
        raise PromptError("the briefing is made for each call and has no sample to play")
    prompts = prompts_of(ctx)
    cache = ctx.settings.prompt_cache_dir or layout_for(ctx.settings).sounds / "cache"
    key = ctx.keys.prompt_cache_key
    recorded = human_recording(ref.prompt_name, ref.language, prompts.roots, cache,
                               name_key=key)
    if recorded is not None:
        return recorded
    template = prompts.template(ref)
    values = sample_values(policy=ctx.policy, callback_number=ctx.settings.masked.e164)
    text = render_text(template, values, allow_organisation=True, allow_number=True)
    return render_audio(text, template.language, cache, name_key=key)


def _fields(ref: PromptRef) -> list[str]:
    """What was touched, as the audit log's field names (``lang.en``, ``prompt.generic``):
    it takes names, never values, so a '-' is written '_'."""
    return [f"lang.{ref.language}".replace("-", "_"),
            f"prompt.{ref.prompt_name}".replace("-", "_")]
