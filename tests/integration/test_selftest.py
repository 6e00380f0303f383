"""The privacy self-test through the real trunk, a real carrier and back to the canary.

Faults the config guard cannot see are injected for real (a carrier that
misbehaves, the running dialplan changed in memory) and each is caught, locks
its mode, and the next call in that mode places nothing on either leg.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.callerid import CallerIdMode
from gateway.domain.selftest import Judgement, Verdict
from gateway.lab.scenario import Answer, Reject, RingNoAnswer
from gateway.people import service as people
from gateway.selftest.locks import MODES
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.integration.cli_helpers import safedial
from tests.integration.conftest import CarrierLab
from tests.support.canary_caller import call_the_canary
from tests.support.numbers import ADVOCATE, AGENCY, CANARY, MASKED, PARTICIPANT, leaked
from tests.support.world import new_advocate, new_participant

WITHHOLD, MASKED_MODE = CallerIdMode.WITHHOLD, CallerIdMode.MASKED
ALWAYS = ["mon-sun 00:00-24:00"]


def run(ctx: AppContext, *modes: CallerIdMode) -> tuple[Judgement, ...]:
    return asyncio.run(ctx.selftest().run(modes or MODES, trigger="on-demand")).judgements


@pytest.fixture
def lab_for(tmp_path: Path) -> Iterator[object]:
    started: list[CarrierLab] = []

    def start(**options: str) -> CarrierLab:
        lab = CarrierLab(tmp_path / f"lab-{len(started)}", **options)  # type: ignore[arg-type]
        lab.start()
        started.append(lab)
        return lab

    yield start
    for lab in started:
        lab.stop()


def test_through_an_honest_carrier_both_modes_pass_and_nothing_numeric_is_kept(
    carrier_lab: CarrierLab, tmp_path: Path
) -> None:
    ctx = carrier_lab.world(tmp_path)
    try:
        judgements = run(ctx)
        status = ctx.privacy_locks().status()
    finally:
        ctx.close()
    assert [(j.mode, j.verdict) for j in judgements] == [(WITHHOLD, Verdict.PASS),
                                                          (MASKED_MODE, Verdict.PASS)]
    assert [s["locked"] for s in status] == [False, False]
    stored = (tmp_path / "safedial.db").read_bytes().decode("latin-1")
    assert leaked(stored, MASKED, AGENCY, CANARY) == [], "only verdicts are stored"


def assert_calls_in_mode_place_nothing(lab: CarrierLab, ctx: AppContext, mode: CallerIdMode,
                                       folder: Path) -> None:
    """POST /api/calls answers 409 and the CLI exits 3; neither leg rings."""
    with ctx.db.unit_of_work() as session:
        participant_id = people.create_participant(
            session, keys=ctx.keys, policy=ctx.policy, actor="test",
            fields=new_participant(windows=ALWAYS, caller_id=mode.value))
        advocate_id = people.create_advocate(session, keys=ctx.keys, policy=ctx.policy,
                                             actor="test",
                                             fields=new_advocate(phone=ADVOCATE, role="admin"))
        token = people.issue_token(session, actor="test", advocate_id=advocate_id)
    phones = lab.phones(folder / "phones", {ADVOCATE: Answer(), PARTICIPANT: Answer()})
    try:
        with TestClient(create_app(ctx, run_scheduler=False)) as client:
            refused = client.post("/api/calls", json={"participant_id": participant_id},
                                  headers={"Authorization": f"Bearer {token}"})
        cli = safedial(ctx.env, "call", "--participant", participant_id,  # type: ignore[attr-defined]
                       "--advocate", advocate_id)
        time.sleep(1)
    finally:
        phones.stop()
    assert refused.status_code == 409
    assert "caller-id-locked" in [r["code"] for r in refused.json()["details"]["reasons"]]
    assert cli.returncode == 3, cli.stderr
    assert "caller-id-locked" in [r["code"] for r in json.loads(cli.stdout)["reasons"]]
    assert phones.dialogs().messages == [], "nothing reached either leg"


def test_a_carrier_that_shows_the_asserted_identity_is_caught_and_locks_withhold(
    lab_for, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    lab = lab_for(behaviour="shows-asserted-identity", SAFEDIAL_TRUNK_ASSERTED_IDENTITY="masked")
    ctx = lab.world(tmp_path / "world")
    try:
        withhold, masked = run(ctx)
        assert (withhold.verdict, withhold.leaked) == (Verdict.FAIL, "masked number")
        assert masked.verdict is Verdict.PASS
        assert ctx.privacy_locks().state().locked_modes == {WITHHOLD}
        assert_calls_in_mode_place_nothing(lab, ctx, WITHHOLD, tmp_path)
    finally:
        ctx.close()


def test_with_the_asserted_identity_option_an_honest_carrier_passes(
    lab_for, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    lab = lab_for(SAFEDIAL_TRUNK_ASSERTED_IDENTITY="masked")
    ctx = lab.world(tmp_path / "world")
    try:
        assert [j.verdict for j in run(ctx)] == [Verdict.PASS, Verdict.PASS]
    finally:
        ctx.close()


def test_a_carrier_that_replaces_the_masked_number_with_the_agency_number_locks_masked(
    lab_for, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    lab = lab_for(behaviour="shows-agency-number")
    ctx = lab.world(tmp_path / "world")
    try:
        withhold, masked = run(ctx)
        assert withhold.verdict is Verdict.PASS
        assert (masked.verdict, masked.leaked) == (Verdict.FAIL, "agency number")
        assert_calls_in_mode_place_nothing(lab, ctx, MASKED_MODE, tmp_path)
    finally:
        ctx.close()


def _priorities(lab: CarrierLab) -> dict[int, str]:
    shown = lab.pbx.asterisk.cli("dialplan show participant@safedial-call")
    found = {}
    for line in shown.splitlines():
        words = line.replace("'participant' =>", "").split()
        if len(words) >= 2 and words[0].rstrip(".").isdigit() and words[0].endswith("."):
            found[int(words[0].rstrip("."))] = line
    return found


def test_the_running_dialplan_changed_in_memory_is_caught_though_no_file_shows_it(
    lab_for, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    lab = lab_for()
    ctx = lab.world(tmp_path / "world")
    try:
        for priority, line in _priorities(lab).items():
            if 'CALLERID(all)="Anonymous" <anonymous>' in line:
                change = f"Set(CALLERID(all)=<{AGENCY}>)"
            elif "CALLERID(pres)=prohib" in line:
                change = "Set(CALLERID(pres)=allowed)"
            elif "Dial(" in line and "u(prohib)" in line:
                change = ("Dial(PJSIP/${SAFEDIAL_PARTICIPANT}@trunk,${SAFEDIAL_RING_TIMEOUT},"
                          f"If(<{AGENCY}>)u(allowed))")
            else:
                continue
            lab.pbx.asterisk.cli(f"dialplan add extension participant,{priority},{change} "
                                 "into safedial-call replace")
        withhold, masked = run(ctx)
        assert (withhold.verdict, withhold.leaked) == (Verdict.FAIL, "agency number")
        assert withhold.check in ("caller-number", "header:From")
        assert masked.verdict is Verdict.PASS
        assert_calls_in_mode_place_nothing(lab, ctx, WITHHOLD, tmp_path)
    finally:
        ctx.close()


def test_a_fault_the_guard_sees_in_the_live_config_fails_with_check_config_guard(
    lab_for, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    lab = lab_for()
    ctx = lab.world(tmp_path / "world")
    pjsip = lab.pbx.layout.etc / "pjsip.conf"
    pjsip.write_text(pjsip.read_text().replace(
        "[trunk]\ntype = endpoint\n", f"[trunk]\ntype = endpoint\nfrom_user = {AGENCY[1:]}\n", 1))
    lab.pbx.asterisk.cli("pjsip reload")
    try:
        judgements = run(ctx)
        assert [(j.verdict, j.check) for j in judgements] == [
            (Verdict.FAIL, "config-guard"), (Verdict.FAIL, "config-guard")]
        assert ctx.privacy_locks().state().locked_modes == {WITHHOLD, MASKED_MODE}
    finally:
        ctx.close()


def test_a_canary_that_never_rings_back_is_inconclusive_and_locks_until_a_pass(
    lab_for, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    lab = lab_for(carrier_canary="+12025550145", SAFEDIAL_RING_TIMEOUT_S="5")
    ctx = lab.world(tmp_path / "world")
    # The carrier sends the canary's number on to a phone that turns it away: the test
    # call never comes back to the canary. (With no behaviour the lab phone answered and
    # held the call a minute, which proved the same thing 55 s slower.)
    phones = lab.phones(tmp_path / "phones",
                        {CANARY: Reject(480, "Temporarily Unavailable")})
    try:
        (judgement,) = run(ctx, WITHHOLD)
        assert (judgement.verdict, judgement.check) == (Verdict.INCONCLUSIVE,
                                                        "canary-not-reached")
        assert judgement.sip_cause
        assert WITHHOLD in ctx.privacy_locks().state().locked_modes
    finally:
        phones.stop()
        ctx.close()


def test_a_stray_call_to_the_canary_while_the_test_call_rings_elsewhere_never_passes(
    lab_for, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    """The test call never reaches the canary (the carrier sends it to a phone that rings
    out); meanwhile someone else's private-looking call reaches the canary. Counting that
    reading would prove nothing about SafeDial's caller ID."""
    lab = lab_for(carrier_canary="+12025550145", SAFEDIAL_RING_TIMEOUT_S="6")
    ctx = lab.world(tmp_path / "world")
    phones = lab.phones(tmp_path / "phones", {CANARY: RingNoAnswer()})
    results: list[tuple[Judgement, ...]] = []
    test_call = threading.Thread(target=lambda: results.append(run(ctx, WITHHOLD)))
    try:
        test_call.start()
        time.sleep(2.5)  # the test call's participant leg is ringing by now
        stray = call_the_canary(lab.settings, tmp_path / "stray", ["Privacy: id"])
        test_call.join(timeout=60)
        phones.stop()
        assert stray.returncode == 0, stray.stderr.decode(errors="replace")[-2000:]
        invites = phones.dialogs().received_invites()
        assert [m.request_user for m in invites] == [CANARY], "the test call rang elsewhere"
        (judgement,) = results[0]
        assert (judgement.verdict, judgement.check) == (Verdict.INCONCLUSIVE,
                                                        "canary-not-reached")
        assert WITHHOLD in ctx.privacy_locks().state().locked_modes
    finally:
        test_call.join(timeout=60)
        phones.stop()
        ctx.close()
