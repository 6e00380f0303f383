"""The admins' record pages: call records filtered by outcome and date, the call-backs
to follow up by status, the audit log and its verification in words; never a number,
403 for advocates, 422 for a filter that does not parse, CSRF on Verify."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from gateway.callbacks.service import CallbackStatus
from gateway.calls.models import Outcome
from gateway.storage.tables import CallbackRow, CallRecordRow
from gateway.web.pages.catalogue import load_catalogues, translator
from gateway.web.pages.record_words import outcome_names
from gateway.web.pages.render import LOCALES
from gateway.wiring import AppContext
from tests.support.numbers import ADVOCATE, PARTICIPANT, leaked
from tests.support.pages import Html, Session, client_for, sign_in
from tests.support.world import add_participant

#: The admin's clock in these tests; dates in filters are read on it.
ZONE = "America/Toronto"


def admin_in(world: AppContext, client: TestClient) -> Session:
    return sign_in(world, client, role="admin", phone="+12025550133", timezone=ZONE)


def add_record(world: AppContext, *, participant_id: str, advocate_id: str, outcome: Outcome,
               started_at: datetime, length_s: int = 65) -> str:
    call_id = str(uuid.uuid4())
    with world.db.unit_of_work() as session:
        session.add(CallRecordRow(
            id=call_id, participant_id=participant_id, advocate_id=advocate_id, kind="call",
            started_at=started_at, ended_at=started_at + timedelta(seconds=length_s),
            outcome=outcome.value, masked_fallback_used=False, other_person_answered=False))
    return call_id


def add_callback(world: AppContext, *, participant_id: str, advocate_id: str,
                 status: CallbackStatus, last_outcome: str | None = None) -> str:
    now = datetime.now(UTC)
    callback_id = f"cb_{uuid.uuid4().hex[:12]}"
    with world.db.unit_of_work() as session:
        session.add(CallbackRow(
            id=callback_id, participant_id=participant_id, advocate_id=advocate_id,
            origin_call_id=str(uuid.uuid4()), attempt=2, max_attempts=3, not_before=now,
            run_at=now + timedelta(hours=2), status=status.value, last_outcome=last_outcome,
            created_at=now, updated_at=now))
    return callback_id


def table_rows(page: str) -> list[str]:
    html = Html(page)
    return [" ".join(row.text.split()) for row in html.find("tr")][1:]


def at_noon(day: str) -> datetime:
    """Noon on ``day`` on the admin's clock (17:00 UTC in winter)."""
    return datetime.fromisoformat(f"{day}T17:00:00+00:00")


@pytest.fixture
def rose(world: AppContext) -> str:
    return add_participant(world, alias="Rose")


# -- call records --------------------------------------------------------------------------
def test_call_records_show_newest_first_with_alias_id_and_outcome_in_words(
    world: AppContext, rose: str
) -> None:
    with client_for(world) as client:
        admin = admin_in(world, client)
        add_record(world, participant_id=rose, advocate_id=admin.advocate_id,
                   outcome=Outcome.ANSWERED, started_at=at_noon("2026-01-05"))
        add_record(world, participant_id=rose, advocate_id=admin.advocate_id,
                   outcome=Outcome.NO_ANSWER, started_at=at_noon("2026-01-07"))
        page = client.get("/admin/calls")
    assert page.status_code == 200
    rows = table_rows(page.text)
    assert len(rows) == 2
    assert rows[0].startswith("2026-01-07 12:00") and "No answer" in rows[0]
    assert rows[1].startswith("2026-01-05 12:00") and "Answered" in rows[1]
    assert f"Rose ({rose})" in rows[0] and "1 min 05 s" in rows[0]
    assert "Showing records 1 to 2 of 2." in Html(page.text).text


def test_call_records_filter_by_outcome(world: AppContext, rose: str) -> None:
    with client_for(world) as client:
        admin = admin_in(world, client)
        for outcome in (Outcome.ANSWERED, Outcome.BUSY, Outcome.BUSY):
            add_record(world, participant_id=rose, advocate_id=admin.advocate_id,
                       outcome=outcome, started_at=at_noon("2026-01-05"))
        page = client.get("/admin/calls", params={"outcome": "busy"})
    rows = table_rows(page.text)
    assert len(rows) == 2 and all("Line busy" in row for row in rows), rows
    assert Html(page.text).one("option", value="busy").attrs.get("selected") == ""


def test_call_records_filter_by_dates_on_the_admins_clock_both_days_included(
    world: AppContext, rose: str
) -> None:
    with client_for(world) as client:
        admin = admin_in(world, client)
        for day in ("2026-01-04", "2026-01-05", "2026-01-06", "2026-01-07"):
            add_record(world, participant_id=rose, advocate_id=admin.advocate_id,
                       outcome=Outcome.ANSWERED, started_at=at_noon(day))
        # 23:30 on the 6th in Toronto is already the 7th in UTC: it belongs to the 6th.
        add_record(world, participant_id=rose, advocate_id=admin.advocate_id,
                   outcome=Outcome.DROPPED,
                   started_at=datetime.fromisoformat("2026-01-07T04:30:00+00:00"))
        page = client.get("/admin/calls", params={"from": "2026-01-05", "to": "2026-01-06"})
    rows = table_rows(page.text)
    assert [row[:16] for row in rows] == ["2026-01-06 23:30", "2026-01-06 12:00",
                                         "2026-01-05 12:00"], rows


@pytest.mark.parametrize(("params", "says"), [
    ({"from": "2026-13-01"}, "The From date could not be read"),
    ({"to": "yesterday"}, "The To date could not be read"),
    ({"from": "2026-01-07", "to": "2026-01-05"}, "The From date is after the To date"),
    ({"outcome": "+12025550122"}, "This outcome is not one SafeDial records"),
    ({"page": "0"}, "This page number does not exist"),
])
def test_a_filter_that_does_not_parse_is_refused_with_what_to_fix(
    world: AppContext, rose: str, params: dict[str, str], says: str
) -> None:
    with client_for(world) as client:
        admin = admin_in(world, client)
        add_record(world, participant_id=rose, advocate_id=admin.advocate_id,
                   outcome=Outcome.ANSWERED, started_at=at_noon("2026-01-05"))
        page = client.get("/admin/calls", params=params)
    assert page.status_code == 422
    alert = Html(page.text).one("div", role="alert")
    assert says in alert.text
    assert "<table" not in page.text  # nothing shown unfiltered as if it were filtered
    assert leaked(page.text, PARTICIPANT) == []  # not even the bad value echoed back


def test_more_records_than_a_page_are_paged_keeping_the_filter(world: AppContext,
                                                               rose: str) -> None:
    with client_for(world) as client:
        admin = admin_in(world, client)
        start = at_noon("2026-01-05")
        for minute in range(55):
            add_record(world, participant_id=rose, advocate_id=admin.advocate_id,
                       outcome=Outcome.BUSY, started_at=start + timedelta(minutes=minute))
        first = client.get("/admin/calls", params={"outcome": "busy"})
        older = Html(first.text).find("a")
        link = next(a.attrs["href"] for a in older if a.text.strip() == "Older")
        second = client.get(link)
    assert link == "/admin/calls?outcome=busy&page=2"
    assert len(table_rows(first.text)) == 50 and len(table_rows(second.text)) == 5
    assert "Showing records 51 to 55 of 55." in Html(second.text).text


# -- call-backs ------------------------------------------------------------------------------
def test_call_backs_are_grouped_pending_expired_missed_with_the_last_outcome_in_words(
    world: AppContext, rose: str
) -> None:
    with client_for(world) as client:
        admin = admin_in(world, client)
        add_callback(world, participant_id=rose, advocate_id=admin.advocate_id,
                     status=CallbackStatus.PENDING)
        add_callback(world, participant_id=rose, advocate_id=admin.advocate_id,
                     status=CallbackStatus.EXPIRED, last_outcome="no-safe-time-in-bounds")
        add_callback(world, participant_id=rose, advocate_id=admin.advocate_id,
                     status=CallbackStatus.MISSED, last_outcome="advocate-no-answer")
        add_callback(world, participant_id=rose, advocate_id=admin.advocate_id,
                     status=CallbackStatus.DONE, last_outcome="answered")
        page = client.get("/admin/callbacks")
    assert page.status_code == 200
    html = Html(page.text)
    sections = {s.attrs["aria-labelledby"]: " ".join(s.text.split())
                for s in html.find("section") if "aria-labelledby" in s.attrs}
    assert "Not tried yet" in sections["callbacks-pending"]
    assert "No safe time within the agreed limits" in sections["callbacks-expired"]
    assert "Advocate did not answer" in sections["callbacks-missed"]
    assert all(f"Rose ({rose})" in text and "2 of 3" in text for text in sections.values())
    assert "Answered" not in page.text  # a done call-back needs no follow-up


# -- the audit log -------------------------------------------------------------------------
def test_the_audit_log_lists_entries_newest_first_with_who_and_the_field_names(
    world: AppContext, rose: str
) -> None:
    with client_for(world) as client:
        admin_in(world, client)
        page = client.get("/admin/audit")
    rows = table_rows(page.text)
    seqs = [int(row.split()[0]) for row in rows]
    assert seqs == sorted(seqs, reverse=True)
    assert any("participant.created" in row and rose in row for row in rows), rows


def test_the_audit_log_filters_by_participant_and_by_action_prefix(world: AppContext,
                                                                   rose: str) -> None:
    other = add_participant(world)
    with client_for(world) as client:
        admin_in(world, client)
        mine = table_rows(client.get("/admin/audit", params={"participant": rose}).text)
        created = table_rows(client.get("/admin/audit",
                                        params={"action": "participant.cre"}).text)
        bad = client.get("/admin/audit", params={"participant": "Rose <b>"})
    assert mine and all(rose in row and other not in row for row in mine)
    assert len(created) == 2 and all("participant.created" in row for row in created)
    assert bad.status_code == 422 and "A participant id has only" in bad.text


def test_verify_says_the_audit_log_is_intact_with_how_many_entries(world: AppContext,
                                                                    rose: str) -> None:
    with client_for(world) as client:
        admin = admin_in(world, client)
        page = client.post("/admin/audit/verify", data=admin.form())
    assert page.status_code == 200
    status = Html(page.text).one("div", role="status")
    assert "The audit log is intact:" in status.text
    assert "entries, each linked to the one before." in status.text


def test_verify_after_an_entry_was_edited_in_the_database_says_which_and_when(
    world: AppContext, rose: str
) -> None:
    with world.db.unit_of_work() as session:
        seq, at = session.execute(text(
            "SELECT seq, at FROM audit_log WHERE action = 'participant.created'")).one()
        session.execute(text("UPDATE audit_log SET action = 'participant.viewed' "
                             "WHERE seq = :seq"), {"seq": seq})
    written = datetime.fromisoformat(at).astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M")
    with client_for(world) as client:
        admin = admin_in(world, client)
        page = client.post("/admin/audit/verify", data=admin.form())
    assert page.status_code == 200
    alert = " ".join(Html(page.text).one("div", role="alert").text.split())
    assert f"Entry {seq} ({written}) was changed or removed" in alert, alert
    assert f"record {seq} was altered" in alert
    assert "Traceback" not in page.text


def test_verify_after_preferences_were_edited_in_the_database_says_whose(
    world: AppContext, rose: str
) -> None:
    with world.db.unit_of_work() as session:
        session.execute(text("UPDATE participants SET voicemail = 'none' WHERE id = :p"),
                        {"p": rose})
    with client_for(world) as client:
        admin = admin_in(world, client)
        page = client.post("/admin/audit/verify", data=admin.form())
    alert = " ".join(Html(page.text).one("div", role="alert").text.split())
    assert alert.startswith("The audit log is broken:"), alert
    assert f"participant {rose}: preferences changed outside SafeDial" in alert


def test_verify_without_the_form_token_is_refused(world: AppContext) -> None:
    with client_for(world) as client:
        admin_in(world, client)
        page = client.post("/admin/audit/verify", data={"csrf_token": "forged"})
    assert page.status_code == 403
    assert "intact" not in page.text


def test_verify_is_not_audited_as_the_command_line_verify_is_not(world: AppContext) -> None:
    with client_for(world) as client:
        admin = admin_in(world, client)
        before = world_entries(world)
        client.post("/admin/audit/verify", data=admin.form())
    assert world_entries(world) == before


def world_entries(world: AppContext) -> int:
    with world.db.unit_of_work() as session:
        return int(session.execute(text("SELECT count(*) FROM audit_log")).scalar_one())


# -- for every page ------------------------------------------------------------------------
PAGES = ["/admin/calls", "/admin/callbacks", "/admin/audit"]


@pytest.mark.parametrize("address", PAGES)
def test_an_advocate_gets_403_on_the_record_pages(world: AppContext, address: str) -> None:
    with client_for(world) as client:
        sign_in(world, client)
        assert client.get(address).status_code == 403


def test_an_advocate_cannot_verify_the_audit_log(world: AppContext) -> None:
    with client_for(world) as client:
        advocate = sign_in(world, client)
        assert client.post("/admin/audit/verify", data=advocate.form()).status_code == 403


@pytest.mark.parametrize("address", PAGES)
def test_no_number_appears_on_any_record_page(world: AppContext, rose: str,
                                              address: str) -> None:
    with client_for(world) as client:
        admin = admin_in(world, client)
        add_record(world, participant_id=rose, advocate_id=admin.advocate_id,
                   outcome=Outcome.ANSWERED, started_at=at_noon("2026-01-05"))
        for status in (CallbackStatus.PENDING, CallbackStatus.EXPIRED, CallbackStatus.MISSED):
            add_callback(world, participant_id=rose, advocate_id=admin.advocate_id,
                         status=status)
        page = client.get(address)
    assert page.status_code == 200
    assert "<tbody>" in page.text
    assert leaked(page.text, ADVOCATE, PARTICIPANT, "+12025550133") == []


def test_every_outcome_has_a_name_for_admins() -> None:
    for language in ("en", "fr"):
        names = outcome_names(translator(load_catalogues(LOCALES), language))
        assert set(names) == {outcome.value for outcome in Outcome}
