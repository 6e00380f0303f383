"""The dialplan refuses by itself: a missing or malformed variable means no Dial at all."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.ami.client import AmiCallControl
from gateway.callerid import CallerIdMode
from gateway.calls.models import DialRequest, Outcome
from gateway.lab.scenario import Answer
from gateway.pbx.dialvars import VAR_CALLERID_MODE, VAR_PARTICIPANT
from tests.integration.calls import place, request
from tests.integration.conftest import FarEndFactory, Pbx
from tests.support.numbers import ADVOCATE, PARTICIPANT


class TamperedOriginate(AmiCallControl):
    """Call control whose Originate has one dialplan variable removed or replaced."""

    def __init__(self, base: AmiCallControl, name: str, value: str | None) -> None:
        self.__dict__.update(base.__dict__)
        self._tamper = (name, value)

    def build_originate(self, request: DialRequest, call_id: str) -> dict[str, Any]:
        action = super().build_originate(request, call_id)
        name, value = self._tamper
        kept = [v for v in action["Variable"] if not v.startswith(name + "=")]
        action["Variable"] = kept + ([f"{name}={value}"] if value is not None else [])
        return action


@pytest.mark.parametrize(
    ("name", "value", "refusal"),
    [
        (VAR_CALLERID_MODE, None, "callerid-mode-invalid"),
        (VAR_CALLERID_MODE, "allowed", "callerid-mode-invalid"),
        (VAR_CALLERID_MODE, "", "callerid-mode-invalid"),
        (VAR_PARTICIPANT, None, "participant-number-invalid"),
        (VAR_PARTICIPANT, "12025550122", "participant-number-invalid"),
        (VAR_PARTICIPANT, "+1202555&PJSIP/x", "participant-number-invalid"),
    ],
    ids=["mode-missing", "mode-unknown", "mode-empty", "number-missing", "number-no-plus",
         "number-injection"],
)
async def test_a_missing_or_malformed_variable_dials_nothing_to_the_participant(
    pbx: Pbx, far_end: FarEndFactory, name: str, value: str | None, refusal: str
) -> None:
    phone = far_end({ADVOCATE: Answer(hold_ms=3000), PARTICIPANT: Answer()})
    control = TamperedOriginate(pbx.control(), name, value)
    report = await place(pbx, request(CallerIdMode.WITHHOLD), control)
    phone.stop()

    assert report.outcome is Outcome.REFUSED
    assert report.refusal == refusal
    assert not report.participant_answered
    dialled = [m.request_user for m in phone.dialogs().received_invites()]
    assert dialled == [ADVOCATE], "only the advocate's phone may have been called"
