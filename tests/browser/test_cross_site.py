"""Another site's page posting to SafeDial, in a real Chromium: the browser sends it no
cookie of ours (SameSite=Strict), so it can neither act for the signed-in advocate nor
sign the browser in to an account of its choosing.

The other site is a plain server on ``localhost`` (SafeDial is on ``127.0.0.1``: a
different site to the browser), serving a form that posts to SafeDial, without any
of SafeDial's headers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from playwright.sync_api import Page, expect

from tests.browser.conftest import NewAccount
from tests.browser.test_sign_in_flow import NEW_PASSWORD, first_sign_in, sign_in


@contextmanager
def other_site(html: str) -> Iterator[str]:
    """``html`` served at ``http://localhost:<port>/`` by a server of its own."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def form_to(action: str, **fields: str) -> str:
    inputs = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
    return (f'<!doctype html><html lang="en"><title>Win a prize</title><form method="post" '
            f'action="{action}">{inputs}<button>Claim</button></form></html>')


def test_another_sites_form_cannot_sign_the_advocate_out_everywhere(
    page: Page, app_url: str, new_account: NewAccount
) -> None:
    account = new_account()
    first_sign_in(page, app_url, account)
    with other_site(form_to(app_url + "/sign-out-everywhere", csrf_token="guessed")) as url:
        page.goto(url)
        page.get_by_role("button", name="Claim").click()
        expect(page).to_have_url(app_url + "/")  # sent to sign in: no cookie came along
    page.goto(app_url + "/change-password")
    expect(page.get_by_text(f"Signed in as {account.username}")).to_be_visible()


def test_another_sites_form_cannot_sign_the_browser_in_to_its_account(
    page: Page, app_url: str, new_account: NewAccount
) -> None:
    """Login CSRF: the other site knows its own account's password, but not our token."""
    theirs = new_account()
    first_sign_in(page, app_url, theirs)  # the other site's own account, made beforehand
    page.context.clear_cookies()
    page.goto(app_url + "/")  # the victim's browser holds a pre-session cookie of its own
    form = form_to(app_url + "/sign-in", username=theirs.username, password=NEW_PASSWORD,
                   csrf_token="")
    with other_site(form) as url:
        page.goto(url)
        with page.expect_response(app_url + "/sign-in") as posted:
            page.get_by_role("button", name="Claim").click()
    assert posted.value.status == 403
    assert "__Host-safedial" not in {c["name"] for c in page.context.cookies()}
    sign_in(page, app_url, theirs.username, NEW_PASSWORD)  # our own form still works
    expect(page).to_have_url(app_url + "/participants")
