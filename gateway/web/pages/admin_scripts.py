"""Admin pages for the voicemail scripts: list, check and save, play, record.

Thin: read the request, call ``script_services``, render. Addresses name a language
and a prompt (``generic``, ``script-appointment``, ``notice-not-reached``): never a
participant. Check shows the linter's verdict on a draft and saves nothing; Save
saves only what the linter passes (422 with the verdict otherwise).
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from gateway.errors import BadInput
from gateway.prompts.edited import PromptRef
from gateway.prompts.editing import (
    MAX_RECORDING_BYTES,
    MAX_SCRIPT_CHARS,
    RECORDING_MAX_S,
    RECORDING_MIN_S,
    Verdict,
    refused_recording,
)
from gateway.prompts.templates import PromptError
from gateway.web.pages import script_services as services
from gateway.web.pages import script_words as words
from gateway.web.pages.admin_frame import render_admin
from gateway.web.pages.render import Notice, translator_for
from gateway.web.pages.session import AdminSignedIn, CheckedForm, context_of, form_text
from gateway.web.pages.upload_form import CheckedUpload, uploaded_bytes

router = APIRouter(prefix="/admin", include_in_schema=False)

SECTION: Final = "scripts"


@router.get("/scripts")
def scripts_list(request: Request, _admin: AdminSignedIn) -> HTMLResponse:
    ctx = context_of(request)
    t = translator_for(request)
    prompts = services.prompts_of(ctx)
    languages = [(language, [words.row_view(t, row) for row in services.rows(ctx, language)])
                 for language in prompts.languages()]
    return render_admin(request, "admin/scripts.html", section=SECTION, languages=languages)


@router.get("/scripts/{language}/{prompt}")
def script_page(language: str, prompt: str, request: Request, _admin: AdminSignedIn,
                done: str = "") -> HTMLResponse:
    ctx = context_of(request)
    ref = services.prompts_of(ctx).find(language, prompt)
    notice = words.done_notice(translator_for(request), done)
    return _page(request, ref, text=services.current_text(ctx, ref),
                 verdict=services.current_verdict(ctx, ref) if ref.editable else None,
                 notice=notice)


@router.post("/scripts/{language}/{prompt}/check")
def script_check(language: str, prompt: str, request: Request, _admin: AdminSignedIn,
                 form: CheckedForm) -> HTMLResponse:
    ctx = context_of(request)
    ref = _editable(request, language, prompt)
    text = form_text(form, "text")
    return _page(request, ref, text=text, verdict=services.check(ctx, ref, text),
                 notice=None, checked=True)


@router.post("/scripts/{language}/{prompt}/save", response_model=None)
def script_save(language: str, prompt: str, request: Request, admin: AdminSignedIn,
                form: CheckedForm) -> Response:
    ctx = context_of(request)
    ref = _editable(request, language, prompt)
    text = form_text(form, "text")
    found = services.save(ctx, admin, ref, text)
    if not found.passes:
        t = translator_for(request)
        return _page(request, ref, text=text, verdict=found, status_code=422,
                     notice=Notice("error", t("admin_scripts.notice.refused")), checked=True)
    return _back(ref, "saved")


@router.post("/scripts/{language}/{prompt}/restore")
def script_restore(language: str, prompt: str, request: Request, admin: AdminSignedIn,
                   _form: CheckedForm) -> RedirectResponse:
    ref = _editable(request, language, prompt)
    services.restore(context_of(request), admin, ref)
    return _back(ref, "restored")


@router.get("/scripts/{language}/{prompt}/audio")
def script_audio(language: str, prompt: str, request: Request,
                 _admin: AdminSignedIn) -> FileResponse:
    """The prompt as a call would play it (sample values), for the page's audio player."""
    ctx = context_of(request)
    ref = services.prompts_of(ctx).find(language, prompt)
    path = services.audio(ctx, ref)
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "no-store"})


@router.post("/scripts/{language}/{prompt}/recording", response_model=None)
async def recording_upload(language: str, prompt: str, request: Request,
                           admin: AdminSignedIn, form: CheckedUpload) -> Response:
    ctx = context_of(request)
    ref = services.prompts_of(ctx).find(language, prompt)
    t = translator_for(request)
    data = await uploaded_bytes(form, "recording", MAX_RECORDING_BYTES)
    try:
        if data is None or not data:
            raise refused_recording("missing")
        services.upload(ctx, admin, ref, data)
    except PromptError as refused:
        notice = Notice("error", words.recording_refused(t, str(refused.details.get(
            "reason", ""))))
        return _page(request, ref, text=services.current_text(ctx, ref),
                     verdict=services.current_verdict(ctx, ref) if ref.editable else None,
                     notice=notice, status_code=422)
    return _back(ref, "uploaded")


@router.post("/scripts/{language}/{prompt}/recording/remove")
def recording_remove(language: str, prompt: str, request: Request, admin: AdminSignedIn,
                     _form: CheckedForm) -> RedirectResponse:
    ctx = context_of(request)
    ref = services.prompts_of(ctx).find(language, prompt)
    services.remove_recording(ctx, admin, ref)
    return _back(ref, "removed")


def _editable(request: Request, language: str, prompt: str) -> PromptRef:
    ref = services.prompts_of(context_of(request)).find(language, prompt)
    if not ref.editable:
        raise BadInput("this prompt's text cannot be edited here")
    return ref


def _back(ref: PromptRef, done: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/scripts/{ref.language}/{ref.prompt_name}?done={done}",
                            status_code=303)


def _page(request: Request, ref: PromptRef, *, text: str, verdict: Verdict | None,
          notice: Notice | None, status_code: int = 200, checked: bool = False
          ) -> HTMLResponse:
    ctx = context_of(request)
    t = translator_for(request)
    prompts = services.prompts_of(ctx)
    return render_admin(
        request, "admin/script.html", section=SECTION, status_code=status_code,
        ref=ref, title=words.prompt_title(t, ref), source=words.source_words(
            t, prompts.source(ref)), text=text, notice=notice, checked=checked,
        verdict=words.verdict_view(t, verdict) if verdict is not None else None,
        playable=ref.kind != "briefing",
        uploaded=prompts.uploaded(ref).is_file(),
        max_chars=MAX_SCRIPT_CHARS, min_s=int(RECORDING_MIN_S), max_s=int(RECORDING_MAX_S))
