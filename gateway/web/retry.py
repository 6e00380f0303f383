"""The ``Retry-After`` header of a throttled request, shared by the API's error handler
and the pages that answer a throttle themselves (its own module: the pages and the
error handlers import each other's neighbours, not each other)."""

from __future__ import annotations

from gateway.errors import SafeDialError, TooManyAttempts


def retry_after(exc: SafeDialError) -> dict[str, str]:
    """The ``Retry-After`` header of a ``TooManyAttempts`` that says how long to wait."""
    seconds = exc.details.get("retry_after_s")
    if isinstance(exc, TooManyAttempts) and isinstance(seconds, str) and seconds.isdigit():
        return {"Retry-After": seconds}
    return {}
