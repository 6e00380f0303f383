"""An advocate in a real browser: a web account, signing in through the pages, and a
world the advocates' pages can be shown on (the browser tier, screenshots, the lab).

``sign_in_through_pages`` does what a person does on a first sign-in: the one-time
password at ``/``, then a new password, landing on the participant search.
``signed_in_context`` skips the form (a session opened in the database, its secret in
the ``__Host-safedial`` cookie), for tests about the pages behind it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

from gateway.callbacks.planning import CallbackPlan
from gateway.calls.models import Outcome
from gateway.pbx.process import render
from gateway.people import caseload
from gateway.storage.tables import AdvocateRow
from gateway.web.pages.session import COOKIE
from gateway.web_auth import accounts, passwords
from gateway.wiring import AppContext
from tests.support.canary import pass_selftest
from tests.support.pages import ALWAYS, never_now, open_web_session
from tests.support.phones import ScriptedPhone
from tests.support.world import SCOPED_POLICY, add_advocate, add_participant, make_world

#: A new password that every password rule accepts.
NEW_PASSWORD = "a long passphrase nobody else knows 2026"


def web_account(world: AppContext, advocate_id: str, username: str) -> str:
    """Give an advocate a username and a one-time password (returned, as an admin sees it)."""
    now = datetime.now(UTC)
    with world.db.unit_of_work() as session:
        accounts.set_username(session, actor="test", advocate_id=advocate_id,
                              username=username, now=now)
        return accounts.issue_one_time_password(session, actor="test",
                                                advocate_id=advocate_id, now=now)


def with_password(world: AppContext, advocate_id: str, username: str,
                  password: str = NEW_PASSWORD) -> str:
    """Give an advocate a username and a password of their own (as after their first
    sign-in); returns the password."""
    web_account(world, advocate_id, username)
    with world.db.unit_of_work() as session:
        row = session.get(AdvocateRow, advocate_id)
        assert row is not None
        row.password_hash = passwords.hash_password(password)
        row.password_one_time = False
    return password


def sign_in_form(page: Page, url: str, username: str, password: str) -> None:
    """The sign-in page at ``/``, filled in and sent."""
    page.goto(url + "/")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_in_through_pages(page: Page, url: str, username: str, one_time_password: str,
                          new_password: str = NEW_PASSWORD) -> None:
    """The first sign-in, as a person does it; ends on the participant search."""
    sign_in_form(page, url, username, one_time_password)
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("Confirm new password", exact=True).fill(new_password)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_label("Search participants", exact=True)).to_be_visible()


def signed_in_context(make_context: Callable[..., BrowserContext] | Browser, url: str,
                      world: AppContext, advocate_id: str, **options: Any) -> BrowserContext:
    """A browser context already signed in as ``advocate_id`` (the account needs a
    username: ``web_account``)."""
    if isinstance(make_context, Browser):
        context = make_context.new_context(**{"locale": "en-US", **options})
    else:
        context = make_context(**options)
    # Set for the https address of the same host: Chromium refuses a Secure cookie set
    # for an http one from outside (a page of ours may set it: 127.0.0.1 counts as secure).
    context.add_cookies([{"name": COOKIE, "value": open_web_session(world, advocate_id),
                          "url": url.replace("http://", "https://", 1) + "/", "secure": True,
                          "httpOnly": True, "sameSite": "Strict"}])
    return context


@dataclass
class AdvocateDesk:
    """A world for the advocates' pages: caseload scoping on, both caller-ID modes
    proven (a unit-style self-test), a rendered PBX config for the leak guard, and a
    scripted phone instead of the PBX (no call here claims to reach anyone).

    Sam (advocate, on Paris time, with a password of their own) has Rose (safe to call at
    any time, with a code word, a cover reason and a pending call-back) and Lily (not
    safe now) in their caseload; Iris is on file but not theirs.
    """

    world: AppContext
    phone: ScriptedPhone
    advocate_id: str
    username: str
    password: str
    rose: str
    lily: str
    iris: str

    def newcomer(self, username: str, phone: str) -> tuple[str, str]:
        """Another advocate with Sam's caseload and a one-time password (as an admin
        gave it): returns their id and that password."""
        advocate_id = add_advocate(self.world, phone=phone)
        with self.world.db.unit_of_work() as session:
            for participant_id in (self.rose, self.lily):
                caseload.assign(session, actor="test", participant_id=participant_id,
                                advocate_id=advocate_id)
        return advocate_id, web_account(self.world, advocate_id, username)


def advocate_desk(root: Path, *, hold_s: float = 2.0) -> AdvocateDesk:
    world = make_world(root)
    world.policy = SCOPED_POLICY
    # In its own thread: Playwright's sync API may already run an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(pass_selftest, world).result()
    render(world.settings, world.policy)
    phone = ScriptedPhone(Outcome.VOICEMAIL_LEFT, hold_s=hold_s)
    world.call_control = phone.connect  # type: ignore[method-assign]
    advocate_id = add_advocate(world, timezone="Europe/Paris")
    rose = add_participant(world, alias="Rose", windows=ALWAYS, on_drop="callback",
                           cover_reason="I am calling about the book you reserved")
    lily = add_participant(world, alias="Lily", windows=never_now("America/Vancouver"),
                           timezone="America/Vancouver", caller_id="masked",
                           masked_fallback=False, voicemail="none")
    iris = add_participant(world, alias="Iris", windows=ALWAYS)
    with world.db.unit_of_work() as session:
        for participant_id in (rose, lily):
            caseload.assign(session, actor="test", participant_id=participant_id,
                            advocate_id=advocate_id)
    username = "sam"
    desk = AdvocateDesk(world, phone, advocate_id, username,
                        with_password(world, advocate_id, username), rose, lily, iris)
    pending_callback(desk, rose, in_hours=3)
    return desk


def pending_callback(desk: AdvocateDesk, participant_id: str, *, in_hours: int) -> str:
    """A call-back of the desk's advocate to ``participant_id``, due in ``in_hours``."""
    due = datetime.now(UTC) + timedelta(hours=in_hours)
    return desk.world.callbacks().create(
        plan=CallbackPlan(attempt=1, max_attempts=3, not_before=due, run_at=due),
        participant_id=participant_id, advocate_id=desk.advocate_id,
        origin_call_id=str(uuid.uuid4()), now=datetime.now(UTC))
