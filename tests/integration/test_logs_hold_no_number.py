"""Asterisk's own files hold no number, even after the calls it complains about.

Asterisk writes From URIs and dial strings into its notices and warnings: an
INVITE from an address no endpoint matches, a dial the far end refuses, a dial
string it cannot turn into a URI. Whatever the file logger keeps must not be
one of those, so after each such call no file under the runtime folder (logs,
spool, databases, anything) may hold a number in any form.
"""

from __future__ import annotations

import socket
import uuid
from typing import Any

from gateway.ami.client import AmiCallControl
from gateway.callerid import CallerIdMode
from gateway.calls.models import DialRequest, Outcome
from gateway.lab.scenario import Answer, Reject
from tests.integration.calls import place, request
from tests.integration.conftest import FarEndFactory, Pbx, free_port
from tests.support.numbers import ADVOCATE, MASKED, PARTICIPANT, leaked

#: Someone calling the gateway from an address that is not the trunk.
STRANGER = "+12025550155"
STRANGER_HOST = "127.0.0.9"


def invite_from_unknown_address(pbx: Pbx, timeout_s: float = 5.0) -> str:
    """Send one INVITE from ``STRANGER_HOST`` whose From user is a number; return the
    status line of the gateway's final answer (after ACKing it, so nothing retransmits)."""
    port = free_port(STRANGER_HOST)
    call_id, branch, tag = uuid.uuid4().hex, "z9hG4bK" + uuid.uuid4().hex, uuid.uuid4().hex
    target = f"127.0.0.1:{pbx.settings.sip_port}"
    head = (
        f"Via: SIP/2.0/UDP {STRANGER_HOST}:{port};branch={branch};rport\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:{STRANGER}@{STRANGER_HOST}>;tag={tag}\r\n"
        f"To: <sip:{MASKED}@{target}>\r\n"
        f"Call-ID: {call_id}\r\n"
    )
    invite = (
        f"INVITE sip:{MASKED}@{target} SIP/2.0\r\n{head}CSeq: 1 INVITE\r\n"
        f"Contact: <sip:{STRANGER}@{STRANGER_HOST}:{port}>\r\nContent-Length: 0\r\n\r\n"
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((STRANGER_HOST, port))
        sock.settimeout(timeout_s)
        sock.sendto(invite.encode(), ("127.0.0.1", pbx.settings.sip_port))
        while True:
            answer = sock.recv(65535).decode(errors="replace")
            status = answer.split("\r\n", 1)[0]
            if int(status.split(" ")[1]) >= 200:
                break
        to = next(line for line in answer.split("\r\n") if line.lower().startswith("to:"))
        ack = (
            f"ACK sip:{MASKED}@{target} SIP/2.0\r\n"
            + head.replace(f"To: <sip:{MASKED}@{target}>\r\n", to + "\r\n")
            + "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
        )
        sock.sendto(ack.encode(), ("127.0.0.1", pbx.settings.sip_port))
    return status


def garbled_invite_from_unknown_address(pbx: Pbx) -> None:
    """Send one INVITE whose From header cannot be parsed (its number still in it): a
    SIP stack that cannot parse a packet tends to log all of it."""
    port = free_port(STRANGER_HOST)
    garbled = (
        f"INVITE sip:{MASKED}@127.0.0.1:{pbx.settings.sip_port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {STRANGER_HOST}:{port};branch=z9hG4bK{uuid.uuid4().hex}\r\n"
        f"From: <sip:{STRANGER}@{STRANGER_HOST};tag=1\r\n"
        f"To: <sip:{MASKED}@127.0.0.1>\r\nCall-ID: {uuid.uuid4().hex}\r\n"
        "CSeq: one INVITE\r\nContent-Length: 0\r\n\r\n"
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((STRANGER_HOST, port))
        sock.sendto(garbled.encode(), ("127.0.0.1", pbx.settings.sip_port))


class MalformedAdvocateDial(AmiCallControl):
    """Call control whose Originate names the advocate's number where PJSIP wants a URI (a
    dial string in the wrong form): Asterisk cannot build a dialog to it."""

    def __init__(self, base: AmiCallControl) -> None:
        self.__dict__.update(base.__dict__)

    def build_originate(self, request: DialRequest, call_id: str) -> dict[str, Any]:
        action = super().build_originate(request, call_id)
        action["Channel"] = f"PJSIP/trunk/{ADVOCATE}"
        return action


def runtime_files_leaking(pbx: Pbx, *numbers: str) -> dict[str, list[str]]:
    """Every file under the runtime folder that holds one of ``numbers``, read as bytes."""
    pbx.asterisk.cli("logger rotate")  # flush whatever the logger still buffers
    found = {}
    for path in sorted(p for p in pbx.layout.root.rglob("*") if p.is_file()):
        hits = leaked(path.read_bytes().decode("latin-1"), *numbers)
        if hits:
            found[str(path.relative_to(pbx.layout.root))] = hits
    return found


async def test_no_runtime_file_holds_a_number_after_calls_asterisk_complains_about(
    pbx: Pbx, far_end: FarEndFactory
) -> None:
    status = invite_from_unknown_address(pbx)
    assert status.split(" ")[1].startswith(("4", "5")), status
    garbled_invite_from_unknown_address(pbx)

    phone = far_end({ADVOCATE: Answer(hold_ms=3000), PARTICIPANT: Reject(404, "Not Found")})
    invalid = await place(pbx, request(CallerIdMode.WITHHOLD))
    phone.stop()
    assert invalid.outcome is Outcome.FAILED, invalid

    phone = far_end({ADVOCATE: Answer(hold_ms=3000),
                     PARTICIPANT: Reject(503, "Service Unavailable")})
    failed = await place(pbx, request(CallerIdMode.MASKED))
    phone.stop()
    assert failed.outcome is Outcome.FAILED, failed

    phone = far_end({ADVOCATE: Answer(hold_ms=3000)})
    malformed = await place(pbx, request(CallerIdMode.WITHHOLD),
                            MalformedAdvocateDial(pbx.control()))
    phone.stop()
    assert not malformed.advocate_answered
    assert phone.dialogs().received_invites() == [], "the malformed dial must not reach a phone"

    assert runtime_files_leaking(pbx, ADVOCATE, PARTICIPANT, STRANGER) == {}

