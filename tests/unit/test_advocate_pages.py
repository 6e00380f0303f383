"""The advocates' pages: search by alias (a POST), the participant card (may I call now,
what was agreed, the code-word check), under caseload scoping, with no phone number,
code word or cover reason text anywhere on a page.

The browser tier (``tests/browser/test_advocate_pages.py``) drives the same pages in
Chromium; the call itself is in ``test_call_pages.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from gateway.audit import service as audit
from gateway.pbx.process import render
from gateway.people import caseload
from gateway.storage.tables import ParticipantRow
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.support.numbers import ADVOCATE, PARTICIPANT, leaked
from tests.support.pages import ALWAYS, Html, Session, never_now, sign_in, words
from tests.support.world import SCOPED_POLICY, add_participant, make_world

COVER = "I am calling about the library book you reserved"


@pytest.fixture
def client(world: AppContext) -> Iterator[TestClient]:
    render(world.settings, world.policy)  # the leak guard checks a real rendered config
    # https: the session cookie is Secure, and a client keeps it only for a secure origin.
    with TestClient(create_app(world, run_scheduler=False), base_url="https://testserver",
                    follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def scoped(world: AppContext) -> AppContext:
    world.policy = SCOPED_POLICY
    return world


def assign(world: AppContext, participant_id: str, advocate_id: str) -> None:
    with world.db.unit_of_work() as session:
        caseload.assign(session, actor="test", participant_id=participant_id,
                        advocate_id=advocate_id)


def nothing_secret_in(html: str) -> None:
    assert leaked(html, PARTICIPANT, ADVOCATE) == []
    assert "bluebird" not in html.lower()
    assert COVER not in html


# -- search ----------------------------------------------------------------------------

def test_signed_out_the_search_sends_the_browser_to_sign_in(client: TestClient) -> None:
    response = client.get("/participants")
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_the_search_is_a_post_form_labelled_search_participants(
    world: AppContext, client: TestClient,
) -> None:
    me = sign_in(world, client)
    page = Html(client.get("/participants").text)
    (form,) = page.find("form", action="/participants")
    assert form.attrs["method"] == "post"
    field = page.labelled("Search participants")
    assert (field.attrs["name"], field.attrs["autocomplete"]) == ("alias", "off")
    assert {i.attrs["value"] for i in page.find("input", name="csrf_token")} == {me.csrf}
    assert page.one("a", href="/participants").attrs["aria-current"] == "page"


def test_a_search_lists_only_the_caseload_linking_by_pseudonymous_id(
    scoped: AppContext, client: TestClient,
) -> None:
    mine = add_participant(scoped, alias="Rose")
    add_participant(scoped, alias="Rosemary")  # on file, but not this advocate's
    me = sign_in(scoped, client)
    assign(scoped, mine, me.advocate_id)

    response = client.post("/participants", data=me.form(alias="ros"))

    assert response.status_code == 200
    page = Html(response.text)
    links = [(a.attrs["href"], words(a.text)) for a in page.find("a")
             if a.attrs["href"].startswith("/participants/")]
    assert links == [(f"/participants/{mine}", "Rose")]
    assert "Rosemary" not in response.text
    assert page.labelled("Search participants").attrs["value"] == "ros"
    nothing_secret_in(response.text)


def test_an_empty_search_asks_for_an_alias(world: AppContext, client: TestClient) -> None:
    add_participant(world)
    me = sign_in(world, client)
    response = client.post("/participants", data=me.form(alias="  "))
    assert response.status_code == 422
    assert "Type all or part of an alias" in Html(response.text).one("div", role="alert").text
    assert "Rose" not in response.text


def test_a_search_without_the_sessions_form_token_is_refused(
    world: AppContext, client: TestClient,
) -> None:
    add_participant(world)
    sign_in(world, client)
    response = client.post("/participants", data={"alias": "Rose"})
    assert response.status_code == 403
    assert "Rose" not in response.text


# -- the card --------------------------------------------------------------------------

def test_outside_the_window_call_is_disabled_with_the_reason_and_the_next_safe_time(
    world: AppContext, client: TestClient,
) -> None:
    participant_id = add_participant(world, windows=never_now())
    sign_in(world, client, timezone="Europe/Paris")

    response = client.get(f"/participants/{participant_id}")

    assert response.status_code == 200
    page = Html(response.text)
    call = page.button("Call")
    assert "disabled" in call.attrs
    reasons = page.one("div", id=call.attrs["aria-describedby"])
    assert "It is outside their safe-call windows." in words(reasons.text)
    assert "next safe time" in words(reasons.text)
    assert "Their time: " in reasons.text and "(America/Toronto)" in reasons.text
    assert "Your time: " in reasons.text and "(Europe/Paris)" in reasons.text
    assert "It is not safe to call now." in page.text


def test_inside_the_window_call_is_a_post_form_that_is_enabled(
    world: AppContext, client: TestClient,
) -> None:
    participant_id = add_participant(world, windows=ALWAYS)
    me = sign_in(world, client)
    page = Html(client.get(f"/participants/{participant_id}").text)
    call = page.button("Call")
    assert "disabled" not in call.attrs
    (form,) = page.find("form", action=f"/participants/{participant_id}/call")
    assert form.attrs["method"] == "post"
    assert me.csrf in [i.attrs["value"] for i in page.find("input", name="csrf_token")]
    assert "It is safe to call now." in page.text
    assert "next safe time" not in page.text


def test_a_locked_caller_id_mode_disables_call_with_the_lock_as_the_reason(
    tmp_path: Path,
) -> None:
    fresh = make_world(tmp_path)  # no self-test has passed yet: every mode is locked
    render(fresh.settings, fresh.policy)
    participant_id = add_participant(fresh, windows=ALWAYS)
    with TestClient(create_app(fresh, run_scheduler=False), base_url="https://testserver",
                    follow_redirects=False) as client:
        sign_in(fresh, client)
        page = Html(client.get(f"/participants/{participant_id}").text)
    fresh.close()

    assert "disabled" in page.button("Call").attrs
    assert 'Caller ID "withheld" is locked by the privacy self-test' in page.text
    assert "The next safe time is as soon as the reason above is dealt with." in page.text


def test_the_rules_say_which_are_defaults_not_yet_discussed(
    world: AppContext, client: TestClient,
) -> None:
    participant_id = add_participant(world, windows=["mon-fri 09:00-17:00"],
                                     on_drop="callback", callback_delay_min=20,
                                     callback_attempts=2, cover_reason=COVER)
    sign_in(world, client)
    page = Html(client.get(f"/participants/{participant_id}").text)
    rules = {words(dt.text): words(dd.text)
             for dt, dd in zip(page.find("dt"), page.find("dd"), strict=True)}

    assert rules["Voicemail"].endswith("(default, not yet discussed)")
    assert rules["Caller ID"].startswith("Withheld: no number is shown. "
                                         "(default, not yet discussed)")
    assert rules["If the call drops"] == ("Call back after 20 minutes, up to 2 times; your "
                                          "phone rings first. Recorded with the safedial "
                                          f"command on {datetime.now(UTC).date()}")
    assert rules["Safe-call windows (their time, America/Toronto)"].startswith(
        "Monday 09:00 to 17:00")
    assert rules["Cover reason"].startswith("One is on file")


def test_the_card_shows_no_number_code_word_or_cover_reason(
    world: AppContext, client: TestClient,
) -> None:
    participant_id = add_participant(world, windows=ALWAYS, cover_reason=COVER)
    sign_in(world, client)
    nothing_secret_in(client.get(f"/participants/{participant_id}").text)


def test_under_scoping_an_unassigned_participants_card_is_not_found(
    scoped: AppContext, client: TestClient,
) -> None:
    theirs = add_participant(scoped, windows=ALWAYS)
    sign_in(scoped, client)

    response = client.get(f"/participants/{theirs}")
    unknown = client.get("/participants/p_000000000000")

    assert response.status_code == unknown.status_code == 404
    assert "Rose" not in response.text
    assert Html(response.text).one("h1").text == Html(unknown.text).one("h1").text


def test_viewing_the_card_is_audited_as_a_preview_with_the_reasons(
    world: AppContext, client: TestClient,
) -> None:
    participant_id = add_participant(world, windows=never_now())
    me = sign_in(world, client)
    client.get(f"/participants/{participant_id}")
    with world.db.unit_of_work() as session:
        entries = [(e.actor, e.action, e.fields) for e in audit.records(session, participant_id)
                   if e.action.startswith("call.")]
    assert entries == [(me.advocate_id, "call.preview.refused", ("outside_window",))]


# -- the code-word check ---------------------------------------------------------------

def check(client: TestClient, me: Session, participant_id: str, spoken: str
          ) -> tuple[int, str]:
    response = client.post(f"/participants/{participant_id}/code-word",
                           data=me.form(spoken=spoken))
    return response.status_code, response.text


@pytest.mark.parametrize(("spoken", "role", "answer"), [
    ("Bluebird ", "status", "Match: this is the code word on file."),
    ("robin", "alert", "No match: this is not the code word on file."),
])
def test_the_code_word_check_answers_match_or_no_match_and_never_shows_a_word(
    world: AppContext, client: TestClient, spoken: str, role: str, answer: str,
) -> None:
    participant_id = add_participant(world)
    me = sign_in(world, client)

    status, html = check(client, me, participant_id, spoken)

    assert status == 200
    page = Html(html)
    notices = [words(div.text) for div in page.find("div", role=role)]
    assert any(text.startswith(answer) for text in notices), notices
    assert "value" not in page.labelled("What the participant said").attrs
    assert spoken.strip().lower() not in html.lower()  # neither what was typed nor the word
    nothing_secret_in(html)


def test_the_code_word_check_is_throttled_and_audited_without_the_word(
    world: AppContext, client: TestClient,
) -> None:
    participant_id = add_participant(world)
    me = sign_in(world, client)
    limit = world.policy.web.code_word_attempts
    for _ in range(limit):
        assert check(client, me, participant_id, "robin")[0] == 200

    throttled = client.post(f"/participants/{participant_id}/code-word",
                            data=me.form(spoken="bluebird"))

    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0
    assert "checked too many times" in Html(throttled.text).one("div", role="alert").text
    assert "Match:" not in throttled.text
    with world.db.unit_of_work() as session:
        actions = [e.action for e in audit.records(session, participant_id)]
        fields = [f for e in audit.records(session, participant_id) for f in e.fields]
    assert actions.count("participant.code-word-checked") == limit
    assert "participant.code-word-throttled" in actions
    assert not [f for f in fields if "robin" in f or "bluebird" in f]


def test_a_code_word_check_without_the_form_token_is_refused_and_not_counted(
    world: AppContext, client: TestClient,
) -> None:
    participant_id = add_participant(world)
    sign_in(world, client)
    response = client.post(f"/participants/{participant_id}/code-word",
                           data={"spoken": "bluebird"})
    assert response.status_code == 403
    with world.db.unit_of_work() as session:
        assert [e for e in audit.records(session, participant_id)
                if e.action == "participant.code-word-checked"] == []


def test_an_old_code_word_brings_a_rotation_reminder(world: AppContext,
                                                     client: TestClient) -> None:
    participant_id = add_participant(world)
    sign_in(world, client)
    days = world.policy.code_word_rotation_days
    fresh = Html(client.get(f"/participants/{participant_id}").text).text
    with world.db.unit_of_work() as session:
        session.execute(update(ParticipantRow).where(ParticipantRow.id == participant_id)
                        .values(code_word_rotated=date(2020, 1, 1)))
    old = Html(client.get(f"/participants/{participant_id}").text).text

    reminder = f"Reminder: this code word is older than {days} days."
    assert reminder not in fresh
    assert reminder in old


def test_without_a_code_word_on_file_there_is_nothing_to_check(
    world: AppContext, client: TestClient,
) -> None:
    participant_id = add_participant(world, code_word=None)
    sign_in(world, client)
    page = Html(client.get(f"/participants/{participant_id}").text)
    assert "No code word is on file for this participant." in page.text
    assert page.find("form", action=f"/participants/{participant_id}/code-word") == []


def test_the_card_is_in_the_accounts_language(world: AppContext, client: TestClient) -> None:
    participant_id = add_participant(world, windows=never_now())
    sign_in(world, client, language="fr")
    page = Html(client.get(f"/participants/{participant_id}").text)
    assert page.one("html").attrs["lang"] == "fr"
    assert "disabled" in page.button("Appeler").attrs
    assert "Le prochain moment sûr pour appeler :" in page.text
