"""The rendered dialplan waits once for the second decision and re-checks it when redirected.

Pure text: the shipped template is rendered and read back with the config
reader; the real Asterisk runs it in tests/integration/test_second_decision.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from gateway.pbx.asterisk_conf import parse
from gateway.pbx.dialvars import (
    CALL_CONTEXT,
    CALL_EXTENSION,
    DECIDED_EXTENSION,
    DECIDED_PRIORITY,
    EVENT_ADVOCATE_ANSWERED,
    VAR_GO,
)
from gateway.pbx.render import RuntimeLayout, render_texts
from gateway.settings import load_settings

CONFIRM_TIMEOUT_S = 7


@dataclass(frozen=True)
class Step:
    exten: str
    label: str
    app: str  # the application and its arguments, e.g. "Wait(7)"


def steps(text: str, context: str) -> list[Step]:
    """The priorities of ``context`` in order, as (extension, label, application)."""
    (section,) = parse("extensions.conf", text).named(context)
    found: list[Step] = []
    exten = ""
    for key, value in section.options:
        if key == "exten":
            exten, _priority, app = value.split(",", 2)
            label = ""
        elif key == "same":
            priority, app = value.split(",", 1)
            match = re.fullmatch(r"n(?:\((?P<label>[^)]*)\))?", priority.strip())
            assert match, f"unexpected priority {priority!r}"
            label = match["label"] or ""
        else:
            continue
        found.append(Step(exten.strip(), label, app.strip()))
    return found


@pytest.fixture
def call_context(tmp_path) -> list[Step]:
    settings = load_settings({"SAFEDIAL_CONFIRM_TIMEOUT_S": str(CONFIRM_TIMEOUT_S)})
    text = render_texts(settings, RuntimeLayout(tmp_path / "pbx"))["extensions.conf"]
    return steps(text, CALL_CONTEXT)


def of(context: list[Step], exten: str) -> list[Step]:
    return [step for step in context if step.exten == exten]


def test_the_advocate_answered_path_waits_once_for_the_whole_timeout_and_never_polls(
    call_context: list[Step],
) -> None:
    participant = of(call_context, CALL_EXTENSION)
    apps = [step.app for step in participant]
    answered = next(i for i, app in enumerate(apps) if EVENT_ADVOCATE_ANSWERED in app)
    waits = [app for app in apps if re.match(r"Wait\(", app, re.IGNORECASE)]

    assert waits == [f"Wait({CONFIRM_TIMEOUT_S})"], "one wait, as long as the confirm timeout"
    assert apps[answered + 1] == waits[0], "the wait follows the event at once"
    assert not any(step.label == "confirm" for step in participant), "no polling loop label"
    assert not any(re.search(r"Wait\(0\.", step.app) for step in call_context)
    assert "confirm_ticks" not in " ".join(step.app for step in call_context)


def test_the_end_of_the_wait_refuses_and_never_falls_through_to_the_dial(
    call_context: list[Step],
) -> None:
    participant = of(call_context, CALL_EXTENSION)
    wait = next(i for i, step in enumerate(participant) if step.app.startswith("Wait("))
    confirmed = next(i for i, step in enumerate(participant) if step.label == "confirmed")
    after_wait = [step.app for step in participant[wait + 1 : confirmed]]

    assert after_wait[-1] == "Goto(refuse-unconfirmed,1)"
    assert not any(VAR_GO in app for app in after_wait), "a yes without its redirect is too late"


def test_only_the_decided_extension_leads_to_the_dial(call_context: list[Step]) -> None:
    jumps = [step for step in call_context if re.search(r"(?<![-\w])confirmed\b", step.app)]

    assert [step.exten for step in jumps] == [DECIDED_EXTENSION]


def test_the_decided_extension_dials_only_a_waiting_channel_whose_go_is_yes(
    call_context: list[Step],
) -> None:
    decided = of(call_context, DECIDED_EXTENSION)
    assert DECIDED_PRIORITY == "1"
    apps = [step.app for step in decided]

    assert apps[0] == (
        'GotoIf($["${SAFEDIAL_CONFIRM}" = "waiting"]?:refuse-unconfirmed,1)'
    ), "a redirect counts only while the channel waits"
    go_check = next(app for app in apps if VAR_GO in app)
    assert go_check == f'GotoIf($["${{{VAR_GO}}}" = "yes"]?{CALL_EXTENSION},confirmed)'
    assert apps[-1] == "Goto(refuse-policy,1)", "anything but yes refuses"
    assert not any(app.startswith("Dial(") for app in apps)


def test_the_call_clears_go_before_any_check_so_originate_cannot_pre_approve_it(
    call_context: list[Step],
) -> None:
    participant = [step.app for step in of(call_context, CALL_EXTENSION)]
    first_check = next(i for i, app in enumerate(participant) if app.startswith("GotoIf("))

    assert f"Set({VAR_GO}=)" in participant[:first_check]
