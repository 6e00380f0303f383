"""Someone redialling the number they saw hears a neutral message; nothing keeps their number."""

from __future__ import annotations

import subprocess
from pathlib import Path

from gateway.lab.farend import parse_trace
from gateway.lab.scenario import build_caller_scenario
from tests.integration.conftest import TRUNK_HOST, Pbx, free_port
from tests.support.numbers import MASKED, number_forms

CALLER = "+12025550133"


def test_a_call_from_the_trunk_is_answered_then_ended_by_the_gateway(
    pbx: Pbx, tmp_path: Path
) -> None:
    scenario = tmp_path / "caller.xml"
    scenario.write_text(build_caller_scenario(CALLER, MASKED))
    trace = tmp_path / "messages.log"
    command = [
        "sipp", f"127.0.0.1:{pbx.settings.sip_port}", "-sf", str(scenario),
        "-i", TRUNK_HOST, "-p", str(free_port(TRUNK_HOST)),
        "-mi", TRUNK_HOST, "-mp", str(free_port(TRUNK_HOST)),
        "-m", "1", "-nostdin", "-timeout", "30s", "-timeout_error",
        "-trace_msg", "-message_file", str(trace),
    ]  # fmt: skip
    result = subprocess.run(
        command,
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]

    received = [m for m in parse_trace(trace.read_text()).messages if m.direction == "received"]
    assert [m.start_line.split(" ")[1] for m in received if m.method is None][-1] == "200"
    assert any(m.method == "BYE" for m in received), "the gateway must end the call itself"
    pbx.asterisk.cli("logger rotate")
    for path in (p for p in pbx.layout.root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        assert not any(form.encode() in data for form in number_forms(CALLER)), path
