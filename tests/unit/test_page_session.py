"""The pages' session layer: the cookie, who a request acts for, redirects, admins only,
and forms refused without the session's CSRF token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import update
from starlette.responses import HTMLResponse, PlainTextResponse

from gateway.people import access
from gateway.storage.tables import AdvocateRow, WebSessionRow
from gateway.web.app import create_app
from gateway.web.pages.render import render
from gateway.web.pages.session import (
    COOKIE,
    AdminSignedIn,
    CheckedForm,
    SignedIn,
    form_text,
    web_user,
)
from gateway.web_auth import accounts
from gateway.web_auth.csrf import csrf_token
from gateway.web_auth.sessions import open_session
from gateway.wiring import AppContext
from tests.support.world import add_advocate, make_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AppContext]:
    ctx = make_world(tmp_path)
    yield ctx
    ctx.close()


@pytest.fixture
def app(world: AppContext) -> FastAPI:
    app = create_app(world, run_scheduler=False)

    @app.get("/test/who")
    def who(user: SignedIn) -> PlainTextResponse:
        return PlainTextResponse(f"{user.advocate_id} {user.role.value}")

    @app.get("/test/admin")
    def admin(user: AdminSignedIn) -> PlainTextResponse:
        return PlainTextResponse(user.advocate_id)

    @app.post("/test/form")
    def form(user: SignedIn, posted: CheckedForm) -> PlainTextResponse:
        return PlainTextResponse(f"{user.advocate_id} {form_text(posted, 'note')}")

    @app.get("/test/state")
    def state(request: Request) -> PlainTextResponse:
        user = web_user(request)
        return PlainTextResponse(" ".join([
            "none" if user is None else user.advocate_id,
            str(getattr(request.state, "csrf_token", "-")),
            str(getattr(request.state, "language", "-"))]))

    @app.get("/test/page")
    def page(request: Request, _user: SignedIn) -> HTMLResponse:
        return render(request, "sign_in.html", username="")

    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # https: the cookie is Secure, and a client keeps it only for a secure origin.
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


def signed_in_as(world: AppContext, client: TestClient, *, role: str = "advocate",
                 one_time: bool = False, language: str = "en") -> tuple[str, str]:
    """An account with a session in ``client``'s cookie; returns its id and the secret."""
    advocate_id = add_advocate(world, role=role, language=language)
    now = datetime.now(UTC)
    with world.db.unit_of_work() as session:
        accounts.set_username(session, actor="test", advocate_id=advocate_id,
                              username=f"user-{advocate_id[:8]}", now=now)
        row = session.get(AdvocateRow, advocate_id)
        assert row is not None
        row.password_one_time = one_time
        secret = open_session(session, advocate_id=advocate_id, policy=world.policy.web,
                              now=now)
    client.cookies.set(COOKIE, secret)
    return advocate_id, secret


def test_a_page_acts_for_the_session_in_the_cookie(world: AppContext, client: TestClient
                                                  ) -> None:
    advocate_id, _ = signed_in_as(world, client)
    response = client.get("/test/who")
    assert response.status_code == 200
    assert response.text == f"{advocate_id} advocate"


@pytest.mark.parametrize("cookie", [None, "not-a-session", "x" * 500])
def test_without_a_session_a_page_sends_the_browser_to_sign_in(
    client: TestClient, cookie: str | None
) -> None:
    if cookie is not None:
        client.cookies.set(COOKIE, cookie)
    response = client.get("/test/who")
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_a_session_that_ended_opens_nothing(world: AppContext, client: TestClient) -> None:
    signed_in_as(world, client)
    with world.db.unit_of_work() as session:
        session.execute(update(WebSessionRow).values(ended_at=datetime.now(UTC),
                                                     end_reason="signed-out"))
    response = client.get("/test/who")
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_an_idle_session_is_signed_out(world: AppContext, client: TestClient) -> None:
    signed_in_as(world, client)
    idle_since = datetime.now(UTC) - world.policy.web.idle - timedelta(minutes=1)
    with world.db.unit_of_work() as session:
        session.execute(update(WebSessionRow).values(last_seen_at=idle_since))
    assert client.get("/test/who").headers["location"] == "/"


def test_a_session_past_its_lifetime_is_signed_out(world: AppContext, client: TestClient
                                                   ) -> None:
    signed_in_as(world, client)
    with world.db.unit_of_work() as session:
        session.execute(update(WebSessionRow).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert client.get("/test/who").headers["location"] == "/"


def test_a_deactivated_advocates_open_session_ends_at_their_next_request(
    world: AppContext, client: TestClient
) -> None:
    advocate_id, _ = signed_in_as(world, client)
    assert client.get("/test/who").status_code == 200
    with world.db.unit_of_work() as session:
        access.deactivate_advocate(session, actor="test", advocate_id=advocate_id,
                                   callbacks=world.callbacks())
    assert client.get("/test/who").headers["location"] == "/"


def test_an_account_deactivated_behind_the_services_back_acts_for_no_one(
    world: AppContext, client: TestClient
) -> None:
    advocate_id, _ = signed_in_as(world, client)
    with world.db.unit_of_work() as session:
        session.execute(update(AdvocateRow).where(AdvocateRow.id == advocate_id)
                        .values(active=False))
    assert client.get("/test/who").headers["location"] == "/"


def test_a_one_time_password_sends_every_page_to_change_password(
    world: AppContext, client: TestClient
) -> None:
    signed_in_as(world, client, one_time=True)
    response = client.get("/test/who")
    assert response.status_code == 303
    assert response.headers["location"] == "/change-password"
    form = client.post("/test/form", data={"csrf_token": "whatever", "note": "x"})
    assert form.headers["location"] == "/change-password"


def test_an_advocate_gets_the_403_page_where_only_admins_may_go(
    world: AppContext, client: TestClient
) -> None:
    signed_in_as(world, client)
    response = client.get("/test/admin")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "only an admin may open this page" in response.text


def test_an_admin_passes_the_admin_check(world: AppContext, client: TestClient) -> None:
    admin_id, _ = signed_in_as(world, client, role="admin")
    response = client.get("/test/admin")
    assert response.status_code == 200 and response.text == admin_id


def test_a_form_with_the_sessions_token_is_accepted(world: AppContext, client: TestClient
                                                   ) -> None:
    advocate_id, secret = signed_in_as(world, client)
    response = client.post("/test/form", data={"csrf_token": csrf_token(secret),
                                               "note": "hello"})
    assert response.status_code == 200
    assert response.text == f"{advocate_id} hello"


@pytest.mark.parametrize("token", [None, "", "forged", "other-session"])
def test_a_form_without_the_sessions_token_is_refused(
    world: AppContext, client: TestClient, token: str | None
) -> None:
    _, secret = signed_in_as(world, client)
    data = {"note": "hello"}
    if token == "other-session":
        data["csrf_token"] = csrf_token(secret + "x")
    elif token is not None:
        data["csrf_token"] = token
    response = client.post("/test/form", data=data)
    assert response.status_code == 403
    assert "This form could not be sent" in response.text
    assert "hello" not in response.text


def test_a_form_token_in_the_query_string_does_not_count(world: AppContext,
                                                         client: TestClient) -> None:
    _, secret = signed_in_as(world, client)
    response = client.post(f"/test/form?csrf_token={csrf_token(secret)}",
                           data={"note": "hello"})
    assert response.status_code == 403


def test_a_signed_out_form_post_goes_to_sign_in_not_the_403_page(client: TestClient) -> None:
    response = client.post("/test/form", data={"note": "hello"})
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_the_session_sets_the_pages_form_token_and_language(world: AppContext,
                                                            client: TestClient) -> None:
    advocate_id, secret = signed_in_as(world, client, language="fr")
    assert client.get("/test/state").text == f"{advocate_id} {csrf_token(secret)} fr"
    page = client.get("/test/page")
    assert f'value="{csrf_token(secret)}"' in page.text
    assert '<html lang="fr"' in page.text


def test_a_language_without_a_catalogue_leaves_the_browsers(world: AppContext,
                                                            client: TestClient) -> None:
    advocate_id, secret = signed_in_as(world, client, language="tl")
    assert client.get("/test/state").text == f"{advocate_id} {csrf_token(secret)} -"


def test_signed_out_there_is_no_form_token(client: TestClient) -> None:
    assert client.get("/test/state").text == "none - -"


def test_the_api_ignores_the_session_cookie(world: AppContext, client: TestClient) -> None:
    """The JSON API takes bearer tokens only: a cookie authenticates nothing there (so it
    needs no CSRF check)."""
    signed_in_as(world, client, role="admin")
    assert client.get("/test/who").status_code == 200  # the cookie is a good one
    for path in ("/api/participants", "/api/tokens"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json()["error_id"] == "unauthorized"


def test_a_form_sent_as_anything_but_urlencoded_carries_no_token(
    world: AppContext, client: TestClient
) -> None:
    _, secret = signed_in_as(world, client)
    response = client.post("/test/form", files={"upload": ("a.txt", b"x")},
                           data={"csrf_token": csrf_token(secret)})
    assert response.status_code == 403


def test_a_signed_in_page_shows_who_and_a_sign_out_button_with_the_token(
    world: AppContext, client: TestClient
) -> None:
    _, secret = signed_in_as(world, client)
    html = client.get("/test/page").text
    assert "Signed in as user-" in html
    assert '<form class="sign-out" method="post" action="/sign-out">' in html
    assert f'name="csrf_token" value="{csrf_token(secret)}"' in html
    assert 'href="/admin/"' not in html
    client.cookies.clear()
    signed_in_as(world, client, role="admin")
    assert 'href="/admin/"' in client.get("/test/page").text


def test_signed_out_the_header_shows_no_account(client: TestClient) -> None:
    html = client.get("/").text
    assert "Signed in as" not in html and 'action="/sign-out"' not in html
