"""The gateway's AMI login receives only UserEvent and OriginateResponse, whatever callers send.

Channel events (Newchannel, DialBegin, ...) carry numbers. A filter written as
a regular expression over the whole event would let one through when a caller
puts the filter's text into their own display name; the filter must look at
the event's name only.
"""

from __future__ import annotations

import socket
import subprocess
import threading
from pathlib import Path

from gateway.lab.scenario import build_caller_scenario
from gateway.pbx.render import ami_secret
from tests.integration.conftest import TRUNK_HOST, Pbx, free_port
from tests.support.numbers import MASKED, number_forms

CALLER = "+12025550134"
ALLOWED = {"UserEvent", "OriginateResponse"}


class AmiListener:
    """Logs in as the gateway does and records every event it is sent."""

    def __init__(self, pbx: Pbx) -> None:
        self.sock = socket.create_connection(("127.0.0.1", pbx.settings.ami_port), timeout=5)
        secret = ami_secret(pbx.settings, pbx.layout)
        self.sock.sendall(
            f"Action: Login\r\nUsername: {pbx.settings.ami_user}\r\nSecret: {secret}\r\n"
            "Events: on\r\n\r\n".encode()
        )
        self.data = b""
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        self.sock.settimeout(0.2)
        while not self.done.is_set():
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                break
            self.data += chunk

    def stop(self) -> str:
        self.done.set()
        self.thread.join(timeout=5)
        self.sock.close()
        return self.data.decode(errors="replace")


def events(text: str) -> list[str]:
    return [line.split(":", 1)[1].strip() for line in text.splitlines()
            if line.startswith("Event:")]


def test_a_caller_naming_themselves_like_an_event_gets_no_channel_event_through(
    pbx: Pbx, tmp_path: Path
) -> None:
    scenario = tmp_path / "caller.xml"
    text = build_caller_scenario(CALLER, MASKED)
    scenario.write_text(text.replace("From: <sip:", 'From: "Event: UserEvent" <sip:'))
    listener = AmiListener(pbx)
    command = [
        "sipp", f"127.0.0.1:{pbx.settings.sip_port}", "-sf", str(scenario),
        "-i", TRUNK_HOST, "-p", str(free_port(TRUNK_HOST)),
        "-mi", TRUNK_HOST, "-mp", str(free_port(TRUNK_HOST)),
        "-m", "1", "-nostdin", "-timeout", "30s", "-timeout_error",
    ]  # fmt: skip
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=60, check=False)
    received = listener.stop()

    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    assert "Response: Success" in received, "the listener must be logged in as the gateway"
    assert set(events(received)) <= ALLOWED, events(received)
    assert not any(form in received for form in number_forms(CALLER))
