"""One outcome per call, judged from the PBX's own signals."""

from __future__ import annotations

import json

import pytest

from gateway.calls.models import CallReport, Outcome
from gateway.calls.outcome import CallSignals, classify, sip_cause

CALL_ID = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
ANSWERED = 4


def _ended(**fields: str) -> dict[str, str]:
    report = {
        "Refusal": "",
        "DialStatus": "",
        "AnsweredTime": "",
        "DialedTime": "",
        "ParticipantCause": "",
        "HangupSource": "",
    }
    return report | fields


@pytest.mark.parametrize(
    ("reason", "outcome"),
    [
        pytest.param(1, Outcome.ADVOCATE_NO_ANSWER, id="1-advocate-hung-up"),
        pytest.param(3, Outcome.ADVOCATE_NO_ANSWER, id="3-advocate-did-not-answer"),
        pytest.param(5, Outcome.ADVOCATE_NO_ANSWER, id="5-advocate-busy"),
        pytest.param(0, Outcome.FAILED, id="0-failure"),
        pytest.param(8, Outcome.FAILED, id="8-congestion"),
        pytest.param(None, Outcome.FAILED, id="no-originate-response"),
    ],
)
def test_when_the_advocate_leg_is_not_answered_the_participant_is_never_judged(reason, outcome):
    ended = _ended(DialStatus="ANSWER", AnsweredTime="12")
    report = classify(CallSignals(CALL_ID, reason, ended))
    assert report == CallReport(CALL_ID, outcome, None, False, False, 0.0)


def test_an_answered_call_reports_the_answered_time_and_no_cause():
    ended = _ended(
        DialStatus="ANSWER", AnsweredTime="42", DialedTime="47", ParticipantCause="SIP 200 OK"
    )
    report = classify(CallSignals(CALL_ID, ANSWERED, ended))
    assert report.outcome is Outcome.ANSWERED
    assert report.duration_s == 42.0
    assert report.sip_cause is None
    assert report.advocate_answered
    assert report.participant_answered
    assert report.refusal is None


PARTICIPANT_OUTCOMES = [
    pytest.param(
        _ended(DialStatus="BUSY", ParticipantCause="SIP 486 Busy Here"),
        Outcome.BUSY, "SIP 486 Busy Here", id="busy",
    ),
    pytest.param(
        _ended(DialStatus="CONGESTION", ParticipantCause="SIP 600 Busy Everywhere"),
        Outcome.BUSY, "SIP 600 Busy Everywhere", id="busy-everywhere",
    ),
    pytest.param(
        _ended(DialStatus="CHANUNAVAIL", ParticipantCause="SIP 433 Anonymity Disallowed"),
        Outcome.REJECTED_ANONYMOUS, "SIP 433 Anonymity Disallowed", id="433-chanunavail",
    ),
    pytest.param(
        _ended(DialStatus="NOANSWER", ParticipantCause="SIP 433 Anonymity Disallowed"),
        Outcome.REJECTED_ANONYMOUS, "SIP 433 Anonymity Disallowed", id="433-noanswer",
    ),
    pytest.param(
        _ended(DialStatus="CHANUNAVAIL", ParticipantCause="SIP 603 Anonymous Calls Not Accepted",
               Rejection="anonymous"),
        Outcome.REJECTED_ANONYMOUS, "SIP 603 Decline", id="603-judged-anonymous-by-the-dialplan",
    ),
    pytest.param(
        _ended(DialStatus="CHANUNAVAIL", ParticipantCause="SIP 603 Decline", Rejection="none"),
        Outcome.FAILED, "SIP 603 Decline", id="603-other-phrase-failed",
    ),
    pytest.param(
        _ended(DialStatus="CHANUNAVAIL", ParticipantCause="SIP 603 Anonymous Calls Not Accepted"),
        Outcome.FAILED, "SIP 603 Decline", id="603-without-the-dialplans-judgement-failed",
    ),
    pytest.param(
        _ended(DialStatus="CHANUNAVAIL", ParticipantCause="SIP 433 Anonymity Disallowed",
               Rejection="none"),
        Outcome.REJECTED_ANONYMOUS, "SIP 433 Anonymity Disallowed", id="433-always",
    ),
    pytest.param(
        _ended(DialStatus="CHANUNAVAIL", ParticipantCause="SIP 480 Temporarily Unavailable",
               Rejection="none"),
        Outcome.FAILED, "SIP 480 Temporarily Unavailable", id="480-failed",
    ),
    pytest.param(
        _ended(DialStatus="NOANSWER", ParticipantCause="SIP 487 Request Terminated"),
        Outcome.NO_ANSWER, "SIP 487 Request Terminated", id="noanswer",
    ),
    pytest.param(
        _ended(DialStatus="CANCEL"),
        Outcome.NO_ANSWER, None, id="cancel",
    ),
    pytest.param(
        _ended(DialStatus="noanswer"),
        Outcome.NO_ANSWER, None, id="dial-status-in-lower-case",
    ),
    pytest.param(
        _ended(DialStatus="CHANUNAVAIL", ParticipantCause="SIP 404 Not Found"),
        Outcome.FAILED, "SIP 404 Not Found", id="chanunavail-404",
    ),
    pytest.param(
        _ended(), Outcome.FAILED, None, id="nothing-reported",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("ended", "outcome", "cause"), PARTICIPANT_OUTCOMES)
def test_the_participant_leg_outcome_follows_dial_status_and_sip_cause(ended, outcome, cause):
    report = classify(CallSignals(CALL_ID, ANSWERED, ended))
    assert (report.outcome, report.sip_cause) == (outcome, cause)
    assert report.advocate_answered
    assert not report.participant_answered
    assert report.duration_s == 0.0


def test_no_end_report_after_an_answered_advocate_leg_is_a_failure():
    report = classify(CallSignals(CALL_ID, ANSWERED, None))
    assert report.outcome is Outcome.FAILED
    assert report.advocate_answered


@pytest.mark.parametrize(
    "ended",
    [
        pytest.param(_ended(Refusal="callerid-mode-invalid"), id="before-dial"),
        pytest.param(
            _ended(Refusal="participant-number-invalid", DialStatus="ANSWER", AnsweredTime="3"),
            id="even-with-a-dial-status",
        ),
    ],
)
def test_a_dialplan_refusal_is_reported_as_refused(ended):
    report = classify(CallSignals(CALL_ID, ANSWERED, ended))
    assert report.outcome is Outcome.REFUSED
    assert report.refusal == ended["Refusal"]


@pytest.mark.parametrize(
    ("answered_time", "duration"),
    [("0", 0.0), ("", 0.0), ("7.5", 7.5), ("-3", 0.0), ("soon", 0.0)],
)
def test_the_duration_is_never_negative_or_made_up(answered_time, duration):
    ended = _ended(DialStatus="ANSWER", AnsweredTime=answered_time)
    assert classify(CallSignals(CALL_ID, ANSWERED, ended)).duration_s == duration


@pytest.mark.parametrize(
    ("tech_cause", "clean"),
    [
        pytest.param("SIP 486 Busy Here", "SIP 486 Busy Here", id="known-code"),
        pytest.param("SIP 486 Occupied right now", "SIP 486 Busy Here", id="own-phrase-replaced"),
        pytest.param("SIP 499 call +12025550123 now", "SIP 499", id="unknown-code-phrase-dropped"),
        pytest.param("SIP 433 Anonymity Disallowed", "SIP 433 Anonymity Disallowed", id="433"),
        pytest.param("SIP 180 Ringing", None, id="provisional-ignored"),
        pytest.param("SIP 200 OK", None, id="success-ignored"),
        pytest.param("SIP 299 whatever", None, id="2xx-ignored"),
        pytest.param("Q.850 17", None, id="not-sip"),
        pytest.param("SIP 4860", None, id="four-digit-code"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="none"),
    ],
)
def test_sip_cause_keeps_only_a_known_final_failure(tech_cause, clean):
    assert sip_cause(tech_cause) == clean


def test_a_reported_cause_never_echoes_the_far_ends_words():
    ended = _ended(DialStatus="CHANUNAVAIL", ParticipantCause="SIP 499 call 12025550123 now")
    report = classify(CallSignals(CALL_ID, ANSWERED, ended))
    assert report.sip_cause == "SIP 499"
    assert "2025550123" not in report.as_json_line()


def test_the_json_line_has_exactly_the_contract_keys():
    report = CallReport(CALL_ID, Outcome.BUSY, "SIP 486 Busy Here", True, False, 0.0, refusal=None)
    assert json.loads(report.as_json_line()) == {
        "call_id": CALL_ID,
        "outcome": "busy",
        "sip_cause": "SIP 486 Busy Here",
        "advocate_answered": True,
        "participant_answered": False,
        "duration_s": 0.0,
        "masked_fallback_used": False,
        "other_person_answered": False,
        "advocate_wait_s": None,
    }


def test_the_json_line_says_whether_the_masked_fallback_was_used():
    report = CallReport(CALL_ID, Outcome.ANSWERED, None, True, True, 3.0,
                        masked_fallback_used=True)
    assert json.loads(report.as_json_line())["masked_fallback_used"] is True


def test_the_json_line_rounds_the_duration_to_milliseconds():
    report = CallReport(CALL_ID, Outcome.ANSWERED, None, True, True, 1.23456)
    assert json.loads(report.as_json_line())["duration_s"] == 1.235


MACHINE_ROWS = [
    pytest.param("left", Outcome.VOICEMAIL_LEFT, None, id="whole-message-played"),
    pytest.param("playing", Outcome.VOICEMAIL_NOT_LEFT, "machine-hung-up-during-message",
                 id="cut-off-mid-message"),
    pytest.param("waiting", Outcome.VOICEMAIL_NOT_LEFT, "machine-hung-up-before-message",
                 id="hung-up-during-the-greeting"),
    pytest.param("not-left", Outcome.VOICEMAIL_NOT_LEFT, "voicemail-none", id="rule-none"),
    pytest.param("", Outcome.VOICEMAIL_NOT_LEFT, "not-started", id="no-state"),
]


@pytest.mark.parametrize(("state", "outcome", "reason"), MACHINE_ROWS)
def test_a_voicemail_is_left_only_when_the_whole_message_played_on_a_connected_machine(
    state, outcome, reason
):
    ended = _ended(DialStatus="ANSWER", Amd="MACHINE", Voicemail=state, ConnectedTime="22.400")
    report = classify(CallSignals(CALL_ID, ANSWERED, ended))
    assert (report.outcome, report.voicemail_reason) == (outcome, reason)
    assert report.as_dict().get("voicemail_reason") == reason


DURATION_ROWS = [
    pytest.param(_ended(DialStatus="ANSWER", Amd="MACHINE", Voicemail="left",
                        AnsweredTime="0", ConnectedTime="22.400"), 22.4,
                 id="voicemail-left-no-bridge"),
    pytest.param(_ended(DialStatus="ANSWER", Amd="MACHINE", Voicemail="not-left",
                        AnsweredTime="0", ConnectedTime="4.250"), 4.25,
                 id="voicemail-none"),
    pytest.param(_ended(DialStatus="ANSWER", Amd="HUMAN", AnsweredTime="40",
                        ConnectedTime="43.100", HangupSource="advocate"), 43.1,
                 id="answered-includes-detection"),
    pytest.param(_ended(DialStatus="ANSWER", AnsweredTime="12"), 12.0,
                 id="no-leg-time-falls-back-to-answered-time"),
    pytest.param(_ended(DialStatus="NOANSWER", ConnectedTime=""), 0.0, id="never-answered"),
]


@pytest.mark.parametrize(("ended", "duration"), DURATION_ROWS)
def test_duration_is_the_participant_legs_connected_time_for_every_outcome(ended, duration):
    assert classify(CallSignals(CALL_ID, ANSWERED, ended)).duration_s == pytest.approx(duration)
