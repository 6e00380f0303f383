"""Live status pages' server-sent events, with a keep-alive while nothing changes.

Why: a call can stay "Connected" for half an hour, and a self-test waits on real
calls. A stream that says nothing for a minute is cut by many proxies (nginx's
default read time-out is 60 s) and by some browsers; the page then falls back to
its Refresh link. A comment line (``: keep-alive``), which ``EventSource`` ignores,
keeps the connection open without telling the page anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Final

from starlette.responses import StreamingResponse

#: Seconds of silence before a keep-alive comment.
KEEP_ALIVE_S: Final = 15.0
KEEP_ALIVE: Final = ": keep-alive\n\n"


def event(text: str, *, done: bool) -> str:
    """One status event, as the pages' ``live.js`` reads it."""
    return f"data: {json.dumps({'text': text, 'done': done})}\n\n"


async def with_keep_alive(events: AsyncIterator[str], every: float = KEEP_ALIVE_S
                          ) -> AsyncIterator[str]:
    """``events`` as they come, and a keep-alive after each ``every`` seconds of none."""
    pending: asyncio.Future[str] = asyncio.ensure_future(anext(events))
    try:
        while True:
            done, _ = await asyncio.wait({pending}, timeout=every)
            if not done:
                yield KEEP_ALIVE
                continue
            try:
                item = pending.result()
            except StopAsyncIteration:
                return
            yield item
            pending = asyncio.ensure_future(anext(events))
    finally:
        pending.cancel()
        with contextlib.suppress(BaseException):
            await pending


def event_stream(events: AsyncIterator[str]) -> StreamingResponse:
    """The answer of an ``/events`` route: unbuffered, kept alive."""
    return StreamingResponse(with_keep_alive(events), media_type="text/event-stream",
                             headers={"X-Accel-Buffering": "no"})
