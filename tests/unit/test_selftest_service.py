"""The self-test service and the lock it drives: fail-closed, recorded, alerted, cleared.

The canary here is a stand-in (``tests.support.canary``); the real canary through
a real carrier and the real trunk is proven in the integration tier.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from gateway.audit import service as audit
from gateway.callerid import CallerIdMode
from gateway.calls.gate import CallRefused
from gateway.cli.main import main
from gateway.domain.daily import next_daily_run
from gateway.domain.selftest import CanaryReading, Verdict
from gateway.errors import OriginateFailed
from gateway.pbx.guard import Finding, UnsafeConfig
from gateway.people import service as people
from gateway.selftest.alerts import Alert, Alerts
from gateway.selftest.locks import LockNotClearable, PrivacyLocks
from gateway.selftest.service import SelfTest
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.support.canary import (
    ANONYMOUS_FROM,
    Canary,
    FailingCanary,
    private_canary,
    run_selftest,
    selftest_with,
)
from tests.support.numbers import ADVOCATE, AGENCY, CANARY, MASKED, PARTICIPANT, leaked
from tests.support.world import add_advocate, add_participant, make_world, world_environment

WITHHOLD, MASKED_MODE = CallerIdMode.WITHHOLD, CallerIdMode.MASKED
ALWAYS = ["mon-sun 00:00-24:00"]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AppContext]:
    ctx = make_world(tmp_path)
    yield ctx
    ctx.close()


def leaking_canary() -> Canary:
    """A carrier that shows the asserted identity (the agency number) despite Privacy: id."""
    return Canary({
        WITHHOLD: CanaryReading(1, AGENCY, "", {"From": f"<sip:{AGENCY}@carrier.invalid>",
                                                "P-Asserted-Identity": f"<sip:{AGENCY}@x>"}),
        MASKED_MODE: private_canary().readings[MASKED_MODE],
    })


def refused_codes(ctx: AppContext, participant_id: str, advocate_id: str) -> list[str]:
    with pytest.raises(CallRefused) as refused:
        ctx.gate().prepare(participant_id=participant_id, advocate_id=advocate_id, actor="test")
    return [reason.code for reason in refused.value.decision.reasons]


def test_a_fresh_installation_refuses_its_first_call_until_a_self_test_passes(
    world: AppContext,
) -> None:
    participant_id = add_participant(world, windows=ALWAYS)
    advocate_id = add_advocate(world)
    assert refused_codes(world, participant_id, advocate_id) == ["caller-id-locked"]

    report = asyncio.run(run_selftest(world))

    assert report.all_passed
    prepared = world.gate().prepare(participant_id=participant_id, advocate_id=advocate_id,
                                    actor="test")
    assert prepared.decision.allowed


def test_a_leak_locks_that_mode_only_and_names_the_role_never_the_number(
    world: AppContext,
) -> None:
    report = asyncio.run(run_selftest(world, leaking_canary()))
    withhold, masked = report.judgements
    assert (withhold.verdict, withhold.leaked) == (Verdict.FAIL, "agency number")
    assert masked.verdict is Verdict.PASS
    status = {mode["mode"]: mode for mode in world.privacy_locks().status()}
    assert status["withhold"]["locked"] and status["withhold"]["lock_reason"] == "failed"
    assert not status["masked"]["locked"]
    assert leaked(json.dumps(status), AGENCY, MASKED, CANARY) == []


def test_an_advocates_number_arriving_at_the_canary_is_found_through_the_blind_index(
    world: AppContext,
) -> None:
    add_advocate(world, phone=ADVOCATE)
    canary = Canary({WITHHOLD: CanaryReading(1, "anonymous", "", {
        "From": ANONYMOUS_FROM, "Diversion": f"<sip:{ADVOCATE}@pbx>"})})
    (judgement,) = asyncio.run(run_selftest(world, canary, modes=(WITHHOLD,))).judgements
    assert (judgement.check, judgement.leaked) == ("header:Diversion", "an advocate's phone")


def test_a_canary_that_never_rings_is_inconclusive_and_locks_until_the_next_pass(
    world: AppContext,
) -> None:
    asyncio.run(run_selftest(world))
    (judgement,) = asyncio.run(run_selftest(world, Canary({}), modes=(WITHHOLD,))).judgements
    assert (judgement.verdict, judgement.check, judgement.sip_cause) == (
        Verdict.INCONCLUSIVE, "canary-not-reached", "SIP 480")
    assert WITHHOLD in world.privacy_locks().state().locked_modes
    asyncio.run(run_selftest(world, modes=(WITHHOLD,)))
    assert world.privacy_locks().state().locked_modes == frozenset(), "lifts by itself"


def test_a_pass_older_than_the_maximum_age_locks(world: AppContext) -> None:
    asyncio.run(run_selftest(world))
    later = datetime.now(UTC) + world.policy.selftest.max_age + timedelta(minutes=1)
    locks = replace(world.privacy_locks(), clock=lambda: later)
    assert locks.state().locked_modes == {WITHHOLD, MASKED_MODE}
    assert "has not passed recently" in locks.state().reasons[0]


def test_a_config_the_guard_refuses_fails_the_self_test_with_check_config_guard(
    world: AppContext,
) -> None:
    def unsafe() -> None:
        raise UnsafeConfig([Finding("pjsip.conf", "trunk", "from_user", "the agency number")])

    canary = private_canary()
    selftest = replace(selftest_with(world, canary), verify_pbx_safe=unsafe)
    report = asyncio.run(selftest.run((WITHHOLD, MASKED_MODE), trigger="on-demand"))
    assert [(j.verdict, j.check) for j in report.judgements] == [
        (Verdict.FAIL, "config-guard"), (Verdict.FAIL, "config-guard")]
    assert canary.calls == [], "no test call through an unsafe config"


@pytest.mark.parametrize("error,check", [
    (OriginateFailed("Asterisk would not place the call: +12025550199 unknown"),
     "originate-failed"),
    (RuntimeError("a bug quoting +12025550199"), "internal-error"),
])
def test_a_test_call_that_could_not_be_made_is_recorded_inconclusive_and_locks(
    world: AppContext, error: Exception, check: str
) -> None:
    """A probe error proved nothing: recorded (never lost), locking, and the run goes on."""
    asyncio.run(run_selftest(world))  # both modes passed before
    canary = FailingCanary(WITHHOLD, error)

    report = asyncio.run(run_selftest(world, canary))

    assert [(j.mode, j.verdict, j.check) for j in report.judgements] == [
        (WITHHOLD, Verdict.INCONCLUSIVE, check), (MASKED_MODE, Verdict.PASS, None)]
    assert canary.calls == [WITHHOLD, MASKED_MODE], "the other mode is still tested"
    status = {mode["mode"]: mode for mode in world.privacy_locks().status()}
    assert (status["withhold"]["last"]["verdict"], status["withhold"]["last"]["check"]) == (
        "inconclusive", check)
    assert status["withhold"]["locked"] and status["withhold"]["lock_reason"] == "inconclusive"
    assert leaked(json.dumps(status), AGENCY) == [], "the error's text is not kept"


def test_lock_clear_is_refused_until_a_pass_follows_the_failure(world: AppContext) -> None:
    asyncio.run(run_selftest(world, leaking_canary()))
    locks = world.privacy_locks()
    with pytest.raises(LockNotClearable):
        locks.clear(mode=WITHHOLD, actor="admin")

    asyncio.run(run_selftest(world))  # fixed: it passes again, but the lock stays
    assert WITHHOLD in locks.state().locked_modes, "a failure lock needs an admin"
    assert locks.clear(mode=WITHHOLD, actor="admin")
    assert locks.state().locked_modes == frozenset()


def test_turning_the_requirement_off_leaves_failure_locks_on(tmp_path: Path) -> None:
    ctx = make_world(tmp_path, SAFEDIAL_SELFTEST_REQUIRED="false")
    try:
        assert ctx.privacy_locks().state().locked_modes == frozenset(), "labs may call untested"
        asyncio.run(run_selftest(ctx, leaking_canary()))
        assert ctx.privacy_locks().state().locked_modes == {WITHHOLD}
    finally:
        ctx.close()


def test_call_backs_in_a_locked_mode_are_not_placed_and_are_audited(world: AppContext) -> None:
    from tests.support.phones import ScriptedPhone
    from tests.unit.test_callback_lifecycle import audited_actions, pending, runner_with

    callback_id = pending(world, dropped_at=datetime.now(UTC))
    phone = ScriptedPhone(hold_s=0.3)
    assert asyncio.run(runner_with(world, phone).run(callback_id)) == "refused"
    assert phone.placed == []
    (callback,) = [c for c in world.callbacks().list(pending_only=False) if c["id"] == callback_id]
    assert (callback["status"], callback["last_outcome"]) == ("refused", "caller-id-locked")
    with world.db.unit_of_work() as session:
        trail = [(entry.action, entry.fields) for entry in audit.records(session)]
    assert ("call.decision.refused", ("caller_id_locked",)) in trail
    assert audited_actions(world)[-1] == "callback.refused"


class _Receiver(BaseHTTPRequestHandler):
    bodies: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        self.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


def test_a_failure_alerts_the_webhook_with_no_number_in_the_body(tmp_path: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.bodies = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ctx = make_world(tmp_path, SAFEDIAL_ALERT_WEBHOOK=f"http://127.0.0.1:{server.server_port}/a")
    try:
        asyncio.run(run_selftest(ctx, leaking_canary()))
        ctx.alerts.settle(timeout_s=10)
    finally:
        server.shutdown()
        server.server_close()
        ctx.close()
    (body,) = _Receiver.bodies
    alert = json.loads(body)
    assert (alert["mode"], alert["verdict"], alert["check"]) == (
        "withhold", "fail", "caller-number")
    assert leaked(body.decode(), AGENCY, MASKED, CANARY, ADVOCATE) == []


def test_a_failing_webhook_never_blocks_the_lock(tmp_path: Path) -> None:
    ctx = make_world(tmp_path, SAFEDIAL_ALERT_WEBHOOK="http://127.0.0.1:9/nothing-listens")
    ctx.__dict__["alerts"] = Alerts("http://127.0.0.1:9/nothing-listens", backoff_s=0.01)
    try:
        asyncio.run(run_selftest(ctx, leaking_canary()))
        assert WITHHOLD in ctx.privacy_locks().state().locked_modes
        ctx.alerts.settle(timeout_s=10)
    finally:
        ctx.close()


def test_the_cli_needs_a_canary_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    env = world_environment(tmp_path)
    env.pop("SAFEDIAL_CANARY_NUMBER")
    make_world(tmp_path).close()
    for key in list(env):
        monkeypatch.setenv(key, env[key])
    monkeypatch.delenv("SAFEDIAL_CANARY_NUMBER", raising=False)
    assert main(["selftest"]) == 2
    assert "SAFEDIAL_CANARY_NUMBER" in capsys.readouterr().err


def test_lock_status_and_clear_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    ctx = make_world(tmp_path)
    for key, value in world_environment(tmp_path).items():
        monkeypatch.setenv(key, value)
    asyncio.run(run_selftest(ctx, leaking_canary()))
    capsys.readouterr()
    assert main(["lock", "status", "--json"]) == 0
    status = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(s["mode"], s["locked"]) for s in status] == [("withhold", True), ("masked", False)]
    assert status[0]["last"]["verdict"] == "fail"
    assert main(["lock", "clear", "--mode", "withhold"]) == 3
    assert "no run passed since" in capsys.readouterr().err
    ctx.close()


def test_the_api_runs_a_self_test_and_shows_its_verdicts_and_the_lock(
    world: AppContext,
) -> None:
    ours = selftest_with(world, private_canary())
    world.selftest = lambda: ours  # type: ignore[method-assign]
    advocate_id = add_advocate(world, role="admin")
    with world.db.unit_of_work() as session:
        token = people.issue_token(session, actor="test", advocate_id=advocate_id)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(world, run_scheduler=False)) as client:
        started = client.post("/api/selftest", headers=headers)
        assert started.status_code == 202
        run_id = started.json()["run_id"]
        for _ in range(50):
            run = client.get(f"/api/selftest/{run_id}", headers=headers).json()
            if run["done"]:
                break
        status = client.get("/api/selftest", headers=headers).json()
    assert [(v["mode"], v["verdict"]) for v in run["verdicts"]] == [
        ("withhold", "pass"), ("masked", "pass")]
    assert [(s["mode"], s["locked"]) for s in status] == [("withhold", False), ("masked", False)]


def test_advocates_may_not_start_a_self_test(world: AppContext) -> None:
    advocate_id = add_advocate(world)
    with world.db.unit_of_work() as session:
        token = people.issue_token(session, actor="test", advocate_id=advocate_id)
    with TestClient(create_app(world, run_scheduler=False)) as client:
        answer = client.post("/api/selftest", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403
    assert PARTICIPANT not in answer.text


def test_the_nightly_self_test_is_registered_from_the_policy_and_survives_a_restart(
    tmp_path: Path,
) -> None:
    ctx = make_world(tmp_path)
    before = datetime.now(UTC)
    ctx.start_jobs()
    scheduled = ctx.scheduler.next_run("selftest-nightly")
    ctx.close()
    expected = next_daily_run(before, ctx.policy.selftest.time, ZoneInfo(ctx.policy.timezone))
    assert scheduled == expected
    assert scheduled is not None and scheduled.astimezone(ZoneInfo("America/Toronto")
                                                          ).strftime("%H:%M") == "03:30"

    again = AppContext(settings=ctx.settings, db=ctx.db, policy=ctx.policy)
    try:
        assert again.scheduler.next_run("selftest-nightly") == expected, "kept in the job store"
    finally:
        again.close()


def test_the_nightly_run_alerts_on_a_stale_pass_then_tests_every_mode(world: AppContext) -> None:
    from gateway.selftest.jobs import run_nightly

    asyncio.run(run_selftest(world))
    later = datetime.now(UTC) + world.policy.selftest.max_age + timedelta(hours=1)
    sent: list[Alert] = []
    canary = private_canary()

    class Services:
        def privacy_locks(self) -> PrivacyLocks:
            return replace(world.privacy_locks(), clock=lambda: later)

        def selftest(self) -> SelfTest:
            tested = selftest_with(world, canary)
            tested.alerts.send = sent.append  # type: ignore[method-assign]
            return tested

    run_nightly(Services())

    assert [(a.mode, a.verdict) for a in sent] == [("withhold", "stale"), ("masked", "stale")]
    assert canary.calls == [WITHHOLD, MASKED_MODE], "then every mode is tested"
