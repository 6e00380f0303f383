"""Every admin page's frame: the admin menu, the privacy banner while a mode is locked
or its pass stale, and the 403 page for advocates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from gateway.storage.tables import SelftestResultRow
from gateway.web.pages.admin_frame import SECTIONS
from gateway.wiring import AppContext
from tests.support.canary import pass_selftest
from tests.support.pages import Html, client_for, sign_in
from tests.support.world import make_world


@pytest.fixture
def fresh_world(tmp_path: Path) -> Iterator[AppContext]:
    """A new install: no mode has passed the self-test yet."""
    ctx = make_world(tmp_path)
    yield ctx
    ctx.close()


def banner_of(page: str) -> list[str]:
    html = Html(page)
    sections = [e for e in html.find("section") if "privacy-banner" in e.attrs.get("class", "")]
    return [" ".join(e.text.split()) for e in html.find("li")
            if sections and e.text.strip() and e.text in sections[0].text]


def test_the_admin_home_lists_every_admin_section_in_the_menu(world: AppContext) -> None:
    with client_for(world) as client:
        sign_in(world, client, role="admin")
        page = client.get("/admin/")
    assert page.status_code == 200
    menu = Html(page.text).one("nav", class_="admin-menu")
    assert all(address in page.text for _, address in SECTIONS), menu.text


def test_an_advocate_gets_the_403_page_for_the_admin_home(world: AppContext) -> None:
    with client_for(world) as client:
        sign_in(world, client)
        assert client.get("/admin/").status_code == 403


def test_a_new_install_shows_every_mode_locked_in_the_banner(fresh_world: AppContext) -> None:
    with client_for(fresh_world) as client:
        sign_in(fresh_world, client, role="admin")
        page = client.get("/admin/").text
    lines = banner_of(page)
    assert any("Withheld caller ID is locked: the self-test has never passed" in line
               for line in lines), lines
    assert any(line.startswith("Agency number (masked) is locked") for line in lines), lines
    assert 'href="/admin/privacy"' in page


def test_once_both_modes_pass_the_banner_is_gone(fresh_world: AppContext) -> None:
    pass_selftest(fresh_world)
    with client_for(fresh_world) as client:
        sign_in(fresh_world, client, role="admin")
        page = client.get("/admin/").text
    assert "privacy-banner" not in page


def test_a_pass_older_than_the_policy_allows_is_named_in_the_banner(
    fresh_world: AppContext
) -> None:
    pass_selftest(fresh_world)
    old = datetime.now(UTC) - fresh_world.policy.selftest.max_age - timedelta(hours=2)
    with fresh_world.db.unit_of_work() as session:
        session.execute(update(SelftestResultRow).values(at=old))
    with client_for(fresh_world) as client:
        sign_in(fresh_world, client, role="admin")
        lines = banner_of(client.get("/admin/").text)
    assert len(lines) == 2, lines
    assert all("not passed recently" in line or "older than the policy" in line
               for line in lines), lines
