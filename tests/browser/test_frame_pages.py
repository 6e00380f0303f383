"""The rest of the frame in Chromium: the first-sign-in form, error pages, live status
through server-sent events, the API docs under the CSP, and the accessibility check."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NewContext
from tests.browser.demo import LIVE_STEPS
from tests.support.browser import DESKTOP, PHONE, axe_violations, watch

SIZES = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


def test_the_first_sign_in_form_has_the_contract_labels(page: Page, problems: list[str],
                                                        app_url: str) -> None:
    page.goto(app_url + "/_demo/first-sign-in")
    new = page.get_by_label("New password", exact=True)
    confirm = page.get_by_label("Confirm new password", exact=True)
    for field in (new, confirm):
        expect(field).to_be_visible()
        expect(field).to_have_attribute("autocomplete", "new-password")
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_visible()
    assert problems == []


@SIZES
@pytest.mark.parametrize("path", ["/_demo/first-sign-in", "/_demo/first-sign-in-refused",
                                  "/no/such/page"])
def test_frame_pages_have_no_serious_accessibility_violation(
    new_context: NewContext, app_url: str, viewport: dict[str, int], path: str
) -> None:
    page = new_context(viewport=viewport, bypass_csp=True).new_page()
    page.goto(app_url + path)
    assert axe_violations(page) == []


def test_the_accessibility_check_reports_what_it_should(axe_page: Page, app_url: str) -> None:
    """The checks above could pass by seeing nothing: here axe must find two faults."""
    axe_page.goto(app_url + "/_demo/inaccessible")
    rules = {violation["rule"] for violation in axe_violations(axe_page)}
    assert {"label", "image-alt"} <= rules


def test_a_refused_form_shows_its_error_as_an_alert(page: Page, app_url: str) -> None:
    page.goto(app_url + "/_demo/first-sign-in-refused")
    expect(page.get_by_role("alert")).to_have_text("The two passwords are not the same.")


def test_an_unknown_address_is_a_page_in_the_frame(page: Page, app_url: str) -> None:
    response = page.goto(app_url + "/no/such/page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("link", name="Go to the start page")).to_have_attribute("href", "/")


def test_live_status_follows_server_sent_events_through_the_real_stack(
    page: Page, problems: list[str], app_url: str
) -> None:
    page.goto(app_url + "/_demo/live")
    status = page.get_by_role("status")
    expect(status).to_have_text(LIVE_STEPS[-1])
    assert problems == []


def test_live_status_reloads_the_page_when_its_stream_fails(page: Page, app_url: str) -> None:
    page.goto(app_url + "/_demo/live-broken")
    with page.expect_event("load", timeout=10_000):
        pass  # data-live-retry="1": the page loads again a second after the stream failed
    expect(page.get_by_role("status")).to_have_text("Starting")


def test_the_api_docs_ask_for_an_admin(page: Page, app_url: str) -> None:
    response = page.goto(app_url + "/api/docs")
    assert response is not None and response.status == 401


def test_the_api_docs_render_under_the_csp_for_an_admin(
    new_context: NewContext, app_url: str, admin_token: str
) -> None:
    context = new_context(extra_http_headers={"Authorization": f"Bearer {admin_token}"})
    page = context.new_page()
    problems = watch(page, app_url)
    page.goto(app_url + "/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("SafeDial")
    page.get_by_text("List Participants").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    result = page.locator(".live-responses-table tbody .response-col_status")
    expect(result).to_have_text("200")
    page.wait_for_load_state("networkidle")
    assert problems == []
