"""Test-only routes mounted beside the real app in the browser tier and for screenshots.

They show templates without a session (the first-sign-in form, for the screenshots),
a live status region fed by server-sent events through the real middleware stack, and
a page with inline code that the CSP must refuse (so the tests prove they would notice).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, StreamingResponse

from gateway.web.pages.render import Notice, Pages, render

router = APIRouter(prefix="/_demo", include_in_schema=False)

LIVE_STEPS = ("Calling you", "Briefing", "Calling the participant", "Connected",
              "Ended: voicemail left")

_LIVE_PAGE = """{% extends "base.html" %}
{% block title %}Live status{% endblock %}
{% block main %}
<h1>Live status</h1>
<p id="call-status" role="status" data-live-source="{{ source }}"
   data-live-retry="{{ retry }}">Starting</p>
{% endblock %}
"""

INLINE_PAGE = """<!doctype html><html lang="en"><head><title>Inline</title>
<script>document.title = "inline script ran";</script></head>
<body><main><h1 style="color: red">Inline</h1></main></body></html>"""

#: A field without a label and an image without a text: axe must report both.
INACCESSIBLE_PAGE = """<!doctype html><html lang="en"><head><title>Bad</title></head>
<body><main><h1>Bad</h1><form><input type="text" name="who"></form>
<img src="/static/favicon.svg"></main></body></html>"""


@router.get("/first-sign-in")
def first_sign_in(request: Request) -> HTMLResponse:
    return render(request, "change_password.html", form_action="/change-password",
                  username="sam")


@router.get("/first-sign-in-refused")
def first_sign_in_refused(request: Request) -> HTMLResponse:
    return render(request, "change_password.html", form_action="/change-password",
                  username="sam", status_code=422,
                  notice=Notice("error", "The two passwords are not the same."))


@router.get("/live")
def live_page(request: Request) -> HTMLResponse:
    pages: Pages = request.app.state.pages
    return render(request, pages.environment.from_string(_LIVE_PAGE),
                  source="/_demo/live/events", retry=0)


@router.get("/live-broken")
def live_page_with_a_broken_stream(request: Request) -> HTMLResponse:
    """A stream that fails: the page must reload itself to show the server's status."""
    pages: Pages = request.app.state.pages
    return render(request, pages.environment.from_string(_LIVE_PAGE),
                  source="/_demo/live/no-such-stream", retry=1)


@router.get("/live/events")
def live_events() -> StreamingResponse:
    async def events() -> AsyncIterator[str]:
        for number, text in enumerate(LIVE_STEPS, start=1):
            update = {"text": text, "done": number == len(LIVE_STEPS)}
            yield f"data: {json.dumps(update)}\n\n"
            await asyncio.sleep(0.15)

    return StreamingResponse(events(), media_type="text/event-stream")


@router.get("/inline")
def inline() -> HTMLResponse:
    return HTMLResponse(INLINE_PAGE)


@router.get("/inaccessible")
def inaccessible() -> HTMLResponse:
    return HTMLResponse(INACCESSIBLE_PAGE)
