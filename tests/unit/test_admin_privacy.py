"""The admin's privacy proof page: each mode's lock and history in words, "Run now"
with live progress, and "Clear" refused until a pass followed the leak."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.callerid import CallerIdMode
from gateway.domain.selftest import CanaryReading
from gateway.storage.tables import AuditRow, SelftestResultRow
from gateway.web.pages.catalogue import translator
from gateway.web.pages.privacy_words import age_words
from gateway.web.pages.render import build_pages
from gateway.wiring import AppContext
from tests.support.canary import Canary, private_canary, run_selftest, selftest_with
from tests.support.numbers import AGENCY, CANARY, MASKED
from tests.support.pages import Html, client_for, sign_in
from tests.support.world import make_world

WITHHOLD, MASKED_MODE = CallerIdMode.WITHHOLD, CallerIdMode.MASKED


def leaking_canary() -> Canary:
    """A carrier that shows the asserted identity (the agency number) on a withheld call."""
    return Canary({
        WITHHOLD: CanaryReading(1, AGENCY, "", {"From": f"<sip:{AGENCY}@carrier.invalid>",
                                                "P-Asserted-Identity": f"<sip:{AGENCY}@x>"}),
        MASKED_MODE: private_canary().readings[MASKED_MODE],
    })


class SlowCanary(Canary):
    """A privacy-honouring canary whose test calls take a moment (progress to watch)."""

    def __init__(self) -> None:
        super().__init__(private_canary().readings)

    async def test_call(self, mode: CallerIdMode, *, call_id: str) -> CanaryReading:
        await asyncio.sleep(0.3)
        return await super().test_call(mode, call_id=call_id)


@pytest.fixture
def fresh_world(tmp_path: Path) -> Iterator[AppContext]:
    ctx = make_world(tmp_path)
    yield ctx
    ctx.close()


def use_canary(world: AppContext, canary: Canary) -> None:
    ours = selftest_with(world, canary)
    world.selftest = lambda: ours  # type: ignore[method-assign]


def text_of(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def results(world: AppContext) -> int:
    with world.db.unit_of_work() as session:
        return len(list(session.scalars(select(SelftestResultRow))))


def actions(world: AppContext) -> list[str]:
    with world.db.unit_of_work() as session:
        return [row.action for row in session.scalars(select(AuditRow))]


def test_the_history_shows_each_run_in_words_and_never_a_number(
    fresh_world: AppContext,
) -> None:
    asyncio.run(run_selftest(fresh_world, leaking_canary()))
    asyncio.run(run_selftest(fresh_world, private_canary()))
    with client_for(fresh_world) as client:
        sign_in(fresh_world, client, role="admin")
        page = client.get("/admin/privacy")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "The agency number was shown" in text, text
    assert "Failed" in text and "Passed" in text and "On demand" in text
    assert "Locked the self-test found the caller ID is not private" in text
    assert "A self-test passed since the failure" in text
    assert "The policy requires a passing self-test" in text
    for number in (AGENCY, MASKED, CANARY, AGENCY[2:], MASKED[2:]):
        assert number not in page.text


def test_a_new_install_shows_both_modes_locked_never_passed(fresh_world: AppContext) -> None:
    with client_for(fresh_world) as client:
        sign_in(fresh_world, client, role="admin")
        text = text_of(client.get("/admin/privacy").text)
    assert text.count("the self-test has never passed") >= 2, text
    assert "The self-test has never run in this mode." in text
    assert "Clear the lock" not in text


def test_run_now_starts_a_run_whose_page_reaches_each_modes_verdict(
    fresh_world: AppContext,
) -> None:
    use_canary(fresh_world, SlowCanary())
    with client_for(fresh_world) as client:
        admin = sign_in(fresh_world, client, role="admin")
        started = client.post("/admin/privacy/run", data=admin.form(mode="all"))
        assert started.status_code == 303
        address = started.headers["location"]
        assert re.fullmatch(r"/admin/privacy/runs/[0-9a-f-]{36}", address)
        running = client.get(address)
        region = Html(running.text).one("p", id="run-status")
        assert region.attrs["role"] == "status"
        assert region.attrs["data-live-source"] == f"{address}/events"
        assert "testing" in region.text
        assert 'href="' + address + '"' in running.text  # the no-JavaScript refresh
        texts = []
        with client.stream("GET", f"{address}/events") as events:
            assert events.headers["content-type"].startswith("text/event-stream")
            for line in events.iter_lines():
                if line.startswith("data: "):
                    texts.append(json.loads(line[6:]))
        done = client.get(address)
        page = client.get("/admin/privacy")
    assert texts[-1]["done"] is True
    assert "Withheld caller ID: Passed." in texts[-1]["text"]
    assert "Agency number (masked): Passed." in texts[-1]["text"]
    assert all(not update["done"] for update in texts[:-1])
    assert "data-live-source" not in done.text and "The self-test is over." in done.text
    assert "privacy-banner" not in page.text
    assert "selftest.requested" in actions(fresh_world)


def test_run_now_for_one_mode_tests_only_that_mode(fresh_world: AppContext) -> None:
    canary = private_canary()
    use_canary(fresh_world, canary)
    with client_for(fresh_world) as client:
        admin = sign_in(fresh_world, client, role="admin")
        started = client.post("/admin/privacy/run", data=admin.form(mode="masked"))
        with client.stream("GET", started.headers["location"] + "/events") as events:
            for _ in events.iter_lines():
                pass
    assert canary.calls == [MASKED_MODE]


def test_without_a_canary_run_now_is_refused_in_words_and_nothing_starts(
    fresh_world: AppContext,
) -> None:
    fresh_world.settings = fresh_world.settings.model_copy(update={"canary_number": None})
    with client_for(fresh_world) as client:
        admin = sign_in(fresh_world, client, role="admin")
        refused = client.post("/admin/privacy/run", data=admin.form(mode="all"))
    assert refused.status_code == 422
    assert "no test number is configured" in Html(refused.text).one(
        "div", role="alert").text
    assert results(fresh_world) == 0
    assert "selftest.requested" not in actions(fresh_world)


def test_an_unknown_mode_is_refused_and_nothing_starts(fresh_world: AppContext) -> None:
    use_canary(fresh_world, private_canary())
    with client_for(fresh_world) as client:
        admin = sign_in(fresh_world, client, role="admin")
        refused = client.post("/admin/privacy/run", data=admin.form(mode="everyone"))
        unclear = client.post("/admin/privacy/clear", data=admin.form(mode="loud"))
    assert refused.status_code == unclear.status_code == 422
    assert "Choose a mode to test" in refused.text
    assert "Choose a caller-ID mode to clear" in unclear.text
    assert results(fresh_world) == 0


def test_clear_is_refused_until_a_pass_followed_the_leak_then_the_banner_goes(
    fresh_world: AppContext,
) -> None:
    asyncio.run(run_selftest(fresh_world, private_canary()))
    asyncio.run(run_selftest(fresh_world, leaking_canary()))
    with client_for(fresh_world) as client:
        admin = sign_in(fresh_world, client, role="admin")
        page = client.get("/admin/privacy").text
        assert "No self-test has passed since the failure" in text_of(page)
        refused = client.post("/admin/privacy/clear", data=admin.form(mode="withhold"))
        assert refused.status_code == 409
        assert "stays locked" in Html(refused.text).one("div", role="alert").text
        assert "Withheld caller ID is locked" in text_of(refused.text)  # the banner
        assert "lock.cleared.withhold" not in actions(fresh_world)

        asyncio.run(run_selftest(fresh_world, private_canary()))
        assert "Withheld caller ID is locked" in text_of(client.get("/admin/privacy").text)
        cleared = client.post("/admin/privacy/clear", data=admin.form(mode="withhold"))
        assert cleared.status_code == 303
        after = client.get(cleared.headers["location"])
    assert "The lock on Withheld caller ID is cleared." in after.text
    assert "privacy-banner" not in after.text
    assert "lock.cleared.withhold" in actions(fresh_world)


def test_clearing_a_mode_with_no_failure_is_refused_and_changes_nothing(
    fresh_world: AppContext,
) -> None:
    with client_for(fresh_world) as client:
        admin = sign_in(fresh_world, client, role="admin")
        refused = client.post("/admin/privacy/clear", data=admin.form(mode="masked"))
    assert refused.status_code == 409
    assert "has no failure to clear" in refused.text
    assert not [a for a in actions(fresh_world) if a.startswith("lock.cleared")]


def test_an_advocate_gets_403_on_every_privacy_page(world: AppContext) -> None:
    use_canary(world, private_canary())
    before = results(world)
    with client_for(world) as client:
        advocate = sign_in(world, client)
        answers = [client.get("/admin/privacy"),
                   client.get("/admin/privacy/runs/00000000-0000-0000-0000-000000000000"),
                   client.post("/admin/privacy/run", data=advocate.form(mode="all")),
                   client.post("/admin/privacy/clear", data=advocate.form(mode="withhold"))]
    assert [answer.status_code for answer in answers] == [403] * 4
    assert results(world) == before


def test_a_form_without_the_csrf_token_changes_nothing(fresh_world: AppContext) -> None:
    use_canary(fresh_world, private_canary())
    asyncio.run(run_selftest(fresh_world, leaking_canary()))
    asyncio.run(run_selftest(fresh_world, private_canary()))
    before = results(fresh_world)
    with client_for(fresh_world) as client:
        sign_in(fresh_world, client, role="admin")
        run = client.post("/admin/privacy/run", data={"mode": "all"})
        clear = client.post("/admin/privacy/clear", data={"mode": "withhold"})
        still = text_of(client.get("/admin/privacy").text)
    assert run.status_code == clear.status_code == 403
    assert results(fresh_world) == before
    assert "Withheld caller ID is locked" in still
    assert not [a for a in actions(fresh_world)
                if a.startswith("lock.cleared") or a == "selftest.requested"]


def test_an_unknown_run_is_not_found(world: AppContext) -> None:
    with client_for(world) as client:
        sign_in(world, client, role="admin")
        page = client.get("/admin/privacy/runs/00000000-0000-0000-0000-000000000000")
        events = client.get("/admin/privacy/runs/00000000-0000-0000-0000-000000000000/events")
    assert page.status_code == events.status_code == 404


def test_ages_read_in_words_from_just_now_to_days() -> None:
    t = translator(build_pages().catalogues, "en")
    now = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    assert [age_words(t, now - age, now) for age in (
        timedelta(seconds=5), timedelta(minutes=42), timedelta(hours=30), timedelta(days=3)
    )] == ["just now", "42 minutes ago", "30 hours ago", "3 days ago"]
