"""The rendered config is written for the Asterisk release that will run it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.pbx.render import RuntimeLayout, render_texts
from gateway.settings import load_settings


def _filters(version: int | None, tmp_path: Path) -> list[str]:
    settings = load_settings({"SAFEDIAL_AMI_SECRET": "s" * 20})
    text = render_texts(settings, RuntimeLayout(tmp_path), version=version)["manager.conf"]
    return [line for line in text.splitlines() if line.startswith("eventfilter")]


def test_asterisk_22_filters_ami_events_by_their_exact_name(tmp_path: Path) -> None:
    assert _filters(22, tmp_path) == [
        "eventfilter(action(include),name(UserEvent)) =",
        "eventfilter(action(include),name(OriginateResponse)) =",
    ]


@pytest.mark.parametrize("version", [16, None], ids=["16", "unknown"])
def test_other_releases_anchor_the_filter_at_the_events_first_line(
    version: int | None, tmp_path: Path
) -> None:
    filters = _filters(version, tmp_path)
    assert filters == ["eventfilter = ^Event: UserEvent[[:space:]]",
                       "eventfilter = ^Event: OriginateResponse[[:space:]]"]
    pattern = re.compile(filters[0].split("= ", 1)[1].replace("[[:space:]]", r"\s"))
    newchannel = "Event: Newchannel\r\nCallerIDName: Event: UserEvent\r\nCallerIDNum: +1202\r\n"
    assert not pattern.search(newchannel), "a caller's display name cannot match"
    assert pattern.search("Event: UserEvent\r\nUserEvent: SafeDialCallEnded\r\n")
