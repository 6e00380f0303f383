"""A dropped AMI connection never places a call twice, and never hangs the caller.

The peer here is a scripted TCP endpoint, not Asterisk: these tests claim only
what the adapter does with its connection (the real calls are integration tests).
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from gateway.ami.client import AmiCallControl
from gateway.callerid import CallerIdMode
from gateway.calls.models import DialRequest
from gateway.errors import PbxUnavailable
from gateway.phone import PhoneNumber
from tests.support.numbers import ADVOCATE, GATEWAY, PARTICIPANT

BANNER = b"Asterisk Call Manager/5.0.4\r\n"


class ScriptedAmi:
    """Accepts logins; drops the connection when the first Originate arrives."""

    def __init__(self, accept_login: bool = True) -> None:
        self.accept_login = accept_login
        self.actions: list[tuple[int, str]] = []  # (connection number, action name)
        self.connections = 0
        self.server: asyncio.base_events.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        writer.write(BANNER)
        buffer = b""
        try:
            while True:
                chunk = await reader.read(4096)
                if not chunk:
                    break
                buffer += chunk
                while b"\r\n\r\n" in buffer:
                    block, buffer = buffer.split(b"\r\n\r\n", 1)
                    headers = dict(
                        line.split(": ", 1) for line in block.decode().split("\r\n") if ": " in line
                    )
                    name = headers.get("Action", "")
                    self.actions.append((number, name))
                    action_id = headers.get("ActionID", "")
                    if name == "Login":
                        status = "Success" if self.accept_login else "Error"
                        writer.write(
                            f"Response: {status}\r\nActionID: {action_id}\r\n"
                            "Message: Authentication\r\n\r\n".encode()
                        )
                        # Asterisk announces readiness; panoramisk re-sends pending actions then.
                        writer.write(b"Event: FullyBooted\r\nPrivilege: system,all\r\n\r\n")
                    elif name == "Originate" and number == 1:
                        writer.close()
                        return
                    else:
                        writer.write(f"Response: Success\r\nActionID: {action_id}\r\n\r\n".encode())
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()


def control(port: int) -> AmiCallControl:
    return AmiCallControl("127.0.0.1", port, "safedial", "x" * 20, GATEWAY)


def dial() -> DialRequest:
    return DialRequest(PhoneNumber(ADVOCATE), PhoneNumber(PARTICIPANT), CallerIdMode.WITHHOLD, 5)


async def test_a_connection_lost_while_originating_fails_the_call_and_never_resends_it() -> None:
    ami = ScriptedAmi()
    port = await ami.start()
    calls = control(port)
    await calls.connect()
    try:
        with pytest.raises(PbxUnavailable, match="dropped"):
            await asyncio.wait_for(calls.place_call(dial()), timeout=5)
        for _ in range(50):  # panoramisk reconnects after about a second
            await asyncio.sleep(0.1)
            if (2, "Login") in ami.actions:
                break
        await asyncio.sleep(0.3)
    finally:
        calls.close()
        await ami.stop()

    assert (2, "Login") in ami.actions, "the adapter should have reconnected"
    assert [action for action in ami.actions if action[1] == "Originate"] == [(1, "Originate")]


async def test_an_unreachable_ami_is_reported_as_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(PbxUnavailable, match="cannot reach"):
        await control(port).connect(timeout=2)


async def test_a_refused_login_is_reported_as_unavailable() -> None:
    ami = ScriptedAmi(accept_login=False)
    port = await ami.start()
    try:
        with pytest.raises(PbxUnavailable, match="refused the AMI login"):
            await control(port).connect(timeout=2)
    finally:
        await ami.stop()
