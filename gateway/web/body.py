"""Request bodies are read under two rules before anything parses them.

A body over ``MAX_BODY_BYTES`` is refused while it is still arriving (no record
is larger, and parsing a huge body would stall every live call on this one
process). The few routes that take a file (``LARGER_BODIES``: a recorded prompt)
have their own, still bounded, limit. A JSON object with a key written twice is
refused: the parser would keep the last one silently, so
``{"caller_id": "withhold", "caller_id": "masked"}`` could mean something other
than what an admin read before sending it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import BadInput
from gateway.web.errors import domain_page, error_body, is_api

MAX_BODY_BYTES = 64 * 1024
#: Routes (full-path patterns) allowed a larger body, and their limit: a recorded prompt
#: (a minute of 8 kHz 16-bit mono is under 1 MiB) with its form's other fields.
LARGER_BODIES: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"/admin/scripts/[A-Za-z0-9-]{1,35}/[a-z0-9_-]{1,80}/recording"), 2 * 1024 * 1024),
)


class RequestTooLarge(BadInput):
    error_id = "request-too-large"
    http_status = 413


class _DuplicateKey(ValueError):
    pass


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise _DuplicateKey
    return dict(pairs)


def body_problem(body: bytes) -> BadInput | None:
    """Why a JSON body is refused before parsing (a key written twice), or None."""
    try:
        json.loads(body, object_pairs_hook=_refuse_duplicates)
    except _DuplicateKey:
        return BadInput("the JSON body names a field twice: send each field once")
    except ValueError:
        return None  # not JSON at all: the route's own validation says so
    return None


class BodyRules:
    """ASGI middleware: the size limit while reading, then the duplicate-key rule."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES,
                 larger: Sequence[tuple[re.Pattern[str], int]] = LARGER_BODIES) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = tuple(larger)

    def limit_for(self, path: str) -> int:
        """The body limit of a route: its own when ``larger`` names it, else the default."""
        for pattern, limit in self.larger:
            if pattern.fullmatch(path):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope.get("path", ""))
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > max_bytes:
            await self._refuse(scope, receive, send, self._too_large(max_bytes))
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                await self._refuse(scope, receive, send, self._too_large(max_bytes))
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        problem = body_problem(body) if body else None
        if problem is not None:
            await self._refuse(scope, receive, send, problem)
            return
        await self.app(scope, _replay(body, receive), send)

    @staticmethod
    def _too_large(max_bytes: int) -> RequestTooLarge:
        return RequestTooLarge(f"the request body is larger than {max_bytes // 1024} KiB")

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, exc: BadInput) -> None:
        """JSON for the API; for a page (a form, an upload) the error page in words."""
        request = Request(scope)
        response: Response
        if "app" in scope and not is_api(request):
            response = domain_page(request, exc)
        else:
            response = JSONResponse(status_code=exc.http_status, content=error_body(exc))
        await response(scope, receive, send)


def _replay(body: bytes, then: Receive) -> Receive:
    """The body already read, once; afterwards the client's own messages (a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive
