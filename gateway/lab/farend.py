"""Run sipp as the lab's far end and read back every SIP message it exchanged.

The far end records every message with ``-trace_msg``; the privacy checks are
made on those captured messages, so a test judges what really crossed the
wire. It is stopped by the pid it was started with.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from gateway.lab.scenario import DEFAULT_BEHAVIOUR, Behaviour, build_scenario

_SEPARATOR = re.compile(
    r"^-{10,} (?P<stamp>[^\n]*?)\s*\n(?P<dir>UDP|TCP) message (?P<kind>sent|received)[^\n]*\n",
    re.MULTILINE,
)


@dataclass(frozen=True)
class SipMessage:
    """One SIP message as the far end saw it."""

    direction: str  # "received" by the far end, or "sent" by it
    text: str

    @property
    def start_line(self) -> str:
        return self.text.split("\n", 1)[0].strip()

    @property
    def method(self) -> str | None:
        first = self.start_line
        return None if first.startswith("SIP/2.0") else first.split(" ", 1)[0]

    @property
    def request_user(self) -> str | None:
        match = re.match(r"^[A-Z]+ sips?:([^@;>]+)@", self.start_line)
        return match[1] if match else None

    def headers(self) -> list[tuple[str, str]]:
        head = self.text.split("\n\n", 1)[0]
        pairs = []
        for line in head.splitlines()[1:]:
            name, sep, value = line.partition(":")
            if sep:
                pairs.append((name.strip(), value.strip()))
        return pairs

    def header(self, name: str) -> str | None:
        for key, value in self.headers():
            if key.lower() == name.lower():
                return value
        return None

    @property
    def call_id(self) -> str | None:
        return self.header("Call-ID") or self.header("i")


@dataclass
class SipDialogs:
    """Messages grouped by Call-ID, each call labelled by the number it dialled."""

    messages: list[SipMessage] = field(default_factory=list)

    def calls_to(self, number: str) -> list[list[SipMessage]]:
        """Every call (list of messages, in order) whose INVITE dialled ``number``."""
        wanted = number.lstrip("+")
        by_call: dict[str, list[SipMessage]] = {}
        dialled: dict[str, str] = {}
        for message in self.messages:
            key = message.call_id or ""
            by_call.setdefault(key, []).append(message)
            first_invite = message.method == "INVITE" and key not in dialled
            if first_invite and message.direction == "received":
                dialled[key] = (message.request_user or "").lstrip("+")
        return [msgs for key, msgs in by_call.items() if dialled.get(key) == wanted]

    def received_invites(self) -> list[SipMessage]:
        return [m for m in self.messages if m.direction == "received" and m.method == "INVITE"]


def parse_trace(text: str) -> SipDialogs:
    """Split a sipp ``-trace_msg`` file into messages."""
    text = text.replace("\r\n", "\n")
    marks = list(_SEPARATOR.finditer(text))
    messages = []
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        body = text[mark.end() : end].strip("\n")
        if body:
            messages.append(SipMessage(direction=mark["kind"], text=body + "\n"))
    return SipDialogs(messages)


class FarEnd:
    """A sipp UAS on ``host:port`` answering the trunk's calls, with a message trace."""

    def __init__(
        self,
        workdir: Path,
        host: str,
        port: int,
        behaviours: dict[str, Behaviour] | None = None,
        default: Behaviour = DEFAULT_BEHAVIOUR,
        media_port: int | None = None,
        sipp: str = "sipp",
    ) -> None:
        self.workdir = workdir
        self.host = host
        self.port = port
        self.behaviours = behaviours or {}
        self.default = default
        self.media_port = media_port or (port + 2)
        self.sipp = sipp
        self.trace_file = workdir / "messages.log"
        self.error_file = workdir / "errors.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> int:
        """Start sipp; returns its pid."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        scenario = self.workdir / "far-end.xml"
        scenario.write_text(build_scenario(self.behaviours, self.default))
        command = [
            self.sipp, "-sf", str(scenario),
            "-i", self.host, "-p", str(self.port),
            "-mi", self.host, "-mp", str(self.media_port),
            "-trace_msg", "-message_file", str(self.trace_file),
            "-trace_err", "-error_file", str(self.error_file),
            "-nostdin", "-timeout_error", "-max_recv_loops", "1000",
        ]  # fmt: skip
        with (self.workdir / "sipp.stderr").open("wb") as stderr:
            self.process = subprocess.Popen(
                command,
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        time.sleep(0.3)
        if self.process.poll() is not None:
            raise RuntimeError(f"sipp exited at start: {self.diagnostics()}")
        return self.process.pid

    def stop(self) -> None:
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            os.kill(process.pid, signal.SIGUSR1)  # sipp: quit after flushing traces
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=3)
        self.process = None

    def dialogs(self) -> SipDialogs:
        text = self.trace_file.read_text(errors="replace") if self.trace_file.exists() else ""
        return parse_trace(text)

    def diagnostics(self) -> str:
        parts = []
        for path in (self.workdir / "sipp.stderr", self.error_file):
            if path.exists():
                parts.append(f"{path.name}: {path.read_text(errors='replace')[-2000:]}")
        return "\n".join(parts)
