"""When a call-back may run: pure rules, clock passed in.

A call-back is due no sooner than the agreed delay after the drop, runs only
when the participant's window is open (and no pause applies), and never later
than the agency's maximum delay after the drop: a call-back that cannot
happen by then has expired, and an admin is shown it instead of an advocate
being rung at a time nobody agreed to. Delay and attempts are the bounded ones
(``effective_drop_rule``), so the plan, the decision and the briefing agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gateway.domain.policy import CallbackLimits, effective_drop_rule
from gateway.domain.preferences import DropProtocolKind, DropRule, Preferences
from gateway.domain.windows import next_open


@dataclass(frozen=True)
class CallbackPlan:
    attempt: int
    max_attempts: int
    not_before: datetime
    #: The first safe start at or after ``not_before``; None when no window lies ahead.
    run_at: datetime | None


def callback_deadline(dropped_at: datetime, limits: CallbackLimits) -> datetime:
    """The last moment a call-back for a drop at ``dropped_at`` may start."""
    return (dropped_at + timedelta(minutes=limits.max_delay_min)).astimezone(UTC)


def plan_callback(*, rule: DropRule, prefs: Preferences, limits: CallbackLimits,
                  dropped_at: datetime, attempt: int) -> CallbackPlan | None:
    """The next call-back, or None when the protocol is ``wait`` or attempts are used up.

    ``run_at`` may lie past ``callback_deadline`` (or be None): the caller
    records such a call-back as expired rather than silently dropping it.
    """
    if rule.kind is not DropProtocolKind.CALLBACK:
        return None
    bounded = effective_drop_rule(rule, limits)
    max_attempts = bounded.callback_attempts or limits.max_attempts
    if attempt > max_attempts:
        return None
    not_before = dropped_at + timedelta(minutes=bounded.callback_delay_min or 0)
    return CallbackPlan(attempt, max_attempts, not_before.astimezone(UTC),
                        next_safe_start(prefs, not_before))


def within_bounds(run_at: datetime | None, *, dropped_at: datetime,
                  limits: CallbackLimits) -> bool:
    """True when a call-back starting at ``run_at`` is still inside the agreed bounds."""
    return run_at is not None and run_at <= callback_deadline(dropped_at, limits)


def next_safe_start(prefs: Preferences, not_before: datetime) -> datetime | None:
    """The first moment (UTC) at or after ``not_before`` inside a window and outside a pause."""
    zone = ZoneInfo(prefs.timezone)
    bound = not_before
    if prefs.pause_until is not None:
        pause_end = datetime.combine(prefs.pause_until, time(0), zone)
        bound = max(bound, pause_end)
    start = next_open(prefs.windows, zone, bound)
    return start.astimezone(UTC) if start is not None else None
