"""What the canary reads, on the real Asterisk release under test: every copy of each
identity header, a copy beyond those it reports, and a reading too long for Asterisk.

Calls come from sipp on the lab carrier's address (SafeDial identifies its trunk by
address), so the headers are exactly the ones a test writes; no carrier rewrites them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

from gateway.ami.canary import INCOMPLETE, reading_of
from gateway.callerid import CallerIdMode
from gateway.domain.selftest import CanaryReading, Verdict, judge
from gateway.pbx import dialvars
from gateway.wiring import call_control_for
from tests.integration.conftest import CarrierLab
from tests.support.canary_caller import call_the_canary
from tests.support.numbers import AGENCY, MASKED

ROLES = {AGENCY: "agency number", MASKED: "masked number"}


async def _read(lab: CarrierLab, folder: Path, headers: list[str]) -> list[dict[str, str]]:
    readings: list[dict[str, str]] = []

    def keep(event: Mapping[str, str]) -> None:
        readings.append({key: event.get(key, "") for key in dialvars.CANARY_FIELDS})

    async with call_control_for(lab.settings) as control:
        unsubscribe = control.subscribe(dialvars.EVENT_CANARY_READING, keep)
        try:
            called = await asyncio.to_thread(call_the_canary, lab.settings, folder, headers)
            await asyncio.sleep(0.5)
        finally:
            unsubscribe()
    assert called.returncode == 0, called.stderr.decode(errors="replace")[-2000:]
    return readings


def canary_reading(lab: CarrierLab, folder: Path, headers: list[str]) -> CanaryReading:
    readings = asyncio.run(_read(lab, folder, headers))
    assert len(readings) == 1, "one call, one reading"
    return reading_of(readings, None)


def withhold_verdict(reading: CanaryReading) -> tuple[Verdict, str | None, str | None]:
    result = judge(CallerIdMode.WITHHOLD, reading, masked_number=MASKED, role_of=ROLES.get,
                   default_region="US")
    return result.verdict, result.check, result.leaked


def test_the_canary_reads_every_copy_of_each_identity_header(
    carrier_lab: CarrierLab, tmp_path: Path
) -> None:
    reading = canary_reading(carrier_lab, tmp_path, [
        "P-Asserted-Identity: <sip:anonymous@anonymous.invalid>",
        f"P-Asserted-Identity: <tel:{AGENCY}>",
        "Privacy: id",
        *(f"Diversion: <sip:line-{n}@carrier.invalid>;reason=unconditional" for n in range(3)),
    ])
    assert reading.unread is None
    assert reading.copies("P-Asserted-Identity") == ("<sip:anonymous@anonymous.invalid>",
                                                     f"<tel:{AGENCY}>")
    assert len(reading.copies("Diversion")) == 3
    assert withhold_verdict(reading) == (Verdict.FAIL, "header:P-Asserted-Identity",
                                         "agency number")


def test_a_copy_beyond_those_the_canary_reports_never_passes(
    carrier_lab: CarrierLab, tmp_path: Path
) -> None:
    copies = dialvars.CANARY_COPIES + 1
    reading = canary_reading(carrier_lab, tmp_path, [
        "Privacy: id", *(f"Diversion: <sip:line-{n}@carrier.invalid>" for n in range(copies))])
    assert withhold_verdict(reading) == (
        Verdict.INCONCLUSIVE, f"header:Diversion:more-than-{dialvars.CANARY_COPIES}-copies", None)


def test_a_reading_longer_than_asterisk_passes_to_an_application_never_passes(
    carrier_lab: CarrierLab, tmp_path: Path
) -> None:
    """Asterisk cuts an application's arguments at 8 KiB without a word: End goes missing."""
    padding = "x" * 900
    reading = canary_reading(carrier_lab, tmp_path, [
        "Privacy: id",
        *(f'Remote-Party-ID: "{padding}{n}" <sip:anonymous@anonymous.invalid>;privacy=full'
          for n in range(dialvars.CANARY_COPIES)),
        *(f'Diversion: "{padding}{n}" <sip:line@carrier.invalid>'
          for n in range(dialvars.CANARY_COPIES)),
    ])
    assert withhold_verdict(reading) == (Verdict.INCONCLUSIVE, INCOMPLETE, None)
