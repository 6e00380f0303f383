"""CallTracker replays recorded AMI traffic (tests/fixtures/ami) into one outcome per call."""

from __future__ import annotations

import json
import re

import pytest

from gateway.ami.tracker import CallTracker, call_id_of
from gateway.calls.models import CallStage, Outcome
from tests.unit.amifile import load_recording, parse_ami, recording_text

RECORDINGS = [
    "answered-masked",
    "busy-withhold",
    "rejected-anonymous-433",
    "advocate-no-answer",
    "refused-missing-mode",
]


def _call_id(messages: list[dict[str, str]]) -> str:
    return messages[0]["ActionID"].removeprefix("safedial-")


def _feed(tracker: CallTracker, message: dict[str, str]) -> None:
    """Route one message as the AMI client does.

    The action's own ``Response: Success ... queued`` reply resolves the
    Originate future inside panoramisk; the tracker only ever gets the final
    OriginateResponse event and the UserEvents.
    """
    if message.get("Event") == "OriginateResponse":
        tracker.on_originate_response(message)
    elif "Event" in message:
        tracker.on_event(message)


def _replay(name: str) -> CallTracker:
    messages = load_recording(name)
    tracker = CallTracker(_call_id(messages))
    for message in messages:
        _feed(tracker, message)
    return tracker


def test_a_recording_parses_into_one_dict_per_block():
    messages = load_recording("answered-masked")
    assert [m.get("Event", m.get("Response")) for m in messages] == [
        "Success",
        "UserEvent",
        "OriginateResponse",
        "UserEvent",
    ]
    assert messages[0]["Message"] == "Originate successfully queued"
    assert messages[1]["AccountCode"] == ""
    assert messages[3]["UserEvent"] == "SafeDialCallEnded"


def test_parse_ami_reads_crlf_and_lf_alike():
    text = "Event: UserEvent\r\nUserEvent: X\r\n\r\nEvent: Other\r\n\r\n"
    assert parse_ami(text) == parse_ami(text.replace("\r\n", "\n"))
    assert parse_ami(text) == [{"Event": "UserEvent", "UserEvent": "X"}, {"Event": "Other"}]


@pytest.mark.parametrize(
    ("name", "outcome", "sip_cause", "advocate_answered", "participant_answered"),
    [
        ("answered-masked", Outcome.ANSWERED, None, True, True),
        ("busy-withhold", Outcome.BUSY, "SIP 486 Busy Here", True, False),
        (
            "rejected-anonymous-433",
            Outcome.REJECTED_ANONYMOUS,
            "SIP 433 Anonymity Disallowed",
            True,
            False,
        ),
        ("advocate-no-answer", Outcome.ADVOCATE_NO_ANSWER, None, False, False),
        ("refused-missing-mode", Outcome.REFUSED, None, True, False),
    ],
)
def test_each_recorded_call_ends_with_its_outcome(
    name, outcome, sip_cause, advocate_answered, participant_answered
):
    tracker = _replay(name)
    assert tracker.complete
    report = tracker.report()
    assert report.call_id == tracker.call_id
    assert report.outcome is outcome
    assert report.sip_cause == sip_cause
    assert report.advocate_answered is advocate_answered
    assert report.participant_answered is participant_answered


def test_the_answered_recording_reports_its_answered_time():
    assert _replay("answered-masked").report().duration_s == 1.0


def test_the_refused_recording_names_the_dialplan_refusal():
    assert _replay("refused-missing-mode").report().refusal == "callerid-mode-invalid"


@pytest.mark.parametrize(
    ("name", "complete_after_each"),
    [
        pytest.param(
            "answered-masked", [False, False, False, True], id="ended-after-originate-response"
        ),
        pytest.param(
            "refused-missing-mode", [False, False, True], id="ended-before-originate-response"
        ),
        pytest.param("rejected-anonymous-433", [False, False, False, True], id="rejected"),
        pytest.param("advocate-no-answer", [False, True], id="advocate-leg-only"),
    ],
)
def test_a_call_is_complete_only_once_every_needed_message_arrived(name, complete_after_each):
    messages = load_recording(name)
    tracker = CallTracker(_call_id(messages))
    seen = []
    for message in messages:
        _feed(tracker, message)
        seen.append(tracker.complete)
    assert seen == complete_after_each


def test_an_answered_advocate_leg_alone_is_not_complete():
    messages = load_recording("busy-withhold")
    tracker = CallTracker(_call_id(messages))
    tracker.on_originate_response(
        next(m for m in messages if m.get("Event") == "OriginateResponse")
    )
    assert tracker.originate_reason == 4
    assert not tracker.complete


def test_the_end_report_arriving_before_the_originate_response_is_kept():
    messages = load_recording("answered-masked")
    tracker = CallTracker(_call_id(messages))
    for message in reversed(messages):
        _feed(tracker, message)
    assert tracker.complete
    assert tracker.report().outcome is Outcome.ANSWERED


def test_events_of_another_call_leave_the_tracker_unchanged():
    tracker = CallTracker("11111111-2222-4333-8444-555555555555")
    for message in load_recording("busy-withhold"):
        if "Event" in message and message["Event"] != "OriginateResponse":
            tracker.on_event(message)
    assert tracker == CallTracker("11111111-2222-4333-8444-555555555555")


def test_an_event_with_another_linkedid_is_ignored_even_if_its_uniqueid_matches():
    messages = load_recording("busy-withhold")
    call_id = _call_id(messages)
    ended = next(m for m in messages if m.get("UserEvent") == "SafeDialCallEnded")
    tracker = CallTracker(call_id)
    tracker.on_event(ended | {"Linkedid": "99999999-2222-4333-8444-555555555555"})
    assert tracker.ended is None


def test_call_id_of_prefers_linkedid_then_uniqueid():
    assert call_id_of({"Linkedid": "a", "Uniqueid": "b"}) == "a"
    assert call_id_of({"Uniqueid": "b"}) == "b"
    assert call_id_of({}) == ""


def test_header_names_are_matched_whatever_their_case():
    messages = load_recording("busy-withhold")
    tracker = CallTracker(_call_id(messages))
    for message in messages:
        lowered = {name.lower(): value for name, value in message.items()}
        if message.get("Event") == "OriginateResponse":
            tracker.on_originate_response(lowered)
        elif "Event" in message:
            tracker.on_event(lowered)
    assert tracker.report().outcome is Outcome.BUSY


def test_only_the_first_end_report_counts():
    messages = load_recording("busy-withhold")
    tracker = _replay("busy-withhold")
    ended = next(m for m in messages if m.get("UserEvent") == "SafeDialCallEnded")
    tracker.on_event(ended | {"DialStatus": "ANSWER", "AnsweredTime": "60"})
    assert tracker.report().outcome is Outcome.BUSY


def test_the_tracker_keeps_no_header_but_the_report_fields():
    tracker = _replay("answered-masked")
    assert set(tracker.ended or {}) == {
        "Amd",
        "Voicemail",
        "ConnectedTime",
        "Fallback",
        "Rejection",
        "OtherAnswered",
        "AdvocateWait",
        "Refusal",
        "DialStatus",
        "AnsweredTime",
        "DialedTime",
        "ParticipantCause",
        "HangupSource",
    }
    assert not re.search(r"202555\d{4}", repr(tracker))


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(
            {"Response": "Error", "Message": "Originate failed"}, id="error-without-reason"
        ),
        pytest.param({"Response": "Failure", "Reason": "junk"}, id="reason-not-a-number"),
    ],
)
def test_an_originate_error_completes_the_call_as_failed(reply):
    tracker = CallTracker("c")
    tracker.on_originate_response(reply)
    assert tracker.complete
    assert tracker.report().outcome is Outcome.FAILED


@pytest.mark.parametrize("name", RECORDINGS)
def test_the_json_line_has_the_contract_keys_and_no_number_from_the_recording(name):
    numbers = set(re.findall(r"\+1202555\d{4}", recording_text(name)))
    assert numbers, "each recording carries numbers in its CallerID headers"
    line = _replay(name).report().as_json_line()
    assert list(json.loads(line)) == [
        "call_id",
        "outcome",
        "sip_cause",
        "advocate_answered",
        "participant_answered",
        "duration_s",
        "masked_fallback_used",
        "other_person_answered",
        "advocate_wait_s",
    ]
    for number in numbers:
        for form in (number, number.lstrip("+"), number[-7:]):
            assert form not in line


def test_the_dialplans_anonymous_rejection_verdict_is_kept_and_decides_the_outcome():
    messages = load_recording("busy-withhold")
    call_id = _call_id(messages)
    tracker = CallTracker(call_id)
    for message in messages:
        if message.get("UserEvent") == "SafeDialCallEnded":
            message = message | {"DialStatus": "CHANUNAVAIL", "Rejection": "anonymous",
                                 "ParticipantCause": "SIP 603 Anonymous Call Rejection"}
        _feed(tracker, message)
    report = tracker.report()
    assert report.outcome is Outcome.REJECTED_ANONYMOUS
    assert report.sip_cause == "SIP 603 Decline"
    assert "Anonymous" not in report.as_json_line()


LIVE_CALL = "11111111-2222-4333-8444-555555555555"


def progress(name: str, **headers: str) -> dict[str, str]:
    return {"Event": "UserEvent", "UserEvent": name, "Linkedid": LIVE_CALL, **headers}


def test_the_live_stage_follows_the_dialplan_and_never_goes_back():
    tracker = CallTracker(LIVE_CALL)
    seen = [tracker.stage]
    for event in [progress("SafeDialAdvocateAnswered", Channel="PJSIP/trunk-1"),
                  progress("SafeDialParticipantDialing", Mode="withhold"),
                  progress("SafeDialParticipantAnswered", Stage="connected"),
                  progress("SafeDialParticipantDialing", Mode="masked"),  # arrived late
                  progress("SafeDialCallEnded", DialStatus="ANSWER")]:
        tracker.on_event(event)
        seen.append(tracker.stage)

    assert seen == [CallStage.RINGING_ADVOCATE, CallStage.BRIEFING,
                    CallStage.CALLING_PARTICIPANT, CallStage.CONNECTED, CallStage.CONNECTED,
                    CallStage.ENDED]


def test_a_machine_answering_moves_the_stage_to_leaving_voicemail_and_junk_moves_nothing():
    tracker = CallTracker(LIVE_CALL)
    tracker.on_event(progress("SafeDialParticipantAnswered", Stage="something-else"))
    assert tracker.stage is CallStage.RINGING_ADVOCATE
    tracker.on_event(progress("SafeDialParticipantAnswered", Stage="voicemail"))
    assert tracker.stage is CallStage.LEAVING_VOICEMAIL


def test_a_recorded_call_ends_at_the_ended_stage():
    assert _replay("answered-masked").stage is CallStage.ENDED
