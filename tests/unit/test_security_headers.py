"""Every response carries the security headers, and streamed answers stay streamed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.types import Message

from gateway.web.app import create_app
from gateway.web.security import CONTENT_SECURITY_POLICY, SecurityHeaders
from tests.support.world import make_world

EXPECTED = {
    "cache-control": "no-store",
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    world = make_world(tmp_path)
    app = create_app(world, run_scheduler=False)

    @app.get("/api/test-bug")
    def bug() -> None:
        raise RuntimeError("a bug")

    @app.get("/api/test-cached")
    def cached() -> PlainTextResponse:
        return PlainTextResponse("x", headers={"Cache-Control": "max-age=3600",
                                               "Referrer-Policy": "unsafe-url"})

    yield app
    world.close()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def assert_secured(response: Response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get_list(name) == [value], (name, response.request.url)


def test_the_csp_allows_nothing_but_this_server_and_no_framing() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_json_answers_refusals_and_unknown_addresses_carry_the_headers(
    client: TestClient,
) -> None:
    assert_secured(client.get("/api/health"))
    assert_secured(client.get("/api/participants"))  # 401
    assert_secured(client.get("/no/such/page"))  # 404
    assert_secured(client.delete("/api/health"))  # 405
    assert_secured(client.post("/api/participants", content=b"x" * (65 * 1024)))  # 413


def test_a_bug_answers_500_with_the_headers_too(client: TestClient) -> None:
    response = client.get("/api/test-bug")
    assert response.status_code == 500
    assert_secured(response)


def test_a_route_cannot_weaken_the_headers(client: TestClient) -> None:
    response = client.get("/api/test-cached")
    assert_secured(response)


async def test_a_streamed_answer_is_passed_on_chunk_by_chunk() -> None:
    """The first event reaches the client before the second is even produced."""
    first_sent = asyncio.Event()

    async def events() -> AsyncIterator[bytes]:
        yield b"data: one\n\n"
        await asyncio.wait_for(first_sent.wait(), timeout=5)
        yield b"data: two\n\n"

    inner = StreamingResponse(events(), media_type="text/event-stream")
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)
        if message.get("body") == b"data: one\n\n":
            first_sent.set()

    async def receive() -> Message:
        await asyncio.sleep(10)
        return {"type": "http.disconnect"}

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [],
             "asgi": {"version": "3.0", "spec_version": "2.4"}}
    await SecurityHeaders(inner)(scope, receive, send)
    start = sent[0]
    headers = {name.decode(): value.decode() for name, value in start["headers"]}
    assert headers["content-type"].startswith("text/event-stream")
    assert {name: headers[name] for name in EXPECTED} == EXPECTED
    bodies = [m["body"] for m in sent[1:] if m.get("body")]
    assert bodies == [b"data: one\n\n", b"data: two\n\n"]
