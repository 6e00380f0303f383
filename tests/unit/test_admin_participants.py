"""The admin participant pages: add and edit every preference, the window check, the
phone never shown back, duplicates refused, defaults and who discussed them, assign,
and erase behind the typed id."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gateway.domain.safe_times import next_safe_times
from gateway.domain.windows import parse_window_specs
from gateway.people import caseload
from gateway.storage.tables import (
    AuditRow,
    CaseloadRow,
    ParticipantRow,
    PreferenceDiscussionRow,
)
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.support.pages import Html, Session, sign_in
from tests.support.world import add_advocate, add_participant

NEW_PHONE = "+12025550150"


@pytest.fixture
def client(world: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(world, run_scheduler=False), base_url="https://testserver",
                    follow_redirects=False) as made:
        yield made


@pytest.fixture
def admin(world: AppContext, client: TestClient) -> Session:
    return sign_in(world, client, role="admin", phone="+12025550133")


def participant_form(session: Session, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"alias": "Ivy", "phone": NEW_PHONE, "timezone": "Europe/Paris",
                            "win_days": ["mon-fri", "sat"], "win_from": ["09:00", "10:00"],
                            "win_to": ["12:00", "11:00"], "action": "save"}
    data.update(fields)
    return session.form(**data)


def count(world: AppContext, table: Any, **where: str) -> int:
    with world.db.unit_of_work() as session:
        query = select(func.count()).select_from(table)
        for name, value in where.items():
            query = query.where(getattr(table, name) == value)
        return session.scalar(query) or 0


def create(client: TestClient, admin: Session, **fields: Any) -> str:
    page = client.post("/admin/participants/new", data=participant_form(admin, **fields))
    assert page.status_code == 303, page.text
    return page.headers["location"].split("/")[-1].split("?")[0]


def test_an_advocate_gets_the_403_page_on_every_participant_admin_page(
        world: AppContext, client: TestClient) -> None:
    participant_id = add_participant(world)
    sign_in(world, client)
    for address in ("/admin/participants", "/admin/participants/new",
                    f"/admin/participants/{participant_id}",
                    f"/admin/participants/{participant_id}/erase"):
        assert client.get(address).status_code == 403, address


def test_the_check_shows_two_windows_on_both_clocks_and_the_next_three_safe_times(
        world: AppContext, client: TestClient, admin: Session) -> None:
    page = client.post("/admin/participants/new",
                       data=participant_form(admin, action="check"))
    assert page.status_code == 200
    html = Html(page.text)
    times = [e.text for e in html.find("li") if "(Europe/Paris), which is" in e.text]
    assert len(times) == 3, times
    assert all(world.policy.timezone in line for line in times)
    assert "Saturday 10:00 to 11:00 (Europe/Paris)" in html.text
    assert count(world, ParticipantRow) == 0, "a check saves nothing"


def test_the_phone_number_typed_is_never_shown_back(
        world: AppContext, client: TestClient, admin: Session) -> None:
    page = client.post("/admin/participants/new",
                       data=participant_form(admin, action="check", code_word="bluejay"))
    assert NEW_PHONE not in page.text and NEW_PHONE[-7:] not in page.text
    assert "bluejay" not in page.text
    assert "type them again" in page.text


def test_saving_creates_the_participant_and_the_edit_page_shows_only_the_last_two_digits(
        world: AppContext, client: TestClient, admin: Session) -> None:
    participant_id = create(client, admin)
    page = client.get(f"/admin/participants/{participant_id}")
    assert page.status_code == 200
    assert NEW_PHONE[-7:] not in page.text
    assert "ending in ..50" in page.text
    assert Html(page.text).one("input", id="phone").attrs["value"] == ""


def test_overlapping_windows_are_refused_with_the_reason_and_nothing_changes(
        world: AppContext, client: TestClient, admin: Session) -> None:
    page = client.post("/admin/participants/new", data=participant_form(
        admin, win_days=["mon-fri", "wed"], win_from=["09:00", "11:00"],
        win_to=["12:00", "13:00"]))
    assert page.status_code == 422
    assert "windows 'wed 09:00-12:00' and 'wed 11:00-13:00' overlap" in Html(page.text).text
    assert count(world, ParticipantRow) == 0


def test_overlapping_windows_on_edit_change_nothing(
        world: AppContext, client: TestClient, admin: Session) -> None:
    participant_id = create(client, admin)
    page = client.post(f"/admin/participants/{participant_id}", data=participant_form(
        admin, phone="", win_days=["mon", "mon"], win_from=["09:00", "10:00"],
        win_to=["12:00", "11:00"]))
    assert page.status_code == 422
    with world.db.unit_of_work() as session:
        row = session.get(ParticipantRow, participant_id)
        assert row is not None and row.windows == ["mon-fri 09:00-12:00", "sat 10:00-11:00"]


def test_a_duplicate_number_is_refused_with_the_id_it_belongs_to(
        world: AppContext, client: TestClient, admin: Session) -> None:
    first = create(client, admin)
    page = client.post("/admin/participants/new", data=participant_form(admin, alias="Other"))
    assert page.status_code == 409
    assert f"already on file for participant {first}" in page.text
    assert count(world, ParticipantRow) == 1


def test_bad_input_gets_a_clear_error_and_changes_nothing(
        world: AppContext, client: TestClient, admin: Session) -> None:
    page = client.post("/admin/participants/new",
                       data=participant_form(admin, timezone="Mars/Olympus"))
    assert page.status_code == 422
    assert "unknown time zone" in page.text
    assert count(world, ParticipantRow) == 0


def test_a_post_without_the_csrf_token_changes_nothing(
        world: AppContext, client: TestClient, admin: Session) -> None:
    data = participant_form(admin)
    del data["csrf_token"]
    assert client.post("/admin/participants/new", data=data).status_code == 403
    participant_id = add_participant(world)
    page = client.post(f"/admin/participants/{participant_id}/erase",
                       data={"confirm": participant_id})
    assert page.status_code == 403
    assert count(world, ParticipantRow) == 1


def test_a_preference_left_unset_is_marked_default_not_yet_discussed(
        world: AppContext, client: TestClient, admin: Session) -> None:
    participant_id = create(client, admin)
    page = client.get(f"/admin/participants/{participant_id}").text
    html = Html(page)
    voicemail = next(e for e in html.find("fieldset") if "Voicemail" in e.text)
    assert "default, not yet discussed" in voicemail.text
    listing = Html(client.get("/admin/participants").text).text
    assert "Voicemail" in listing and "Caller ID" in listing


def test_saving_a_preference_records_who_discussed_it_and_shows_it_on_the_card(
        world: AppContext, client: TestClient, admin: Session) -> None:
    participant_id = create(client, admin)
    page = client.post(f"/admin/participants/{participant_id}",
                       data=participant_form(admin, phone="", caller_id="masked"))
    assert page.status_code == 303
    with world.db.unit_of_work() as session:
        row = session.get(PreferenceDiscussionRow, (participant_id, "caller_id"))
        assert row is not None and row.discussed_by == admin.advocate_id
    today = datetime.now(UTC).date().isoformat()
    form_page = Html(client.get(f"/admin/participants/{participant_id}").text)
    caller = next(e for e in form_page.find("fieldset") if "Caller ID shown" in e.text)
    assert f"Discussed with Sam on {today}" in caller.text
    assert "default, not yet discussed" not in caller.text
    advocate = sign_in(world, client, phone="+12025550135")
    with world.db.unit_of_work() as session:
        caseload.assign(session, actor="test", participant_id=participant_id,
                        advocate_id=advocate.advocate_id)
    card = Html(client.get(f"/participants/{participant_id}").text).text
    assert f"Discussed with Sam on {today}" in card


def test_putting_a_preference_back_to_the_default_forgets_who_discussed_it(
        world: AppContext, client: TestClient, admin: Session) -> None:
    participant_id = create(client, admin, caller_id="masked")
    assert count(world, PreferenceDiscussionRow, preference="caller_id") == 1
    client.post(f"/admin/participants/{participant_id}",
                data=participant_form(admin, phone="", caller_id=""))
    assert count(world, PreferenceDiscussionRow, preference="caller_id") == 0


def test_add_more_rows_keeps_the_rows_typed_and_offers_blank_ones(
        world: AppContext, client: TestClient, admin: Session) -> None:
    page = client.post("/admin/participants/new",
                       data=participant_form(admin, action="rows"))
    days = Html(page.text).find("input", name="win_days")
    assert [e.attrs["value"] for e in days[:2]] == ["mon-fri", "sat"]
    assert len(days) >= 5
    assert count(world, ParticipantRow) == 0


def test_an_admin_assigns_and_unassigns_an_advocate_and_both_are_audited(
        world: AppContext, client: TestClient, admin: Session) -> None:
    participant_id = add_participant(world)
    advocate_id = add_advocate(world, phone="+12025550136")
    page = client.post(f"/admin/participants/{participant_id}/assign",
                       data=admin.form(advocate_id=advocate_id))
    assert page.status_code == 303
    assert count(world, CaseloadRow, participant_id=participant_id) == 1
    client.post(f"/admin/participants/{participant_id}/unassign",
                data=admin.form(advocate_id=advocate_id))
    assert count(world, CaseloadRow, participant_id=participant_id) == 0
    with world.db.unit_of_work() as session:
        actions = session.scalars(select(AuditRow.action).where(
            AuditRow.participant == participant_id, AuditRow.actor == admin.advocate_id)).all()
    assert {"participant.assigned", "participant.unassigned"} <= set(actions)


def test_erase_refuses_a_wrong_confirmation_and_changes_nothing(
        world: AppContext, client: TestClient, admin: Session) -> None:
    participant_id = add_participant(world)
    page = client.post(f"/admin/participants/{participant_id}/erase",
                       data=admin.form(confirm="ERASE"))
    assert page.status_code == 422
    assert count(world, ParticipantRow, id=participant_id) == 1


def test_erase_with_the_typed_id_leaves_only_the_audit_entry(
        world: AppContext, client: TestClient, admin: Session) -> None:
    participant_id = create(client, admin, caller_id="masked")
    advocate_id = add_advocate(world, phone="+12025550136")
    client.post(f"/admin/participants/{participant_id}/assign",
                data=admin.form(advocate_id=advocate_id))
    assert "type the participant" in client.get(
        f"/admin/participants/{participant_id}/erase").text
    page = client.post(f"/admin/participants/{participant_id}/erase",
                       data=admin.form(confirm=participant_id))
    assert page.status_code == 303
    for table in (ParticipantRow, CaseloadRow, PreferenceDiscussionRow):
        key = "id" if table is ParticipantRow else "participant_id"
        assert count(world, table, **{key: participant_id}) == 0, table
    assert count(world, AuditRow, participant=participant_id, action="participant.erased") == 1


def test_next_safe_times_are_the_starts_of_the_next_open_runs_after_a_pause() -> None:
    windows = parse_window_specs(["mon-fri 09:00-12:00", "sat 22:00-02:00"])
    paris = ZoneInfo("Europe/Paris")
    friday = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
    assert [f"{t:%a %H:%M}" for t in next_safe_times(windows, paris, friday)] == [
        "Fri 11:00", "Sat 22:00", "Mon 09:00"]
    paused = next_safe_times(windows, paris, friday, pause_until=date(2026, 3, 10))
    assert [f"{t:%d %H:%M}" for t in paused] == ["10 09:00", "11 09:00", "12 09:00"]
    always = parse_window_specs(["mon-sun 00:00-24:00"])
    assert len(next_safe_times(always, paris, friday)) == 1
    assert next_safe_times((), paris, friday) == []


def test_the_list_names_each_participants_advocates(
        world: AppContext, client: TestClient, admin: Session) -> None:
    first, second = create(client, admin), create(client, admin, alias="Lily",
                                                  phone="+12025550170")
    robin = add_advocate(world, phone="+12025550136", name="Robin")
    kim = add_advocate(world, phone="+12025550137", name="Kim")
    for participant_id, advocate_id in ((first, robin), (first, kim), (second, kim)):
        client.post(f"/admin/participants/{participant_id}/assign",
                    data=admin.form(advocate_id=advocate_id))
    page = Html(client.get("/admin/participants").text)
    lines = [" ".join(tr.text.split()) for tr in page.find("tr")]
    assert any(first in line and "Robin" in line and "Kim" in line for line in lines), lines
    assert any(second in line and "Kim" in line and "Robin" not in line for line in lines), lines
