"""The canary's reading: every copy of every header, and nothing unread passes.

The real canary, carrier and Asterisk releases are in the integration tier
(tests/integration/test_selftest.py).
"""

from __future__ import annotations

import base64

import pytest

from gateway.ami.canary import INCOMPLETE, reading_of
from gateway.callerid import CallerIdMode
from gateway.domain.selftest import CanaryReading, Judgement, Verdict, judge
from gateway.pbx import dialvars
from tests.support.numbers import AGENCY, MASKED

WITHHOLD, MASKED_MODE = CallerIdMode.WITHHOLD, CallerIdMode.MASKED
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
