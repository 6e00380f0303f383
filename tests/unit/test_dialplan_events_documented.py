"""Every UserEvent the dialplan emits, and each of its headers, is in dialplans/README.md.

The README is the contract between Python and Asterisk: whoever reads an AMI trace,
or adds a listener, finds there what each event and header means.
"""

from __future__ import annotations

import re
from pathlib import Path

from gateway.pbx import dialvars

DIALPLANS = Path(__file__).resolve().parents[2] / "dialplans"
USER_EVENT = re.compile(r"UserEvent\((\w+)((?:,[^\n]*)?)\)\s*$", re.MULTILINE)
#: A header starts after a comma: ``,Name: value`` (a value's own commas never precede
#: a capitalised word and a colon).
HEADER = re.compile(r",([A-Z][A-Za-z]*): ")


def emitted() -> dict[str, set[str]]:
    """Each UserEvent in the shipped dialplan template, with every header it carries."""
    events: dict[str, set[str]] = {}
    for match in USER_EVENT.finditer((DIALPLANS / "extensions.conf.j2").read_text()):
        events.setdefault(match.group(1), set()).update(HEADER.findall(match.group(2)))
    return events


def documented_row(name: str) -> str | None:
    readme = (DIALPLANS / "README.md").read_text()
    return next((line for line in readme.splitlines() if line.startswith(f"| `{name}` |")),
                None)


def test_every_user_event_the_dialplan_emits_is_documented_with_each_header() -> None:
    events = emitted()
    assert dialvars.EVENT_CALL_ENDED in events and "OtherAnswered" in events[
        dialvars.EVENT_CALL_ENDED], "the template was read"
    undocumented = {}
    for name, headers in events.items():
        row = documented_row(name)
        missing = sorted(header for header in headers if row is None or f"`{header}`" not in row)
        if row is None or missing:
            undocumented[name] = missing
    assert undocumented == {}


def test_every_event_the_gateway_listens_for_is_one_the_dialplan_emits() -> None:
    listened = {value for name, value in vars(dialvars).items() if name.startswith("EVENT_")}
    assert listened <= set(emitted())
