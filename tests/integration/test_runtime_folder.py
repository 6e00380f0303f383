"""After calls, nothing Asterisk wrote (logs, spool, databases, any CDR) holds a phone number."""

from __future__ import annotations

from gateway.callerid import CallerIdMode
from gateway.calls.models import Outcome
from gateway.lab.scenario import BUSY, Answer
from tests.integration.calls import place, request
from tests.integration.conftest import FarEndFactory, Pbx
from tests.support.numbers import ADVOCATE, PARTICIPANT, number_forms


async def test_asterisks_runtime_folder_contains_neither_phone_number(
    pbx: Pbx, far_end: FarEndFactory
) -> None:
    for mode, participant in ((CallerIdMode.WITHHOLD, Answer()), (CallerIdMode.MASKED, BUSY)):
        phone = far_end({ADVOCATE: Answer(hold_ms=1500), PARTICIPANT: participant})
        report = await place(pbx, request(mode))
        phone.stop()
        assert report.outcome in (Outcome.ANSWERED, Outcome.BUSY)
    pbx.asterisk.cli("logger rotate")  # flush what is buffered

    files = [path for path in pbx.layout.root.rglob("*") if path.is_file()]
    assert not any(path.name == "messages" for path in files), "Asterisk keeps no log file"
    written = [path for path in files if pbx.layout.etc not in path.parents]
    assert not any("cdr" in str(path).lower() or path.suffix == ".csv" for path in written)
    for path in files:
        data = path.read_bytes()
        for number in (ADVOCATE, PARTICIPANT):
            for form in number_forms(number):
                assert form.encode() not in data, f"{path} holds a phone number"
