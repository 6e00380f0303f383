"""The lab far end: the sipp scenario it plays and the SIP trace it reads back (pure parts)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from gateway.lab.farend import parse_trace
from gateway.lab.scenario import (
    ANONYMITY_DISALLOWED,
    BUSY,
    Answer,
    Reject,
    RejectWithheld,
    RingNoAnswer,
    build_caller_scenario,
    build_scenario,
)

BEHAVIOURS = {
    "+12025550122": BUSY,
    "+12025550133": ANONYMITY_DISALLOWED,
    "+12025550144": RingNoAnswer(),
    "+12025550155": Answer(hold_ms=5_000),
}


def _xml(behaviours, **kwargs) -> ET.Element:
    # sipp reads the file as ISO-8859-1, as its declaration says; the XML is our own
    scenario = build_scenario(behaviours, **kwargs).encode("iso-8859-1")
    return ET.fromstring(scenario)  # noqa: S314


def _labels(root: ET.Element) -> list[str]:
    return [label.get("id", "") for label in root.iter("label")]


def test_the_scenario_is_well_formed_xml():
    root = _xml(BEHAVIOURS)
    assert root.tag == "scenario"
    assert root[0].tag == "recv"
    assert root[0].get("request") == "INVITE"


def test_every_number_gets_one_branch_and_one_jump():
    root = _xml(BEHAVIOURS)
    branches = [label for label in _labels(root) if re.fullmatch(r"b\d+", label)]
    assert len(branches) == len(BEHAVIOURS)
    jumps = [nop.get("next") for nop in root.iter("nop") if nop.get("test")]
    assert sorted(jumps) == sorted(branches)
    matchers = [ereg for ereg in root.iter("ereg") if ereg.get("assign_to", "").startswith("n")]
    assert len(matchers) == len(BEHAVIOURS)


def test_each_branch_matches_its_number_in_the_request_uri():
    root = _xml({"+12025550122": BUSY})
    (matcher,) = [e for e in root.iter("ereg") if e.get("assign_to") == "n0"]
    pattern = re.compile(matcher.get("regexp", ""))
    assert pattern.search("INVITE sip:+12025550122@127.0.0.2:5070 SIP/2.0")
    assert pattern.search("INVITE sip:12025550122@127.0.0.2:5070 SIP/2.0")
    assert not pattern.search("INVITE sip:+120255501223@127.0.0.2:5070 SIP/2.0")
    assert not pattern.search("INVITE sip:+12025550123@127.0.0.2:5070 SIP/2.0")


def test_a_reject_branch_sends_its_status():
    scenario = build_scenario({"+12025550133": ANONYMITY_DISALLOWED, "+12025550122": BUSY})
    assert "SIP/2.0 433 Anonymity Disallowed" in scenario
    assert "SIP/2.0 486 Busy Here" in scenario


def test_an_answer_branch_hangs_up_after_its_hold_time():
    scenario = build_scenario({"+12025550155": Answer(hold_ms=5_000)}, default=BUSY)
    assert 'timeout="5000"' in scenario
    assert "BYE [$contact_uri] SIP/2.0" in scenario


def test_the_default_behaviour_answers_numbers_not_listed():
    root = _xml({})
    assert _labels(root) == [
        "default", "default_wait", "default_reinvite", "default_update", "default_hangup", "end"
    ]  # fmt: skip


def test_a_scenario_that_never_answers_sets_no_unused_variables():
    root = _xml({"+12025550122": BUSY}, default=RingNoAnswer())
    assigned = {e.get("assign_to") for e in root.iter("ereg")}
    assert assigned == {"n0"}


def test_a_reject_sends_its_own_reason_phrase():
    scenario = build_scenario({"+12025550133": Reject(603, "Anonymous Calls Not Accepted")})
    assert "SIP/2.0 603 Anonymous Calls Not Accepted" in scenario
    assert "183 Session Progress" not in scenario


def test_a_reject_after_early_media_sends_183_with_sdp_then_the_final_status():
    root = _xml({"+12025550133": Reject(603, "Anonymous Calls Not Accepted", early_media=True)},
                default=BUSY)
    (branch,) = [i for i, el in enumerate(root) if el.tag == "label" and el.get("id") == "b0"]
    sent = [el.text or "" for el in list(root)[branch:] if el.tag == "send"]
    assert sent[0].strip().startswith("SIP/2.0 183 Session Progress")
    assert "m=audio" in sent[0]
    assert sent[1].strip().startswith("SIP/2.0 603 Anonymous Calls Not Accepted")


def test_reject_withheld_sends_its_own_rejection_to_a_withheld_caller_only():
    behaviour = RejectWithheld(reject=Reject(603, "Anonymous Call Rejection", early_media=True))
    root = _xml({"+12025550133": behaviour})
    labels = _labels(root)
    assert "b0_withheld" in labels and "b0_shown" in labels
    (jump,) = [nop for nop in root.iter("nop") if nop.get("test") == "withheld"]
    assert jump.get("next") == "b0_withheld"
    scenario = build_scenario({"+12025550133": behaviour})
    withheld = scenario[scenario.index('<label id="b0_withheld"/>'):]
    assert "183 Session Progress" in withheld
    assert "SIP/2.0 603 Anonymous Call Rejection" in withheld


def test_reject_withheld_sends_433_unless_told():
    assert "SIP/2.0 433 Anonymity Disallowed" in build_scenario({"+12025550133": RejectWithheld()})


@pytest.mark.parametrize(
    ("status", "reason"),
    [(200, "OK"), (603, ""), (603, "Anon]]><evil/>"), (603, "Anon\r\nX-Header: 1")],
    ids=["not-a-failure", "empty", "xml", "header-injection"],
)
def test_a_reject_refuses_a_status_or_phrase_that_would_break_the_scenario(status, reason):
    with pytest.raises(ValueError):
        Reject(status, reason)


def test_reject_is_named_after_its_status():
    assert Reject(480, "Temporarily Unavailable").name == "reject480"


@pytest.mark.parametrize(
    "number",
    [
        pytest.param("12025550122", id="no-plus"),
        pytest.param("+1 202 555 0122", id="spaces"),
        pytest.param("+1202", id="too-short"),
        pytest.param('+1202555012"/><evil/>', id="xml-injection"),
    ],
)
def test_a_number_not_in_e164_form_is_refused(number):
    with pytest.raises(ValueError, match=r"E\.164") as caught:
        build_scenario({number: BUSY})
    assert "1202" not in str(caught.value)


def test_the_caller_scenario_is_well_formed_and_calls_the_dialled_number():
    scenario = build_caller_scenario("+12025550188", "+12025550100")
    root = ET.fromstring(scenario.encode("iso-8859-1"))  # noqa: S314 - our own XML
    assert root.get("name") == "safedial-lab-caller"
    assert "INVITE sip:+12025550100@[remote_ip]:[remote_port] SIP/2.0" in scenario


@pytest.mark.parametrize(
    ("caller", "dialled"),
    [("12025550188", "+12025550100"), ("+12025550188", "2025550100")],
    ids=["caller", "dialled"],
)
def test_the_caller_scenario_refuses_a_number_not_in_e164_form(caller, dialled):
    with pytest.raises(ValueError, match=r"E\.164"):
        build_caller_scenario(caller, dialled)


SEPARATOR = "-" * 47


def _block(stamp: str, direction: str, size: int, message: str) -> str:
    header = (
        f"UDP message received [{size}] bytes :"
        if direction == "received"
        else f"UDP message sent ({size} bytes):"
    )
    return f"{SEPARATOR} {stamp}\n{header}\n\n{message}\n\n"


def _invite(user: str, call_id: str) -> str:
    return (
        f"INVITE sip:{user}@127.0.0.2:5070 SIP/2.0\n"
        "Via: SIP/2.0/UDP 127.0.0.1:5160;branch=z9hG4bK1\n"
        'From: "Anonymous" <sip:anonymous@anonymous.invalid>;tag=1\n'
        f"To: <sip:{user}@127.0.0.2>\n"
        f"Call-ID: {call_id}\n"
        "CSeq: 1 INVITE\n"
        "Content-Length: 0\n"
    )


def _response(status: str, call_id: str, method: str = "INVITE") -> str:
    return f"SIP/2.0 {status}\nCall-ID: {call_id}\nCSeq: 1 {method}\nContent-Length: 0\n"


STAMP = "2024-11-25\t14:20:01.000000 1732544401.000000"
TRACE = "".join(
    _block(STAMP, direction, size, message)
    for direction, size, message in [
        ("received", 910, _invite("+12025550111", "adv-1")),
        ("sent", 331, _response("180 Ringing", "adv-1")),
        ("received", 910, _invite("+12025550122", "par-1")),
        ("sent", 331, _response("486 Busy Here", "par-1")),
        ("received", 600, _invite("12025550111", "adv-1")),  # a re-INVITE, no '+'
        ("received", 910, _invite("12025550122", "par-2")),  # a second call, no '+'
    ]
)


def test_a_trace_splits_into_its_messages_in_order():
    dialogs = parse_trace(TRACE)
    assert [(m.direction, m.start_line) for m in dialogs.messages] == [
        ("received", "INVITE sip:+12025550111@127.0.0.2:5070 SIP/2.0"),
        ("sent", "SIP/2.0 180 Ringing"),
        ("received", "INVITE sip:+12025550122@127.0.0.2:5070 SIP/2.0"),
        ("sent", "SIP/2.0 486 Busy Here"),
        ("received", "INVITE sip:12025550111@127.0.0.2:5070 SIP/2.0"),
        ("received", "INVITE sip:12025550122@127.0.0.2:5070 SIP/2.0"),
    ]


def test_a_trace_with_crlf_line_ends_reads_the_same():
    assert parse_trace(TRACE.replace("\n", "\r\n")) == parse_trace(TRACE)


def test_a_message_exposes_method_request_user_and_headers():
    invite, ringing = parse_trace(TRACE).messages[:2]
    assert (invite.method, invite.request_user, invite.call_id) == (
        "INVITE",
        "+12025550111",
        "adv-1",
    )
    assert invite.header("from") == '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=1'
    assert invite.header("P-Asserted-Identity") is None
    assert (ringing.method, ringing.request_user, ringing.call_id) == (None, None, "adv-1")


def test_the_compact_call_id_header_is_read():
    (message,) = parse_trace(
        _block("t", "received", 1, "BYE sip:x@h SIP/2.0\ni: short-1\n")
    ).messages
    assert message.call_id == "short-1"


def test_calls_are_grouped_by_call_id_and_labelled_by_the_number_first_dialled():
    dialogs = parse_trace(TRACE)
    advocate = dialogs.calls_to("+12025550111")
    assert [[m.start_line.split(" ")[1] for m in call] for call in advocate] == [
        ["sip:+12025550111@127.0.0.2:5070", "180", "sip:12025550111@127.0.0.2:5070"]
    ]
    participant = dialogs.calls_to("+12025550122")
    assert [call[0].call_id for call in participant] == ["par-1", "par-2"]
    assert dialogs.calls_to("+12025550199") == []


def test_received_invites_lists_every_invite_the_far_end_got():
    assert [m.call_id for m in parse_trace(TRACE).received_invites()] == [
        "adv-1",
        "par-1",
        "adv-1",
        "par-2",
    ]


def test_an_empty_trace_has_no_messages():
    assert parse_trace("").messages == []
