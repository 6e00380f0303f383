"""How many tries a key (an account, a client address, a code-word pair) gets: pure rules.

Why: sign-ins and code-word checks are guessing games for whoever does not know the
secret. A key may fail (or, for code words, try) ``limit`` times within a window that
starts at its first counted try; the try that reaches the limit locks the key until
that window has passed, and until then every try is refused before the secret is even
looked at, so the right password does not get through a lock either. The lock ends
with the window: the next try starts a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Attempts:
    """What is counted under one key."""

    failures: int
    window_started_at: datetime
    locked_until: datetime | None = None


def locked_until(attempts: Attempts | None, now: datetime) -> datetime | None:
    """When the key may try again, if it is locked now; None when it may try now."""
    if attempts is None or attempts.locked_until is None or attempts.locked_until <= now:
        return None
    return attempts.locked_until


def counted(attempts: Attempts | None, *, now: datetime, limit: int,
            window: timedelta) -> Attempts:
    """The key's state after one more counted try (a failure, or any code-word check).

    A try after the window has passed starts a new window; the try that reaches
    ``limit`` locks the key until the window's end.
    """
    if attempts is None or now >= attempts.window_started_at + window:
        attempts = Attempts(failures=0, window_started_at=now)
    failures = attempts.failures + 1
    lock = attempts.window_started_at + window if failures >= limit else None
    return Attempts(failures=failures, window_started_at=attempts.window_started_at,
                    locked_until=lock)


def lock_engaged(before: Attempts | None, after: Attempts, now: datetime) -> bool:
    """True for the one try that locked the key (audited once, not on every refusal)."""
    return locked_until(before, now) is None and after.locked_until is not None
