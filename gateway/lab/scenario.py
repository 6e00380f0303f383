"""Build sipp UAS scenarios: one far end that plays every phone behind the trunk.

Both legs of a SafeDial call reach the same trunk address, so one sipp answers
them all and tells the phones apart by the number dialled (the Request-URI
user). Each number gets a behaviour: answer and hold, busy, reject with any
final status and reason phrase (optionally after a 183 with early media, as
carriers announce before refusing), reject withheld calls only (433, or a
carrier's 603 "Anonymous..."), or ring without answering. Numbers not listed
get the default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True)
class Answer:
    """Answer, then hang up after ``hold_ms`` unless the other side hangs up first."""

    hold_ms: int = 60_000
    name = "answer"


_REASON = re.compile(r"^[A-Za-z0-9 .,'-]{1,80}$")


@dataclass(frozen=True)
class Reject:
    """Refuse the call with a final SIP status (486 busy, 433 anonymity disallowed...).

    ``reason`` is the reason phrase sent as is; ``early_media`` first sends a
    183 Session Progress with SDP (an announcement), then the final status.
    """

    status: int
    reason: str
    early_media: bool = False

    def __post_init__(self) -> None:
        if not 300 <= self.status <= 699:
            raise ValueError("a rejection needs a final failure status (300-699)")
        if not _REASON.match(self.reason):
            raise ValueError("a reason phrase is 1 to 80 letters, digits, spaces and .,'-")

    @property
    def name(self) -> str:
        return f"reject{self.status}"


@dataclass(frozen=True)
class RingNoAnswer:
    """Ring until the caller gives up (CANCEL)."""

    name = "noanswer"


@dataclass(frozen=True)
class RejectWithheld:
    """Anonymous-call rejection: ``reject`` a withheld caller (433 unless told), answer others."""

    hold_ms: int = 60_000
    reject: Reject = Reject(433, "Anonymity Disallowed")
    name = "rejectwithheld"


Behaviour = Answer | Reject | RingNoAnswer | RejectWithheld

DEFAULT_BEHAVIOUR: Behaviour = Answer()

BUSY = Reject(486, "Busy Here")
ANONYMITY_DISALLOWED = Reject(433, "Anonymity Disallowed")

_RESPONSE_HEADERS = """[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag[call_number]
[last_Call-ID:]
[last_CSeq:]"""

_SDP = """v=0
o=- 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=sendrecv"""


def _send(text: str) -> str:
    return f"  <send><![CDATA[\n\n{text}\n\n  ]]></send>\n"


def _response(status: str, sdp: bool = False, cseq: str | None = None) -> str:
    headers = _RESPONSE_HEADERS
    if cseq is not None:
        headers = headers.replace("[last_CSeq:]", cseq)
    body = ""
    if sdp:
        headers += "\nContact: <sip:lab@[local_ip]:[local_port];transport=[transport]>"
        headers += "\nContent-Type: application/sdp"
        body = _SDP
    length = "Content-Length: [len]"
    return _send(f"SIP/2.0 {status}\n{headers}\n{length}\n\n{body}".rstrip("\n"))


def _answer_block(label: str, hold_ms: int) -> str:
    # sipp applies the timeout of the step it is waiting at, which is the
    # first of the optional receives: every one of them carries it.
    timeout = f'timeout="{hold_ms}" ontimeout="{label}_hangup"'
    return (
        f'  <label id="{label}"/>\n'
        + _response("180 Ringing")
        + _response("200 OK", sdp=True)
        + '  <recv request="ACK" crlf="true"/>\n'
        + f'  <label id="{label}_wait"/>\n'
        + f'  <recv request="INVITE" optional="true" next="{label}_reinvite" {timeout}/>\n'
        + f'  <recv request="UPDATE" optional="true" next="{label}_update" {timeout}/>\n'
        + f'  <recv request="BYE" {timeout}/>\n'
        + _response("200 OK")
        + '  <nop next="end"/>\n'
        + f'  <label id="{label}_reinvite"/>\n'
        + _response("200 OK", sdp=True)
        + f'  <recv request="ACK" next="{label}_wait"/>\n'
        + f'  <label id="{label}_update"/>\n'
        + _response("200 OK")
        + f'  <nop next="{label}_wait"/>\n'
        + f'  <label id="{label}_hangup"/>\n'
        + _send(
            "BYE [$contact_uri] SIP/2.0\n"
            "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]\n"
            "From: [$to_hdr];tag=[pid]SIPpTag[call_number]\n"
            "To: [$from_hdr]\n"
            "[last_Call-ID:]\n"
            "CSeq: [cseq] BYE\n"
            "Contact: <sip:lab@[local_ip]:[local_port];transport=[transport]>\n"
            "Max-Forwards: 70\nContent-Length: 0"
        )
        + '  <recv response="200"/>\n'
        + '  <nop next="end"/>\n'
    )


def _reject_block(label: str, reject: Reject) -> str:
    early = ""
    if reject.early_media:
        early = _response("183 Session Progress", sdp=True) + '  <pause milliseconds="500"/>\n'
    return (
        f'  <label id="{label}"/>\n'
        + early
        + _response(f"{reject.status} {reject.reason}")
        + '  <recv request="ACK"/>\n'
        + '  <nop next="end"/>\n'
    )


def _no_answer_block(label: str) -> str:
    return (
        f'  <label id="{label}"/>\n'
        + _response("180 Ringing")
        + '  <recv request="CANCEL"/>\n'
        + _response("200 OK")
        + _response("487 Request Terminated", cseq="CSeq: [last_cseq_number] INVITE")
        + '  <recv request="ACK"/>\n'
        + '  <nop next="end"/>\n'
    )


def _block(label: str, behaviour: Behaviour) -> str:
    if isinstance(behaviour, Answer):
        return _answer_block(label, behaviour.hold_ms)
    if isinstance(behaviour, RejectWithheld):
        return (
            f'  <label id="{label}"/>\n'
            f'  <nop next="{label}_withheld" test="withheld"/>\n'
            + _answer_block(f"{label}_shown", behaviour.hold_ms)
            + _reject_block(f"{label}_withheld", behaviour.reject)
        )
    if isinstance(behaviour, Reject):
        return _reject_block(label, behaviour)
    return _no_answer_block(label)


def build_scenario(
    behaviours: dict[str, Behaviour],
    default: Behaviour = DEFAULT_BEHAVIOUR,
) -> str:
    """A sipp UAS scenario giving each dialled number its behaviour."""
    for number in behaviours:
        if not _E164.match(number):
            raise ValueError("far-end numbers must be E.164")
    matchers = []
    jumps = []
    blocks = []
    for index, (number, behaviour) in enumerate(sorted(behaviours.items())):
        var = f"n{index}"
        pattern = r"^INVITE sip:\+?" + re.escape(number.lstrip("+")) + "@"
        matchers.append(
            f'      <ereg regexp="{escape(pattern)}" search_in="msg" check_it="false" '
            f'assign_to="{var}"/>\n'
        )
        jumps.append(f'  <nop next="b{index}" test="{var}"/>\n')
        blocks.append(_block(f"b{index}", behaviour))
    header_vars = (
        '      <ereg regexp=".*" search_in="hdr" header="From:" check_it="true" '
        'assign_to="from_hdr"/>\n'
        '      <ereg regexp=".*" search_in="hdr" header="To:" check_it="true" '
        'assign_to="to_hdr"/>\n'
        '      <ereg regexp="sips?:[^&gt;]*" search_in="hdr" header="Contact:" check_it="true" '
        'assign_to="contact_uri"/>\n'
    )
    answers = any(isinstance(b, Answer | RejectWithheld) for b in [default, *behaviours.values()])
    if not answers:
        header_vars = ""  # sipp refuses variables that are set but never used
    if any(isinstance(b, RejectWithheld) for b in [default, *behaviours.values()]):
        header_vars += (
            '      <ereg regexp="anonymous@" search_in="hdr" header="From:" check_it="false" '
            'assign_to="withheld"/>\n'
        )
    return (
        '<?xml version="1.0" encoding="ISO-8859-1" ?>\n'
        '<scenario name="safedial-lab-far-end">\n'
        '  <recv request="INVITE" crlf="true">\n    <action>\n'
        + header_vars
        + "".join(matchers)
        + "    </action>\n  </recv>\n"
        + _response("100 Trying")
        + "".join(jumps)
        + _block("default", default)
        + "".join(blocks)
        + '  <label id="end"/>\n'
        + "</scenario>\n"
    )


def build_caller_scenario(caller: str, dialled: str) -> str:
    """A sipp UAC scenario: a phone behind the trunk calls in, from ``caller`` to ``dialled``.

    It expects the gateway to answer and then hang up by itself (the neutral
    message for people redialling the number they saw).
    """
    for number in (caller, dialled):
        if not _E164.match(number):
            raise ValueError("caller numbers must be E.164")
    invite = (
        f"INVITE sip:{dialled}@[remote_ip]:[remote_port] SIP/2.0\n"
        "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]\n"
        f"From: <sip:{caller}@[local_ip]>;tag=[pid]SIPpTag[call_number]\n"
        f"To: <sip:{dialled}@[remote_ip]:[remote_port]>\n"
        "Call-ID: [call_id]\n"
        "CSeq: 1 INVITE\n"
        f"Contact: <sip:{caller}@[local_ip]:[local_port]>\n"
        "Max-Forwards: 70\n"
        "Content-Type: application/sdp\n"
        "Content-Length: [len]\n\n" + _SDP
    )
    ack = (
        "ACK [next_url] SIP/2.0\n"
        "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]\n"
        f"From: <sip:{caller}@[local_ip]>;tag=[pid]SIPpTag[call_number]\n"
        "[last_To:]\n"
        "Call-ID: [call_id]\n"
        "CSeq: 1 ACK\n"
        "Max-Forwards: 70\n"
        "Content-Length: 0"
    )
    return (
        '<?xml version="1.0" encoding="ISO-8859-1" ?>\n'
        '<scenario name="safedial-lab-caller">\n'
        + _send(invite)
        + '  <recv response="100" optional="true"/>\n'
        + '  <recv response="180" optional="true"/>\n'
        + '  <recv response="183" optional="true"/>\n'
        + '  <recv response="200" rrs="true" timeout="10000"/>\n'
        + _send(ack)
        + '  <recv request="BYE" timeout="20000"/>\n'
        + _response("200 OK")
        + "</scenario>\n"
    )
