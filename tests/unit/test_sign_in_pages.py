"""The sign-in pages over HTTP: the cookie's attributes, the pre-session CSRF token, one
answer for every wrong sign-in, the throttle, the first password, an admin's code,
sign-out and the admin landing page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.domain.policy import WebPolicy
from gateway.people import access
from gateway.storage.tables import AdvocateRow, WebSessionRow
from gateway.web.app import create_app
from gateway.web.pages.session import COOKIE
from gateway.web.pages.sign_in import PRE_COOKIE, SIGN_IN_FORM
from gateway.web_auth import accounts, passwords
from gateway.web_auth.csrf import csrf_token
from gateway.wiring import AppContext
from tests.support.world import add_advocate, make_world

PASSWORD = "correct horse battery staple"
NEW = "a walk by the river at dawn"
PEER = ("198.51.100.7", 40000)
HTTPS = "https://testserver"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AppContext]:
    ctx = make_world(tmp_path)
    yield ctx
    ctx.close()


@pytest.fixture
def app(world: AppContext) -> FastAPI:
    return create_app(world, run_scheduler=False)


def browser(app: FastAPI, peer: tuple[str, int] = PEER) -> TestClient:
    # https: the cookies are Secure, and a client sends them only to a secure origin.
    return TestClient(app, base_url=HTTPS, follow_redirects=False, client=peer)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with browser(app) as client:
        yield client


def account(world: AppContext, username: str = "sam", *, role: str = "advocate",
            own_password: bool = True) -> tuple[str, str]:
    """An account with a username and its own password (or a one-time one)."""
    advocate_id = add_advocate(world, role=role)
    now = datetime.now(UTC)
    with world.db.unit_of_work() as session:
        accounts.set_username(session, actor="test", advocate_id=advocate_id,
                              username=username, now=now)
        password = accounts.issue_one_time_password(session, actor="test",
                                                    advocate_id=advocate_id, now=now)
        if own_password:
            row = session.get(AdvocateRow, advocate_id)
            assert row is not None
            row.password_hash, row.password_one_time = passwords.hash_password(PASSWORD), False
            password = PASSWORD
    return advocate_id, password


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert match is not None, "the page has a form with a csrf_token"
    return match.group(1)


def sign_in(client: TestClient, username: str = "sam", password: str = PASSWORD,
            **extra: str) -> Any:
    token = form_token(client.get("/").text)
    return client.post("/sign-in", data={"username": username, "password": password,
                                         "csrf_token": token, **extra})


def set_cookie(response: Any, name: str) -> str:
    cookies = response.headers.get_list("set-cookie")
    (cookie,) = [c for c in cookies if c.startswith(f"{name}=")]
    return str(cookie)


def attributes(cookie: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}


def test_the_sign_in_page_binds_its_form_to_a_pre_session_cookie(client: TestClient) -> None:
    first = client.get("/")
    assert first.status_code == 200
    cookie = set_cookie(first, PRE_COOKIE)
    assert {"secure", "httponly", "samesite", "path"} <= attributes(cookie)
    assert "SameSite=strict" in cookie and "Path=/" in cookie
    assert not {"domain", "max-age", "expires"} & attributes(cookie)
    pre = client.cookies[PRE_COOKIE]
    assert form_token(first.text) == csrf_token(pre, SIGN_IN_FORM)
    again = client.get("/")
    assert "set-cookie" not in again.headers, "a second tab keeps the same cookie"
    assert form_token(again.text) == form_token(first.text)


def test_signing_in_sets_the_session_cookie_and_lands_on_the_participant_search(
    world: AppContext, client: TestClient
) -> None:
    account(world)
    response = sign_in(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/participants"
    cookie = set_cookie(response, COOKIE)
    assert {"secure", "httponly", "samesite", "path"} <= attributes(cookie)
    assert "SameSite=strict" in cookie and "Path=/" in cookie
    assert not {"domain", "max-age", "expires"} & attributes(cookie)
    assert "Max-Age=0" in set_cookie(response, PRE_COOKIE), "the pre-session cookie goes"
    assert len(client.cookies[COOKIE]) == 43
    start = client.get("/")
    assert start.status_code == 303 and start.headers["location"] == "/participants"


def test_an_admin_lands_on_the_participant_search_too_with_admin_in_the_header(
    world: AppContext, client: TestClient
) -> None:
    account(world, role="admin")
    assert sign_in(client).headers["location"] == "/participants"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert 'href="/admin/"' in page.text and 'href="/api/docs"' in page.text
    assert "<h1>Admin</h1>" in page.text


def test_each_sign_in_opens_a_new_session_and_ends_the_browsers_old_one(
    world: AppContext, client: TestClient
) -> None:
    account(world)
    sign_in(client)
    old = client.cookies[COOKIE]
    client.cookies.set(PRE_COOKIE, "a-pre-session-value")  # a sign-in form left open
    client.post("/sign-in", data={"username": "sam", "password": PASSWORD,
                                  "csrf_token": csrf_token("a-pre-session-value",
                                                           SIGN_IN_FORM)})
    assert client.cookies[COOKIE] != old
    with world.db.unit_of_work() as session:
        reasons = session.scalars(select(WebSessionRow.end_reason)).all()
    assert sorted(reasons, key=str) == [None, "signed-out"]


@pytest.mark.parametrize("case", ["wrong password", "unknown username", "deactivated"])
def test_every_wrong_sign_in_gets_the_same_plain_answer(
    world: AppContext, client: TestClient, case: str
) -> None:
    advocate_id, _ = account(world)
    username, password = "sam", PASSWORD
    if case == "wrong password":
        password = "not the password at all"
    elif case == "unknown username":
        username = "nobody"
    else:
        with world.db.unit_of_work() as session:
            access.deactivate_advocate(session, actor="test", advocate_id=advocate_id,
                                       callbacks=world.callbacks())
    response = sign_in(client, username, password)
    assert response.status_code == 401
    text = response.text
    assert "Wrong username or password." in text
    assert 'role="alert"' in text
    assert f'value="{username}"' in text, "the username is kept, the password never"
    assert password not in text
    assert COOKIE not in client.cookies


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_a_sign_in_without_the_pre_session_token_is_refused_even_with_the_right_password(
    world: AppContext, client: TestClient, token: str | None
) -> None:
    account(world)
    client.get("/")
    data = {"username": "sam", "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/sign-in", data=data)
    assert response.status_code == 403
    assert "The sign-in form had expired." in response.text
    assert COOKIE not in client.cookies


def test_a_sign_in_from_a_browser_without_the_pre_session_cookie_is_refused(
    world: AppContext, app: FastAPI
) -> None:
    """Another site's page can post the form, but not with our cookie (SameSite=Strict)."""
    account(world)
    with browser(app) as ours, browser(app) as theirs:
        token = form_token(ours.get("/").text)
        response = theirs.post("/sign-in", data={"username": "sam", "password": PASSWORD,
                                                 "csrf_token": token})
    assert response.status_code == 403
    assert COOKIE not in theirs.cookies


def test_the_sixth_try_is_refused_even_with_the_right_password(
    world: AppContext, client: TestClient
) -> None:
    account(world)
    for _ in range(world.policy.web.sign_in_attempts):
        assert sign_in(client, password="a wrong guess").status_code == 401
    response = sign_in(client)
    assert response.status_code == 429
    retry = int(response.headers["retry-after"])
    assert 0 < retry <= world.policy.web.sign_in_window_minutes * 60 + 1
    assert "Too many failed sign-ins. Try again in" in response.text
    assert COOKIE not in client.cookies


def _address_limited(world: AppContext) -> None:
    world.policy = replace(world.policy, web=replace(
        WebPolicy(), sign_in_attempts=50, sign_in_attempts_per_address=3))


def test_a_forwarded_for_header_is_not_believed_from_an_untrusted_peer(
    world: AppContext, client: TestClient
) -> None:
    _address_limited(world)
    for n in range(3):
        client.headers["X-Forwarded-For"] = f"203.0.113.{n}"
        assert sign_in(client, f"guess-{n}", "wrong").status_code == 401
    client.headers["X-Forwarded-For"] = "203.0.113.99"
    assert sign_in(client, "guess-4", "wrong").status_code == 429


def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_on_its_own(
    world: AppContext, client: TestClient
) -> None:
    _address_limited(world)
    world.settings = world.settings.model_copy(update={"trusted_proxies": (f"{PEER[0]}/32",)})
    for n in range(5):
        client.headers["X-Forwarded-For"] = f"203.0.113.{n}"
        assert sign_in(client, f"guess-{n}", "wrong").status_code == 401
    client.headers["X-Forwarded-For"] = "203.0.113.1"  # its second and third tries
    assert sign_in(client, "guess-8", "wrong").status_code == 401
    assert sign_in(client, "guess-9", "wrong").status_code == 401
    assert sign_in(client, "guess-10", "wrong").status_code == 429


def test_a_one_time_password_leads_to_the_first_password_form_and_nowhere_else(
    world: AppContext, client: TestClient
) -> None:
    _, one_time = account(world, own_password=False)
    response = sign_in(client, password=one_time.upper())  # a phone capitalised it
    assert response.headers["location"] == "/change-password"
    assert client.get("/").headers["location"] == "/change-password"
    assert client.get("/admin/").headers["location"] == "/change-password"
    page = client.get("/change-password")
    assert page.status_code == 200
    for label in ("New password", "Confirm new password"):
        assert f">{label}</label>" in page.text
    assert "Current password" not in page.text
    assert ">Save</button>" in page.text


@pytest.mark.parametrize(("new", "confirm", "words"), [
    (NEW, NEW + "!", "The two new passwords are not the same."),
    ("short", "short", "A password needs at least 12 characters."),
    ("sam", "sam", "A password needs at least 12 characters."),
])
def test_a_refused_first_password_is_shown_with_the_reason(
    world: AppContext, client: TestClient, new: str, confirm: str, words: str
) -> None:
    account(world, own_password=False)
    _, one_time = account(world, "robin", own_password=False)
    sign_in(client, "robin", one_time)
    token = form_token(client.get("/change-password").text)
    response = client.post("/change-password", data={
        "csrf_token": token, "new_password": new, "confirm_password": confirm})
    assert response.status_code == 422
    assert words in response.text and 'role="alert"' in response.text
    assert client.get("/").headers["location"] == "/change-password", "still to choose"


def test_the_one_time_password_is_not_accepted_as_the_new_one(
    world: AppContext, client: TestClient
) -> None:
    _, one_time = account(world, own_password=False)
    sign_in(client, password=one_time)
    token = form_token(client.get("/change-password").text)
    response = client.post("/change-password", data={
        "csrf_token": token, "new_password": one_time, "confirm_password": one_time})
    assert response.status_code == 422
    assert "Choose a new password, not the one you have now." in response.text


def test_a_first_password_is_saved_and_then_the_pages_open(
    world: AppContext, client: TestClient
) -> None:
    _, one_time = account(world, own_password=False)
    sign_in(client, password=one_time)
    token = form_token(client.get("/change-password").text)
    response = client.post("/change-password", data={
        "csrf_token": token, "new_password": NEW, "confirm_password": NEW})
    assert response.status_code == 303
    assert response.headers["location"] == "/participants"
    assert client.get("/").headers["location"] == "/participants"
    client.cookies.clear()
    assert sign_in(client, password=NEW).headers["location"] == "/participants"


def test_a_first_password_form_without_the_token_changes_nothing(
    world: AppContext, client: TestClient
) -> None:
    _, one_time = account(world, own_password=False)
    sign_in(client, password=one_time)
    response = client.post("/change-password", data={"new_password": NEW,
                                                     "confirm_password": NEW})
    assert response.status_code == 403
    assert client.get("/").headers["location"] == "/change-password"


def test_changing_a_password_later_asks_for_the_current_one(
    world: AppContext, client: TestClient
) -> None:
    account(world)
    sign_in(client)
    page = client.get("/change-password")
    assert ">Current password</label>" in page.text
    assert 'action="/sign-out-everywhere"' in page.text
    token = form_token(page.text)
    wrong = client.post("/change-password", data={
        "csrf_token": token, "current_password": "not it at all",
        "new_password": NEW, "confirm_password": NEW})
    assert wrong.status_code == 401
    assert "Your current password is not right." in wrong.text
    right = client.post("/change-password", data={
        "csrf_token": token, "current_password": PASSWORD,
        "new_password": NEW, "confirm_password": NEW})
    assert right.status_code == 303 and right.headers["location"] == "/participants"


def test_sign_out_ends_the_session_and_tells_the_browser_to_forget_the_site(
    world: AppContext, client: TestClient
) -> None:
    account(world)
    sign_in(client)
    secret = client.cookies[COOKIE]
    token = form_token(client.get("/change-password").text)
    response = client.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert response.headers["clear-site-data"] == '"cache", "cookies", "storage"'
    assert "Max-Age=0" in set_cookie(response, COOKIE)
    assert COOKIE not in client.cookies
    client.cookies.set(COOKIE, secret)  # a copy of the cookie opens nothing any more
    assert client.get("/change-password").headers["location"] == "/"


def test_sign_out_without_the_token_is_refused_and_the_session_stays(
    world: AppContext, client: TestClient
) -> None:
    account(world)
    sign_in(client)
    response = client.post("/sign-out", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert client.get("/").headers["location"] == "/participants"


def test_sign_out_when_the_session_already_ended_still_clears_the_browser(
    client: TestClient
) -> None:
    client.cookies.set(COOKIE, "an-old-secret")
    response = client.post("/sign-out", data={})
    assert response.status_code == 303
    assert "clear-site-data" in response.headers


def test_sign_out_everywhere_ends_every_session_of_the_account(
    world: AppContext, app: FastAPI
) -> None:
    account(world)
    with browser(app) as here, browser(app) as there:
        sign_in(here)
        sign_in(there)
        token = form_token(here.get("/change-password").text)
        response = here.post("/sign-out-everywhere", data={"csrf_token": token})
        assert response.status_code == 303
        assert response.headers["clear-site-data"] == '"cache", "cookies", "storage"'
        assert there.get("/").status_code == 200, "the other computer is signed out too"


def test_a_session_that_ended_elsewhere_is_explained_once_on_the_sign_in_page(
    world: AppContext, app: FastAPI
) -> None:
    """Idle, too old, signed out on another computer or the account stopped: the
    advocate is told why they see the sign-in page, once, and the browser forgets it."""
    account(world)
    with browser(app) as here, browser(app) as there:
        sign_in(here)
        sign_in(there)
        token = form_token(here.get("/change-password").text)
        here.post("/sign-out-everywhere", data={"csrf_token": token})

        first = there.get("/")
        assert "You were signed out." in first.text
        assert set_cookie(first, "__Host-safedial").startswith('__Host-safedial="";')
        assert "You were signed out." not in there.get("/").text
    with browser(app) as fresh:
        assert "You were signed out." not in fresh.get("/").text


def test_an_advocate_gets_the_403_page_on_admin_and_signed_out_goes_to_sign_in(
    world: AppContext, client: TestClient
) -> None:
    assert client.get("/admin/").headers["location"] == "/"
    account(world)
    sign_in(client)
    response = client.get("/admin/")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")


def test_an_admin_with_a_second_factor_gives_the_code_after_the_password(
    world: AppContext, client: TestClient
) -> None:
    admin_id, _ = account(world, role="admin")
    with world.db.unit_of_work() as session:
        uri = accounts.enable_totp(session, keys=world.keys, actor="test",
                                   advocate_id=admin_id, now=datetime.now(UTC))
    totp = pyotp.parse_uri(uri)
    response = sign_in(client)
    assert response.headers["location"] == "/sign-in/code"
    assert client.get("/admin/").headers["location"] == "/", "not signed in yet"
    page = client.get("/sign-in/code")
    assert page.status_code == 200 and ">Code</label>" in page.text
    token = form_token(page.text)
    wrong = client.post("/sign-in/code", data={"csrf_token": token, "code": "000000"
                                               if totp.now() != "000000" else "111111"})
    assert wrong.status_code == 401 and "The code is not right." in wrong.text
    forged = client.post("/sign-in/code", data={"csrf_token": "forged", "code": totp.now()})
    assert forged.status_code == 403
    right = client.post("/sign-in/code", data={"csrf_token": token, "code": totp.now()})
    assert right.status_code == 303 and right.headers["location"] == "/participants"
    assert client.get("/admin/").status_code == 200


def test_the_code_page_without_a_pending_sign_in_starts_again(client: TestClient) -> None:
    assert client.get("/sign-in/code").headers["location"] == "/"
    assert client.post("/sign-in/code", data={"code": "123456"}).headers["location"] == "/"


def test_the_pages_never_log_what_was_typed(
    world: AppContext, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    _, one_time = account(world, own_password=False)
    caplog.set_level("DEBUG")
    sign_in(client, password="a wrong guess here")
    sign_in(client, password=one_time)
    token = form_token(client.get("/change-password").text)
    client.post("/change-password", data={"csrf_token": token, "new_password": NEW,
                                          "confirm_password": NEW})
    logged = caplog.text
    for secret in ("a wrong guess here", one_time, NEW, token, client.cookies[COOKIE]):
        assert secret not in logged


def test_the_sign_in_forms_address_opened_by_itself_leads_to_the_sign_in_page(
    client: TestClient
) -> None:
    response = client.get("/sign-in")
    assert response.status_code == 303 and response.headers["location"] == "/"
