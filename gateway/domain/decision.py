"""May this advocate call this participant now, and exactly how?

``decide`` is a pure function of plain facts and a clock. It fails closed: anything
missing or unknown refuses, and it lists every reason that applies (not just the
first) so an admin can fix them all at once. It never switches caller-ID mode on its
own: a locked or unusable mode refuses the call.

Reason codes (stable slugs): time-zone-unknown, no-window, paused, outside-window,
participant-no-phone, advocate-inactive, advocate-no-phone, caller-id-locked,
masked-number-missing; and, added by the gate from the PBX's config (``also_refused``),
pbx-config-unsafe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from gateway.callerid import CallerIdMode
from gateway.domain.policy import AgencyPolicy, effective_drop_rule
from gateway.domain.preferences import (
    AdvocateFacts,
    DropRule,
    LockState,
    ParticipantFacts,
    Preferences,
    VoicemailRule,
)
from gateway.domain.safe_times import pause_start
from gateway.domain.windows import is_open, next_open, zone_or_none


@dataclass(frozen=True)
class Reason:
    """Why a call is refused: a stable ``code`` and plain words an advocate can act on."""

    code: str
    text: str


@dataclass(frozen=True)
class DialSettings:
    """Exactly the settings the call must use; the dialplan enforces them again."""

    mode: CallerIdMode
    masked_fallback: bool
    voicemail: VoicemailRule
    on_drop: DropRule

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode.value,
            "masked_fallback": self.masked_fallback,
            "voicemail": str(self.voicemail),
            "on_drop": {
                "kind": self.on_drop.kind.value,
                "callback_delay_min": self.on_drop.callback_delay_min,
                "callback_attempts": self.on_drop.callback_attempts,
            },
        }


@dataclass(frozen=True)
class Decision:
    """The outcome of ``decide``; ``dial`` is set only when the call is allowed."""

    allowed: bool
    reasons: tuple[Reason, ...]
    next_safe_time: datetime | None
    dial: DialSettings | None
    defaults_used: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ISO times and enum values. Holds no number or code word."""
        return {
            "allowed": self.allowed,
            "reasons": [{"code": r.code, "text": r.text} for r in self.reasons],
            "next_safe_time": self.next_safe_time.isoformat() if self.next_safe_time else None,
            "dial": self.dial.as_dict() if self.dial else None,
            "defaults_used": list(self.defaults_used),
        }


def also_refused(decision: Decision, reason: Reason) -> Decision:
    """``decision`` with one more reason to refuse (a check outside the pure rules).

    Keeps every reason and the next safe time the rules found; an allowed decision
    becomes refused and loses its dial settings.
    """
    return Decision(False, (*decision.reasons, reason), decision.next_safe_time, None,
                    decision.defaults_used)


def decide(
    *,
    participant: ParticipantFacts,
    advocate: AdvocateFacts,
    policy: AgencyPolicy,
    locks: LockState,
    now: datetime,
    masked_number_configured: bool = True,
) -> Decision:
    """Apply the practice-guide rules to one call attempt at ``now`` (aware)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("decide needs an aware 'now'")
    prefs = participant.preferences
    timing, next_safe = _timing_reasons(prefs, now)
    dial, defaults = _dial_settings(prefs, policy, locks, masked_number_configured)
    reasons = (
        *timing,
        *_people_reasons(participant, advocate),
        *_caller_id_reasons(dial.mode, locks, masked_number_configured),
    )
    if reasons:
        return Decision(False, reasons, next_safe, None, defaults)
    return Decision(True, (), None, dial, defaults)


def _timing_reasons(prefs: Preferences, now: datetime) -> tuple[list[Reason], datetime | None]:
    """Windows and pauses: the participant decides if and when it is safe to call."""
    reasons: list[Reason] = []
    tz = zone_or_none(prefs.timezone)
    if tz is None:
        text = (
            f"The participant's time zone {prefs.timezone!r} is not a known IANA zone: "
            "an admin must record it (e.g. America/Toronto)."
        )
        reasons.append(Reason("time-zone-unknown", text))
    if not prefs.windows:
        text = (
            "No safe-call window is recorded for this participant: "
            "an admin must record when it is safe to call."
        )
        reasons.append(Reason("no-window", text))
    if tz is None:
        return reasons, None
    not_before = pause_start(prefs.pause_until, tz)
    paused = not_before is not None and now.astimezone(UTC) < not_before.astimezone(UTC)
    closed = bool(prefs.windows) and not is_open(prefs.windows, tz, now)
    next_safe = next_open(prefs.windows, tz, now, not_before) if paused or closed else None
    if paused:
        reasons.append(Reason("paused", _paused_text(prefs, tz, next_safe)))
    if closed:
        text = f"Outside the participant's safe-call windows; {_next_text(next_safe, tz)}."
        reasons.append(Reason("outside-window", text))
    return reasons, next_safe


def _paused_text(prefs: Preferences, tz: ZoneInfo, next_safe: datetime | None) -> str:
    until = f"{prefs.pause_until:%a %Y-%m-%d}"
    return (
        f"Calls are paused until {until} at the participant's request; {_next_text(next_safe, tz)}."
    )


def _next_text(next_safe: datetime | None, tz: ZoneInfo) -> str:
    if next_safe is None:
        return "no safe time is recorded in the next two weeks"
    return f"next safe time: {next_safe:%a %Y-%m-%d %H:%M} ({tz.key})"


def _people_reasons(participant: ParticipantFacts, advocate: AdvocateFacts) -> list[Reason]:
    """Both phones must be on file, and only active advocates may call."""
    reasons: list[Reason] = []
    if not participant.has_phone:
        text = "No phone number is recorded for this participant: an admin must add one."
        reasons.append(Reason("participant-no-phone", text))
    if not advocate.active:
        text = "This advocate account is inactive: an admin must reactivate it before calling."
        reasons.append(Reason("advocate-inactive", text))
    if not advocate.has_phone:
        text = "No phone number is recorded for this advocate: add one so their phone rings first."
        reasons.append(Reason("advocate-no-phone", text))
    return reasons


def _caller_id_reasons(mode: CallerIdMode, locks: LockState, masked_ok: bool) -> list[Reason]:
    """A locked or unconfigured mode refuses; the mode is never swapped silently."""
    reasons: list[Reason] = []
    if mode in locks.locked_modes:
        why = [reason.split(": ", 1)[-1] for reason in locks.reasons
               if reason.startswith(f"{mode.value}: ")]
        text = (
            f"Caller-ID mode '{mode.value}' is locked"
            f"{': ' + '; '.join(why) if why else ' by the privacy self-test'}. "
            "No call can be placed in this mode until the privacy self-test "
            "('safedial selftest', run by an admin) passes in it; meanwhile, wait for the "
            "participant to call, or ask an admin."
        )
        reasons.append(Reason("caller-id-locked", text))
    if mode is CallerIdMode.MASKED and not masked_ok:
        text = (
            "Caller-ID mode 'masked' needs a masked agency number, and none is configured: "
            "an admin must configure one."
        )
        reasons.append(Reason("masked-number-missing", text))
    return reasons


def _dial_settings(
    prefs: Preferences, policy: AgencyPolicy, locks: LockState, masked_ok: bool
) -> tuple[DialSettings, tuple[str, ...]]:
    """What was agreed, with the agency default for anything not yet discussed."""
    defaults = tuple(
        name
        for name, value in (
            ("caller_id", prefs.caller_id),
            ("voicemail", prefs.voicemail),
            ("on_drop", prefs.on_drop),
        )
        if value is None
    )
    mode = prefs.caller_id or policy.default_caller_id
    fallback = (
        prefs.masked_fallback
        and mode is CallerIdMode.WITHHOLD
        and CallerIdMode.MASKED not in locks.locked_modes
        and masked_ok
    )
    voicemail = prefs.voicemail or policy.default_voicemail
    on_drop = effective_drop_rule(prefs.on_drop or policy.default_on_drop, policy.callback)
    return DialSettings(mode, fallback, voicemail, on_drop), defaults
