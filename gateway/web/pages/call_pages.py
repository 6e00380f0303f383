"""A call the advocate placed: its status page and the server-sent events that move it.

The page is complete as served (the stage or outcome the server knows now, and a plain
"Refresh" link); ``static/js/live.js`` follows ``/calls/{id}/events`` and replaces the
status region's words on each change. Only the advocate whose phone the call rang sees
either: anyone else gets "not found", as for a call that does not exist.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, StreamingResponse

from gateway.errors import NotFound
from gateway.web.pages.call_words import call_status
from gateway.web.pages.event_stream import event, event_stream
from gateway.web.pages.render import render, translator_for
from gateway.web.pages.session import SignedIn, context_of

router = APIRouter(include_in_schema=False)

NO_SUCH_CALL = "no such call placed from your phone since SafeDial started"


@router.get("/calls/{call_id}")
def call_page(call_id: str, request: Request, user: SignedIn) -> HTMLResponse:
    ctx = context_of(request)
    state = ctx.call_book.get(call_id, advocate_id=user.advocate_id)
    if state is None:
        raise NotFound(NO_SUCH_CALL)
    return render(request, "advocate/call_status.html", call_id=call_id,
                  status=call_status(translator_for(request), state),
                  participant_id=ctx.call_book.participant_of(call_id,
                                                              advocate_id=user.advocate_id))


@router.get("/calls/{call_id}/events")
def call_events(call_id: str, request: Request, user: SignedIn
                ) -> StreamingResponse:
    """Each change of the call as an event ``{"text", "done"}``, until it has ended."""
    ctx = context_of(request)
    if ctx.call_book.get(call_id, advocate_id=user.advocate_id) is None:
        raise NotFound(NO_SUCH_CALL)
    t = translator_for(request)

    async def events() -> AsyncIterator[str]:
        async for state in ctx.call_book.changes(call_id, advocate_id=user.advocate_id):
            status = call_status(t, state)
            yield event(status.text, done=status.done)

    return event_stream(events())
