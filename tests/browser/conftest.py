"""The browser tier: the real app under uvicorn on a free loopback port, in Debian's Chromium.

The app is ``create_app`` on a temporary test world (a lab: ``SAFEDIAL_LAB=true``),
with the test-only routes of ``tests.browser.demo`` beside it, served in a thread
for the whole session (``app_url``). Chromium is Debian's package, launched headless
by its path (``browser``). Each test gets fresh contexts (``new_context``), so no
cookie or cache leaks between tests; ``page`` is a desktop page whose ``problems``
list fills with console errors, CSP violations, script errors and HTTP errors from
the app; ``axe_page`` is a page in a context that bypasses the CSP, for injecting
axe-core (``tests.support.browser.axe_violations``).

Every test here is marked ``browser``. None is ever skipped: a missing Chromium fails
with how to install it, and a skip from anywhere is reported as a failure.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from gateway.people import service as people
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.browser import demo
from tests.support.advocate_web import signed_in_context, with_password
from tests.support.browser import (
    DESKTOP,
    REPORT_CSP_VIOLATIONS,
    ChromiumMissing,
    chromium,
    chromium_executable,
    serving,
    watch,
)
from tests.support.numbers import ADVOCATE
from tests.support.world import add_advocate, make_world, world_environment

NewContext = Callable[..., BrowserContext]
_USERNAMES = itertools.count(1)


def _in_tier(item: pytest.Item) -> bool:
    return "tests/browser" in item.path.as_posix()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _in_tier(item):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A skipped browser test is a failure: the tier must never pass by not running."""
    report = yield
    if report.skipped and _in_tier(item) and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"the browser tier never skips, but this test did: {report.longrepr}"
    return report


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppContext]:
    ctx = make_world(tmp_path_factory.mktemp("browser-world"))
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def admin_token(world: AppContext) -> str:
    """An API token of an admin in the world (the API docs accept it)."""
    admin_id = add_advocate(world, role="admin", phone="+12025550133")
    with world.db.unit_of_work() as session:
        return people.issue_token(session, actor="test", advocate_id=admin_id)


@dataclass(frozen=True)
class Account:
    """An account made with ``safedial advocate add --username`` (the contract)."""

    advocate_id: str
    username: str
    one_time_password: str


Safedial = Callable[..., list[str]]
NewAccount = Callable[..., Account]


@pytest.fixture(scope="session")
def safedial(world: AppContext) -> Safedial:
    """Runs the ``safedial`` command on the world (as an operator would, in its own
    process); returns its output lines."""
    env = {**os.environ, **world_environment(world.settings.key_file.parent)}

    def run(*args: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", "import sys; from gateway.cli.main import main; "
             "sys.exit(main(sys.argv[1:]))", *args],
            env=env, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, f"safedial {' '.join(args)}: {done.stderr}"
        return done.stdout.splitlines()

    return run


@pytest.fixture(scope="session")
def new_account(safedial: Safedial) -> NewAccount:
    """Makes an account with a username of its own and a one-time password."""

    def make(role: str = "advocate") -> Account:
        username = f"{role}{next(_USERNAMES)}"
        lines = safedial("advocate", "add", "--name", username.title(), "--phone",
                         ADVOCATE, "--role", role, "--username", username)
        return Account(advocate_id=lines[0], username=username,
                       one_time_password=lines[-1])

    return make


@pytest.fixture(scope="session")
def app_url(world: AppContext) -> Iterator[str]:
    """The address of the real app (plus ``/_demo/`` routes), served by uvicorn."""
    app = create_app(world, run_scheduler=False)
    app.include_router(demo.router)
    with serving(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        chromium_executable()
    except ChromiumMissing as exc:
        missing = str(exc)
    else:
        missing = ""
    if missing:
        pytest.fail(missing, pytrace=False)
    with chromium() as running:
        yield running


@pytest.fixture
def new_context(browser: Browser) -> Iterator[NewContext]:
    """Makes browser contexts (English, desktop size unless told) that report every
    CSP violation to the console; all are closed after the test."""
    made: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options = {"locale": "en-US", "viewport": DESKTOP, **options}
        context = browser.new_context(**options)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def page(new_context: NewContext) -> Page:
    return new_context().new_page()


@pytest.fixture
def problems(page: Page, app_url: str) -> list[str]:
    """What went wrong on ``page`` so far (see ``tests.support.browser.watch``)."""
    return watch(page, app_url)


@pytest.fixture
def axe_page(new_context: NewContext) -> Page:
    """A page whose context bypasses the CSP, so axe-core can be injected."""
    return new_context(bypass_csp=True).new_page()


@dataclass(frozen=True)
class SignedInAdmin:
    """An admin of the session's world, signed in in a fresh browser context."""

    advocate_id: str
    username: str
    context: BrowserContext

    def new_page(self) -> Page:
        return self.context.new_page()


NewAdmin = Callable[..., SignedInAdmin]


@pytest.fixture
def new_admin(new_context: NewContext, app_url: str, world: AppContext) -> NewAdmin:
    """Makes a new admin account (a username, its own password) signed in at
    ``app_url`` in a fresh context (``options``: e.g. ``bypass_csp=True`` for axe)."""

    def make(**options: Any) -> SignedInAdmin:
        admin_id = add_advocate(world, role="admin", phone="+12025550134")
        username = f"admin{next(_USERNAMES)}"
        with_password(world, admin_id, username)
        return SignedInAdmin(admin_id, username,
                             signed_in_context(new_context, app_url, world, admin_id,
                                               **options))

    return make


@pytest.fixture
def admin(new_admin: NewAdmin) -> SignedInAdmin:
    return new_admin()
