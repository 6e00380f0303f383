"""An advocate places a real call from the web pages, in Chromium, through the real
Asterisk lab: sign in (the first sign-in chooses a password), find the participant,
press Call inside their window, and watch the status region reach the outcome. The
phones behind the lab carrier (sipp) record every SIP message of both legs: neither
leg carries the other side's number, and no page the advocate saw holds either.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from gateway.lab.scenario import Answer
from gateway.people import caseload
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.integration.conftest import CarrierLab, FarEndFactory, copy_selftested
from tests.support.advocate_web import sign_in_through_pages, web_account
from tests.support.browser import DESKTOP, chromium, serving
from tests.support.numbers import ADVOCATE, PARTICIPANT, leaked
from tests.support.world import SCOPED_POLICY, add_advocate, add_participant

ALWAYS = ["mon-sun 00:00-24:00"]
#: The advocate listens to the spoken briefing (about 12 s) before the participant is
#: dialled, then stays on while machine detection listens to the lab phone, which sends
#: no audio: detection then takes its whole analysis time (5 s) before it bridges.
BRIEFED_HOLD_MS = 32_000
ENDED = "Ended: They answered."
#: The status region's words, in the order a call can pass through them.
IN_ORDER = ["Calling you", "Briefing", "Calling the participant", "Connected",
            "Leaving a voicemail", ENDED]


@pytest.fixture
def world(carrier_lab: CarrierLab, selftested: Path, tmp_path: Path) -> Iterator[AppContext]:
    """The carrier lab's gateway, unlocked by the session's real passing self-test, with
    caseload scoping on (the default policy's choice)."""
    copy_selftested(selftested, tmp_path)
    ctx = carrier_lab.world(tmp_path)
    ctx.policy = SCOPED_POLICY
    yield ctx
    ctx.close()


def watch_status(page: Page, until: str, timeout_s: float) -> list[str]:
    """Every distinct text the status region showed, in order, until it says ``until``."""
    region = page.get_by_role("status")
    seen: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = " ".join((region.text_content() or "").split())
        if not seen or seen[-1] != text:
            seen.append(text)
        if text == until:
            return seen
        page.wait_for_timeout(100)
    raise AssertionError(f"the status never said {until!r}; it said {seen}")


def test_an_advocate_calls_from_the_web_and_neither_number_reaches_the_other_side(
    world: AppContext, carrier_phones: FarEndFactory
) -> None:
    participant_id = add_participant(world, alias="Rose", windows=ALWAYS,
                                     timezone="America/Toronto")
    advocate_id = add_advocate(world, phone=ADVOCATE)
    with world.db.unit_of_work() as session:
        caseload.assign(session, actor="test", participant_id=participant_id,
                        advocate_id=advocate_id)
    one_time = web_account(world, advocate_id, "sam")
    phones = carrier_phones({ADVOCATE: Answer(hold_ms=BRIEFED_HOLD_MS), PARTICIPANT: Answer()})
    pages: list[str] = []

    with serving(create_app(world, run_scheduler=False)) as url, chromium() as browser:
        context = browser.new_context(locale="en-US", viewport=DESKTOP)
        page = context.new_page()
        sign_in_through_pages(page, url, "sam", one_time)
        pages.append(page.content())
        page.get_by_label("Search participants", exact=True).fill("Rose")
        page.get_by_role("button", name="Search", exact=True).click()
        pages.append(page.content())
        page.get_by_role("link", name="Rose", exact=True).click()
        expect(page.get_by_text("It is safe to call now.")).to_be_visible()
        pages.append(page.content())
        page.get_by_role("button", name="Call", exact=True).click()
        pages.append(page.content())
        seen = watch_status(page, ENDED, timeout_s=90)
        pages.append(page.content())
        context.close()
    phones.stop()

    # Each change once, in order, seen on the page while the call ran.
    assert seen == [words for words in IN_ORDER if words in seen], seen
    assert seen[0] in ("Calling you", "Briefing"), seen
    assert {"Calling the participant", "Connected"} <= set(seen), \
        f"the live status did not follow the call: {seen}"
    dialogs = phones.dialogs()
    advocate_leg = [m for call in dialogs.calls_to(ADVOCATE) for m in call]
    participant_leg = [m for call in dialogs.calls_to(PARTICIPANT) for m in call]
    assert any(m.method == "INVITE" for m in advocate_leg), "the advocate's phone never rang"
    assert any(m.method == "INVITE" for m in participant_leg), "the participant was not called"
    invite = next(m for m in participant_leg if m.method == "INVITE")
    assert leaked(invite.text, PARTICIPANT) == [PARTICIPANT], "the check must see real numbers"
    for message in participant_leg:
        assert leaked(message.text, ADVOCATE) == [], message.start_line
    for message in advocate_leg:
        assert leaked(message.text, PARTICIPANT) == [], message.start_line
    for html in pages:
        assert leaked(html, ADVOCATE, PARTICIPANT) == []

