"""Every admin page, whatever it does: under ``/admin/``, closed to advocates (403),
sending the signed-out to sign in, refusing a form without the session's token, and
keeping the security headers. The routes are read from the app, so a page added later
is checked without anyone remembering to list it here."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import gateway.web.pages
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.support.pages import sign_in

_PARAMETER = re.compile(r"\{[^}]+\}")


def admin_page_routes() -> list[APIRoute]:
    """The routes of every page module of the admin pages (``gateway.web.pages.admin*``)."""
    routes = []
    for module in pkgutil.iter_modules(gateway.web.pages.__path__):
        if module.name.startswith("admin"):
            router = getattr(importlib.import_module(f"gateway.web.pages.{module.name}"),
                             "router", None)
            routes += [r for r in getattr(router, "routes", ()) if isinstance(r, APIRoute)]
    return routes


def admin_routes() -> list[tuple[str, str]]:
    """(method, path) of every admin page route, path parameters filled with a made-up id."""
    found = []
    for route in admin_page_routes():
        path = _PARAMETER.sub("x0000000000", route.path)
        found += [(method, path) for method in sorted(route.methods or ())]
    return found


@pytest.fixture
def client(world: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(world, run_scheduler=False), base_url="https://testserver",
                    follow_redirects=False) as made:
        yield made


def routes_of(client: TestClient) -> list[tuple[str, str]]:
    routes = admin_routes()
    assert ("GET", "/admin/") in routes, "the scan sees the admin pages"
    return routes


def test_the_admin_pages_live_under_admin_and_nowhere_else() -> None:
    assert [r.path for r in admin_page_routes() if not r.path.startswith("/admin/")] == []


def test_every_admin_page_is_served_by_the_app(client: TestClient) -> None:
    """A module of admin pages nobody added to the app would pass every check above
    by answering 404."""
    for method, path in routes_of(client):
        assert client.request(method, path).status_code != 404, (method, path)


def test_an_advocate_gets_403_from_every_admin_page(world: AppContext,
                                                    client: TestClient) -> None:
    advocate = sign_in(world, client)
    answers = {}
    for method, path in routes_of(client):
        data = advocate.form() if method == "POST" else None
        answers[(method, path)] = client.request(method, path, data=data).status_code
    assert {route: code for route, code in answers.items() if code != 403} == {}


def test_signed_out_every_admin_page_sends_the_browser_to_sign_in(client: TestClient
                                                                  ) -> None:
    for method, path in routes_of(client):
        answer = client.request(method, path)
        assert (answer.status_code, answer.headers.get("location")) == (303, "/"), (method, path)


def test_an_admin_form_without_the_sessions_token_is_refused(world: AppContext,
                                                             client: TestClient) -> None:
    sign_in(world, client, role="admin")
    for method, path in routes_of(client):
        if method == "POST":
            answer = client.post(path, data={"csrf_token": "not-this-sessions"})
            assert answer.status_code == 403, (path, answer.status_code)


def test_every_admin_page_an_admin_opens_keeps_the_security_headers(
    world: AppContext, client: TestClient
) -> None:
    sign_in(world, client, role="admin")
    for method, path in routes_of(client):
        if method == "GET":
            answer = client.get(path)
            assert answer.headers["cache-control"] == "no-store", path
            assert "frame-ancestors 'none'" in answer.headers["content-security-policy"], path
