"""The advocate's live status: a call's stage moves as the PBX reports it, watchers are
woken on each change without polling, and only the advocate it rang (or an admin) sees it."""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.calls.book import CallBook
from gateway.calls.models import CallReport, CallStage, Outcome, StageListener

CALL = "11111111-2222-4333-8444-555555555555"


async def scripted_call(on_stage: StageListener, go_on: asyncio.Event) -> CallReport:
    for stage in (CallStage.BRIEFING, CallStage.CALLING_PARTICIPANT, CallStage.CONNECTED):
        await go_on.wait()
        go_on.clear()
        on_stage(stage)
    await go_on.wait()
    return CallReport(CALL, Outcome.ANSWERED, None, True, True, 42.0)


async def test_a_watcher_sees_every_stage_once_in_order_then_the_outcome() -> None:
    book, go_on = CallBook(), asyncio.Event()
    book.run(CALL, lambda on_stage: scripted_call(on_stage, go_on), advocate_id="a_1")
    seen: list[dict[str, Any]] = []

    async def watch() -> None:
        async for state in book.changes(CALL, advocate_id="a_1"):
            seen.append(state)
            go_on.set()

    await asyncio.wait_for(watch(), timeout=5)

    assert [state["state"] for state in seen] == [
        "ringing-advocate", "briefing", "calling-participant", "connected", "ended"]
    assert seen[-1]["outcome"] == "answered"


async def test_another_advocate_watching_the_same_call_gets_nothing() -> None:
    book, hang_up = CallBook(), asyncio.Event()

    async def ringing(_on_stage: StageListener) -> CallReport:
        await hang_up.wait()
        return CallReport(CALL, Outcome.NO_ANSWER, None, True, False, 0.0)

    book.run(CALL, ringing, advocate_id="a_1")

    assert [state async for state in book.changes(CALL, advocate_id="a_2")] == []
    assert [state async for state in book.changes("no-such-call", advocate_id=None)] == []
    hang_up.set()
    await book.settle(timeout=5)


async def test_a_late_stage_report_never_reopens_an_ended_call() -> None:
    book = CallBook()
    kept: list[StageListener] = []

    async def quick(on_stage: StageListener) -> CallReport:
        kept.append(on_stage)
        return CallReport(CALL, Outcome.NO_ANSWER, None, True, False, 0.0)

    book.run(CALL, quick, advocate_id="a_1")
    await book.settle(timeout=5)
    kept[0](CallStage.CONNECTED)

    state = book.get(CALL, advocate_id=None)
    assert state is not None and (state["state"], state["outcome"]) == ("ended", "no-answer")
