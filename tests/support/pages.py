"""Helpers for tests of the advocates' pages: signed-in sessions and reading markup.

A session is opened in the database (as the sign-in page does) and its secret put in
the client's ``__Host-safedial`` cookie; forms carry ``csrf_token(secret)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from gateway.domain.windows import DAYS
from gateway.web.app import create_app
from gateway.web.pages.session import COOKIE
from gateway.web_auth import accounts
from gateway.web_auth.csrf import csrf_token
from gateway.web_auth.sessions import open_session
from gateway.wiring import AppContext
from tests.support.numbers import ADVOCATE
from tests.support.world import add_advocate

ALWAYS = ["mon-sun 00:00-24:00"]


def never_now(zone: str = "America/Toronto") -> list[str]:
    """A one-hour window three days from today (in ``zone``): closed right now."""
    day = (datetime.now(ZoneInfo(zone)) + timedelta(days=3)).weekday()
    return [f"{DAYS[day]} 10:00-11:00"]


@dataclass
class Session:
    """A signed-in account: its id and the session's secret (for forms' tokens)."""

    advocate_id: str
    secret: str

    @property
    def csrf(self) -> str:
        return csrf_token(self.secret)

    def form(self, **fields: str) -> dict[str, str]:
        return {"csrf_token": self.csrf, **fields}


def client_for(world: AppContext) -> TestClient:
    """A browser-like client of the app on ``world``: https (the cookies are Secure), and
    redirects are answers to check, not to follow."""
    return TestClient(create_app(world, run_scheduler=False), base_url="https://testserver",
                      follow_redirects=False)


def open_web_session(world: AppContext, advocate_id: str) -> str:
    """A web session for an account that already has a username; returns its secret."""
    with world.db.unit_of_work() as session:
        return open_session(session, advocate_id=advocate_id, policy=world.policy.web,
                            now=datetime.now(UTC))


def sign_in(world: AppContext, client: TestClient, *, role: str = "advocate",
            phone: str = ADVOCATE, **fields: Any) -> Session:
    """A new account (``fields``: e.g. timezone, language) signed in in ``client``."""
    advocate_id = add_advocate(world, role=role, phone=phone, **fields)
    with world.db.unit_of_work() as session:
        accounts.set_username(session, actor="test", advocate_id=advocate_id,
                              username=f"user-{advocate_id[2:]}", now=datetime.now(UTC))
    secret = open_web_session(world, advocate_id)
    client.cookies.set(COOKIE, secret)
    return Session(advocate_id, secret)


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


class Html(HTMLParser):
    """The elements of a page with their attributes and their own text (children's too)."""

    def __init__(self, source: str) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(source)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.elements.append(element)
        if tag not in ("input", "br", "meta", "link", "img"):
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def find(self, tag: str, **wanted: str) -> list[Element]:
        return [e for e in self.elements
                if e.tag == tag and all(e.attrs.get(k.rstrip("_")) == v
                                        for k, v in wanted.items())]

    def one(self, tag: str, **wanted: str) -> Element:
        (found,) = self.find(tag, **wanted)
        return found

    def labelled(self, label: str) -> Element:
        """The field whose ``<label>`` says ``label``."""
        (target,) = [e.attrs["for"] for e in self.find("label") if words(e.text) == label]
        return self.one("input", id=target)

    def button(self, name: str) -> Element:
        (found,) = [e for e in self.find("button") if words(e.text) == name]
        return found

    @property
    def text(self) -> str:
        """All the page's words, one space between each."""
        (body,) = self.find("body")
        return words(body.text)


def words(text: str) -> str:
    return " ".join(text.split())
