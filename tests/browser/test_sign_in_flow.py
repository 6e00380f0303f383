"""Signing in and out in a real Chromium: the first sign-in with a one-time password,
CSRF refusals, the throttle, sign-out and the back button, admins only on /admin/, a
deactivated advocate signed out at once, and the accessibility of each page.

Accounts are made as an operator makes them (``safedial advocate add --username``).
The participant search is another page's work: after sign-in only the address is
checked.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Response, expect

from tests.browser.conftest import Account, NewAccount, NewContext, Safedial
from tests.support.browser import DESKTOP, PHONE, axe_violations, watch

SIZES = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
NEW_PASSWORD = "a walk by the river at dawn"


def sign_in(page: Page, app_url: str, username: str, password: str) -> None:
    page.goto(app_url + "/")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def first_sign_in(page: Page, app_url: str, account: Account) -> None:
    """Sign in with the one-time password and choose a new one."""
    sign_in(page, app_url, account.username, account.one_time_password)
    expect(page).to_have_url(app_url + "/change-password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(app_url + "/participants")


def test_an_advocate_signs_in_with_a_one_time_password_and_chooses_their_own(
    page: Page, app_url: str, new_account: NewAccount
) -> None:
    account = new_account()
    problems = watch(page, app_url)
    sign_in(page, app_url, account.username, account.one_time_password.upper())
    expect(page).to_have_url(app_url + "/change-password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    expect(page.get_by_label("Current password")).to_have_count(0)
    page.goto(app_url + "/admin/")  # nothing else opens before a new password
    expect(page).to_have_url(app_url + "/change-password")
    assert problems == []
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(app_url + "/participants")
    page.goto(app_url + "/")
    expect(page).to_have_url(app_url + "/participants")
    page.context.clear_cookies()
    sign_in(page, app_url, account.username, NEW_PASSWORD)
    expect(page).to_have_url(app_url + "/participants")


def test_the_session_cookie_is_host_only_secure_http_only_and_strict(
    page: Page, app_url: str, new_account: NewAccount
) -> None:
    account = new_account()
    sign_in(page, app_url, account.username, account.one_time_password)
    expect(page).to_have_url(app_url + "/change-password")
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert set(cookies) == {"__Host-safedial"}, "the pre-session cookie is gone"
    cookie = cookies["__Host-safedial"]
    assert (cookie["secure"], cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (
        True, True, "Strict", "/")
    assert cookie["expires"] == -1, "a browser-session cookie, no Max-Age"
    assert page.evaluate("document.cookie") == "", "no script can read it"


def test_a_mistyped_password_gets_the_plain_answer(
    page: Page, app_url: str, new_account: NewAccount
) -> None:
    account = new_account()
    sign_in(page, app_url, account.username, "not the password")
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page.get_by_label("Username", exact=True)).to_have_value(account.username)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")


def test_a_form_post_without_the_csrf_token_is_refused(
    page: Page, app_url: str, new_account: NewAccount
) -> None:
    account = new_account()
    first_sign_in(page, app_url, account)
    page.goto(app_url + "/change-password")
    page.locator('form.sign-out input[name="csrf_token"]').evaluate("input => input.remove()")
    with page.expect_response(app_url + "/sign-out") as posted:
        page.get_by_role("button", name="Sign out", exact=True).click()
    assert posted.value.status == 403
    expect(page.get_by_role("alert")).to_contain_text("This form could not be sent")
    page.goto(app_url + "/")
    expect(page).to_have_url(app_url + "/participants"), "still signed in: nothing changed"


def test_a_sign_in_form_without_its_token_signs_no_one_in(
    page: Page, app_url: str, new_account: NewAccount
) -> None:
    account = new_account()
    page.goto(app_url + "/")
    page.locator('input[name="csrf_token"]').evaluate("input => input.remove()")
    page.get_by_label("Username", exact=True).fill(account.username)
    page.get_by_label("Password", exact=True).fill(account.one_time_password)
    with page.expect_response(app_url + "/sign-in") as posted:
        page.get_by_role("button", name="Sign in", exact=True).click()
    assert posted.value.status == 403
    assert "__Host-safedial" not in {c["name"] for c in page.context.cookies()}


def test_the_sixth_sign_in_is_refused_even_with_the_right_password(
    page: Page, app_url: str, new_account: NewAccount
) -> None:
    account = new_account()
    for attempt in range(5):
        sign_in(page, app_url, account.username, f"wrong guess {attempt}")
        expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    page.goto(app_url + "/")
    page.get_by_label("Username", exact=True).fill(account.username)
    page.get_by_label("Password", exact=True).fill(account.one_time_password)
    with page.expect_response(app_url + "/sign-in") as posted:
        page.get_by_role("button", name="Sign in", exact=True).click()
    response: Response = posted.value
    assert response.status == 429
    assert int(response.all_headers()["retry-after"]) > 0
    expect(page.get_by_role("alert")).to_contain_text("Too many failed sign-ins")
    expect(page).to_have_url(app_url + "/sign-in")


def test_after_sign_out_the_back_button_shows_nothing(
    page: Page, app_url: str, new_account: NewAccount
) -> None:
    admin = new_account("admin")
    first_sign_in(page, app_url, admin)
    page.goto(app_url + "/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Admin")
    with page.expect_response(app_url + "/sign-out") as posted:
        page.get_by_role("button", name="Sign out", exact=True).click()
    assert posted.value.all_headers()["clear-site-data"] == '"cache", "cookies", "storage"'
    expect(page).to_have_url(app_url + "/")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    page.go_back()
    expect(page).to_have_url(app_url + "/")  # asked the server again: signed out
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_text("Admin", exact=True)).to_have_count(0)
    expect(page.get_by_text(f"Signed in as {admin.username}")).to_have_count(0)


def test_sign_out_everywhere_signs_out_the_other_browser_too(
    new_context: NewContext, app_url: str, new_account: NewAccount
) -> None:
    account = new_account()
    here, there = new_context().new_page(), new_context(viewport=PHONE).new_page()
    first_sign_in(here, app_url, account)
    sign_in(there, app_url, account.username, NEW_PASSWORD)
    expect(there).to_have_url(app_url + "/participants")
    here.goto(app_url + "/change-password")
    here.get_by_role("button", name="Sign out everywhere", exact=True).click()
    expect(here).to_have_url(app_url + "/")
    there.goto(app_url + "/change-password")
    expect(there).to_have_url(app_url + "/")


def test_an_advocate_gets_403_on_admin(page: Page, app_url: str, new_account: NewAccount
                                       ) -> None:
    account = new_account()
    first_sign_in(page, app_url, account)
    expect(page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    response = page.goto(app_url + "/admin/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("This did not work")


def test_an_admin_reaches_the_admin_page_and_the_api_docs_from_the_header(
    page: Page, app_url: str, new_account: NewAccount
) -> None:
    admin = new_account("admin")
    first_sign_in(page, app_url, admin)
    page.goto(app_url + "/change-password")
    page.get_by_role("link", name="Admin", exact=True).click()
    expect(page).to_have_url(app_url + "/admin/")
    page.get_by_role("link", name="The API description").click()
    expect(page).to_have_url(app_url + "/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("SafeDial")


def test_a_deactivated_advocates_open_session_ends_at_once(
    page: Page, app_url: str, new_account: NewAccount, safedial: Safedial
) -> None:
    account = new_account()
    first_sign_in(page, app_url, account)
    page.goto(app_url + "/change-password")
    expect(page.get_by_text(f"Signed in as {account.username}")).to_be_visible()
    safedial("advocate", "deactivate", account.advocate_id)
    page.reload()
    expect(page).to_have_url(app_url + "/")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_text(f"Signed in as {account.username}")).to_have_count(0)


@SIZES
def test_the_sign_in_and_password_pages_have_no_serious_accessibility_violation(
    new_context: NewContext, app_url: str, new_account: NewAccount, viewport: dict[str, int]
) -> None:
    page = new_context(viewport=viewport, bypass_csp=True).new_page()
    account = new_account()
    sign_in(page, app_url, account.username, "a wrong password")
    expect(page.get_by_role("alert")).to_be_visible()
    assert axe_violations(page) == [], "sign-in with its error"
    sign_in(page, app_url, account.username, account.one_time_password)
    expect(page).to_have_url(app_url + "/change-password")
    assert axe_violations(page) == [], "the first-sign-in form"
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Confirm new password", exact=True).fill("short")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("at least 12 characters")
    assert axe_violations(page) == [], "the first-sign-in form with its error"
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save", exact=True).click()
    page.goto(app_url + "/change-password")
    expect(page.get_by_label("Current password", exact=True)).to_be_visible()
    assert axe_violations(page) == [], "changing a password later, with the header"


@SIZES
def test_the_admin_page_has_no_serious_accessibility_violation(
    new_context: NewContext, app_url: str, new_account: NewAccount, viewport: dict[str, int]
) -> None:
    page = new_context(viewport=viewport, bypass_csp=True).new_page()
    first_sign_in(page, app_url, new_account("admin"))
    page.goto(app_url + "/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Admin")
    assert axe_violations(page) == []
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], "nothing scrolls sideways"
