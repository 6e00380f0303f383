"""The advocate's participant pages: search, the card, the code-word check, Call.

Thin: read the request, call one service (``advocate_services``), render. The search
is a POST, so no alias reaches an address, the history or a server log; addresses
carry only pseudonymous ids. Every form is checked for the session's CSRF token
(``CheckedForm``) before anything acts on it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from gateway.calls.gate import CallRefused
from gateway.domain.decision import Decision
from gateway.people.code_word import CodeWordThrottled
from gateway.web.pages import advocate_services as services
from gateway.web.pages.card import build_card
from gateway.web.pages.render import Notice, render, translator_for
from gateway.web.pages.session import CheckedForm, SignedIn, context_of, form_text
from gateway.web_auth.sessions import WebUser
from gateway.wiring import AppContext

router = APIRouter(include_in_schema=False)

#: Longer than any alias (the records allow 64 characters).
MAX_QUERY = 100


@router.get("/participants")
def search_page(request: Request, _user: SignedIn) -> HTMLResponse:
    return render(request, "advocate/participants.html", query="", results=None, notice=None)


@router.post("/participants")
def search_results(request: Request, user: SignedIn, form: CheckedForm
                   ) -> HTMLResponse:
    ctx = context_of(request)
    query = form_text(form, "alias").strip()[:MAX_QUERY]
    if not query:
        notice = Notice("error", translator_for(request)("search.empty"))
        return render(request, "advocate/participants.html", status_code=422, query="",
                      results=None, notice=notice)
    results = services.search(ctx, user, query)
    return render(request, "advocate/participants.html", query=query, results=results,
                  notice=None)


def card_page(request: Request, ctx: AppContext, user: WebUser, participant_id: str, *,
              status_code: int = 200, decision: Decision | None = None,
              notice: Notice | None = None, code_word: Notice | None = None,
              headers: dict[str, str] | None = None) -> HTMLResponse:
    """The card as it stands (``decision``: the one just taken, instead of a preview)."""
    facts = services.card_facts(ctx, user, participant_id, decision=decision)
    card = build_card(translator_for(request), facts.view, facts.decision,
                      advocate_zone=user.advocate.timezone, rotation_due=facts.rotation_due,
                      callbacks=facts.callbacks, discussions=facts.discussions)
    page = render(request, "advocate/participant_card.html", status_code=status_code,
                  card=card, notice=notice, code_word=code_word,
                  rotation_days=ctx.policy.code_word_rotation_days)
    page.headers.update(headers or {})
    return page


@router.get("/participants/{participant_id}")
def participant_card(participant_id: str, request: Request, user: SignedIn,
                     cancelled: bool = False) -> HTMLResponse:
    ctx = context_of(request)
    notice = Notice("info", translator_for(request)("card.callback_cancelled")) if cancelled \
        else None
    return card_page(request, ctx, user, participant_id, notice=notice)


@router.post("/participants/{participant_id}/code-word")
def code_word_check(participant_id: str, request: Request, user: SignedIn,
                    form: CheckedForm) -> HTMLResponse:
    """Match or no match; the word typed is never shown back, nor the one on file."""
    ctx = context_of(request)
    t = translator_for(request)
    spoken = form_text(form, "spoken")
    if not spoken.strip():
        return card_page(request, ctx, user, participant_id, status_code=422,
                         code_word=Notice("error", t("code_word.empty")))
    try:
        matched = services.check_code_word(ctx, user, participant_id, spoken)
    except CodeWordThrottled as exc:
        wait = exc.details.get("retry_after_s")
        return card_page(request, ctx, user, participant_id, status_code=429,
                         code_word=Notice("error", t("code_word.throttled")),
                         headers={"Retry-After": wait} if isinstance(wait, str) else None)
    answer = Notice("info", t("code_word.match")) if matched \
        else Notice("error", t("code_word.no_match"))
    return card_page(request, ctx, user, participant_id, code_word=answer)


@router.post("/participants/{participant_id}/call")
async def place_call(participant_id: str, request: Request, user: SignedIn,
                     _form: CheckedForm) -> Response:
    """Allowed: the call starts and the browser follows it (303). Refused: the card
    again with the reasons (409); nothing was placed."""
    ctx = context_of(request)
    try:
        call_id = await services.start_call(ctx, user, participant_id)
    except CallRefused as refused:
        notice = Notice("error", translator_for(request)("card.call_refused"))
        return await run_in_threadpool(card_page, request, ctx, user, participant_id,
                                       status_code=409, decision=refused.decision,
                                       notice=notice)
    return RedirectResponse(f"/calls/{call_id}", status_code=303)
