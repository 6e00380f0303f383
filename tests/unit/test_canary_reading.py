"""The canary's reading: every copy of every header, linked to its own test call only.

The AMI traffic here is scripted (``ScriptedPbx`` plays the dialplan's events in
the order Asterisk sends them); the real canary, carrier and Asterisk releases
are in the integration tier (tests/integration/test_selftest.py).
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from gateway.ami.canary import INCOMPLETE, AmiCanaryProbe, reading_of
from gateway.callerid import CallerIdMode
from gateway.calls.models import CallReport, DialRequest, Outcome
from gateway.domain.selftest import CanaryReading, Judgement, Verdict, judge
from gateway.pbx import dialvars
from gateway.pbx.render import RuntimeLayout, render_texts
from gateway.phone import PhoneNumber
from gateway.settings import load_settings
from tests.support.numbers import AGENCY, CANARY, MASKED

WITHHOLD, MASKED_MODE = CallerIdMode.WITHHOLD, CallerIdMode.MASKED
RING_TIMEOUT_S = 30
ANONYMOUS_FROM = '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=b2'


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def canary_event(number: str = "anonymous", name: str = "Anonymous", *, end: bool = True,
                 **copies: list[str]) -> dict[str, str]:
    """The dialplan's SafeDialCanaryReading: ``copies`` by event key, e.g. ``Pai=[...]``."""
    copies.setdefault("From", [ANONYMOUS_FROM])
    event = {"Event": "UserEvent", "UserEvent": dialvars.EVENT_CANARY_READING,
             "Number": _b64(number), "Name": _b64(name)}
    for key in dialvars.CANARY_HEADER_FIELDS:
        values = copies.get(key, [])
        for copy in range(1, dialvars.CANARY_COPIES + 2):
            event[f"{key}{copy}"] = _b64(values[copy - 1]) if copy <= len(values) else ""
    if end:
        event[dialvars.CANARY_END] = "yes"
    return event


def verdict_of(mode: CallerIdMode, reading: CanaryReading) -> Judgement:
    roles = {AGENCY: "agency number", MASKED: "masked number"}
    return judge(mode, reading, masked_number=MASKED, role_of=roles.get, default_region="US")


# -- every copy of every header ---------------------------------------------------------

def test_every_copy_of_a_header_is_judged_not_only_the_first() -> None:
    """A carrier may send a sip: and a tel: P-Asserted-Identity; the second reaches the
    phone as surely as the first."""
    event = canary_event(Pai=["<sip:anonymous@anonymous.invalid>", f"<tel:{AGENCY}>"],
                         Privacy=["id"])
    result = verdict_of(WITHHOLD, reading_of([event], None))
    assert (result.verdict, result.check, result.leaked) == (
        Verdict.FAIL, "header:P-Asserted-Identity", "agency number")


def test_a_header_with_more_copies_than_the_canary_reports_cannot_pass() -> None:
    copies = ["<sip:anonymous@anonymous.invalid>"] * (dialvars.CANARY_COPIES + 1)
    result = verdict_of(WITHHOLD, reading_of([canary_event(Diversion=copies)], None))
    assert (result.verdict, result.check) == (
        Verdict.INCONCLUSIVE, f"header:Diversion:more-than-{dialvars.CANARY_COPIES}-copies")


def test_a_leak_in_the_copies_read_fails_even_when_more_were_sent() -> None:
    copies = [f"<sip:{AGENCY}@carrier.invalid>"] * (dialvars.CANARY_COPIES + 1)
    result = verdict_of(WITHHOLD, reading_of([canary_event(Diversion=copies)], None))
    assert (result.verdict, result.leaked) == (Verdict.FAIL, "agency number")


@pytest.mark.parametrize("damage", ["no-end", "not-base64", "cut-at-4-kib"])
def test_a_reading_cut_short_cannot_pass(damage: str) -> None:
    """Asterisk cuts long application arguments and function values without a word."""
    event = canary_event(end=damage != "no-end", Privacy=["id"])
    if damage == "not-base64":
        event["Rpid1"] = "not base64!"
    elif damage == "cut-at-4-kib":
        event["Rpid1"] = "QUJD" * 1023  # 4092 characters: where Asterisk's buffer ends
    result = verdict_of(WITHHOLD, reading_of([event], None))
    assert (result.verdict, result.check) == (Verdict.INCONCLUSIVE, INCOMPLETE)


def test_a_whole_private_reading_passes() -> None:
    event = canary_event(Privacy=["id"], Pai=["<sip:anonymous@anonymous.invalid>"])
    assert verdict_of(WITHHOLD, reading_of([event], None)).verdict is Verdict.PASS


# -- linking a reading to its own test call ---------------------------------------------

Script = list[Callable[[str], Mapping[str, str]]]


def dialling(mode: str = "withhold", call_id: str | None = None
             ) -> Callable[[str], Mapping[str, str]]:
    return lambda ours: {"Event": "UserEvent", "UserEvent": dialvars.EVENT_PARTICIPANT_DIALING,
                         "CallId": call_id or ours, "Mode": mode}


def ended(status: str = "CONGESTION") -> Callable[[str], Mapping[str, str]]:
    return lambda ours: {"Event": "UserEvent", "UserEvent": dialvars.EVENT_CALL_ENDED,
                         "CallId": ours, "DialStatus": status}


def time_passes(seconds: float) -> Callable[[str], Mapping[str, str]]:
    """Not an event: the scripted clock moves on."""
    return lambda _ours: {"UserEvent": "", "Elapse": str(seconds)}


def reading(**kwargs: list[str]) -> Callable[[str], Mapping[str, str]]:
    return lambda _ours: canary_event(**{"Privacy": ["id"], **kwargs})


class ScriptedPbx:
    """Plays the AMI events of one test call, in order, to the probe's listeners."""

    def __init__(self, script: Script, *, answered: bool = False) -> None:
        self.script = script
        self.answered = answered
        self.listeners: dict[str, list[Callable[[Mapping[str, str]], None]]] = {}
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def subscribe(self, user_event: str, listener: Callable[[Mapping[str, str]], None]
                  ) -> Callable[[], None]:
        self.listeners.setdefault(user_event, []).append(listener)
        return lambda: self.listeners[user_event].remove(listener)

    async def place_call(self, request: DialRequest, *, call_id: str) -> CallReport:
        for make in self.script:
            event = make(call_id)
            self.now += float(event.get("Elapse", "0.2"))
            for listener in list(self.listeners.get(event["UserEvent"], ())):
                listener(event)
        outcome = Outcome.ANSWERED if self.answered else Outcome.FAILED
        return CallReport(call_id, outcome, None if self.answered else "SIP 403 Forbidden",
                          True, self.answered, 0.0)


def probe_reading(script: Script, mode: CallerIdMode = WITHHOLD, **kwargs: bool
                  ) -> CanaryReading:
    pbx = ScriptedPbx(script, **kwargs)
    probe = AmiCanaryProbe(pbx, PhoneNumber(CANARY), RING_TIMEOUT_S, clock=pbx.clock)
    result = asyncio.run(probe.test_call(mode, call_id="5f0c7a8e-2b1d-4c3e-9a6f-0d1e2f3a4b5c"))
    assert all(not listeners for listeners in pbx.listeners.values()), "unsubscribed"
    return result


def test_the_test_calls_own_reading_passes() -> None:
    reading_ = probe_reading([dialling(), reading(), ended()])
    assert reading_.calls == 1
    assert verdict_of(WITHHOLD, reading_).verdict is Verdict.PASS


def test_a_stray_reading_before_the_participant_leg_is_dialled_is_not_the_test_calls() -> None:
    """The test call never reached the canary; someone else's call did, just before."""
    reading_ = probe_reading([reading(), dialling(), ended()])
    result = verdict_of(WITHHOLD, reading_)
    assert (result.verdict, result.check) == (Verdict.INCONCLUSIVE, "canary-not-reached")


def test_a_stray_reading_next_to_the_test_calls_own_is_inconclusive() -> None:
    result = verdict_of(WITHHOLD, probe_reading([dialling(), reading(), reading(), ended()]))
    assert (result.verdict, result.check) == (Verdict.INCONCLUSIVE,
                                              "canary-called-more-than-once")


def test_a_reading_while_the_test_call_rings_out_is_a_stray() -> None:
    """The canary declines at once: a leg that rang until its timeout never reached it."""
    reading_ = probe_reading([dialling(), reading(), time_passes(RING_TIMEOUT_S),
                              ended("NOANSWER")])
    assert verdict_of(WITHHOLD, reading_).verdict is Verdict.INCONCLUSIVE


def test_a_reading_turned_down_well_inside_the_ring_time_is_the_test_calls() -> None:
    reading_ = probe_reading([dialling(), reading(), time_passes(RING_TIMEOUT_S - 2), ended()])
    assert verdict_of(WITHHOLD, reading_).verdict is Verdict.PASS


def test_a_reading_while_the_test_call_is_answered_elsewhere_is_a_stray() -> None:
    """The canary never answers: an answered leg reached someone else."""
    reading_ = probe_reading([dialling(), reading(), ended()], answered=True)
    assert verdict_of(WITHHOLD, reading_).verdict is Verdict.INCONCLUSIVE


@pytest.mark.parametrize("opening", [
    dialling(call_id="0a1b2c3d-0000-4000-8000-000000000000"),  # another call's dial
    dialling(mode="masked"),  # not the mode under test
])
def test_only_this_calls_dial_in_this_mode_opens_the_window(
    opening: Callable[[str], Mapping[str, str]],
) -> None:
    reading_ = probe_reading([opening, reading(), ended()])
    assert verdict_of(WITHHOLD, reading_).check == "canary-not-reached"


def test_a_reading_after_the_test_call_ended_is_not_its() -> None:
    assert probe_reading([dialling(), ended(), reading()]).calls == 0


def test_the_rendered_canary_reports_exactly_the_fields_the_gateway_reads(
    tmp_path: Path,
) -> None:
    """Python and the dialplan agree on the reading's headers, in order, End last; and each
    header copy is read by its index from the one header it names."""
    settings = load_settings({"SAFEDIAL_CANARY_NUMBER": CANARY})
    text = render_texts(settings, RuntimeLayout(tmp_path / "pbx"))["extensions.conf"]
    (line,) = [line for line in text.splitlines()
               if f"UserEvent({dialvars.EVENT_CANARY_READING}," in line]
    assert tuple(re.findall(r",([A-Za-z0-9]+): ", line)) == dialvars.CANARY_FIELDS
    assert line.endswith(f",{dialvars.CANARY_END}: yes)")
    for key, header in dialvars.CANARY_HEADER_FIELDS.items():
        for copy in range(1, dialvars.CANARY_COPIES + 2):
            assert (f",{key}{copy}: ${{BASE64_ENCODE(${{PJSIP_HEADER(read,{header},{copy})}})}}"
                    in line)
