"""The admin pages' frame in Chromium: the menu, the privacy banner, and the 403 page
for advocates."""

from __future__ import annotations

from playwright.sync_api import expect

from gateway.wiring import AppContext
from tests.browser.conftest import NewAdmin, NewContext
from tests.support.advocate_web import signed_in_context, with_password
from tests.support.browser import PHONE, axe_violations
from tests.support.world import add_advocate


def test_the_admin_home_shows_the_menu_and_the_locked_modes(new_admin: NewAdmin,
                                                            app_url: str) -> None:
    page = new_admin().new_page()
    page.goto(app_url + "/admin/")
    menu = page.get_by_role("navigation", name="Admin pages")
    expect(menu.get_by_role("link", name="Privacy proof")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Calls are not proven private")


def test_an_advocate_is_refused_the_admin_home(new_context: NewContext, app_url: str,
                                               world: AppContext) -> None:
    advocate_id = add_advocate(world, phone="+12025550135")
    with_password(world, advocate_id, f"adv-{advocate_id[2:]}")
    page = signed_in_context(new_context, app_url, world, advocate_id).new_page()
    response = page.goto(app_url + "/admin/")
    assert response is not None and response.status == 403


def test_the_admin_home_has_no_serious_accessibility_violation(new_admin: NewAdmin,
                                                               app_url: str) -> None:
    for viewport in (PHONE, None):
        options = {"bypass_csp": True, **({"viewport": viewport} if viewport else {})}
        page = new_admin(**options).new_page()
        page.goto(app_url + "/admin/")
        assert axe_violations(page) == []
