"""Helpers to place a call on the session PBX and read what each phone saw."""

from __future__ import annotations

from gateway.ami.client import AmiCallControl
from gateway.callerid import CallerIdMode
from gateway.calls.models import CallReport, DialRequest
from gateway.lab.farend import FarEnd, SipMessage
from gateway.phone import PhoneNumber
from tests.integration.conftest import Pbx
from tests.support.numbers import ADVOCATE, PARTICIPANT


def request(mode: CallerIdMode, ring_timeout_s: int = 5) -> DialRequest:
    """A lab-style request: sipp far ends send no audio, so no machine detection."""
    return DialRequest(
        advocate=PhoneNumber(ADVOCATE),
        participant=PhoneNumber(PARTICIPANT),
        mode=mode,
        ring_timeout_s=ring_timeout_s,
        detect_machine=False,
    )


async def place(pbx: Pbx, dial: DialRequest, control: AmiCallControl | None = None) -> CallReport:
    control = control or pbx.control()
    async with control:
        return await control.place_call(dial)


def received_by(phone: FarEnd, number: str) -> list[SipMessage]:
    """Every message the phone with ``number`` received, over all its calls."""
    calls = phone.dialogs().calls_to(number)
    return [message for call in calls for message in call if message.direction == "received"]


def all_exchanged_with(phone: FarEnd, number: str) -> list[SipMessage]:
    calls = phone.dialogs().calls_to(number)
    return [message for call in calls for message in call]
