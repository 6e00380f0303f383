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

#: Asterisk hands a dialplan function at most 4 KiB and cuts the rest silently: a value
#: this long may be a prefix of what arrived.
_LONGEST_WHOLE_VALUE = 4000
#: Why a reading cannot be judged whole (the check its inconclusive verdict names).
INCOMPLETE = "canary-reading-incomplete"


def _decode(value: str) -> str | None:
    """The value, or None when it is not whole (cut short, or not base64 at all)."""
    value = value.strip()
    if len(value) >= _LONGEST_WHOLE_VALUE:
        return None
    try:
        return base64.b64decode(value, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


def _copies(event: Mapping[str, str], key: str) -> tuple[tuple[str, ...], bool]:
    """Every copy of one header the canary read, and whether all of them were whole."""
    decoded = [_decode(event.get(f"{key}{copy}", ""))
               for copy in range(1, dialvars.CANARY_COPIES + 2)]
    return tuple(value for value in decoded if value), None not in decoded


def reading_of(events: list[dict[str, str]], sip_cause: str | None) -> CanaryReading:
    """One reading from the canary's events linked to a test call (exactly one expected).

    Every copy of each header is kept for the verdict. A reading with a header
    copy beyond the ones reported, a value cut short, or no ``End`` (the event
    itself was cut) is marked ``unread``: it can fail, but never pass.
    """
    if len(events) != 1:
        return CanaryReading(calls=len(events), sip_cause=sip_cause)
    event = events[0]
    whole = event.get(dialvars.CANARY_END, "").strip() == "yes"
    caller = {name: _decode(event.get(key, ""))
              for key, name in dialvars.CANARY_CALLER_FIELDS.items()}
    whole = whole and None not in caller.values()
    headers: dict[str, str | tuple[str, ...]] = {}
    beyond: str | None = None
    for key, name in dialvars.CANARY_HEADER_FIELDS.items():
        headers[name], copies_whole = _copies(event, key)
        whole = whole and copies_whole
        if event.get(f"{key}{dialvars.CANARY_COPIES + 1}", "").strip():
            beyond = beyond or f"header:{name}:more-than-{dialvars.CANARY_COPIES}-copies"
    unread = beyond or (None if whole else INCOMPLETE)
    return CanaryReading(1, caller["caller_number"] or "", caller["caller_name"] or "",
                         headers, unread=unread)


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
