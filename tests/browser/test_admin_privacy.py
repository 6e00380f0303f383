"""The admin's privacy proof in Chromium: locked modes with their reasons, "Run now"
reaching each mode's verdict live, and no serious accessibility violation.

A world of its own (its canary a stand-in that answers after a moment): the
session's shared world must stay as the other admin pages' tests expect it, and
a self-test run changes every page's banner.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from gateway.callerid import CallerIdMode
from gateway.domain.selftest import CanaryReading
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.browser.conftest import NewContext
from tests.support.advocate_web import signed_in_context, with_password
from tests.support.browser import PHONE, axe_violations, serving, watch
from tests.support.canary import Canary, private_canary, run_selftest, selftest_with
from tests.support.numbers import AGENCY
from tests.support.world import add_advocate, make_world

WITHHOLD, MASKED_MODE = CallerIdMode.WITHHOLD, CallerIdMode.MASKED


class SlowCanary(Canary):
    """A privacy-honouring canary whose test calls take a moment: progress to watch."""

    def __init__(self) -> None:
        super().__init__(private_canary().readings)

    async def test_call(self, mode: CallerIdMode, *, call_id: str) -> CanaryReading:
        await asyncio.sleep(1.0)
        return await super().test_call(mode, call_id=call_id)


def leaking_canary() -> Canary:
    """A carrier that shows the agency number on a withheld call."""
    return Canary({
        WITHHOLD: CanaryReading(1, AGENCY, "", {"From": f"<sip:{AGENCY}@carrier.invalid>"}),
        MASKED_MODE: private_canary().readings[MASKED_MODE],
    })


@pytest.fixture(scope="module")
def privacy_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppContext]:
    ctx = make_world(tmp_path_factory.mktemp("privacy-world"))
    # In a thread of its own: Playwright's sync API keeps an event loop in this one.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, run_selftest(ctx, leaking_canary())).result()
    ours = selftest_with(ctx, SlowCanary())
    ctx.selftest = lambda: ours  # type: ignore[method-assign]
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def privacy_url(privacy_world: AppContext) -> Iterator[str]:
    with serving(create_app(privacy_world, run_scheduler=False)) as url:
        yield url


def admin_page(new_context: NewContext, url: str, world: AppContext,
               **options: Any) -> Page:
    admin_id = add_advocate(world, role="admin", phone="+12025550134")
    with_password(world, admin_id, f"admin-{admin_id[2:]}")
    return signed_in_context(new_context, url, world, admin_id, **options).new_page()


def test_run_now_reaches_each_modes_verdict_live_while_the_leak_stays_locked(
    new_context: NewContext, privacy_url: str, privacy_world: AppContext,
) -> None:
    page = admin_page(new_context, privacy_url, privacy_world)
    problems = watch(page, privacy_url)
    page.goto(privacy_url + "/admin/privacy")
    withhold = page.get_by_role("region", name="Withheld caller ID", exact=True)
    expect(withhold).to_contain_text("Locked the self-test found the caller ID is not private")
    expect(withhold.get_by_role("table")).to_contain_text(
        "The agency number was shown as the caller number.")
    expect(page.get_by_role("alert")).to_contain_text("Withheld caller ID is locked")

    page.get_by_role("button", name="Run now").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("testing…")
    expect(status).to_contain_text("Withheld caller ID: Passed.", timeout=10_000)
    expect(status).to_contain_text("Agency number (masked): Passed.")
    expect(status).to_contain_text("The self-test is over.")
    expect(page.get_by_role("link", name="Refresh")).to_be_hidden()

    page.get_by_role("link", name="Back to the privacy proof").click()
    expect(page.get_by_role("alert")).to_contain_text("Withheld caller ID is locked")
    page.get_by_role("button", name="Clear the lock: Withheld caller ID").click()
    expect(page.get_by_role("status")).to_contain_text("The lock on Withheld caller ID is cleared.")
    expect(page.locator(".privacy-banner")).to_have_count(0)
    assert problems == []


def test_the_privacy_pages_have_no_serious_accessibility_violation(
    new_context: NewContext, privacy_url: str, privacy_world: AppContext,
) -> None:
    for viewport in (PHONE, None):
        options: dict[str, Any] = {"bypass_csp": True, **({"viewport": viewport}
                                                           if viewport else {})}
        page = admin_page(new_context, privacy_url, privacy_world, **options)
        page.goto(privacy_url + "/admin/privacy")
        assert axe_violations(page) == []
        page.get_by_role("button", name="Run now").click()
        expect(page.get_by_role("status")).to_contain_text("testing…")
        assert axe_violations(page) == []
        expect(page.get_by_role("status")).to_contain_text("The self-test is over.",
                                                           timeout=10_000)
        assert axe_violations(page) == []
