"""``decide``: the practice-guide rules for one call attempt, in plain words."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from gateway.callerid import CallerIdMode
from gateway.domain.decision import Decision, DialSettings, Reason, decide
from gateway.domain.policy import AgencyPolicy, CallbackLimits
from gateway.domain.preferences import (
    AdvocateFacts,
    DropProtocolKind,
    DropRule,
    LockState,
    ParticipantFacts,
    Preferences,
    VoicemailKind,
    VoicemailRule,
)
from gateway.domain.windows import parse_window_spec

TORONTO = ZoneInfo("America/Toronto")
WEEKDAYS_9_TO_5 = parse_window_spec("mon-fri 09:00-17:00")
TUESDAY_NOON = datetime(2026, 1, 6, 12, 0, tzinfo=TORONTO)
TUESDAY_17_00 = datetime(2026, 1, 6, 17, 0, tzinfo=TORONTO)
WITHHOLD, MASKED = CallerIdMode.WITHHOLD, CallerIdMode.MASKED
GENERIC = VoicemailRule(VoicemailKind.GENERIC)
WAIT = DropRule(DropProtocolKind.WAIT)


def _decide(
    *,
    now: datetime = TUESDAY_NOON,
    has_phone: bool = True,
    advocate: AdvocateFacts | None = None,
    policy: AgencyPolicy | None = None,
    locks: LockState | None = None,
    masked_number_configured: bool = True,
    **prefs,
) -> Decision:
    prefs.setdefault("timezone", "America/Toronto")
    prefs.setdefault("windows", WEEKDAYS_9_TO_5)
    return decide(
        participant=ParticipantFacts("p-1", "Robin", Preferences(**prefs), has_phone=has_phone),
        advocate=advocate or AdvocateFacts("a-1", "Sam"),
        policy=policy or AgencyPolicy(),
        locks=locks or LockState(),
        now=now,
        masked_number_configured=masked_number_configured,
    )


def _codes(decision: Decision) -> list[str]:
    return [reason.code for reason in decision.reasons]


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


# --- allowed -------------------------------------------------------------------------------


def test_a_call_inside_a_window_with_nothing_discussed_is_allowed_with_the_agency_defaults():
    decision = _decide()
    assert decision == Decision(
        allowed=True,
        reasons=(),
        next_safe_time=None,
        dial=DialSettings(mode=WITHHOLD, masked_fallback=False, voicemail=GENERIC, on_drop=WAIT),
        defaults_used=("caller_id", "voicemail", "on_drop"),
    )


def test_a_call_with_everything_discussed_uses_exactly_what_was_agreed_and_no_defaults():
    agreed = {
        "caller_id": MASKED,
        "voicemail": VoicemailRule(VoicemailKind.NONE),
        "on_drop": DropRule(DropProtocolKind.CALLBACK, 20, 2),
    }
    decision = _decide(**agreed)
    assert decision.allowed
    assert decision.dial == DialSettings(MASKED, False, agreed["voicemail"], agreed["on_drop"])
    assert decision.defaults_used == ()


# --- windows and pauses --------------------------------------------------------------------


def test_a_call_at_17_00_in_a_09_00_17_00_window_is_refused_until_tomorrow_09_00_local():
    decision = _decide(now=TUESDAY_17_00)
    assert not decision.allowed
    assert _codes(decision) == ["outside-window"]
    assert decision.dial is None
    assert _utc(decision.next_safe_time) == _utc(datetime(2026, 1, 7, 9, 0, tzinfo=TORONTO))
    assert decision.next_safe_time is not None and decision.next_safe_time.tzinfo == TORONTO
    assert decision.reasons[0].text == (
        "Outside the participant's safe-call windows; "
        "next safe time: Wed 2026-01-07 09:00 (America/Toronto)."
    )


def test_a_call_at_08_59_is_refused_and_09_00_is_allowed():
    assert not _decide(now=datetime(2026, 1, 6, 8, 59, 59, tzinfo=TORONTO)).allowed
    assert _decide(now=datetime(2026, 1, 6, 9, 0, tzinfo=TORONTO)).allowed


def test_the_window_is_judged_in_the_participant_zone_whatever_zone_now_is_given_in():
    noon_toronto_in_utc = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)
    assert _decide(now=noon_toronto_in_utc).allowed
    assert not _decide(now=noon_toronto_in_utc, timezone="Asia/Kolkata").allowed


def test_a_call_with_no_window_recorded_is_refused_with_no_next_safe_time():
    decision = _decide(windows=())
    assert decision.reasons == (
        Reason(
            "no-window",
            "No safe-call window is recorded for this participant: "
            "an admin must record when it is safe to call.",
        ),
    )
    assert decision.next_safe_time is None
    assert decision.dial is None


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "localtime", "EST5EDT "])
def test_a_call_to_a_participant_with_an_unknown_time_zone_is_refused(zone):
    decision = _decide(timezone=zone, pause_until=date(2026, 2, 1))
    assert _codes(decision) == ["time-zone-unknown"]
    assert "admin must record it" in decision.reasons[0].text
    assert decision.next_safe_time is None


def test_an_unknown_time_zone_and_no_window_are_both_reported():
    assert _codes(_decide(timezone="Mars/Olympus", windows=())) == [
        "time-zone-unknown",
        "no-window",
    ]


def test_a_paused_participant_inside_a_window_is_refused_until_the_first_window_of_the_pause_day():
    decision = _decide(pause_until=date(2026, 1, 8))
    assert _codes(decision) == ["paused"]
    assert _utc(decision.next_safe_time) == _utc(datetime(2026, 1, 8, 9, 0, tzinfo=TORONTO))
    assert decision.reasons[0].text == (
        "Calls are paused until Thu 2026-01-08 at the participant's request; "
        "next safe time: Thu 2026-01-08 09:00 (America/Toronto)."
    )


def test_a_paused_participant_outside_a_window_gets_both_reasons_and_one_next_safe_time():
    decision = _decide(now=TUESDAY_17_00, pause_until=date(2026, 1, 10))  # a Saturday
    assert _codes(decision) == ["paused", "outside-window"]
    assert _utc(decision.next_safe_time) == _utc(datetime(2026, 1, 12, 9, 0, tzinfo=TORONTO))


@pytest.mark.parametrize(
    "pause_until", [date(2026, 1, 6), date(2026, 1, 1)], ids=["pause-ends-today", "pause-past"]
)
def test_a_pause_ending_today_or_earlier_no_longer_refuses(pause_until):
    assert _decide(pause_until=pause_until).allowed


def test_a_pause_with_no_window_recorded_refuses_for_both_with_no_next_safe_time():
    decision = _decide(windows=(), pause_until=date(2026, 2, 1))
    assert _codes(decision) == ["no-window", "paused"]
    assert decision.next_safe_time is None


def test_a_pause_ending_on_a_day_whose_midnight_is_skipped_ends_at_the_first_instant_of_that_day():
    # Havana springs forward at 00:00 -> 01:00 on 2026-03-08: that day starts at 01:00 CDT.
    havana = ZoneInfo("America/Havana")
    decision = _decide(
        timezone="America/Havana",
        windows=parse_window_spec("sat,sun 00:00-24:00"),
        pause_until=date(2026, 3, 8),
        now=datetime(2026, 3, 7, 23, 59, 59, tzinfo=havana),
    )
    assert _codes(decision) == ["paused"]
    assert _utc(decision.next_safe_time) == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    assert decision.next_safe_time is not None
    assert f"{decision.next_safe_time:%H:%M}" == "01:00"


# --- people --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "code", "says"),
    [
        pytest.param(
            {"has_phone": False},
            "participant-no-phone",
            "No phone number is recorded for this participant",
            id="participant-without-phone",
        ),
        pytest.param(
            {"advocate": AdvocateFacts("a-1", "Sam", active=False)},
            "advocate-inactive",
            "advocate account is inactive",
            id="inactive-advocate",
        ),
        pytest.param(
            {"advocate": AdvocateFacts("a-1", "Sam", has_phone=False)},
            "advocate-no-phone",
            "No phone number is recorded for this advocate",
            id="advocate-without-phone",
        ),
    ],
)
def test_a_call_without_both_phones_or_by_an_inactive_advocate_is_refused(kwargs, code, says):
    decision = _decide(**kwargs)
    assert _codes(decision) == [code]
    assert says in decision.reasons[0].text
    assert decision.next_safe_time is None
    assert decision.dial is None


# --- caller ID -----------------------------------------------------------------------------


def test_a_caller_id_mode_not_yet_discussed_comes_from_the_agency_policy_and_is_reported():
    decision = _decide(policy=AgencyPolicy(default_caller_id=MASKED))
    assert decision.dial is not None and decision.dial.mode is MASKED
    assert "caller_id" in decision.defaults_used


def test_a_discussed_caller_id_mode_beats_the_agency_default():
    decision = _decide(caller_id=WITHHOLD, policy=AgencyPolicy(default_caller_id=MASKED))
    assert decision.dial is not None and decision.dial.mode is WITHHOLD
    assert "caller_id" not in decision.defaults_used


def test_a_call_in_a_locked_mode_is_refused_and_never_switched_to_the_other_mode():
    locks = LockState(frozenset({WITHHOLD}), ("withhold: self-test saw the number",))
    decision = _decide(locks=locks, masked_fallback=True)
    assert _codes(decision) == ["caller-id-locked"]
    assert decision.dial is None
    text = decision.reasons[0].text
    assert "'withhold' is locked: self-test saw the number" in text
    assert "'safedial selftest'" in text, "the command that exists is named"
    assert "meanwhile, wait for the participant to call" in text, "what the advocate can do"


def test_a_lock_on_the_other_mode_does_not_refuse():
    assert _decide(caller_id=WITHHOLD, locks=LockState(frozenset({MASKED}))).allowed


def test_a_masked_call_without_a_configured_masked_number_is_refused():
    decision = _decide(caller_id=MASKED, masked_number_configured=False)
    assert _codes(decision) == ["masked-number-missing"]
    assert "an admin must configure one" in decision.reasons[0].text


def test_a_withheld_call_does_not_need_a_masked_number():
    assert _decide(caller_id=WITHHOLD, masked_number_configured=False).allowed


@pytest.mark.parametrize(
    ("agreed", "mode", "locked", "configured", "fallback"),
    [
        pytest.param(True, WITHHOLD, frozenset(), True, True, id="agreed-withhold-usable"),
        pytest.param(False, WITHHOLD, frozenset(), True, False, id="not-agreed"),
        pytest.param(True, MASKED, frozenset(), True, False, id="already-masked"),
        pytest.param(True, WITHHOLD, frozenset({MASKED}), True, False, id="masked-locked"),
        pytest.param(True, WITHHOLD, frozenset(), False, False, id="no-masked-number"),
    ],
)
def test_masked_fallback_is_offered_only_when_agreed_and_usable(
    agreed, mode, locked, configured, fallback
):
    decision = _decide(
        caller_id=mode,
        masked_fallback=agreed,
        locks=LockState(locked),
        masked_number_configured=configured,
    )
    assert decision.allowed
    assert decision.dial is not None
    assert decision.dial.masked_fallback is fallback


# --- voicemail and dropped calls -----------------------------------------------------------


def test_a_voicemail_rule_not_yet_discussed_is_the_agency_default():
    policy = AgencyPolicy(default_voicemail=VoicemailRule(VoicemailKind.NONE))
    decision = _decide(policy=policy)
    assert decision.dial is not None
    assert decision.dial.voicemail == VoicemailRule(VoicemailKind.NONE)
    assert "voicemail" in decision.defaults_used


def test_an_agreed_voicemail_script_is_used():
    script = VoicemailRule(VoicemailKind.SCRIPT, "dentist")
    decision = _decide(voicemail=script)
    assert decision.dial is not None and decision.dial.voicemail == script
    assert "voicemail" not in decision.defaults_used


def test_a_drop_rule_not_yet_discussed_is_wait():
    decision = _decide()
    assert decision.dial is not None and decision.dial.on_drop == WAIT
    assert "on_drop" in decision.defaults_used


LIMITS = CallbackLimits(max_attempts=3, min_delay_min=5, max_delay_min=120, default_delay_min=15)


@pytest.mark.parametrize(
    ("agreed", "used"),
    [
        pytest.param((None, None), (15, 3), id="missing-delay-and-attempts-from-policy"),
        pytest.param((30, None), (30, 3), id="missing-attempts-from-policy"),
        pytest.param((None, 2), (15, 2), id="missing-delay-from-policy"),
        pytest.param((30, 9), (30, 3), id="attempts-capped-at-policy-max"),
        pytest.param((1, 1), (5, 1), id="delay-raised-to-policy-min"),
        pytest.param((999, 1), (120, 1), id="delay-lowered-to-policy-max"),
    ],
)
def test_a_callback_rule_is_filled_and_bounded_by_the_agency_call_back_limits(agreed, used):
    policy = AgencyPolicy(callback=LIMITS)
    decision = _decide(policy=policy, on_drop=DropRule(DropProtocolKind.CALLBACK, *agreed))
    assert decision.dial is not None
    assert decision.dial.on_drop == DropRule(DropProtocolKind.CALLBACK, *used)


def test_a_default_callback_rule_from_policy_is_filled_too():
    policy = AgencyPolicy(callback=LIMITS, default_on_drop=DropRule(DropProtocolKind.CALLBACK))
    decision = _decide(policy=policy)
    assert decision.dial is not None
    assert decision.dial.on_drop == DropRule(DropProtocolKind.CALLBACK, 15, 3)
    assert "on_drop" in decision.defaults_used


# --- all reasons, fail closed --------------------------------------------------------------


def test_every_applicable_reason_is_listed_not_just_the_first():
    decision = _decide(
        now=TUESDAY_17_00,
        pause_until=date(2026, 1, 8),
        has_phone=False,
        advocate=AdvocateFacts("a-1", "Sam", has_phone=False, active=False),
        caller_id=MASKED,
        locks=LockState(frozenset({MASKED})),
        masked_number_configured=False,
    )
    assert _codes(decision) == [
        "paused",
        "outside-window",
        "participant-no-phone",
        "advocate-inactive",
        "advocate-no-phone",
        "caller-id-locked",
        "masked-number-missing",
    ]
    assert _utc(decision.next_safe_time) == _utc(datetime(2026, 1, 8, 9, 0, tzinfo=TORONTO))
    assert decision.dial is None


def test_a_refusal_for_other_than_timing_carries_no_next_safe_time():
    decision = _decide(locks=LockState(frozenset({WITHHOLD})))
    assert not decision.allowed
    assert decision.next_safe_time is None


def test_a_decision_needs_an_aware_now():
    with pytest.raises(ValueError, match="aware"):
        _decide(now=datetime(2026, 1, 6, 12, 0))


# --- as_dict -------------------------------------------------------------------------------


def test_an_allowed_decision_as_dict_is_json_with_enum_values():
    data = _decide(on_drop=DropRule(DropProtocolKind.CALLBACK, 20, 2)).as_dict()
    assert json.loads(json.dumps(data)) == {
        "allowed": True,
        "reasons": [],
        "next_safe_time": None,
        "dial": {
            "mode": "withhold",
            "masked_fallback": False,
            "voicemail": "generic",
            "on_drop": {"kind": "callback", "callback_delay_min": 20, "callback_attempts": 2},
        },
        "defaults_used": ["caller_id", "voicemail"],
    }


def test_a_refused_decision_as_dict_has_codes_texts_and_an_iso_next_safe_time():
    data = _decide(now=TUESDAY_17_00).as_dict()
    assert json.loads(json.dumps(data))["next_safe_time"] == "2026-01-07T09:00:00-05:00"
    assert data["reasons"][0]["code"] == "outside-window"
    assert data["dial"] is None


def test_a_decision_is_immutable():
    decision = _decide()
    with pytest.raises(AttributeError):
        decision.allowed = False  # type: ignore[misc]
