"""The gateway hands its second decision to the dialplan as Setvar, then Redirect.

The peer is a scripted AMI endpoint, not Asterisk: it answers the Originate with
the dialplan's SafeDialAdvocateAnswered event and ends the call once the
decision arrives (or would have timed out). These tests claim only what the
adapter sends; the real dialplan is run in tests/integration/test_second_decision.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from gateway.ami import client
from gateway.ami.client import AmiCallControl
from gateway.callerid import CallerIdMode
from gateway.calls.models import CallReport, DialRequest
from gateway.errors import PbxUnavailable
from gateway.pbx import dialvars
from gateway.phone import PhoneNumber
from tests.support.numbers import ADVOCATE, GATEWAY, PARTICIPANT

BANNER = b"Asterisk Call Manager/5.0.4\r\n"
CHANNEL = "PJSIP/trunk-00000001"
DECIDED = {
    "Channel": CHANNEL,
    "Context": dialvars.CALL_CONTEXT,
    "Exten": dialvars.DECIDED_EXTENSION,
    "Priority": dialvars.DECIDED_PRIORITY,
}


def _block(**headers: str) -> bytes:
    return ("".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n").encode()


class ScriptedDialplan:
    """Plays the advocate's channel: answers, waits for the decision, ends the call.

    ``refuse`` names actions it answers with an error; ``drop_on`` an action at
    which it closes the first connection without answering.
    """

    def __init__(self, refuse: tuple[str, ...] = (), drop_on: str = "") -> None:
        self.refuse = refuse
        self.drop_on = drop_on
        self.actions: list[tuple[int, dict[str, str]]] = []  # (connection, headers)
        self.connections = 0
        self.server: asyncio.Server | None = None
        self._call_id = ""
        self._go = ""
        self._serving: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        if self._serving:  # let each connection see the client's close
            await asyncio.wait(self._serving, timeout=2)

    def sent(self, connection: int = 1) -> list[dict[str, str]]:
        """The decision's actions the gateway sent on one connection, in order."""
        return [headers for number, headers in self.actions
                if number == connection and headers["Action"] in ("Setvar", "Redirect")]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        task = asyncio.current_task()
        if task is not None:
            self._serving.add(task)
        writer.write(BANNER)
        buffer = b""
        try:
            while chunk := await reader.read(4096):
                buffer += chunk
                while b"\r\n\r\n" in buffer:
                    raw, buffer = buffer.split(b"\r\n\r\n", 1)
                    headers = dict(line.split(": ", 1) for line in raw.decode().split("\r\n")
                                   if ": " in line)
                    self.actions.append((number, headers))
                    if number == 1 and headers["Action"] == self.drop_on:
                        return
                    writer.write(self._answer(headers))
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    def _answer(self, action: dict[str, str]) -> bytes:
        name, action_id = action["Action"], action.get("ActionID", "")
        reply = _block(Response="Success", ActionID=action_id)
        if name in self.refuse:
            reply = _block(Response="Error", ActionID=action_id, Message="No such channel")
        if name == "Login":
            return reply + _block(Event="FullyBooted", Privilege="system,all")
        if name == "Originate":
            self._call_id = action["ChannelId"]
            return (_block(Response="Success", ActionID=action_id,
                           Message="Originate successfully queued")
                    + self._user_event(dialvars.EVENT_ADVOCATE_ANSWERED)
                    + _block(Event="OriginateResponse", ActionID=action_id, Response="Success",
                             Channel=CHANNEL, Reason="4", Uniqueid=self._call_id))
        if name == "Setvar" and name not in self.refuse:
            self._go = action["Value"]
        if name == "Redirect":  # redirected, or (refused) the wait ran out
            return reply + self._ended(redirected=name not in self.refuse)
        return reply

    def _ended(self, redirected: bool) -> bytes:
        """The dialplan's report: what `decided` (or the end of the wait) would do."""
        refusal = "" if self._go == "yes" else "policy-refused-at-dial"
        if not redirected:
            refusal = "not-confirmed"
        return self._user_event(dialvars.EVENT_CALL_ENDED, Refusal=refusal,
                                DialStatus="ANSWER" if not refusal else "",
                                AnsweredTime="3" if not refusal else "", HangupSource="advocate")

    def _user_event(self, name: str, **headers: str) -> bytes:
        return _block(Event="UserEvent", Privilege="user,all", Channel=CHANNEL,
                      Uniqueid=self._call_id, Linkedid=self._call_id, UserEvent=name,
                      CallId=self._call_id, **headers)


def dial() -> DialRequest:
    return DialRequest(PhoneNumber(ADVOCATE), PhoneNumber(PARTICIPANT), CallerIdMode.WITHHOLD, 5,
                       detect_machine=False)


async def place(peer: ScriptedDialplan, confirm: Callable[[], Awaitable[bool]] | None,
                timeout: float = 5) -> CallReport:
    port = await peer.start()
    calls = AmiCallControl("127.0.0.1", port, "safedial", "x" * 20, GATEWAY)
    await calls.connect()
    try:
        return await asyncio.wait_for(calls.place_call(dial(), confirm), timeout)
    finally:
        calls.close()
        await peer.stop()


def answer(value: bool) -> Callable[[], Awaitable[bool]]:
    async def confirm() -> bool:
        return value
    return confirm


@pytest.mark.parametrize(("decision", "go"), [(True, "yes"), (False, "no")])
async def test_the_decision_is_set_then_the_waiting_channel_is_redirected_to_decided(
    decision: bool, go: str
) -> None:
    peer = ScriptedDialplan()
    report = await place(peer, answer(decision))

    setvar, redirect = peer.sent()
    assert {k: setvar[k] for k in ("Channel", "Variable", "Value")} == {
        "Channel": CHANNEL, "Variable": dialvars.VAR_GO, "Value": go}
    assert {k: redirect.get(k) for k in DECIDED} == DECIDED
    assert "ExtraChannel" not in redirect, "only the advocate's channel moves"
    assert report.refusal == (None if decision else "policy-refused-at-dial")


async def test_an_error_in_the_second_decision_is_delivered_as_no() -> None:
    async def broken() -> bool:
        raise RuntimeError("the database is gone")

    peer = ScriptedDialplan()
    await place(peer, broken)

    assert [(a["Action"], a.get("Value")) for a in peer.sent()] == [
        ("Setvar", "no"), ("Redirect", None)]


async def test_a_decision_that_takes_too_long_is_delivered_as_no(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(client, "DECISION_TIMEOUT_S", 0.05)

    async def slow() -> bool:
        await asyncio.sleep(1)
        return True

    peer = ScriptedDialplan()
    await place(peer, slow)

    assert [a.get("Value") for a in peer.sent() if a["Action"] == "Setvar"] == ["no"]


async def test_without_a_recheck_the_call_is_confirmed_as_requested() -> None:
    peer = ScriptedDialplan()
    await place(peer, None)

    assert [(a["Action"], a.get("Value")) for a in peer.sent()] == [
        ("Setvar", "yes"), ("Redirect", None)]


async def test_a_refused_setvar_sends_no_redirect(monkeypatch: pytest.MonkeyPatch) -> None:
    peer = ScriptedDialplan(refuse=("Setvar",))
    port = await peer.start()
    calls = AmiCallControl("127.0.0.1", port, "safedial", "x" * 20, GATEWAY)
    await calls.connect()
    try:
        placing = asyncio.ensure_future(calls.place_call(dial(), answer(True)))
        for _ in range(100):
            await asyncio.sleep(0.02)
            if peer.sent():
                break
        await asyncio.sleep(0.2)  # time for a Redirect, were one coming
        placing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await placing
    finally:
        calls.close()
        await peer.stop()

    assert [a["Action"] for a in peer.sent()] == ["Setvar"]


async def test_a_refused_redirect_is_logged_and_the_call_still_reports(
    caplog: pytest.LogCaptureFixture,
) -> None:
    peer = ScriptedDialplan(refuse=("Redirect",))
    report = await place(peer, answer(True))

    assert [a["Action"] for a in peer.sent()] == ["Setvar", "Redirect"], "no retry"
    assert any("refused Redirect" in r.getMessage() for r in caplog.records)
    assert report.refusal == "not-confirmed"


async def test_the_decision_is_never_sent_again_after_a_reconnect() -> None:
    peer = ScriptedDialplan(drop_on="Redirect")
    with pytest.raises(PbxUnavailable):
        await place_then_wait_for_reconnect(peer)

    assert [a["Action"] for a in peer.sent(1)] == ["Setvar", "Redirect"]
    assert peer.connections >= 2, "the adapter should have reconnected"
    assert peer.sent(2) == [], "a late Redirect could pull the channel out of its Dial"


async def place_then_wait_for_reconnect(peer: ScriptedDialplan) -> None:
    port = await peer.start()
    calls = AmiCallControl("127.0.0.1", port, "safedial", "x" * 20, GATEWAY)
    await calls.connect()
    try:
        await asyncio.wait_for(calls.place_call(dial(), answer(True)), 5)
    finally:
        for _ in range(50):  # panoramisk reconnects after about a second
            await asyncio.sleep(0.1)
            if any(n == 2 and a["Action"] == "Login" for n, a in peer.actions):
                break
        await asyncio.sleep(0.3)
        calls.close()
        await peer.stop()
