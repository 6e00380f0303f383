"""The agency's policy: defaults from the practice guides and limits. Plain data."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import time, timedelta
from enum import StrEnum

from gateway.callerid import CallerIdMode
from gateway.domain.anonymity import DEFAULT_ANONYMOUS_REJECTIONS, AnonymousRejection
from gateway.domain.preferences import DropProtocolKind, DropRule, VoicemailKind, VoicemailRule


@dataclass(frozen=True)
class CallbackLimits:
    max_attempts: int = 3
    min_delay_min: int = 5
    max_delay_min: int = 24 * 60
    default_delay_min: int = 15


def effective_drop_rule(rule: DropRule, limits: CallbackLimits) -> DropRule:
    """The call-back rule as it will really run: the one home of the agency's bounds.

    A delay or attempt count not yet agreed takes the agency default, and an
    agreed one is kept inside the agency's limits (a participant saved with a
    2-minute delay under a 5-minute minimum is called back after 5). The
    decision, the briefing, the call-back plan and every view of the record
    read the bounds from here, so they cannot disagree.
    """
    if rule.kind is not DropProtocolKind.CALLBACK:
        return rule
    delay = limits.default_delay_min if rule.callback_delay_min is None else rule.callback_delay_min
    attempts = limits.max_attempts if rule.callback_attempts is None else rule.callback_attempts
    return replace(
        rule,
        callback_delay_min=min(max(delay, limits.min_delay_min), limits.max_delay_min),
        callback_attempts=max(1, min(attempts, limits.max_attempts)),
    )


@dataclass(frozen=True)
class AmdTiming:
    """Answering-machine detection (app_amd) timing, in milliseconds, and when
    a voicemail starts once detection said machine.

    Longer analysis is more accurate but the participant hears silence for
    longer before the advocate is bridged; see the README's trade-off notes.
    The message starts after ``message_start_silence`` ms of silence (the
    greeting and beep are over; no audio frames at all count as silence), and
    at the latest ``message_start_max_s`` seconds after detection, whatever
    the machine sends: a machine that stops recording soon must not be missed.
    """

    initial_silence: int = 2500
    greeting: int = 1500
    after_greeting_silence: int = 800
    total_analysis_time: int = 5000
    min_word_length: int = 100
    between_words_silence: int = 50
    maximum_number_of_words: int = 3
    silence_threshold: int = 256
    maximum_word_length: int = 5000
    message_start_silence: int = 1500
    message_start_max_s: int = 20
    #: A machine with no greeting says only its beep, which detection reads as a
    #: person: a tone of this frequency (Hz) heard during detection means machine.
    #: 0 turns beep detection off.
    beep_frequency: int = 1000
    beep_min_duration: int = 400


@dataclass(frozen=True)
class SelftestPolicy:
    """When the privacy self-test runs (agency time) and how long a pass stays good."""

    time: time = time(3, 30)
    max_age_hours: int = 36
    #: Caller names a masked call may show at the canary (a CNAM naming the agency fails).
    neutral_caller_names: tuple[str, ...] = ()

    @property
    def max_age(self) -> timedelta:
        return timedelta(hours=self.max_age_hours)


class AdvocatesSee(StrEnum):
    """Which participants an advocate (not an admin) may see and call.

    ``assigned`` keeps each advocate to their caseload: a participant's safety
    plan is shared with as few people as the work needs. Admins see all.
    """

    ASSIGNED = "assigned"
    ALL = "all"


@dataclass(frozen=True)
class WebPolicy:
    """The advocates' web app: how long a sign-in lasts and how many tries are allowed.

    A browser on a shared or family computer must not stay signed in: a session ends
    after ``idle_minutes`` without use and ``session_hours`` after sign-in whatever the
    use. Guessing is bounded: ``sign_in_attempts`` failures per account (and
    ``sign_in_attempts_per_address`` per client address, higher because an office
    shares one address) within ``sign_in_window_minutes`` refuse further tries for a
    window; an advocate may check a participant's code word ``code_word_attempts``
    times an hour (the check must not become a way to guess it).
    """

    idle_minutes: int = 30
    session_hours: int = 12
    code_word_attempts: int = 5
    sign_in_attempts: int = 5
    sign_in_attempts_per_address: int = 20
    sign_in_window_minutes: int = 15

    @property
    def idle(self) -> timedelta:
        return timedelta(minutes=self.idle_minutes)

    @property
    def session_lifetime(self) -> timedelta:
        return timedelta(hours=self.session_hours)

    @property
    def sign_in_window(self) -> timedelta:
        return timedelta(minutes=self.sign_in_window_minutes)


GENERIC_VOICEMAIL = VoicemailRule(VoicemailKind.GENERIC)
WAIT_ON_DROP = DropRule(DropProtocolKind.WAIT)
DEFAULT_CALLBACK_LIMITS = CallbackLimits()


@dataclass(frozen=True)
class AgencyPolicy:
    """Defaults for what was not yet discussed, and the agency's limits."""

    timezone: str = "UTC"
    default_region: str = "US"
    default_caller_id: CallerIdMode = CallerIdMode.WITHHOLD
    default_voicemail: VoicemailRule = GENERIC_VOICEMAIL
    default_on_drop: DropRule = WAIT_ON_DROP
    callback: CallbackLimits = DEFAULT_CALLBACK_LIMITS
    drop_threshold_s: int = 30
    #: Besides SIP 433, the final answers that mean anonymous-call rejection.
    anonymous_rejections: tuple[AnonymousRejection, ...] = DEFAULT_ANONYMOUS_REJECTIONS
    retention_days: int = 90
    code_word_rotation_days: int = 180
    amd: AmdTiming = AmdTiming()
    #: Names that must not appear in a voicemail unless the participant agreed.
    organisation_names: tuple[str, ...] = ()
    #: Spoken in voicemail scripts as the hours to call back.
    callback_hours: str = "weekdays between 9 and 5"
    selftest: SelftestPolicy = SelftestPolicy()
    #: Keys the advocate presses during a bridged call when someone else answered.
    other_person_keys: str = "*7"
    #: How fast the advocate's briefing is spoken (espeak-ng words per minute).
    briefing_words_per_minute: int = 190
    #: How long an API token works after it is issued; a lost token must not work forever.
    token_days: int = 90
    #: Caseload scoping: advocates see only their assigned participants, or all.
    advocates_see: AdvocatesSee = AdvocatesSee.ASSIGNED
    #: Web sign-in: session lifetimes and attempt limits.
    web: WebPolicy = WebPolicy()
