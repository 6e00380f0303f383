"""Placing a call from the card and following it: refused is the card again (409) with
nothing placed; allowed is a 303 to the call's page, whose status region follows the
call through server-sent events to the outcome in words, for the advocate it rang only.
And the advocate's own pending call-backs, with cancel.

The call control is a scripted fake (the real call is in the integration tier,
``tests/integration/test_advocate_web_call.py``); gate, call book, database and audit
are real.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from gateway.audit import service as audit
from gateway.callbacks.planning import CallbackPlan
from gateway.calls import records
from gateway.calls.models import CallReport, CallStage, DialRequest, Outcome, StageListener
from gateway.pbx.process import render
from gateway.web.app import create_app
from gateway.web.pages.session import COOKIE
from gateway.wiring import AppContext
from tests.support.numbers import ADVOCATE, PARTICIPANT, leaked
from tests.support.pages import ALWAYS, Html, Session, never_now, sign_in, words
from tests.support.world import SCOPED_POLICY, add_participant

STAGES = (CallStage.BRIEFING, CallStage.CALLING_PARTICIPANT, CallStage.LEAVING_VOICEMAIL)
SEEN = ["Calling you", "Briefing", "Calling the participant", "Leaving a voicemail",
        "Ended: Voicemail left."]


class HeldPhone:
    """A call control whose calls wait for ``go`` before each stage, then end with
    ``outcome``: the test decides when the call moves."""

    def __init__(self, outcome: Outcome = Outcome.VOICEMAIL_LEFT) -> None:
        self.outcome = outcome
        self.placed: list[str] = []
        self.go = threading.Event()

    async def place_call(self, request: DialRequest,
                         confirm: Callable[[], Awaitable[bool]] | None = None,
                         call_id: str | None = None, drop_threshold_s: float = 30.0, *,
                         on_stage: StageListener | None = None) -> CallReport:
        self.placed.append(call_id or "")
        for stage in STAGES:
            if not await asyncio.to_thread(self.go.wait, 10):
                raise TimeoutError("the test never let the call move on")
            await asyncio.sleep(0.05)
            if on_stage is not None:
                on_stage(stage)
        return CallReport(call_id or "", self.outcome, None, True, True, 0.0)

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[HeldPhone]:
        yield self


@pytest.fixture
def phone(world: AppContext) -> HeldPhone:
    held = HeldPhone()
    world.call_control = held.connect  # type: ignore[method-assign]
    return held


@pytest.fixture
def client(world: AppContext, phone: HeldPhone) -> Iterator[TestClient]:
    render(world.settings, world.policy)
    with TestClient(create_app(world, run_scheduler=False), base_url="https://testserver",
                    follow_redirects=False) as test_client:
        yield test_client
        phone.go.set()  # let any call still held end before the app stops


def call(client: TestClient, me: Session, participant_id: str) -> str:
    """Press Call; returns the call's page address."""
    response = client.post(f"/participants/{participant_id}/call", data=me.form())
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def status_of(html: str) -> str:
    return words(Html(html).one("p", role="status").text)


def test_a_refused_call_is_the_card_again_with_the_reason_and_nothing_placed(
    world: AppContext, client: TestClient, phone: HeldPhone,
) -> None:
    participant_id = add_participant(world, windows=never_now())
    me = sign_in(world, client)

    response = client.post(f"/participants/{participant_id}/call", data=me.form())

    assert response.status_code == 409
    page = Html(response.text)
    assert "The call was not placed" in page.one("div", role="alert").text
    assert "disabled" in page.button("Call").attrs
    assert "next safe time" in page.text
    assert phone.placed == []
    assert [r["outcome"] for r in records.list_records(world.db)] == ["refused"]


def test_a_call_without_the_sessions_form_token_places_nothing(
    world: AppContext, client: TestClient, phone: HeldPhone,
) -> None:
    participant_id = add_participant(world, windows=ALWAYS)
    sign_in(world, client)
    response = client.post(f"/participants/{participant_id}/call", data={"csrf_token": "x"})
    assert response.status_code == 403
    assert phone.placed == [] and records.list_records(world.db) == []


def test_an_allowed_call_follows_every_stage_to_the_outcome_in_words(
    world: AppContext, client: TestClient, phone: HeldPhone,
) -> None:
    participant_id = add_participant(world, windows=ALWAYS)
    me = sign_in(world, client)
    address = call(client, me, participant_id)
    assert address.startswith("/calls/")
    call_id = address.removeprefix("/calls/")

    page = Html(client.get(address).text)
    region = page.one("p", role="status")
    assert words(region.text) == "Calling you"
    assert region.attrs["data-live-source"] == f"{address}/events"
    assert page.one("a", href=address).text == "Refresh"

    seen: list[str] = []
    with client.stream("GET", f"{address}/events") as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        for line in events.iter_lines():
            if line.startswith("data: "):
                update = json.loads(line.removeprefix("data: "))
                seen.append(update["text"])
                phone.go.set()  # the first event arrived: let the call move on
                if update["done"]:
                    break
    assert seen == SEEN
    assert phone.placed == [call_id]

    ended = client.get(address).text
    assert status_of(ended) == "Ended: Voicemail left."
    assert "data-live-source" not in ended and ">Refresh<" not in ended
    assert Html(ended).find("a", href=f"/participants/{participant_id}")
    assert leaked(ended, ADVOCATE, PARTICIPANT) == []


def test_another_advocate_gets_not_found_for_the_call_and_its_events(
    world: AppContext, client: TestClient, phone: HeldPhone,
) -> None:
    participant_id = add_participant(world, windows=ALWAYS)
    me = sign_in(world, client)
    address = call(client, me, participant_id)
    colleague = sign_in(world, client, phone="+12025550112")

    page = client.get(address)
    events = client.get(f"{address}/events")
    unknown = client.get(f"/calls/{uuid.uuid4()}")

    assert page.status_code == events.status_code == unknown.status_code == 404
    assert Html(page.text).one("h1").text == Html(unknown.text).one("h1").text
    assert colleague.advocate_id != me.advocate_id
    client.cookies.set(COOKIE, me.secret)
    assert client.get(address).status_code == 200


def test_signed_out_a_calls_page_and_events_send_the_browser_to_sign_in(
    client: TestClient,
) -> None:
    for path in (f"/calls/{uuid.uuid4()}", f"/calls/{uuid.uuid4()}/events"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/"


# -- call-backs ------------------------------------------------------------------------

def pending_callback(world: AppContext, participant_id: str, advocate_id: str,
                     in_hours: int = 2) -> str:
    run_at = datetime.now(UTC) + timedelta(hours=in_hours)
    plan = CallbackPlan(attempt=1, max_attempts=3, not_before=run_at, run_at=run_at)
    return world.callbacks().create(plan=plan, participant_id=participant_id,
                                    advocate_id=advocate_id, origin_call_id=str(uuid.uuid4()),
                                    now=datetime.now(UTC))


def test_the_advocate_sees_their_own_pending_call_backs_on_their_clock(
    world: AppContext, client: TestClient,
) -> None:
    rose = add_participant(world, windows=ALWAYS, alias="Rose")
    me = sign_in(world, client, timezone="Europe/Paris")
    colleague = sign_in(world, client, phone="+12025550112")
    client.cookies.set(COOKIE, me.secret)
    mine = pending_callback(world, rose, me.advocate_id)
    pending_callback(world, rose, colleague.advocate_id)

    page = Html(client.get("/callbacks").text)

    (item,) = page.find("li", class_="callback")
    assert words(item.text).startswith("Rose")
    assert "(Europe/Paris)" in item.text and "Attempt 1 of 3" in item.text
    assert page.one("form", action=f"/callbacks/{mine}/cancel")
    assert page.one("a", href="/callbacks").attrs["aria-current"] == "page"


def test_cancelling_a_call_back_ends_it_audited_and_says_so(
    world: AppContext, client: TestClient,
) -> None:
    rose = add_participant(world, windows=ALWAYS)
    me = sign_in(world, client)
    callback_id = pending_callback(world, rose, me.advocate_id)

    response = client.post(f"/callbacks/{callback_id}/cancel", data=me.form())

    assert response.status_code == 303
    assert response.headers["location"] == "/callbacks?cancelled=1"
    after = Html(client.get(response.headers["location"]).text)
    assert "The call-back was cancelled." in after.one("div", role="status").text
    assert "No call-backs are pending." in after.text
    (ended,) = world.callbacks().list(pending_only=False)
    assert ended["status"] == "cancelled"
    with world.db.unit_of_work() as session:
        assert "callback.cancelled" in [e.action for e in audit.records(session, rose)]


def test_a_call_back_cancelled_from_the_card_returns_to_the_card(
    world: AppContext, client: TestClient,
) -> None:
    rose = add_participant(world, windows=ALWAYS)
    me = sign_in(world, client)
    callback_id = pending_callback(world, rose, me.advocate_id)
    card = Html(client.get(f"/participants/{rose}").text)
    assert card.one("form", action=f"/callbacks/{callback_id}/cancel")
    assert card.button("Cancel call-back")

    response = client.post(f"/callbacks/{callback_id}/cancel",
                           data=me.form(participant_id=rose))

    assert response.headers["location"] == f"/participants/{rose}?cancelled=1"
    again = Html(client.get(response.headers["location"]).text)
    assert "cancelled" in again.one("div", role="status").text
    assert "None pending." in again.text


@pytest.mark.parametrize("back", ["https://elsewhere.example/", "//elsewhere", "../admin"])
def test_the_way_back_after_cancelling_is_never_a_free_address(
    world: AppContext, client: TestClient, back: str,
) -> None:
    rose = add_participant(world, windows=ALWAYS)
    me = sign_in(world, client)
    callback_id = pending_callback(world, rose, me.advocate_id)
    response = client.post(f"/callbacks/{callback_id}/cancel",
                           data=me.form(participant_id=back))
    assert response.headers["location"] == "/callbacks?cancelled=1"


def test_another_advocates_call_back_cannot_be_cancelled(
    world: AppContext, client: TestClient,
) -> None:
    rose = add_participant(world, windows=ALWAYS)
    owner = sign_in(world, client)
    callback_id = pending_callback(world, rose, owner.advocate_id)
    other = sign_in(world, client, phone="+12025550112")

    response = client.post(f"/callbacks/{callback_id}/cancel", data=other.form())

    assert response.status_code == 404
    assert [c["status"] for c in world.callbacks().list()] == ["pending"]


def test_the_call_book_remembers_whom_a_call_is_to_for_its_advocate_only() -> None:
    from gateway.calls.book import CallBook

    async def scenario() -> tuple[str | None, str | None, str | None]:
        book = CallBook()

        async def quick(_on_stage: StageListener) -> CallReport:
            return CallReport("c", Outcome.NO_ANSWER, None, True, False, 0.0)

        book.run("c", quick, advocate_id="a_1", participant_id="p_1")
        await book.settle(timeout=5)
        return (book.participant_of("c", advocate_id="a_1"),
                book.participant_of("c", advocate_id="a_2"),
                book.participant_of("c", advocate_id=None))

    assert asyncio.run(scenario()) == ("p_1", None, "p_1")


def test_a_failed_call_ends_with_words_an_advocate_can_act_on(
    world: AppContext, client: TestClient, phone: HeldPhone,
) -> None:
    phone.outcome = Outcome.FAILED
    phone.go.set()
    participant_id = add_participant(world, windows=ALWAYS)
    me = sign_in(world, client)
    address = call(client, me, participant_id)
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    text = status_of(client.get(address).text)
    while not text.startswith("Ended") and datetime.now(UTC) < deadline:
        text = status_of(client.get(address).text)
    assert text == "Ended: The call could not be completed. Ask an admin to check the system."



def test_under_scoping_calling_an_unassigned_participant_is_not_found_and_places_nothing(
    world: AppContext, client: TestClient, phone: HeldPhone,
) -> None:
    world.policy = SCOPED_POLICY
    theirs = add_participant(world, windows=ALWAYS)
    me = sign_in(world, client)

    response = client.post(f"/participants/{theirs}/call", data=me.form())

    assert response.status_code == 404
    assert phone.placed == [] and records.list_records(world.db) == []
