"""The admins' record pages in Chromium: the audit log's Verify says intact, and after a
row is edited in the database says which entry; the call records filter by outcome;
no serious accessibility violation on any of them at phone and desktop widths.

The world is this module's own: the tamper test breaks its audit log for good.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from gateway.callbacks.service import CallbackStatus
from gateway.calls.models import Outcome
from gateway.storage.tables import CallbackRow, CallRecordRow
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.browser.conftest import NewContext
from tests.support.advocate_web import signed_in_context, with_password
from tests.support.browser import DESKTOP, PHONE, axe_violations, serving, watch
from tests.support.numbers import ADVOCATE, PARTICIPANT, leaked
from tests.support.world import add_advocate, add_participant, make_world

SIZES = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


@dataclass(frozen=True)
class Records:
    world: AppContext
    admin_id: str
    rose: str


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Records]:
    world = make_world(tmp_path_factory.mktemp("admin-records"))
    admin_id = add_advocate(world, role="admin", phone=ADVOCATE, timezone="America/Toronto")
    with_password(world, admin_id, "records-admin")
    rose = add_participant(world, alias="Rose")
    now = datetime.now(UTC)
    with world.db.unit_of_work() as session:
        for minutes, outcome in enumerate((Outcome.ANSWERED, Outcome.BUSY, Outcome.DROPPED)):
            started = now - timedelta(hours=1, minutes=minutes)
            session.add(CallRecordRow(
                id=str(uuid.uuid4()), participant_id=rose, advocate_id=admin_id, kind="call",
                started_at=started, ended_at=started + timedelta(seconds=42),
                outcome=outcome.value, masked_fallback_used=False,
                other_person_answered=False))
        for status in (CallbackStatus.PENDING, CallbackStatus.EXPIRED, CallbackStatus.MISSED):
            session.add(CallbackRow(
                id=f"cb_{uuid.uuid4().hex[:12]}", participant_id=rose, advocate_id=admin_id,
                origin_call_id=str(uuid.uuid4()), attempt=1, max_attempts=3, not_before=now,
                run_at=now + timedelta(hours=1), status=status.value, last_outcome=None,
                created_at=now, updated_at=now))
    yield Records(world, admin_id, rose)
    world.close()


@pytest.fixture(scope="module")
def records_url(records: Records) -> Iterator[str]:
    with serving(create_app(records.world, run_scheduler=False)) as url:
        yield url


def admin_page(new_context: NewContext, records: Records, url: str,
               viewport: dict[str, int] = DESKTOP, **options: object) -> Page:
    return signed_in_context(new_context, url, records.world, records.admin_id,
                             viewport=viewport, **options).new_page()


def test_the_calls_page_filters_by_outcome(new_context: NewContext, records: Records,
                                           records_url: str) -> None:
    page = admin_page(new_context, records, records_url)
    problems = watch(page, records_url)
    page.goto(records_url + "/admin/calls")
    rows = page.locator("table.records tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_label("Outcome", exact=True).select_option(label="Line busy")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page).to_have_url(records_url + "/admin/calls?outcome=busy&from=&to=")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Line busy")
    expect(rows.first).to_contain_text(f"Rose ({records.rose})")
    assert leaked(page.content(), ADVOCATE, PARTICIPANT) == []
    assert problems == []


@SIZES
@pytest.mark.parametrize("address", ["/admin/calls", "/admin/callbacks", "/admin/audit"])
def test_the_record_pages_have_no_serious_accessibility_violation(
    new_context: NewContext, records: Records, records_url: str, address: str,
    viewport: dict[str, int],
) -> None:
    page = admin_page(new_context, records, records_url, viewport, bypass_csp=True)
    page.goto(records_url + address)
    expect(page.locator("table.records").first).to_be_visible()
    assert axe_violations(page) == []


def test_verify_says_intact_then_after_a_row_is_edited_says_which_entry(
    new_context: NewContext, records: Records, records_url: str,
) -> None:
    page = admin_page(new_context, records, records_url, bypass_csp=True)
    problems = watch(page, records_url)
    page.goto(records_url + "/admin/audit")
    verify = page.get_by_role("button", name="Verify the audit log", exact=True)
    verify.click()
    expect(page.locator(".notice[role=status]")).to_contain_text("The audit log is intact:")
    expect(page.locator(".notice[role=alert]")).to_have_count(0)

    with records.world.db.unit_of_work() as session:
        seq = session.execute(text("SELECT seq FROM audit_log WHERE participant = :p "
                                   "ORDER BY seq LIMIT 1"), {"p": records.rose}).scalar_one()
        session.execute(text("UPDATE audit_log SET fields = '[]' WHERE seq = :seq"),
                        {"seq": seq})

    page.get_by_role("button", name="Verify the audit log", exact=True).click()
    alert = page.locator(".notice[role=alert]")
    expect(alert).to_contain_text(f"The audit log is broken. Entry {seq} (")
    expect(alert).to_contain_text("was changed or removed")
    assert axe_violations(page) == []
    assert problems == []
