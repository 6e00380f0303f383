"""Live status streams stay open through silence, and say nothing the page would read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from gateway.web.pages.event_stream import KEEP_ALIVE, event, with_keep_alive


async def spaced(*gaps: float) -> AsyncIterator[str]:
    for number, gap in enumerate(gaps):
        await asyncio.sleep(gap)
        yield event(f"step {number}", done=number == len(gaps) - 1)


async def collect(events: AsyncIterator[str]) -> list[str]:
    return [item async for item in events]


def test_events_that_come_quickly_pass_through_as_they_are() -> None:
    got = asyncio.run(collect(with_keep_alive(spaced(0, 0.01), every=1.0)))
    assert got == [event("step 0", done=False), event("step 1", done=True)]


def test_a_silence_longer_than_the_interval_is_filled_with_a_comment() -> None:
    got = asyncio.run(collect(with_keep_alive(spaced(0, 0.35), every=0.1)))
    assert got[0] == event("step 0", done=False) and got[-1] == event("step 1", done=True)
    fillers = got[1:-1]
    assert fillers and set(fillers) == {KEEP_ALIVE}
    assert KEEP_ALIVE.startswith(":"), "a comment line: EventSource ignores it"


def test_an_event_is_the_json_the_pages_script_reads() -> None:
    line = event("Connected", done=False)
    assert line.startswith("data: ") and line.endswith("\n\n")
    assert json.loads(line.removeprefix("data: ")) == {"text": "Connected", "done": False}


def test_a_stream_closed_early_stops_waiting_for_the_next_event() -> None:
    async def scenario() -> bool:
        source = spaced(0, 60)
        stream = with_keep_alive(source, every=0.05)
        assert await anext(stream) == event("step 0", done=False)
        assert await anext(stream) == KEEP_ALIVE
        await stream.aclose()  # the browser went away
        return True

    assert asyncio.run(asyncio.wait_for(scenario(), timeout=5))
