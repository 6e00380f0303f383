"""A call to the canary that is not the self-test's: sipp on the carrier's address.

SafeDial identifies its trunk by address, so a sipp UAC bound to the lab
carrier's host (any free port) reaches the canary exactly as the carrier's own
calls do. It carries whatever identity headers a test gives it (every copy),
expects the canary to decline (403) and acknowledges that. Numbers: fictional.
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from gateway.lab.carrier import CARRIER_HOST
from gateway.settings import Settings

ANONYMOUS_FROM = '"Anonymous" <sip:anonymous@anonymous.invalid>'

_SDP = """v=0
o=- 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=sendrecv"""


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def canary_call_scenario(canary: str, headers: list[str], from_: str = ANONYMOUS_FROM) -> str:
    """sipp XML: one INVITE to ``canary`` with ``headers`` (``"Name: value"``, in order)."""
    extra = "".join(f"{header}\n" for header in headers)
    invite = (
        f"INVITE sip:{canary}@[remote_ip]:[remote_port] SIP/2.0\n"
        "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]\n"
        f"From: {from_};tag=[pid]SIPpTag[call_number]\n"
        f"To: <sip:{canary}@[remote_ip]:[remote_port]>\n"
        "Call-ID: [call_id]\n"
        "CSeq: 1 INVITE\n"
        "Contact: <sip:anonymous@[local_ip]:[local_port]>\n"
        "Max-Forwards: 70\n"
        f"{extra}"
        "Content-Type: application/sdp\n"
        "Content-Length: [len]\n\n" + _SDP
    )
    ack = (
        f"ACK sip:{canary}@[remote_ip]:[remote_port] SIP/2.0\n"
        "[last_Via:]\n[last_From:]\n[last_To:]\n[last_Call-ID:]\n"
        "CSeq: 1 ACK\nMax-Forwards: 70\nContent-Length: 0"
    )
    return (
        '<?xml version="1.0" encoding="ISO-8859-1" ?>\n'
        '<scenario name="safedial-stray-canary-call">\n'
        f"  <send><![CDATA[\n\n{invite}\n\n  ]]></send>\n"
        '  <recv response="100" optional="true"/>\n'
        '  <recv response="403" timeout="10000"/>\n'
        f"  <send><![CDATA[\n\n{ack}\n\n  ]]></send>\n"
        "</scenario>\n"
    )


def call_the_canary(settings: Settings, folder: Path, headers: list[str],
                    from_: str = ANONYMOUS_FROM) -> subprocess.CompletedProcess[bytes]:
    """Place one call to the canary from the carrier's address; returns sipp's result."""
    folder.mkdir(parents=True, exist_ok=True)
    scenario = folder / "canary-call.xml"
    scenario.write_text(canary_call_scenario(settings.canary_number or "", headers, from_))
    command = [
        "sipp", f"{settings.sip_bind}:{settings.sip_port}", "-sf", str(scenario),
        "-i", CARRIER_HOST, "-p", str(_free_port(CARRIER_HOST)),
        "-mi", CARRIER_HOST, "-mp", str(_free_port(CARRIER_HOST)),
        "-m", "1", "-nostdin", "-timeout", "20s", "-timeout_error",
    ]  # fmt: skip
    return subprocess.run(command, cwd=folder, capture_output=True, timeout=60, check=False)
