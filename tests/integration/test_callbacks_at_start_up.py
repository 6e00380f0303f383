"""Call-backs left by a stopped gateway are neither lost nor doubled when ``serve`` starts.

A real ``safedial serve`` process (real scheduler, real database) runs the
call-backs that became due while it was down, through the real Asterisk to a
sipp far end that records every INVITE. Before the first job runs, it
reconciles: what can no longer happen within its bounds is ``expired`` and
audited, a pending call-back that lost its job gets one again.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.audit import service as audit
from gateway.callbacks.planning import CallbackPlan
from gateway.callbacks.service import RUN_DUE
from gateway.lab.scenario import Answer, RingNoAnswer
from gateway.people import caseload
from gateway.wiring import AppContext
from tests.integration.cli_helpers import SAFEDIAL
from tests.integration.conftest import CarrierLab, copy_selftested
from tests.support.numbers import ADVOCATE, PARTICIPANT
from tests.support.world import add_advocate, add_participant

ALWAYS = ["mon-sun 00:00-24:00"]


@pytest.fixture
def world(carrier_lab: CarrierLab, selftested: Path, tmp_path: Path) -> Iterator[AppContext]:
    """The carrier lab's gateway, unlocked by the session's real passing self-test."""
    copy_selftested(selftested, tmp_path)
    ctx = carrier_lab.world(tmp_path, SAFEDIAL_RING_TIMEOUT_S="5")
    yield ctx
    ctx.close()


def left_by_a_stopped_gateway(ctx: AppContext, *, dropped_ago: timedelta,
                              delay: timedelta = timedelta(minutes=15)) -> str:
    """A call-back as the last gateway stored it (row and job): dropped ``dropped_ago``,
    due ``delay`` after the drop."""
    participant_id = add_participant(ctx, windows=ALWAYS, on_drop="callback")
    advocate_id = add_advocate(ctx, phone=ADVOCATE)
    with ctx.db.unit_of_work() as session:  # `serve` runs the shipped policy: caseloads
        caseload.assign(session, actor="test", participant_id=participant_id,
                        advocate_id=advocate_id)
    dropped = datetime.now(UTC) - dropped_ago
    due = dropped + delay
    return ctx.callbacks().create(plan=CallbackPlan(1, 3, due, due),
                                  participant_id=participant_id, advocate_id=advocate_id,
                                  origin_call_id="origin", now=dropped)


def free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Serve:
    """``safedial serve`` as a process, stopped by its pid."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self._log = log.open("w")
        self.port = free_tcp_port()
        self.process = subprocess.Popen(
            [SAFEDIAL, "serve", "--port", str(self.port)],
            env={**os.environ, **env}, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout_s: float = 30) -> None:
        """Until it answers: its start-up (migrations, reconciliation) is then done."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{self.port}/api/health", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("safedial serve did not come up")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()


def wait_until_settled(ctx: AppContext, ids: list[str], timeout_s: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout_s
    while True:
        states = {cid: ctx.callbacks().status_of(cid) for cid in ids}
        if all(state not in ("pending", "running") for state in states.values()):
            return states
        if time.monotonic() > deadline:
            return states
        time.sleep(0.5)


def test_overdue_call_backs_run_once_each_and_those_past_their_bounds_expire(
    world: AppContext, carrier_lab: CarrierLab, tmp_path: Path
) -> None:
    overdue = [left_by_a_stopped_gateway(world, dropped_ago=timedelta(minutes=30))
               for _ in range(2)]
    too_late = [left_by_a_stopped_gateway(world, dropped_ago=timedelta(days=2))
                for _ in range(2)]
    later = left_by_a_stopped_gateway(world, dropped_ago=timedelta(minutes=1),
                                      delay=timedelta(hours=2))
    world.scheduler.unschedule(later)  # its job was lost
    world.scheduler.shutdown()
    phone = carrier_lab.phones(tmp_path / "phones", {ADVOCATE: RingNoAnswer(),
                                                     PARTICIPANT: Answer()})

    server = Serve(world.env, tmp_path / "serve.log")  # type: ignore[attr-defined]
    try:
        states = wait_until_settled(world, overdue + too_late, timeout_s=60)
    finally:
        server.stop()
    phone.stop()

    log = (tmp_path / "serve.log").read_text()
    assert states == {**dict.fromkeys(overdue, "missed"), **dict.fromkeys(too_late, "expired")}, log
    invites = [m.request_user for m in phone.dialogs().received_invites()]
    assert invites == [ADVOCATE, ADVOCATE], "each overdue call-back rang its advocate once"
    with world.db.unit_of_work() as session:
        actions = [entry.action for entry in audit.records(session)]
    assert actions.count("callback.expired") == 2
    assert actions.count("callback.missed") == 2

    again = Serve(world.env, tmp_path / "serve-again.log")  # type: ignore[attr-defined]
    try:
        again.wait_ready()
    finally:
        again.stop()
    fresh = AppContext(settings=world.settings, db=world.db, policy=world.policy)
    try:
        assert fresh.scheduler.job_ids_for(RUN_DUE) == [later], \
            "after a restart the job store holds exactly the pending call-backs"
        assert [row["id"] for row in fresh.callbacks().list()] == [later]
    finally:
        fresh.scheduler.shutdown()
