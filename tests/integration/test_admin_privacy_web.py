"""An admin proves privacy from the web pages, in Chromium, against the real Asterisk
lab: "Run now" places the self-test's real calls through the lab carrier to the
canary, and the run's page reaches each mode's verdict. Through a carrier that
leaks, the mode fails, its lock shows in the banner of the admin pages, and
"Clear" is refused (no pass followed the leak).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from gateway.callerid import CallerIdMode
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.integration.conftest import CarrierLab
from tests.support.advocate_web import signed_in_context, with_password
from tests.support.browser import DESKTOP, chromium, serving
from tests.support.numbers import AGENCY, CANARY, MASKED
from tests.support.world import add_advocate

#: Two real test calls, each up to the ring timeout, with room for a loaded machine.
RUN_TIMEOUT_MS = 120_000


def admin_runs_the_self_test(url: str, page: Page) -> str:
    """Sign-in is done; press "Run now" and wait for the run's page to say it is over."""
    page.goto(url + "/admin/privacy")
    page.get_by_role("button", name="Run now").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("The self-test is over.", timeout=RUN_TIMEOUT_MS)
    return " ".join((status.text_content() or "").split())


@pytest.fixture
def leaking_lab(tmp_path: Path) -> Iterator[CarrierLab]:
    """A carrier that replaces the masked number with the agency number."""
    lab = CarrierLab(tmp_path / "leaking-lab", behaviour="shows-agency-number")
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()


def signed_in_admin(world: AppContext, url: str, browser: object) -> Page:
    admin_id = add_advocate(world, role="admin", phone="+12025550134")
    with_password(world, admin_id, "privacy-admin")
    context = signed_in_context(browser, url, world, admin_id,  # type: ignore[arg-type]
                                viewport=DESKTOP)
    return context.new_page()


def assert_no_number(pages: list[str]) -> None:
    for html in pages:
        for number in (AGENCY, MASKED, CANARY, AGENCY[2:], MASKED[2:], CANARY[2:]):
            assert number not in html


def test_run_now_through_the_lab_carrier_reaches_a_pass_for_both_modes(
    carrier_lab: CarrierLab, tmp_path: Path,
) -> None:
    world = carrier_lab.world(tmp_path / "world")
    try:
        with serving(create_app(world, run_scheduler=False)) as url, chromium() as browser:
            page = signed_in_admin(world, url, browser)
            page.goto(url + "/admin/privacy")
            expect(page.locator(".privacy-banner")).to_contain_text(
                "the self-test has never passed")
            seen = [page.content()]
            said = admin_runs_the_self_test(url, page)
            seen.append(page.content())
            assert "Withheld caller ID: Passed." in said, said
            assert "Agency number (masked): Passed." in said, said
            page.get_by_role("link", name="Back to the privacy proof").click()
            expect(page.locator(".privacy-banner")).to_have_count(0)
            seen.append(page.content())
        assert_no_number(seen)
    finally:
        world.close()


def test_a_leak_found_from_the_web_locks_the_mode_in_the_banner_and_clear_is_refused(
    leaking_lab: CarrierLab, tmp_path: Path,
) -> None:
    world = leaking_lab.world(tmp_path / "world")
    try:
        with serving(create_app(world, run_scheduler=False)) as url, chromium() as browser:
            page = signed_in_admin(world, url, browser)
            said = admin_runs_the_self_test(url, page)
            assert "Withheld caller ID: Passed." in said, said
            assert ("Agency number (masked): Failed. The agency number was shown as the "
                    "caller number.") in said, said
            seen = [page.content()]
            for address in ("/admin/", "/admin/privacy"):
                page.goto(url + address)
                expect(page.locator(".privacy-banner")).to_contain_text(
                    "Agency number (masked) is locked: the self-test found the caller ID "
                    "is not private")
                seen.append(page.content())
            page.get_by_role("button", name="Clear the lock: Agency number (masked)").click()
            expect(page.locator(".notice-error")).to_contain_text(
                "Agency number (masked) stays locked: no self-test has passed since the "
                "failure")
            expect(page.locator(".privacy-banner")).to_contain_text(
                "Agency number (masked) is locked")
            seen.append(page.content())
        assert_no_number(seen)
        assert world.privacy_locks().state().locked_modes == {CallerIdMode.MASKED}
    finally:
        world.close()
