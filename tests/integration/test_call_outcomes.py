"""Each way a call ends is reported as one outcome, judged from the PBX's own signals."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from gateway.callerid import CallerIdMode
from gateway.calls.models import DialRequest, Outcome
from gateway.lab.scenario import (
    ANONYMITY_DISALLOWED,
    BUSY,
    Answer,
    Behaviour,
    Reject,
    RejectWithheld,
    RingNoAnswer,
)
from tests.integration.calls import place, request
from tests.integration.conftest import FarEndFactory, Pbx
from tests.support.numbers import ADVOCATE, AGENCY, GATEWAY, MASKED, PARTICIPANT, leaked


@pytest.mark.parametrize(
    ("advocate", "participant", "outcome", "sip_cause"),
    [
        (Answer(hold_ms=1500), Answer(), Outcome.ANSWERED, None),
        (Answer(hold_ms=3000), BUSY, Outcome.BUSY, "SIP 486 Busy Here"),
        (Answer(hold_ms=3000), ANONYMITY_DISALLOWED, Outcome.REJECTED_ANONYMOUS,
         "SIP 433 Anonymity Disallowed"),
        (Answer(hold_ms=9000), RingNoAnswer(), Outcome.NO_ANSWER, None),
        (RingNoAnswer(), Answer(), Outcome.ADVOCATE_NO_ANSWER, None),
        (Answer(hold_ms=3000), Reject(603, "Anonymous Calls Not Accepted"),
         Outcome.REJECTED_ANONYMOUS, "SIP 603 Decline"),
        (Answer(hold_ms=3000), Reject(603, "Decline"), Outcome.FAILED, "SIP 603 Decline"),
        (Answer(hold_ms=3000), Reject(403, "ANONYMOUS CALL REJECTION"),
         Outcome.REJECTED_ANONYMOUS, "SIP 403 Forbidden"),
        (Answer(hold_ms=3000), Reject(603, "Anonymous Calls Not Accepted", early_media=True),
         Outcome.REJECTED_ANONYMOUS, "SIP 603 Decline"),
        (Answer(hold_ms=3000), Reject(603, "Decline", early_media=True),
         Outcome.FAILED, "SIP 603 Decline"),
    ],
    ids=["answered", "busy", "433-anonymity-disallowed", "participant-no-answer",
         "advocate-no-answer", "603-anonymous-phrase-rejected", "603-other-phrase-failed",
         "403-anonymous-phrase-rejected", "183-then-603-anonymous-rejected",
         "183-then-603-other-phrase-failed"],
)
async def test_the_outcome_follows_what_the_phones_did(
    pbx: Pbx,
    far_end: FarEndFactory,
    advocate: Behaviour,
    participant: Behaviour,
    outcome: Outcome,
    sip_cause: str | None,
) -> None:
    phone = far_end({ADVOCATE: advocate, PARTICIPANT: participant})
    report = await place(pbx, request(CallerIdMode.WITHHOLD, ring_timeout_s=5))
    phone.stop()

    assert report.outcome is outcome
    assert report.sip_cause == sip_cause
    assert report.advocate_answered is not isinstance(advocate, RingNoAnswer)
    assert report.participant_answered is (outcome is Outcome.ANSWERED)


async def test_when_the_advocate_does_not_answer_the_participant_is_never_dialled(
    pbx: Pbx, far_end: FarEndFactory
) -> None:
    phone = far_end({ADVOCATE: RingNoAnswer(), PARTICIPANT: Answer()})
    await place(pbx, request(CallerIdMode.WITHHOLD, ring_timeout_s=5))
    phone.stop()

    assert [m.request_user for m in phone.dialogs().received_invites()] == [ADVOCATE]


async def test_no_log_record_of_a_call_carries_a_number(
    pbx: Pbx, far_end: FarEndFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    phone = far_end({ADVOCATE: Answer(hold_ms=1500), PARTICIPANT: Answer()})
    report = await place(pbx, request(CallerIdMode.MASKED))
    phone.stop()

    assert report.outcome is Outcome.ANSWERED
    assert caplog.records, "the call should have logged its progress"
    for record in caplog.records:
        assert leaked(record.getMessage(), ADVOCATE, PARTICIPANT) == [], record.getMessage()
    assert leaked(report.as_json_line(), ADVOCATE, PARTICIPANT) == []


def fallback_request(agreed: bool) -> DialRequest:
    return replace(request(CallerIdMode.WITHHOLD), masked_fallback=agreed)


async def test_a_rejected_withheld_call_is_retried_once_with_the_masked_number_when_agreed(
    pbx: Pbx, far_end: FarEndFactory
) -> None:
    phone = far_end({ADVOCATE: Answer(hold_ms=3000), PARTICIPANT: RejectWithheld()})
    report = await place(pbx, fallback_request(agreed=True))
    phone.stop()

    assert report.outcome is Outcome.ANSWERED
    assert report.masked_fallback_used
    invites = [m for call in phone.dialogs().calls_to(PARTICIPANT) for m in call
               if m.method == "INVITE" and m.direction == "received"]
    assert len(invites) == 2, "exactly one retry"
    assert "anonymous@anonymous.invalid" in (invites[0].header("From") or "")
    assert MASKED in (invites[1].header("From") or "")
    for invite in invites:
        assert leaked(invite.text, AGENCY, GATEWAY, ADVOCATE) == []


async def test_without_agreement_a_rejected_withheld_call_is_not_retried(
    pbx: Pbx, far_end: FarEndFactory
) -> None:
    phone = far_end({ADVOCATE: Answer(hold_ms=3000), PARTICIPANT: RejectWithheld()})
    report = await place(pbx, fallback_request(agreed=False))
    phone.stop()

    assert report.outcome is Outcome.REJECTED_ANONYMOUS
    assert not report.masked_fallback_used
    invites = [m for m in phone.dialogs().received_invites() if m.request_user == PARTICIPANT]
    assert len(invites) == 1


ANONYMOUS_603 = Reject(603, "Anonymous Call Rejection")


@pytest.mark.parametrize(
    "rejection",
    [ANONYMOUS_603, replace(ANONYMOUS_603, early_media=True)],
    ids=["603-anonymous", "183-then-603-anonymous"],
)
async def test_a_603_anonymous_rejection_is_retried_once_with_only_the_masked_number_when_agreed(
    pbx: Pbx, far_end: FarEndFactory, rejection: Reject
) -> None:
    phone = far_end({ADVOCATE: Answer(hold_ms=3000),
                     PARTICIPANT: RejectWithheld(reject=rejection)})
    report = await place(pbx, fallback_request(agreed=True))
    phone.stop()

    assert report.outcome is Outcome.ANSWERED
    assert report.masked_fallback_used
    invites = [m for call in phone.dialogs().calls_to(PARTICIPANT) for m in call
               if m.method == "INVITE" and m.direction == "received"]
    assert len(invites) == 2, "exactly one retry"
    assert "anonymous@anonymous.invalid" in (invites[0].header("From") or "")
    assert MASKED in (invites[1].header("From") or "")
    for invite in invites:
        assert leaked(invite.text, AGENCY, GATEWAY, ADVOCATE) == []


async def test_without_agreement_a_603_anonymous_rejection_is_not_retried(
    pbx: Pbx, far_end: FarEndFactory
) -> None:
    phone = far_end({ADVOCATE: Answer(hold_ms=3000),
                     PARTICIPANT: RejectWithheld(reject=ANONYMOUS_603)})
    report = await place(pbx, fallback_request(agreed=False))
    phone.stop()

    assert report.outcome is Outcome.REJECTED_ANONYMOUS
    assert report.sip_cause == "SIP 603 Decline"
    assert not report.masked_fallback_used
    assert "Anonymous" not in report.as_json_line()
    invites = [m for m in phone.dialogs().received_invites() if m.request_user == PARTICIPANT]
    assert len(invites) == 1


async def test_a_603_with_another_phrase_is_failed_and_never_retried_even_when_agreed(
    pbx: Pbx, far_end: FarEndFactory
) -> None:
    phone = far_end({ADVOCATE: Answer(hold_ms=3000),
                     PARTICIPANT: RejectWithheld(reject=Reject(603, "Decline"))})
    report = await place(pbx, fallback_request(agreed=True))
    phone.stop()

    assert report.outcome is Outcome.FAILED
    assert report.sip_cause == "SIP 603 Decline"
    assert not report.masked_fallback_used
    invites = [m for m in phone.dialogs().received_invites() if m.request_user == PARTICIPANT]
    assert len(invites) == 1
