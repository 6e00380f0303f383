"""The accounts pages: add (a one-time password shown once), edit, deactivate and
reactivate, reset a password, revoke a token; advocates refused, forms CSRF-checked,
bad input changing nothing, every change audited by its subject."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gateway.audit import service as audit
from gateway.people import access
from gateway.storage.tables import AdvocateRow
from gateway.web.pages.session import COOKIE
from gateway.web_auth import accounts
from gateway.web_auth.sessions import open_sessions, session_for
from gateway.wiring import AppContext
from tests.support.pages import Html, Session, client_for, open_web_session, sign_in, words
from tests.support.world import add_advocate

PHONE = "+12025550177"


@pytest.fixture
def admin_client(world: AppContext) -> Iterator[tuple[TestClient, Session]]:
    with client_for(world) as client:
        yield client, sign_in(world, client, role="admin", timezone="Europe/Paris")


def new_form(admin: Session, **fields: str) -> dict[str, str]:
    values = {"name": "Robin", "username": "robin", "role": "advocate", "phone": PHONE,
              "timezone": "America/Toronto", "working_hours": "mon-fri 09:00-17:00",
              "language": "fr"}
    return admin.form(**(values | fields))


def one_time_password(page: str) -> str:
    return Html(page).one("code", class_="one-time-password").text.strip()


def account_count(world: AppContext) -> int:
    with world.db.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(AdvocateRow)) or 0)


def row_of(world: AppContext, advocate_id: str) -> AdvocateRow:
    with world.db.unit_of_work() as session:
        row = session.get(AdvocateRow, advocate_id)
        assert row is not None
        session.expunge(row)
        return row


def trail(world: AppContext) -> list[tuple[str, str, tuple[str, ...]]]:
    with world.db.unit_of_work() as session:
        return [(entry.actor, entry.action, entry.fields) for entry in audit.records(session)]


def with_username(world: AppContext, advocate_id: str) -> str:
    """An account that can sign in (a username; a session opened for it); its secret."""
    with world.db.unit_of_work() as session:
        accounts.set_username(session, actor="test", advocate_id=advocate_id,
                              username=f"u-{advocate_id[2:]}", now=datetime.now(UTC))
    return open_web_session(world, advocate_id)


def issue(world: AppContext, advocate_id: str) -> access.IssuedToken:
    with world.db.unit_of_work() as session:
        return access.create_token(session, actor="test", advocate_id=advocate_id)


def api_status(client: TestClient, token: str) -> int:
    return client.get("/api/participants", headers={"Authorization": f"Bearer {token}"}
                      ).status_code


def still_signed_in(world: AppContext, secret: str) -> bool:
    with world.db.unit_of_work() as session:
        return session_for(session, secret=secret, policy=world.policy,
                           now=datetime.now(UTC)) is not None


def row_cells(page: str, marker: str) -> list[str]:
    """The words of each cell of the table row holding ``marker``."""
    (row,) = [tr for tr in page.split("<tr>") if marker in tr]
    return [words(cell.text) for cell in Html(row.split("</tr>")[0]).elements
            if cell.tag in ("th", "td")]


# --- the list ------------------------------------------------------------------------


def test_the_list_shows_role_state_zone_hours_last_sign_in_and_active_tokens(
    world: AppContext, admin_client: tuple[TestClient, Session]
) -> None:
    client, _ = admin_client
    advocate_id = add_advocate(world, phone=PHONE, timezone="America/Toronto",
                               working_hours=["mon-fri 09:00-17:00"])
    issue(world, advocate_id)
    with world.db.unit_of_work() as session:
        row = session.get(AdvocateRow, advocate_id)
        assert row is not None
        row.last_sign_in_at = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    page = client.get("/admin/accounts")
    assert page.status_code == 200
    html = Html(page.text)
    cells = row_cells(page.text, f'href="/admin/accounts/{advocate_id}"')
    text = " ".join(cells)
    assert "Advocate" in text and "Active" in text and "America/Toronto" in text
    assert "Monday 09:00 to 17:00" in text
    # On the admin's clock (Paris: UTC+1 on 9 March), in words.
    assert "Monday 2026-03-09, 09:00 (Europe/Paris)" in text
    assert cells[-1] == "1"
    assert "never" in html.text  # the admin's own account has never signed in by form
    assert PHONE not in page.text and PHONE[-4:] not in page.text


# --- adding --------------------------------------------------------------------------


def test_a_new_account_s_one_time_password_is_shown_once_and_signs_in(
    world: AppContext, admin_client: tuple[TestClient, Session]
) -> None:
    client, admin = admin_client
    page = client.post("/admin/accounts/new", data=new_form(admin))
    assert page.status_code == 200
    password = one_time_password(page.text)
    assert len(password) >= 12
    assert "ending in 77" in Html(page.text).text
    assert PHONE not in page.text and PHONE[1:] not in page.text
    assert page.headers["cache-control"] == "no-store"
    (advocate_id,) = [r for r in (row.id for row in [*_rows(world)]) if r != admin.advocate_id]
    row = row_of(world, advocate_id)
    assert (row.display_name, row.username, row.role, row.language, row.timezone,
            row.working_hours) == ("Robin", "robin", "advocate", "fr", "America/Toronto",
                                   ["mon-fri 09:00-17:00"])
    assert row.password_hash is not None and password not in row.password_hash
    # Never again: not on the account page, the list or any address.
    for address in ("/admin/accounts", f"/admin/accounts/{advocate_id}"):
        assert password not in client.get(address).text
    assert password not in str(page.url)
    # It works for the first sign-in, which must then choose a password.
    with client_for(world) as theirs:
        token = re.search(r'name="csrf_token" value="([^"]*)"', theirs.get("/").text)
        assert token is not None
        signed = theirs.post("/sign-in", data={"username": "robin", "password": password,
                                               "csrf_token": token.group(1)})
        assert signed.status_code == 303
        assert signed.headers["location"] == "/change-password"
    actions = [(action, fields[0]) for actor, action, fields in trail(world)
               if actor == admin.advocate_id]
    assert ("advocate.created", f"advocate={advocate_id}") in actions
    assert ("advocate.password-reset", f"advocate={advocate_id}") in actions


def _rows(world: AppContext) -> list[AdvocateRow]:
    with world.db.unit_of_work() as session:
        rows = list(session.scalars(select(AdvocateRow)))
        for row in rows:
            session.expunge(row)
        return rows


@pytest.mark.parametrize(("field", "value", "words"), [
    ("phone", "not a number", "phone"),
    ("timezone", "Mars/Olympus", "unknown time zone"),
    ("working_hours", "someday 25:00-26:00", "working_hours"),
    ("username", "x", "a username is 3 to 32"),
    ("role", "owner", "choose advocate or admin"),
    ("name", "   ", "name"),
])
def test_a_bad_new_account_is_refused_with_the_reason_and_nothing_is_added(
    world: AppContext, admin_client: tuple[TestClient, Session], field: str, value: str,
    words: str,
) -> None:
    client, admin = admin_client
    before = (account_count(world), len(trail(world)))
    page = client.post("/admin/accounts/new", data=new_form(admin, **{field: value}))
    assert page.status_code == 422
    alert = Html(page.text).one("div", role="alert").text
    assert "Nothing was changed" in alert and words in alert
    assert (account_count(world), len(trail(world))) == before
    assert 'name="phone" type="tel" value=""' in page.text  # the number is never echoed
    assert "one-time-password" not in page.text


def test_a_taken_username_is_refused_and_leaves_no_account_behind(
    world: AppContext, admin_client: tuple[TestClient, Session]
) -> None:
    client, admin = admin_client
    assert client.post("/admin/accounts/new", data=new_form(admin)).status_code == 200
    before = (account_count(world), len(trail(world)))
    page = client.post("/admin/accounts/new", data=new_form(admin, name="Other"))
    assert page.status_code == 409
    assert "that username is taken" in Html(page.text).one("div", role="alert").text
    assert (account_count(world), len(trail(world))) == before


# --- the account page ----------------------------------------------------------------


def test_the_account_page_saves_name_language_zone_and_hours_audited_by_subject(
    world: AppContext, admin_client: tuple[TestClient, Session]
) -> None:
    client, admin = admin_client
    advocate_id = add_advocate(world, phone=PHONE)
    page = client.get(f"/admin/accounts/{advocate_id}")
    assert page.status_code == 200
    assert "ending in 77" in Html(page.text).text and PHONE not in page.text
    saved = client.post(f"/admin/accounts/{advocate_id}", data=admin.form(
        name="Sam B", language="fr", timezone="Europe/Paris",
        working_hours="mon-fri 09:00-12:00\nsat 10:00-11:00", username="samb"))
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/admin/accounts/{advocate_id}?done=saved"
    row = row_of(world, advocate_id)
    assert (row.display_name, row.language, row.timezone, row.working_hours, row.username) == (
        "Sam B", "fr", "Europe/Paris", ["mon-fri 09:00-12:00", "sat 10:00-11:00"], "samb")
    entries = [fields for actor, action, fields in trail(world)
               if actor == admin.advocate_id and action == "advocate.updated"]
    assert [f"advocate={advocate_id}", "language", "name"] in [list(e) for e in entries]
    assert [f"advocate={advocate_id}", "timezone", "working_hours"] in [list(e) for e in entries]
    assert [f"advocate={advocate_id}", "username"] in [list(e) for e in entries]
    notice = Html(client.get(saved.headers["location"]).text).one("div", role="status")
    assert "Changes saved" in notice.text


def test_saving_the_same_details_again_changes_and_audits_nothing(
    world: AppContext, admin_client: tuple[TestClient, Session]
) -> None:
    client, admin = admin_client
    advocate_id = add_advocate(world, phone=PHONE, timezone="Europe/Paris")
    before = len(trail(world))
    row = row_of(world, advocate_id)
    assert client.post(f"/admin/accounts/{advocate_id}", data=admin.form(
        name=row.display_name, language=row.language, timezone="Europe/Paris",
        working_hours="", username="")).status_code == 303
    assert len(trail(world)) == before


def test_bad_details_are_refused_with_the_reason_and_change_nothing(
    world: AppContext, admin_client: tuple[TestClient, Session]
) -> None:
    client, admin = admin_client
    advocate_id = add_advocate(world, phone=PHONE)
    before = (row_of(world, advocate_id).display_name, len(trail(world)))
    page = client.post(f"/admin/accounts/{advocate_id}", data=admin.form(
        name="New name", language="en", timezone="",
        working_hours="mon-fri 09:00-17:00\nmon 10:00-11:00", username=""))
    assert page.status_code == 422
    assert "Nothing was changed" in Html(page.text).one("div", role="alert").text
    assert "New name" in page.text  # what was typed stays in the form
    assert (row_of(world, advocate_id).display_name, len(trail(world))) == before


def test_an_unknown_account_is_the_not_found_page(
    admin_client: tuple[TestClient, Session]
) -> None:
    client, admin = admin_client
    assert client.get("/admin/accounts/a_000000000000").status_code == 404
    assert client.post("/admin/accounts/a_000000000000/deactivate",
                       data=admin.form()).status_code == 404


# --- stopping and restoring ----------------------------------------------------------


def test_deactivating_ends_their_sessions_and_tokens_at_once_and_is_audited(
    world: AppContext, admin_client: tuple[TestClient, Session]
) -> None:
    client, admin = admin_client
    advocate_id = add_advocate(world, phone=PHONE)
    secret = with_username(world, advocate_id)
    token = issue(world, advocate_id)
    assert still_signed_in(world, secret) and api_status(client, token.secret) == 200
    done = client.post(f"/admin/accounts/{advocate_id}/deactivate", data=admin.form())
    assert done.status_code == 303
    assert not still_signed_in(world, secret)
    with world.db.unit_of_work() as session:
        assert open_sessions(session, advocate_id=advocate_id) == 0
    assert api_status(client, token.secret) == 401
    assert not row_of(world, advocate_id).active
    (entry,) = [fields for actor, action, fields in trail(world)
                if actor == admin.advocate_id and action == "advocate.deactivated"]
    assert entry[0] == f"advocate={advocate_id}" and "tokens=1" in entry and \
        "sessions=1" in entry
    # Their browser lands on the sign-in page, told why.
    with client_for(world) as theirs:
        theirs.cookies.set(COOKIE, secret)
        assert theirs.get("/participants").headers["location"] == "/"
        assert "You were signed out" in theirs.get("/").text
    page = Html(client.get(done.headers["location"]).text)
    assert "Deactivated" in page.text and "Reactivate" in page.text


def test_reactivating_lets_them_act_again_but_old_tokens_stay_revoked(
    world: AppContext, admin_client: tuple[TestClient, Session]
) -> None:
    client, admin = admin_client
    advocate_id = add_advocate(world, phone=PHONE)
    token = issue(world, advocate_id)
    client.post(f"/admin/accounts/{advocate_id}/deactivate", data=admin.form())
    done = client.post(f"/admin/accounts/{advocate_id}/reactivate", data=admin.form())
    assert done.status_code == 303 and row_of(world, advocate_id).active
    assert api_status(client, token.secret) == 401
    assert ("advocate.reactivated", (f"advocate={advocate_id}",)) in [
        (action, fields) for actor, action, fields in trail(world) if actor == admin.advocate_id]


def test_an_admin_cannot_deactivate_their_own_account(
    world: AppContext, admin_client: tuple[TestClient, Session]
) -> None:
    client, admin = admin_client
    before = len(trail(world))
    page = client.post(f"/admin/accounts/{admin.advocate_id}/deactivate", data=admin.form())
    assert page.status_code == 409
    assert "cannot deactivate your own account" in Html(page.text).one("div", role="alert").text
    assert row_of(world, admin.advocate_id).active and len(trail(world)) == before
    own = Html(client.get(f"/admin/accounts/{admin.advocate_id}").text)
    assert not [b for b in own.find("button") if "Deactivate" in b.text]


# --- passwords and tokens ------------------------------------------------------------


def test_a_reset_shows_a_new_one_time_password_once_and_ends_their_sessions(
    world: AppContext, admin_client: tuple[TestClient, Session]
) -> None:
    client, admin = admin_client
    advocate_id = add_advocate(world, phone=PHONE)
    secret = with_username(world, advocate_id)
    page = client.post(f"/admin/accounts/{advocate_id}/reset-password", data=admin.form())
    assert page.status_code == 200
    password = one_time_password(page.text)
    assert not still_signed_in(world, secret)
    assert row_of(world, advocate_id).password_one_time
    assert password not in client.get(f"/admin/accounts/{advocate_id}").text
    assert ("advocate.password-reset", f"advocate={advocate_id}") in [
        (action, fields[0]) for actor, action, fields in trail(world)
        if actor == admin.advocate_id]


def test_an_admin_cannot_reset_their_own_password_here(
    world: AppContext, admin_client: tuple[TestClient, Session]
) -> None:
    client, admin = admin_client
    page = client.post(f"/admin/accounts/{admin.advocate_id}/reset-password",
                       data=admin.form())
    assert page.status_code == 409
    assert still_signed_in(world, admin.secret)


def test_a_revoked_token_is_refused_by_the_api_and_the_others_still_work(
    world: AppContext, admin_client: tuple[TestClient, Session]
) -> None:
    client, admin = admin_client
    advocate_id = add_advocate(world, phone=PHONE)
    leaked, kept = issue(world, advocate_id), issue(world, advocate_id)
    page = Html(client.get(f"/admin/accounts/{advocate_id}").text)
    assert page.one("button", **{"aria-label": f"Revoke token {leaked.id}"})
    done = client.post(f"/admin/accounts/{advocate_id}/tokens/{leaked.id}/revoke",
                       data=admin.form())
    assert done.status_code == 303
    assert api_status(client, leaked.secret) == 401
    assert api_status(client, kept.secret) == 200
    assert ("advocate.token-revoked", (f"advocate={advocate_id}", f"token={leaked.id}")) in [
        (action, fields) for actor, action, fields in trail(world) if actor == admin.advocate_id]


def test_another_account_s_token_cannot_be_revoked_from_this_account_s_page(
    world: AppContext, admin_client: tuple[TestClient, Session]
) -> None:
    client, admin = admin_client
    one, other = add_advocate(world, phone=PHONE), add_advocate(world, phone="+12025550178")
    theirs = issue(world, other)
    answer = client.post(f"/admin/accounts/{one}/tokens/{theirs.id}/revoke", data=admin.form())
    assert answer.status_code == 404
    assert api_status(client, theirs.secret) == 200


# --- who may ---------------------------------------------------------------------------


def test_an_advocate_gets_403_on_every_accounts_page_and_changes_nothing(
    world: AppContext
) -> None:
    target = add_advocate(world, phone=PHONE)
    token = issue(world, target)
    with client_for(world) as client:
        advocate = sign_in(world, client)
        for address in ("/admin/accounts", "/admin/accounts/new", f"/admin/accounts/{target}"):
            assert client.get(address).status_code == 403, address
        before = (account_count(world), len(trail(world)))
        for address in ("/admin/accounts/new", f"/admin/accounts/{target}",
                        f"/admin/accounts/{target}/deactivate",
                        f"/admin/accounts/{target}/reset-password",
                        f"/admin/accounts/{target}/tokens/{token.id}/revoke"):
            answer = client.post(address, data=new_form(advocate))
            assert answer.status_code == 403, address
        assert (account_count(world), len(trail(world))) == before
        assert row_of(world, target).active


def test_a_form_without_this_session_s_csrf_token_changes_nothing(
    world: AppContext, admin_client: tuple[TestClient, Session]
) -> None:
    client, admin = admin_client
    target = add_advocate(world, phone=PHONE)
    token = issue(world, target)
    before = (account_count(world), len(trail(world)))
    for address, data in (
        ("/admin/accounts/new", {**new_form(admin), "csrf_token": ""}),
        (f"/admin/accounts/{target}/deactivate", {}),
        (f"/admin/accounts/{target}/reset-password", {"csrf_token": "forged"}),
        (f"/admin/accounts/{target}/tokens/{token.id}/revoke", {}),
        (f"/admin/accounts/{target}", {"name": "Changed", "language": "en"}),
    ):
        assert client.post(address, data=data).status_code == 403, address
    assert (account_count(world), len(trail(world))) == before
    assert row_of(world, target).active and api_status(client, token.secret) == 200


def test_an_issued_api_token_is_shown_once_works_and_is_listed_without_its_secret(
    world: AppContext, admin_client: tuple[TestClient, Session]
) -> None:
    client, admin = admin_client
    advocate_id = add_advocate(world, phone=PHONE)
    answer = client.post(f"/admin/accounts/{advocate_id}/tokens", data=admin.form())
    assert answer.status_code == 200
    secret = Html(answer.text).one("code", class_="one-time-password").text.strip()
    assert api_status(client, secret) == 200
    later = client.get(f"/admin/accounts/{advocate_id}").text
    assert secret not in later
    (listed,) = Html(later).find("button", class_="danger", type="submit")[-1:]
    assert listed.attrs["aria-label"].startswith("Revoke token ")
    assert any(actor == admin.advocate_id and action == "advocate.token-issued"
               for actor, action, _ in trail(world))


def test_a_deactivated_account_gets_no_new_token(
    world: AppContext, admin_client: tuple[TestClient, Session]
) -> None:
    client, admin = admin_client
    advocate_id = add_advocate(world, phone=PHONE)
    client.post(f"/admin/accounts/{advocate_id}/deactivate", data=admin.form())
    answer = client.post(f"/admin/accounts/{advocate_id}/tokens", data=admin.form())
    assert answer.status_code == 422
    assert "reactivate it before issuing a token" in Html(answer.text).text
    with world.db.unit_of_work() as session:
        assert access.list_tokens(session, advocate_id=advocate_id) == []
