"""The admin's privacy proof: each mode's lock and self-test history, "Run now", "Clear".

Thin: read the request, call one service, render. "Run now" starts the run in the
background exactly as ``POST /api/selftest`` does (``SelftestRuns.start_on_demand``)
and sends the browser to the run's page, whose status region is complete as served
(with a plain "Refresh" link) and follows ``/admin/privacy/runs/{id}/events`` with
``static/js/live.js``, as the advocate's call page does. "Clear" is
``PrivacyLocks.clear``: refused, nothing changed, while no pass followed the failure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from gateway.errors import BadInput, NotFound
from gateway.selftest.locks import MODES, LockNotClearable
from gateway.web.pages import privacy_view as view
from gateway.web.pages.admin_frame import mode_name, render_admin
from gateway.web.pages.event_stream import event, event_stream
from gateway.web.pages.privacy_words import max_age_words
from gateway.web.pages.render import Notice, translator_for
from gateway.web.pages.session import AdminSignedIn, CheckedForm, context_of, form_text, now
from gateway.web_auth.sessions import WebUser

router = APIRouter(prefix="/admin", include_in_schema=False)

NO_SUCH_RUN = "no such self-test run started since SafeDial started"
#: The "Run now" choice that tests every mode.
ALL_MODES = "all"


def privacy_page(request: Request, user: WebUser, *, status_code: int = 200,
                 notice: Notice | None = None) -> HTMLResponse:
    ctx = context_of(request)
    t = translator_for(request)
    modes = view.modes(ctx, t, zone=user.advocate.timezone, now=now())
    return render_admin(request, "admin/privacy.html", section="privacy",
                        status_code=status_code, modes=modes, notice=notice,
                        required=ctx.settings.selftest_required,
                        max_age=max_age_words(t, ctx.policy.selftest.max_age))


@router.get("/privacy")
def privacy(request: Request, user: AdminSignedIn, cleared: str = "") -> HTMLResponse:
    mode = view.mode_of(cleared)
    notice = None
    if mode is not None:
        t = translator_for(request)
        notice = Notice("info", t("admin_privacy.clear.done",
                                  mode=mode_name(t, mode.value)))
    return privacy_page(request, user, notice=notice)


@router.post("/privacy/run")
async def run_now(request: Request, user: AdminSignedIn, form: CheckedForm) -> Response:
    """Start a self-test (every mode, or the one chosen) and show its progress."""
    t = translator_for(request)
    chosen = form_text(form, "mode") or ALL_MODES
    mode = view.mode_of(chosen)
    if mode is None and chosen != ALL_MODES:
        notice = Notice("error", t("admin_privacy.run.bad_mode"))
        return await run_in_threadpool(privacy_page, request, user, status_code=422,
                                       notice=notice)
    ctx = context_of(request)
    try:
        run_id = ctx.selftest_runs.start_on_demand(
            ctx.selftest(), [mode] if mode is not None else list(MODES),
            actor=user.advocate_id)
    except BadInput:
        notice = Notice("error", t("admin_privacy.run.no_canary"))
        return await run_in_threadpool(privacy_page, request, user, status_code=422,
                                       notice=notice)
    return RedirectResponse(f"/admin/privacy/runs/{run_id}", status_code=303)


@router.get("/privacy/runs/{run_id}")
def run_page(run_id: str, request: Request, user: AdminSignedIn) -> HTMLResponse:
    ctx = context_of(request)
    t = translator_for(request)
    progress = view.run(ctx, t, run_id, zone=user.advocate.timezone)
    if progress is None:
        raise NotFound(NO_SUCH_RUN)
    return render_admin(request, "admin/privacy_run.html", section="privacy",
                        run=progress, status=progress.text(t))


@router.get("/privacy/runs/{run_id}/events")
def run_events(run_id: str, request: Request, user: AdminSignedIn) -> StreamingResponse:
    """The status region's words ``{"text", "done"}`` after each verdict, until done."""
    ctx = context_of(request)
    t = translator_for(request)
    zone = user.advocate.timezone
    if view.run(ctx, t, run_id, zone=zone) is None:
        raise NotFound(NO_SUCH_RUN)

    async def events() -> AsyncIterator[str]:
        async for _ in ctx.selftest_runs.changes(run_id):
            progress = await run_in_threadpool(view.run, ctx, t, run_id, zone=zone)
            if progress is None:
                return
            yield event(progress.text(t), done=progress.done)
            if progress.done:
                return

    return event_stream(events())


@router.post("/privacy/clear")
def clear_lock(request: Request, user: AdminSignedIn, form: CheckedForm) -> Response:
    """Clear a mode's failure lock; refused (409, nothing changed) until a pass followed."""
    t = translator_for(request)
    mode = view.mode_of(form_text(form, "mode"))
    if mode is None:
        return privacy_page(request, user, status_code=422,
                            notice=Notice("error", t("admin_privacy.clear.bad_mode")))
    name = mode_name(t, mode.value)
    try:
        cleared = context_of(request).privacy_locks().clear(mode=mode, actor=user.advocate_id)
    except LockNotClearable:
        return privacy_page(request, user, status_code=409, notice=Notice(
            "error", t("admin_privacy.clear.refused", mode=name)))
    if not cleared:
        return privacy_page(request, user, status_code=409, notice=Notice(
            "error", t("admin_privacy.clear.nothing", mode=name)))
    return RedirectResponse(f"/admin/privacy?cleared={mode.value}", status_code=303)
