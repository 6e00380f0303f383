"""The sign-in page in a real Chromium: contract labels, headers, CSP, accessibility, sizes."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from gateway.web.security import CONTENT_SECURITY_POLICY
from tests.browser.conftest import NewContext
from tests.support.browser import DESKTOP, PHONE, axe_violations, watch

SIZES = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])

SECURITY_HEADERS = {
    "cache-control": "no-store",
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
}


def assert_secured(headers: dict[str, str], what: str) -> None:
    assert {name: headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS, what


@SIZES
def test_the_sign_in_page_has_the_contract_labels_and_posts_to_sign_in(
    new_context: NewContext, app_url: str, viewport: dict[str, int]
) -> None:
    page = new_context(viewport=viewport).new_page()
    problems = watch(page, app_url)
    page.goto(app_url + "/")
    expect(page).to_have_title("Sign in \N{EN DASH} SafeDial")
    username = page.get_by_label("Username", exact=True)
    password = page.get_by_label("Password", exact=True)
    button = page.get_by_role("button", name="Sign in", exact=True)
    for control in (username, password, button):
        expect(control).to_be_visible()
        expect(control).to_be_in_viewport()
    expect(username).to_have_attribute("autocomplete", "username")
    expect(password).to_have_attribute("autocomplete", "current-password")
    expect(password).to_have_attribute("type", "password")
    form = page.locator("form", has=button)
    expect(form).to_have_attribute("method", "post")
    expect(form).to_have_attribute("action", "/sign-in")
    expect(form.locator('input[type="hidden"][name="csrf_token"]')).to_have_count(1)
    username.fill("sam")
    password.fill("a long passphrase")
    expect(username).to_have_value("sam")
    assert problems == []


def test_every_response_carries_the_security_headers(page: Page, app_url: str) -> None:
    seen: dict[str, dict[str, str]] = {}
    page.on("response", lambda response: seen.setdefault(response.url, response.all_headers()))
    page.goto(app_url + "/")
    page.wait_for_load_state("networkidle")
    assert app_url + "/" in seen
    assert app_url + "/static/css/safedial.css" in seen
    assert app_url + "/static/js/live.js" in seen
    for url, headers in seen.items():
        assert_secured(headers, url)
    for path, status in (("/no/such/page", 404), ("/api/health", 200),
                         ("/api/participants", 401), ("/api/docs", 401)):
        response = page.request.get(app_url + path)
        assert response.status == status, path
        assert_secured(response.headers, path)


def test_the_csp_blocks_nothing_of_ours_and_our_css_and_script_apply(
    page: Page, problems: list[str], app_url: str
) -> None:
    page.goto(app_url + "/")
    page.wait_for_load_state("networkidle")
    assert problems == []
    expect(page.locator("html")).to_have_class("js")  # live.js ran
    header = page.locator("header")
    expect(header).to_have_css("background-color", "rgb(29, 63, 115)")  # the CSS applied


def test_the_watch_sees_what_the_csp_refuses(page: Page, problems: list[str], app_url: str
                                             ) -> None:
    """The check above could pass by seeing nothing: here the CSP must refuse inline code."""
    page.goto(app_url + "/_demo/inline")
    page.wait_for_load_state("networkidle")
    expect(page).to_have_title("Inline")  # the inline script did not run
    refused = [p for p in problems if "Content Security Policy" in p or "CSP violation" in p]
    assert any("script-src" in p for p in refused), problems
    assert any("style-src" in p for p in refused), problems


@SIZES
def test_the_sign_in_page_has_no_serious_accessibility_violation(
    new_context: NewContext, app_url: str, viewport: dict[str, int]
) -> None:
    page = new_context(viewport=viewport, bypass_csp=True).new_page()
    page.goto(app_url + "/")
    assert axe_violations(page) == []


def test_at_phone_width_nothing_scrolls_sideways_and_targets_are_large(
    new_context: NewContext, app_url: str
) -> None:
    page = new_context(viewport=PHONE).new_page()
    page.goto(app_url + "/")
    widths: dict[str, Any] = page.evaluate(
        "({page: document.documentElement.scrollWidth, window: window.innerWidth})")
    assert widths["page"] <= widths["window"] == PHONE["width"]
    for control in (page.get_by_label("Username", exact=True),
                    page.get_by_label("Password", exact=True),
                    page.get_by_role("button", name="Sign in", exact=True)):
        box = control.bounding_box()
        assert box is not None
        assert box["height"] >= 44
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_the_keyboard_reaches_a_visible_skip_link_then_the_form_with_a_visible_focus(
    page: Page, app_url: str
) -> None:
    page.goto(app_url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    username = page.get_by_label("Username", exact=True)
    expect(username).to_be_focused()
    expect(username).to_have_css("outline-style", "solid")
    expect(username).to_have_css("outline-width", "3px")


def test_the_page_works_without_javascript(new_context: NewContext, app_url: str) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto(app_url + "/")
    expect(page.locator("html")).not_to_have_class("js")
    page.get_by_label("Username", exact=True).fill("sam")
    page.get_by_label("Password", exact=True).fill("a long passphrase")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_enabled()
