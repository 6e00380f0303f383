"""The second decision reaches the real dialplan by Redirect: no polling, and it fails closed.

This module's Asterisk waits only 2 s for the decision (SAFEDIAL_CONFIRM_TIMEOUT_S),
so the tests where no decision arrives are quick. No test here times anything:
that a decision ended the wait is read from the dialplan's own report
(`Confirm: redirected` in SafeDialCallEnded), which only the `decided` extension sets.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from gateway.ami.client import AmiCallControl
from gateway.callerid import CallerIdMode
from gateway.calls.models import Outcome
from gateway.lab.scenario import Answer
from gateway.pbx import dialvars
from tests.integration.calls import request
from tests.integration.conftest import FarEndFactory, Pbx, lab_environment
from tests.support.numbers import ADVOCATE, PARTICIPANT

CONFIRM_TIMEOUT_S = 2
REPORT_HEADERS = ("CallId", "Refusal", "DialStatus", "AnsweredTime", "DialedTime",
                  "ParticipantCause", "HangupSource", "Amd", "Voicemail", "Fallback", "Confirm")


@pytest.fixture(scope="module")
def pbx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pbx]:
    """This module's own Asterisk, rendered with a short confirmation time."""
    runtime = tmp_path_factory.mktemp("pbx-confirm")
    instance = Pbx(lab_environment(runtime, SAFEDIAL_CONFIRM_TIMEOUT_S=str(CONFIRM_TIMEOUT_S)))
    instance.asterisk.start()
    try:
        yield instance
    finally:
        instance.asterisk.stop()


class Watching(AmiCallControl):
    """Call control that keeps the dialplan's UserEvents of the call (in memory only)."""

    def __init__(self, base: AmiCallControl) -> None:
        self.__dict__.update(base.__dict__)
        self.events: list[dict[str, str]] = []

    def _on_event(self, manager: object, event: Mapping[str, str]) -> None:
        self.events.append(dict(event))
        super()._on_event(manager, event)

    def ended(self) -> dict[str, str]:
        (report,) = [e for e in self.events if e.get("UserEvent") == dialvars.EVENT_CALL_ENDED]
        return report


class NoDecision(Watching):
    """The gateway's decision never reaches the dialplan (lost, or too slow)."""

    async def _confirm(self, call_id: str, channel: str) -> None:
        return None


class YesWithoutRedirect(Watching):
    """Sets SAFEDIAL_GO=yes but never redirects (a Redirect that failed)."""

    async def _confirm(self, call_id: str, channel: str) -> None:
        await self._send(call_id, {"Action": "Setvar", "Channel": channel,
                                   "Variable": dialvars.VAR_GO, "Value": "yes"})


def decision(value: bool) -> Any:
    async def confirm() -> bool:
        return value
    return confirm


def dialled(phone: Any) -> list[str | None]:
    return [m.request_user for m in phone.dialogs().received_invites()]


async def test_an_immediate_yes_ends_the_wait_and_dials_the_participant(
    pbx: Pbx, far_end: FarEndFactory
) -> None:
    phone = far_end({ADVOCATE: Answer(hold_ms=3000), PARTICIPANT: Answer()})
    control = Watching(pbx.control())
    async with control:
        report = await control.place_call(request(CallerIdMode.WITHHOLD), decision(True))
    phone.stop()

    assert report.outcome is Outcome.ANSWERED
    assert dialled(phone) == [ADVOCATE, PARTICIPANT]
    ended = control.ended()
    assert ended["Confirm"] == "redirected", "the decision arrived by redirect, not a poll"
    assert set(REPORT_HEADERS) <= set(ended), "the redirect kept the hangup handler's report"
    assert ended["CallId"] == report.call_id
    assert ended["DialStatus"] == "ANSWER"
    assert ended["AnsweredTime"].isdigit()
    assert ended["Refusal"] == ""


async def test_a_no_ends_the_wait_and_never_dials_the_participant(
    pbx: Pbx, far_end: FarEndFactory
) -> None:
    phone = far_end({ADVOCATE: Answer(hold_ms=5000), PARTICIPANT: Answer()})
    control = Watching(pbx.control())
    async with control:
        report = await control.place_call(request(CallerIdMode.WITHHOLD), decision(False))
    phone.stop()

    assert report.outcome is Outcome.REFUSED
    assert report.refusal == "policy-refused-at-dial"
    assert control.ended()["Confirm"] == "redirected", "the advocate was not left waiting"
    assert dialled(phone) == [ADVOCATE]


async def test_no_decision_at_all_times_out_as_not_confirmed(
    pbx: Pbx, far_end: FarEndFactory
) -> None:
    phone = far_end({ADVOCATE: Answer(hold_ms=CONFIRM_TIMEOUT_S * 1000 + 4000),
                     PARTICIPANT: Answer()})
    control = NoDecision(pbx.control())
    async with control:
        report = await control.place_call(request(CallerIdMode.WITHHOLD), decision(True))
    phone.stop()

    assert report.outcome is Outcome.REFUSED
    assert report.refusal == "not-confirmed"
    assert control.ended()["Confirm"] == "timed-out"
    assert dialled(phone) == [ADVOCATE]


async def test_a_yes_whose_redirect_never_came_does_not_dial_after_the_wait(
    pbx: Pbx, far_end: FarEndFactory
) -> None:
    phone = far_end({ADVOCATE: Answer(hold_ms=CONFIRM_TIMEOUT_S * 1000 + 4000),
                     PARTICIPANT: Answer()})
    control = YesWithoutRedirect(pbx.control())
    async with control:
        report = await control.place_call(request(CallerIdMode.WITHHOLD), decision(True))
    phone.stop()

    assert report.refusal == "not-confirmed"
    assert control.ended()["Confirm"] == "timed-out"
    assert dialled(phone) == [ADVOCATE]


@pytest.fixture
def slow_before_the_wait(pbx: Pbx) -> Iterator[None]:
    """Hold the channel for 1 s between SafeDialAdvocateAnswered and the Wait.

    ``System()`` does not notice a redirect, so the gateway's decision
    (milliseconds) lands while the channel has not yet reached the Wait.
    """
    conf: Path = pbx.layout.etc / "extensions.conf"
    shipped = conf.read_text()
    event = (f" same => n,UserEvent({dialvars.EVENT_ADVOCATE_ANSWERED},"
             "CallId: ${SAFEDIAL_CALL_ID})\n")
    assert shipped.count(event) == 1
    conf.write_text(shipped.replace(event, event + " same => n,System(sleep 1)\n"))
    pbx.asterisk.cli("dialplan reload")
    try:
        yield
    finally:
        conf.write_text(shipped)
        pbx.asterisk.cli("dialplan reload")


async def test_a_decision_that_lands_before_the_wait_has_started_still_dials(
    pbx: Pbx, far_end: FarEndFactory, slow_before_the_wait: None
) -> None:
    phone = far_end({ADVOCATE: Answer(hold_ms=4000), PARTICIPANT: Answer()})
    control = Watching(pbx.control())
    async with control:
        report = await control.place_call(request(CallerIdMode.WITHHOLD), decision(True))
    phone.stop()

    assert report.outcome is Outcome.ANSWERED
    assert control.ended()["Confirm"] == "redirected"
    assert dialled(phone) == [ADVOCATE, PARTICIPANT]
