"""When a signed-in browser session ends by itself: pure rules over its times.

Why: advocates use shared and family computers. A session left open must end after
``[web] idle_minutes`` without use, and every session ``[web] session_hours`` after
sign-in whatever the use (a stolen cookie is good for hours, not weeks). Use is
recorded to the minute, so an active page does not write to the database on every
request; an idle timeout is therefore exact to the minute.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from gateway.domain.policy import WebPolicy

#: ``last_seen_at`` moves at most this often.
TOUCH_RESOLUTION = timedelta(minutes=1)
#: A session whose password was right waits this long for the admin's TOTP code.
SECOND_FACTOR_WAIT = timedelta(minutes=5)


class EndReason(StrEnum):
    """Why a session ended (stored with it; a fixed code, never free text)."""

    SIGNED_OUT = "signed-out"
    SIGNED_OUT_EVERYWHERE = "signed-out-everywhere"
    IDLE = "idle"
    EXPIRED = "expired"
    DEACTIVATED = "deactivated"
    PASSWORD_CHANGED = "password-changed"  # noqa: S105 (a reason, not a password)
    PASSWORD_RESET = "password-reset"  # noqa: S105


def end_reason(*, created_at: datetime, last_seen_at: datetime, expires_at: datetime,
               now: datetime, policy: WebPolicy,
               second_factor_pending: bool = False) -> EndReason | None:
    """Why the session is over at ``now``, or None while it is good.

    The absolute end is the earlier of the one stored at sign-in and the current
    policy's lifetime: shortening ``session_hours`` shortens open sessions too.
    """
    if now >= min(expires_at, created_at + policy.session_lifetime):
        return EndReason.EXPIRED
    if second_factor_pending and now >= created_at + SECOND_FACTOR_WAIT:
        return EndReason.EXPIRED
    if now >= last_seen_at + policy.idle:
        return EndReason.IDLE
    return None


def needs_touch(last_seen_at: datetime, now: datetime) -> bool:
    """Whether to record this use (at most once per ``TOUCH_RESOLUTION``)."""
    return now - last_seen_at >= TOUCH_RESOLUTION
