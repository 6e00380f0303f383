"""When a call-back may run: pure rules, clock passed in.

A call-back is due no sooner than the agreed delay after the drop, and runs
only when the participant's window is open (and no pause applies). Attempts
are bounded by the participant's agreement and the agency's limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gateway.domain.policy import AgencyPolicy
from gateway.domain.preferences import DropProtocolKind, DropRule, Preferences
from gateway.domain.windows import next_open


@dataclass(frozen=True)
class CallbackPlan:
    attempt: int
    max_attempts: int
    not_before: datetime
    run_at: datetime


def plan_callback(*, rule: DropRule, prefs: Preferences, policy: AgencyPolicy,
                  dropped_at: datetime, attempt: int) -> CallbackPlan | None:
    """The next call-back, or None when the protocol is ``wait`` or attempts are used up."""
    if rule.kind is not DropProtocolKind.CALLBACK:
        return None
    limits = policy.callback
    max_attempts = min(rule.callback_attempts or limits.max_attempts, limits.max_attempts)
    if attempt > max_attempts:
        return None
    delay = rule.callback_delay_min or limits.default_delay_min
    delay = max(limits.min_delay_min, min(delay, limits.max_delay_min))
    not_before = dropped_at + timedelta(minutes=delay)
    run_at = next_safe_start(prefs, not_before)
    if run_at is None:
        return None
    return CallbackPlan(attempt, max_attempts, not_before.astimezone(UTC), run_at.astimezone(UTC))


def next_safe_start(prefs: Preferences, not_before: datetime) -> datetime | None:
    """The first moment (UTC) at or after ``not_before`` inside a window and outside a pause."""
    zone = ZoneInfo(prefs.timezone)
    bound = not_before
    if prefs.pause_until is not None:
        pause_end = datetime.combine(prefs.pause_until, time(0), zone)
        bound = max(bound, pause_end)
    start = next_open(prefs.windows, zone, bound)
    return start.astimezone(UTC) if start is not None else None
