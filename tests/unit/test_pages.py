"""The page frame: the sign-in page at /, forms with the contract labels, no inline code.

Markup is read with the standard library's HTML parser; the browser tier
(``tests/browser``) checks the same pages in a real Chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from starlette.responses import HTMLResponse

from gateway.errors import Forbidden
from gateway.web.app import create_app
from gateway.web.pages.render import Notice, render
from tests.support.world import make_world


class Page(HTMLParser):
    """The elements of a page, each as (tag, attributes), and its label texts."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.labels: dict[str, str] = {}  # label text -> the id it is for
        self.texts: dict[str, list[str]] = {}
        self._open: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        self._open.append((tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._open or not data.strip():
            return
        tag, attributes = self._open[-1]
        self.texts.setdefault(tag, []).append(data.strip())
        if tag == "label":
            self.labels[data.strip()] = attributes.get("for", "")

    def find(self, tag: str, **wanted: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements
                if t == tag and all(a.get(k) == v for k, v in wanted.items())]

    def field(self, label: str) -> dict[str, str]:
        (field,) = self.find("input", id=self.labels[label])
        return field


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    world = make_world(tmp_path)
    app = create_app(world, run_scheduler=False)

    @app.get("/test/change-password")
    def change_password(request: Request) -> HTMLResponse:
        return render(request, "change_password.html", form_action="/change-password",
                      username="sam", notice=Notice("info", "Your password was reset."))

    @app.get("/test/echo")
    def echo(request: Request, username: str = "") -> HTMLResponse:
        request.state.csrf_token = "token-from-the-session"
        return render(request, "sign_in.html", username=username,
                      notice=Notice("error", "Wrong username or password."))

    @app.get("/test/session-language")
    def session_language(request: Request) -> HTMLResponse:
        request.state.language = "fr"  # as the session layer will, from the account
        return render(request, "sign_in.html", username="")

    @app.get("/test/forbidden")
    def forbidden() -> None:
        raise Forbidden("only an admin may see this page")

    yield app
    world.close()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def test_the_sign_in_page_is_at_the_root_with_the_contract_labels(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = Page(response.text)
    (form,) = page.find("form")
    assert (form["method"], form["action"]) == ("post", "/sign-in")
    assert page.field("Username")["autocomplete"] == "username"
    password = page.field("Password")
    assert (password["type"], password["autocomplete"]) == ("password", "current-password")
    assert page.texts["button"] == ["Sign in"]
    assert page.find("input", type="hidden", name="csrf_token")


def test_the_change_password_form_has_the_contract_labels(client: TestClient) -> None:
    page = Page(client.get("/test/change-password").text)
    (form,) = page.find("form")
    assert (form["method"], form["action"]) == ("post", "/change-password")
    assert page.field("New password")["autocomplete"] == "new-password"
    assert page.field("Confirm new password")["autocomplete"] == "new-password"
    assert page.texts["button"] == ["Save"]
    assert page.find("input", type="hidden", name="csrf_token")
    assert page.find("div", role="status")  # an info notice is read out politely


def test_the_layout_has_a_language_a_skip_link_a_main_and_the_product_name(
    client: TestClient,
) -> None:
    page = Page(client.get("/").text)
    (html,) = page.find("html")
    assert (html["lang"], html["dir"]) == ("en", "ltr")
    (skip,) = page.find("a", **{"class": "skip-link"})
    assert skip["href"] == "#main"
    assert page.find("main", id="main")
    assert "SafeDial" in page.texts["a"]
    assert page.find("meta", name="viewport")


def test_every_value_is_escaped_and_the_csrf_slot_takes_the_sessions_token(
    client: TestClient,
) -> None:
    text = client.get("/test/echo", params={"username": '"><script>alert(1)</script>'}).text
    assert "<script>alert" not in text
    assert "&#34;&gt;&lt;script&gt;" in text
    page = Page(text)
    (csrf,) = page.find("input", name="csrf_token")
    assert csrf["value"] == "token-from-the-session"
    (alert,) = page.find("div", role="alert")
    assert "Wrong username or password." in page.texts["p"]
    assert "notice-error" in alert["class"]


def test_the_page_is_in_the_browsers_language(client: TestClient) -> None:
    response = client.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    page = Page(response.text)
    assert page.find("html", lang="fr")
    assert response.headers["content-language"] == "fr"
    assert "Nom d'utilisateur" in page.labels


def test_the_sessions_language_wins_over_the_browsers(client: TestClient) -> None:
    response = client.get("/test/session-language", headers={"Accept-Language": "en"})
    assert Page(response.text).find("html", lang="fr")


@pytest.mark.parametrize("path", ["/", "/test/change-password", "/test/echo", "/nope"])
def test_pages_hold_no_inline_script_or_style_and_every_asset_is_ours(
    client: TestClient, path: str
) -> None:
    page = Page(client.get(path).text)
    assert not page.find("style")
    for tag, attributes in page.elements:
        assert "style" not in attributes, tag
        assert not [name for name in attributes if name.startswith("on")], tag
        if tag == "script":
            assert attributes.get("src", "").startswith("/static/"), attributes
    assets = [a["src"] for a in page.find("script")] + [a["href"] for a in page.find("link")]
    assert any(asset.endswith(".css") for asset in assets)
    assert any(asset.endswith(".js") for asset in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset


def test_a_missing_page_is_a_page_and_a_missing_api_route_is_json(client: TestClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page not found" in Page(page.text).texts["h1"]
    api = client.get("/api/no/such/route")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/json")


def test_a_refusal_on_a_page_is_shown_in_the_errors_own_words(client: TestClient) -> None:
    response = client.get("/test/forbidden")
    assert response.status_code == 403
    page = Page(response.text)
    assert "only an admin may see this page" in page.texts["p"]
    assert page.find("div", role="alert")
