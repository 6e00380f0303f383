"""The accounts pages in Chromium: deactivating an advocate ends their session in their
own browser at once, an account added through the form shows its one-time password
once, and no page has a serious accessibility violation at phone or desktop width."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from gateway.wiring import AppContext
from tests.browser.conftest import NewAdmin, NewContext
from tests.support.advocate_web import signed_in_context, with_password
from tests.support.browser import PHONE, axe_violations, watch
from tests.support.world import add_advocate

_NAMES = itertools.count(1)


def test_deactivating_an_advocate_ends_their_session(
    new_admin: NewAdmin, new_context: NewContext, app_url: str, world: AppContext
) -> None:
    advocate_id = add_advocate(world, phone="+12025550141")
    with_password(world, advocate_id, f"leaver-{advocate_id[2:]}")
    theirs = signed_in_context(new_context, app_url, world, advocate_id).new_page()
    theirs.goto(app_url + "/participants")
    expect(theirs.get_by_label("Search participants", exact=True)).to_be_visible()

    admin = new_admin().new_page()
    problems = watch(admin, app_url)
    admin.goto(f"{app_url}/admin/accounts/{advocate_id}")
    admin.get_by_role("button", name="Deactivate", exact=True).click()
    expect(admin.get_by_role("status")).to_contain_text("The account is deactivated")
    expect(admin.get_by_role("button", name="Reactivate", exact=True)).to_be_visible()
    assert problems == []

    theirs.reload()
    expect(theirs).to_have_url(app_url + "/")
    expect(theirs.get_by_text("You were signed out")).to_be_visible()
    expect(theirs.get_by_label("Username", exact=True)).to_be_visible()


def _add(page: Page, app_url: str) -> str:
    """Adds an advocate through the form; returns the one-time password shown."""
    username = f"newcomer{next(_NAMES)}"
    page.goto(app_url + "/admin/accounts/new")
    page.get_by_label("Name", exact=True).fill(username.title())
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Advocate", exact=True).check()
    page.get_by_label("Their own phone", exact=True).fill("+12025550142")
    page.get_by_label("Time zone", exact=True).fill("America/Toronto")
    page.get_by_label("Working hours", exact=True).fill("mon-fri 09:00-17:00")
    page.get_by_role("button", name="Add the account", exact=True).click()
    expect(page.get_by_role("heading", name="Account added")).to_be_visible()
    return page.locator("code.one-time-password").inner_text()


def test_a_new_account_s_password_is_shown_once_not_on_reload_or_back(
    new_admin: NewAdmin, app_url: str
) -> None:
    page = new_admin().new_page()
    problems = watch(page, app_url)
    password = _add(page, app_url)
    assert len(password) >= 12
    page.get_by_role("link", name="Go to the account").click()
    expect(page.get_by_text("ending in 42")).to_be_visible()
    assert password not in page.content()
    # Back to the POST's answer: it was never stored (no-store), so Chromium will not
    # show it again without sending the form anew (ERR_CACHE_MISS), which it never
    # does by itself.
    with pytest.raises(PlaywrightError, match="ERR_CACHE_MISS"):
        page.go_back()
    page.wait_for_load_state()
    expect(page.locator("code.one-time-password")).to_have_count(0)
    expect(page.get_by_text(password)).to_have_count(0)
    assert [p for p in problems if "ERR_CACHE_MISS" not in p] == []


def test_the_accounts_pages_have_no_serious_accessibility_violation(
    new_admin: NewAdmin, app_url: str, world: AppContext
) -> None:
    advocate_id = add_advocate(world, phone="+12025550143", working_hours=["mon 09:00-10:00"])
    for viewport in (PHONE, None):
        options = {"bypass_csp": True, **({"viewport": viewport} if viewport else {})}
        page = new_admin(**options).new_page()
        for address in ("/admin/accounts", "/admin/accounts/new",
                        f"/admin/accounts/{advocate_id}"):
            page.goto(app_url + address)
            assert axe_violations(page) == [], (address, viewport)
        _add(page, app_url)
        assert axe_violations(page) == [], ("one-time password", viewport)
        page.goto(f"{app_url}/admin/accounts/{advocate_id}")
        page.get_by_role("button", name="Issue a new API token").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("New API token")
        assert axe_violations(page) == [], ("new API token", viewport)
