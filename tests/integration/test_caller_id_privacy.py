"""Neither side's real number reaches the other, in any SIP message of either leg."""

from __future__ import annotations

import re

import pytest

from gateway.callerid import CallerIdMode
from gateway.calls.models import Outcome
from gateway.lab.scenario import Answer, Behaviour
from tests.integration.calls import place, received_by, request
from tests.integration.conftest import FarEndFactory, Pbx
from tests.support.numbers import ADVOCATE, AGENCY, GATEWAY, MASKED, PARTICIPANT, leaked

ADVOCATE_HANGS_UP = {ADVOCATE: Answer(hold_ms=1500), PARTICIPANT: Answer()}
PARTICIPANT_HANGS_UP = {ADVOCATE: Answer(), PARTICIPANT: Answer(hold_ms=1500)}
WHO_HANGS_UP = pytest.mark.parametrize(
    "behaviours",
    [ADVOCATE_HANGS_UP, PARTICIPANT_HANGS_UP],
    ids=["advocate-hangs-up", "participant-hangs-up"],
)


def expected(behaviours: dict[str, Behaviour]) -> Outcome:
    """A participant ending the call within seconds of answering is a drop."""
    return Outcome.DROPPED if behaviours is PARTICIPANT_HANGS_UP else Outcome.ANSWERED


@WHO_HANGS_UP
async def test_withheld_call_shows_the_participant_an_anonymous_caller_and_no_number(
    pbx: Pbx, far_end: FarEndFactory, behaviours: dict
) -> None:
    phone = far_end(behaviours)
    report = await place(pbx, request(CallerIdMode.WITHHOLD))
    phone.stop()

    assert report.outcome is expected(behaviours)
    messages = received_by(phone, PARTICIPANT)
    invites = [m for m in messages if m.method == "INVITE"]
    assert invites, "the participant's phone never received the call"
    assert leaked(invites[0].text, PARTICIPANT) == [PARTICIPANT], "the check must see real numbers"
    assert re.search(r"<sip:anonymous@anonymous\.invalid>", invites[0].header("From") or "")
    assert any(m.method == "BYE" for m in messages) or behaviours is PARTICIPANT_HANGS_UP
    for message in messages:
        assert leaked(message.text, AGENCY, MASKED, GATEWAY, ADVOCATE) == [], message.start_line
        assert message.header("P-Asserted-Identity") is None
        assert message.header("Remote-Party-ID") is None
        assert message.header("Diversion") is None


@WHO_HANGS_UP
async def test_masked_call_shows_the_participant_only_the_masked_number(
    pbx: Pbx, far_end: FarEndFactory, behaviours: dict
) -> None:
    phone = far_end(behaviours)
    report = await place(pbx, request(CallerIdMode.MASKED))
    phone.stop()

    assert report.outcome is expected(behaviours)
    messages = received_by(phone, PARTICIPANT)
    invite = next(m for m in messages if m.method == "INVITE")
    assert MASKED in (invite.header("From") or "")
    for message in messages:
        assert leaked(message.text, AGENCY, GATEWAY, ADVOCATE) == [], message.start_line
        assert message.header("P-Asserted-Identity") is None


@WHO_HANGS_UP
@pytest.mark.parametrize("mode", list(CallerIdMode), ids=str)
async def test_the_advocate_never_receives_the_participants_number(
    pbx: Pbx, far_end: FarEndFactory, behaviours: dict, mode: CallerIdMode
) -> None:
    phone = far_end(behaviours)
    report = await place(pbx, request(mode))
    phone.stop()

    assert report.outcome is expected(behaviours)
    messages = received_by(phone, ADVOCATE)
    invite = next(m for m in messages if m.method == "INVITE")
    assert leaked(invite.text, ADVOCATE) == [ADVOCATE], "the check must see real numbers"
    for message in messages:  # the INVITE, any re-INVITE/UPDATE after the bridge, the BYE
        assert leaked(message.text, PARTICIPANT, AGENCY) == [], message.start_line


async def test_the_advocates_phone_shows_the_gateway_number(
    pbx: Pbx, far_end: FarEndFactory
) -> None:
    phone = far_end(ADVOCATE_HANGS_UP)
    await place(pbx, request(CallerIdMode.WITHHOLD))
    phone.stop()

    invite = next(m for m in received_by(phone, ADVOCATE) if m.method == "INVITE")
    assert GATEWAY in (invite.header("From") or "")


async def test_neither_phone_sees_the_product_name_only_the_neutral_identity(
    pbx: Pbx, far_end: FarEndFactory
) -> None:
    phone = far_end(ADVOCATE_HANGS_UP)
    await place(pbx, request(CallerIdMode.MASKED))
    phone.stop()

    for number in (ADVOCATE, PARTICIPANT):
        messages = received_by(phone, number)
        invite = next(m for m in messages if m.method == "INVITE")
        assert "<sip:gw@" in (invite.header("Contact") or "")
        assert invite.header("User-Agent") == "PBX"
        for message in messages:
            assert "safedial" not in message.text.lower(), message.start_line
