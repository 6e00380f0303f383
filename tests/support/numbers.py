"""Shared test numbers. Every number is fictional (NANP 555-01xx)."""

from __future__ import annotations

ADVOCATE = "+12025550111"
PARTICIPANT = "+12025550122"
MASKED = "+12025550100"
GATEWAY = "+12025550177"
AGENCY = "+12025550199"
#: A number the gateway knows as nobody's (a stranger's, a carrier's own).
STRANGER = "+12025550166"

#: A deployment's numbers for tests that need "not a lab": Ofcom's drama range, so
#: fictional too, but not the lab's NANP 555-01xx that start-up refuses outside a lab.
DEPLOYED_NUMBERS = {
    "SAFEDIAL_MASKED_NUMBER": "+447700900100",
    "SAFEDIAL_GATEWAY_NUMBER": "+447700900177",
    "SAFEDIAL_AGENCY_NUMBER": "+447700900199",
}


def number_forms(e164: str) -> list[str]:
    """Every way a number could show up in text: E.164, without '+', the last 7 digits."""
    return [e164, e164.lstrip("+"), e164[-7:]]


def leaked(text: str, *numbers: str) -> list[str]:
    """Which of ``numbers`` appear in ``text`` in any form."""
    return [number for number in numbers if any(form in text for form in number_forms(number))]
#: The self-test's canary: a number the agency controls on the same trunk.
CANARY = "+12025550144"
