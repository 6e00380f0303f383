"""Security headers on every response the app sends, whatever produced it.

Advocates use shared and family computers, so nothing is kept in a browser's
cache (``no-store``: after sign-out the back button shows nothing), no page is
framed by another site, no address leaks in a ``Referer`` and nothing is run or
loaded from anywhere but this server. The headers replace any of the same name a
route set: a page cannot weaken them by accident.

``SecurityHeaders`` is a pure ASGI middleware that only rewrites the
``http.response.start`` message and passes every body message through as it
comes, so streamed answers (server-sent events) stay streamed. The app wraps it
around its whole stack (``gateway.web.app``), outside Starlette's own error
middleware, so 404s, refusals and even a 500 from a bug carry the headers too.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Only this server's own files (media: a prompt's audio, played on the admin pages);
#: no inline script or style, no plugin, no frame, forms post only here, and ``<base>``
#: cannot redirect relative addresses.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "media-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
))

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"cache-control", b"no-store"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode("ascii")),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
)

_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)


def with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The response's headers less any it set under our names, plus ours."""
    kept = [(name, value) for name, value in headers if name.lower() not in _NAMES]
    return kept + list(SECURITY_HEADERS)


class SecurityHeaders:
    """ASGI middleware: adds ``SECURITY_HEADERS`` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                message = {**message, "headers": with_security_headers(headers)}
            await send(message)

        await self.app(scope, receive, send_with_headers)
