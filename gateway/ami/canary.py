"""The self-test's test call over AMI, and what the canary received.

The test call is a normal participant-leg call with a Local channel in place
of the advocate's phone (no briefing, no answering-machine detection, no
voicemail), to the canary number. The canary's side of the PBX reports what
arrived in one UserEvent with base64-encoded values; it is decoded here,
into a ``CanaryReading`` held in memory for the verdict only.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Mapping

from gateway.ami.client import AmiCallControl
from gateway.callerid import CallerIdMode
from gateway.calls.models import DialRequest
from gateway.domain.selftest import CanaryReading
from gateway.pbx import dialvars
from gateway.phone import PhoneNumber

log = logging.getLogger(__name__)

#: Readings can trail the end of the test call by a few AMI events.
GRACE_S = 1.0


def _decode(value: str) -> str:
    try:
        return base64.b64decode(value.strip(), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


def reading_of(events: list[dict[str, str]], sip_cause: str | None) -> CanaryReading:
    """One reading from the canary's events (exactly one is expected per test call)."""
    if len(events) != 1:
        return CanaryReading(calls=len(events), sip_cause=sip_cause)
    fields = {name: _decode(events[0].get(header, ""))
              for header, name in dialvars.CANARY_FIELDS.items()}
    headers = {name: fields[name] for name in dialvars.CANARY_FIELDS.values()
               if name not in ("caller_number", "caller_name")}
    return CanaryReading(1, fields["caller_number"], fields["caller_name"], headers)


class AmiCanaryProbe:
    """Places test calls through one AMI connection."""

    def __init__(self, control: AmiCallControl, canary: PhoneNumber, ring_timeout_s: int) -> None:
        self._control = control
        self._canary = canary
        self._ring_timeout_s = ring_timeout_s

    async def test_call(self, mode: CallerIdMode, *, call_id: str) -> CanaryReading:
        events: list[dict[str, str]] = []

        def keep(event: Mapping[str, str]) -> None:
            events.append({header: event.get(header, "") for header in dialvars.CANARY_FIELDS})

        unsubscribe = self._control.subscribe(dialvars.EVENT_CANARY_READING, keep)
        try:
            report = await self._control.place_call(
                DialRequest(advocate=None, participant=self._canary, mode=mode,
                            ring_timeout_s=self._ring_timeout_s, detect_machine=False),
                call_id=call_id)
            await asyncio.sleep(GRACE_S)
        finally:
            unsubscribe()
        log.info("self-test call %s (%s): %s, %d canary reading(s)", call_id, mode.value,
                 report.outcome.value, len(events))
        return reading_of(events, report.sip_cause or (
            None if events else f"test call ended: {report.outcome.value}"))
