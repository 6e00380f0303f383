"""Read a recorded AMI exchange (tests/fixtures/ami/*.ami) as the messages it holds.

A recording is what Asterisk wrote on the wire: ``Header: value`` lines ending in
CRLF, one message per block, blocks separated by a blank line. Pure: text in,
list of dicts out.
"""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ami"


def parse_ami(text: str) -> list[dict[str, str]]:
    """Every message in ``text``, in order, as ``{header: value}``."""
    messages = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        message = {}
        for line in block.split("\n"):
            name, sep, value = line.partition(":")
            if sep:
                message[name.strip()] = value.strip()
        if message:
            messages.append(message)
    return messages


def load_recording(name: str) -> list[dict[str, str]]:
    """The messages of ``tests/fixtures/ami/<name>.ami``."""
    return parse_ami((FIXTURES / f"{name}.ami").read_bytes().decode("utf-8"))


def recording_text(name: str) -> str:
    return (FIXTURES / f"{name}.ami").read_bytes().decode("utf-8")
