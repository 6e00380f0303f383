"""The advocate's own pending call-backs, and cancelling one (from this page or a card)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse

from gateway.web.pages import advocate_services as services
from gateway.web.pages.card import callback_line
from gateway.web.pages.render import Notice, render, translator_for
from gateway.web.pages.session import CheckedForm, SignedIn, context_of, form_text

router = APIRouter(include_in_schema=False)

#: A participant id to return to after cancelling from their card (never a free address).
_PARTICIPANT_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


@router.get("/callbacks")
def callbacks_page(request: Request, user: SignedIn,
                   cancelled: bool = False) -> HTMLResponse:
    ctx = context_of(request)
    t = translator_for(request)
    zone = user.advocate.timezone
    items = [callback_line(t, item, zone) for item in services.pending_callbacks(ctx, user)]
    notice = Notice("info", t("callbacks.cancelled")) if cancelled else None
    return render(request, "advocate/callbacks.html", items=items, zone=zone, notice=notice)


@router.post("/callbacks/{callback_id}/cancel")
def cancel_callback(callback_id: str, request: Request, user: SignedIn, form: CheckedForm
                    ) -> RedirectResponse:
    """Cancel, then back to where the advocate pressed it (303), which says so."""
    ctx = context_of(request)
    services.cancel_callback(ctx, user, callback_id)
    back = form_text(form, "participant_id")
    if _PARTICIPANT_ID.fullmatch(back):
        return RedirectResponse(f"/participants/{back}?cancelled=1", status_code=303)
    return RedirectResponse("/callbacks?cancelled=1", status_code=303)
