"""The self-test's test call over AMI, and what the canary received.

The test call is a normal participant-leg call with a Local channel in place
of the advocate's phone (no briefing, no answering-machine detection, no
voicemail), to the canary number. The canary's side of the PBX reports what
arrived in one UserEvent with base64-encoded values; it is decoded here,
into a ``CanaryReading`` held in memory for the verdict only.

The canary's call arrives on a channel of its own, from the carrier: nothing a
real trunk carries names the test call it came from (a carrier is a
back-to-back agent: new Call-ID, new tags, and custom headers dropped). So a
reading is linked to the test call by that call's own course (``ReadingWindow``),
and anything else the canary reads is a stray that can never make a pass.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from gateway.callerid import CallerIdMode
from gateway.calls.models import CallReport, DialRequest
from gateway.domain.selftest import CanaryReading
from gateway.pbx import dialvars
from gateway.phone import PhoneNumber

log = logging.getLogger(__name__)

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


#: A leg that ended this close to its ring timeout rang out (AMI delivery jitter aside).
RING_OUT_MARGIN_S = 0.5


@dataclass
class ReadingWindow:
    """Which canary readings belong to one test call, judged from the call's own course.

    A reading counts only if it arrived after this call's participant leg was
    dialled (``SafeDialParticipantDialing`` with its call id and mode) and before
    the call ended (``SafeDialCallEnded``), and only if that leg was then turned
    down before its ring time ran out: the canary declines every call it reads at
    once, so a leg that was answered, or rang until its timeout, never reached it,
    and whatever the canary read meanwhile was someone else's call. Readings
    outside that are strays: counted for the log, never judged.
    """

    call_id: str
    mode: CallerIdMode
    clock: Callable[[], float] = time.monotonic
    dialled_at: float | None = None
    ended_at: float | None = None
    readings: list[dict[str, str]] = field(default_factory=list)
    strays: int = 0

    def on_event(self, event: Mapping[str, str]) -> None:
        name = event.get("UserEvent", "")
        if name == dialvars.EVENT_CANARY_READING:
            if self.dialled_at is not None and self.ended_at is None:
                self.readings.append({key: event.get(key, "") for key in dialvars.CANARY_FIELDS})
            else:
                self.strays += 1
            return
        if event.get("CallId", "").strip().lower() != self.call_id or self.ended_at is not None:
            return
        if (name == dialvars.EVENT_PARTICIPANT_DIALING and self.dialled_at is None
                and event.get("Mode", "").strip() == self.mode.value):
            self.dialled_at = self.clock()
        elif name == dialvars.EVENT_CALL_ENDED:
            self.ended_at = self.clock()

    def linked(self, report: CallReport, ring_timeout_s: int) -> list[dict[str, str]]:
        """The readings that are this call's, given how it ended."""
        rang_for = (None if self.dialled_at is None or self.ended_at is None
                    else self.ended_at - self.dialled_at)
        turned_down = (not report.participant_answered and rang_for is not None
                       and rang_for < ring_timeout_s - RING_OUT_MARGIN_S)
        if turned_down:
            return self.readings
        self.strays += len(self.readings)
        return []


class CallControl(Protocol):
    """What the probe needs of the AMI adapter (``AmiCallControl``)."""

    def subscribe(self, user_event: str, listener: Callable[[Mapping[str, str]], None]
                  ) -> Callable[[], None]: ...

    async def place_call(self, request: DialRequest, *, call_id: str) -> CallReport: ...


_WATCHED = (dialvars.EVENT_CANARY_READING, dialvars.EVENT_PARTICIPANT_DIALING,
            dialvars.EVENT_CALL_ENDED)


class AmiCanaryProbe:
    """Places test calls through one AMI connection."""

    def __init__(self, control: CallControl, canary: PhoneNumber, ring_timeout_s: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._control = control
        self._canary = canary
        self._ring_timeout_s = ring_timeout_s
        self._clock = clock

    async def test_call(self, mode: CallerIdMode, *, call_id: str) -> CanaryReading:
        window = ReadingWindow(call_id.lower(), mode, self._clock)
        unsubscribes = [self._control.subscribe(name, window.on_event) for name in _WATCHED]
        try:
            report = await self._control.place_call(
                DialRequest(advocate=None, participant=self._canary, mode=mode,
                            ring_timeout_s=self._ring_timeout_s, detect_machine=False),
                call_id=call_id)
        finally:
            for unsubscribe in unsubscribes:
                unsubscribe()
        readings = window.linked(report, self._ring_timeout_s)
        log.info("self-test call %s (%s): %s, %d canary reading(s) of its own, %d stray",
                 call_id, mode.value, report.outcome.value, len(readings), window.strays)
        return reading_of(readings, report.sip_cause or (
            None if readings else f"test call ended: {report.outcome.value}"))
