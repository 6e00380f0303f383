"""The admin participant pages in Chromium: add a participant with windows in another
zone and see the next safe times, an advocate's card shows a change at once, overlaps
and duplicates refused, erase behind the typed id; axe on every page."""

from __future__ import annotations

import itertools

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from gateway.people import caseload
from gateway.storage.tables import AuditRow, CaseloadRow, ParticipantRow
from gateway.wiring import AppContext
from tests.browser.conftest import NewAdmin, NewContext, SignedInAdmin
from tests.support.advocate_web import signed_in_context, with_password
from tests.support.browser import PHONE, axe_violations
from tests.support.world import add_advocate, add_participant

_NUMBERS = itertools.count(140)


def _fill_new(page: Page, app_url: str, alias: str, phone: str) -> None:
    page.goto(app_url + "/admin/participants/new")
    page.get_by_label("Alias", exact=True).fill(alias)
    page.get_by_label("Phone number").fill(phone)
    page.get_by_label("Time zone", exact=True).fill("Asia/Tokyo")
    page.get_by_label("Window 1: days").fill("mon-fri")
    page.get_by_label("Window 1: from").fill("09:00")
    page.get_by_label("Window 1: to").fill("12:00")
    page.get_by_label("Window 2: days").fill("sat")
    page.get_by_label("Window 2: from").fill("10:00")
    page.get_by_label("Window 2: to").fill("11:00")


def _participant_id(page: Page) -> str:
    return page.url.split("/admin/participants/")[1].split("?")[0]


def test_an_admin_adds_a_participant_in_another_zone_and_an_advocate_sees_a_change_at_once(
        admin: SignedInAdmin, app_url: str, world: AppContext,
        new_context: NewContext) -> None:
    page = admin.new_page()
    phone = f"+12025550{next(_NUMBERS)}"
    _fill_new(page, app_url, "Willow", phone)
    page.get_by_role("button", name="Check the windows").click()
    times = page.locator("ol.safe-times li")
    expect(times).to_have_count(3)
    expect(times.first).to_contain_text("(Asia/Tokyo), which is")
    expect(times.first).to_contain_text(f"({world.policy.timezone})")
    page.get_by_label("Phone number").fill(phone)  # never carried back: typed again
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    participant_id = _participant_id(page)

    advocate_id = add_advocate(world, phone="+12025550138")
    with world.db.unit_of_work() as session:
        caseload.assign(session, actor="test", participant_id=participant_id,
                        advocate_id=advocate_id)
    with_password(world, advocate_id, f"adv-{advocate_id[2:]}")
    card = signed_in_context(new_context, app_url, world, advocate_id).new_page()
    card.goto(app_url + f"/participants/{participant_id}")
    expect(card.locator("dl.rules")).to_contain_text("Withheld")

    page.get_by_label("Caller ID shown").select_option("masked")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    card.reload()
    expect(card.locator("dl.rules")).to_contain_text("masked number")
    expect(card.locator("dl.rules")).to_contain_text("Discussed with")


def test_an_overlapping_window_is_refused_with_the_reason(admin: SignedInAdmin,
                                                          app_url: str,
                                                          world: AppContext) -> None:
    page = admin.new_page()
    _fill_new(page, app_url, "Hazel", f"+12025550{next(_NUMBERS)}")
    page.get_by_label("Window 2: days").fill("wed")
    page.get_by_label("Window 2: to").fill("13:00")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".window-problems")).to_contain_text(
        "windows 'wed 09:00-12:00' and 'wed 10:00-13:00' overlap")
    expect(page.locator(".notice-error").first).to_contain_text("Nothing was saved")
    with world.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(ParticipantRow).where(
            ParticipantRow.alias == "Hazel")) == 0


def test_a_duplicate_number_is_refused(admin: SignedInAdmin, app_url: str,
                                       world: AppContext) -> None:
    phone = f"+12025550{next(_NUMBERS)}"
    first = add_participant(world, phone=phone, alias="Aspen")
    page = admin.new_page()
    _fill_new(page, app_url, "Birch", phone)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".notice-error").first).to_contain_text(
        f"this number is already on file for participant {first}")


def test_erase_asks_for_the_typed_id_and_leaves_only_the_audit_entry(
        admin: SignedInAdmin, app_url: str, world: AppContext) -> None:
    participant_id = add_participant(world, phone=f"+12025550{next(_NUMBERS)}",
                                     alias="Cedar")
    page = admin.new_page()
    page.goto(app_url + f"/admin/participants/{participant_id}")
    page.get_by_role("link", name="Erase this participant…").click()
    page.get_by_label("To confirm").fill("ERASE")
    page.get_by_role("button", name="Erase for good").click()
    expect(page.locator(".notice-error").first).to_contain_text("Nothing was erased")
    page.get_by_label("To confirm").fill(participant_id)
    page.get_by_role("button", name="Erase for good").click()
    expect(page.get_by_role("status")).to_contain_text("was erased")
    with world.db.unit_of_work() as session:
        assert session.get(ParticipantRow, participant_id) is None
        assert not session.scalars(select(CaseloadRow).where(
            CaseloadRow.participant_id == participant_id)).all()
        assert session.scalars(select(AuditRow.action).where(
            AuditRow.participant == participant_id,
            AuditRow.action == "participant.erased")).all() == ["participant.erased"]


def test_the_participant_pages_have_no_serious_accessibility_violation(
        new_admin: NewAdmin, app_url: str, world: AppContext) -> None:
    participant_id = add_participant(world, phone=f"+12025550{next(_NUMBERS)}",
                                     alias="Rowan")
    for viewport in (PHONE, None):
        options = {"bypass_csp": True, **({"viewport": viewport} if viewport else {})}
        page = new_admin(**options).new_page()
        for address in ("/admin/participants", "/admin/participants/new",
                        f"/admin/participants/{participant_id}",
                        f"/admin/participants/{participant_id}/erase"):
            page.goto(app_url + address)
            assert axe_violations(page) == [], address
