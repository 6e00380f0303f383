"""When a call-back may run: pure rules, clock passed in.

A call-back is due no sooner than the agreed delay after the drop, runs only
when the participant's window is open (and no pause applies) and the advocate
it belongs to is inside their working hours (if they set any), and never later
than the agency's maximum delay after the drop: a call-back that cannot
happen by then has expired, and an admin is shown it instead of an advocate
being rung at a time nobody agreed to, or while they are off duty. Delay and
attempts are the bounded ones (``effective_drop_rule``), so the plan, the
decision and the briefing agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gateway.domain.policy import CallbackLimits, effective_drop_rule
from gateway.domain.preferences import AdvocateFacts, DropProtocolKind, DropRule, Preferences
from gateway.domain.windows import is_open, next_open

#: How far ahead two schedules are searched for a moment both are open. Longer than
#: the longest call-back delay a policy allows (7 days), so "none found" always
#: means "not within bounds", and two weeks cover any weekly pattern and a DST change.
SEARCH_AHEAD = timedelta(days=16)


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
                  dropped_at: datetime, attempt: int,
                  advocate: AdvocateFacts | None) -> CallbackPlan | None:
    """The next call-back, or None when the protocol is ``wait`` or attempts are used up.

    ``advocate`` is the one the call-back belongs to (None: nobody's hours apply).
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
                        next_safe_start(prefs, not_before, advocate))


def within_bounds(run_at: datetime | None, *, dropped_at: datetime,
                  limits: CallbackLimits) -> bool:
    """True when a call-back starting at ``run_at`` is still inside the agreed bounds."""
    return run_at is not None and run_at <= callback_deadline(dropped_at, limits)


def on_duty(advocate: AdvocateFacts | None, instant: datetime) -> bool:
    """Whether a call-back may ring ``advocate`` at ``instant`` as far as their hours go.

    No working hours means any time. An inactive advocate's hours are not read:
    the policy gate refuses their call-backs whatever the hour, as it always did.
    """
    if advocate is None or not advocate.active or not advocate.working_hours:
        return True
    return is_open(advocate.working_hours, ZoneInfo(advocate.timezone), instant)


def next_safe_start(prefs: Preferences, not_before: datetime,
                    advocate: AdvocateFacts | None) -> datetime | None:
    """The first moment (UTC) at or after ``not_before`` when a call-back may start.

    The participant's window is open and no pause applies, and the advocate is
    on duty (``on_duty``). The call starts at that moment, so both must hold at
    it; None when no such moment lies within ``SEARCH_AHEAD``.
    """
    zone = ZoneInfo(prefs.timezone)
    bound = not_before.astimezone(UTC)
    if prefs.pause_until is not None:
        pause_end = datetime.combine(prefs.pause_until, time(0), zone)
        bound = max(bound, pause_end.astimezone(UTC))
    if advocate is None or not advocate.active or not advocate.working_hours:
        start = next_open(prefs.windows, zone, bound)
        return start.astimezone(UTC) if start is not None else None
    return _first_shared(prefs, zone, advocate, ZoneInfo(advocate.timezone), bound)


def _first_shared(prefs: Preferences, zone: ZoneInfo, advocate: AdvocateFacts,
                  advocate_zone: ZoneInfo, bound: datetime) -> datetime | None:
    """The first instant at or after ``bound`` open in both schedules, each in its own zone.

    Each step jumps to the later of the two next openings: nothing before it is
    open in both, because one of the two is closed until then. If both are open
    there it is the answer; if not, the one that is not open opens strictly later,
    so every step moves forward to a window start or an offset change (finitely
    many before the horizon), and the loop ends.
    """
    horizon = bound + SEARCH_AHEAD
    at = bound
    while at <= horizon:
        theirs = next_open(prefs.windows, zone, at)
        ours = next_open(advocate.working_hours, advocate_zone, at)
        if theirs is None or ours is None:
            return None
        at = max(theirs.astimezone(UTC), ours.astimezone(UTC))
        if is_open(prefs.windows, zone, at) and is_open(advocate.working_hours,
                                                         advocate_zone, at):
            return at if at <= horizon else None
    return None
