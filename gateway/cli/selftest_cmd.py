"""``safedial selftest`` and ``safedial lock status|clear``: the privacy self-test and its lock.

Exit codes of ``selftest``: 0 every tested mode passed; 3 any failed or was
inconclusive (that mode is now locked, unless the run was only inconclusive
where the self-test is not required: each line says which); 4 the PBX or AMI is
unavailable; 2 bad input (e.g. no canary configured).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from gateway.callerid import CallerIdMode
from gateway.domain.selftest import Judgement, LockCause, Verdict, explain
from gateway.errors import ExitCode
from gateway.selftest.locks import MODES
from gateway.wiring import build_context

MODE_CHOICES = [mode.value for mode in MODES]


def register(commands: Any) -> None:
    cmd = commands.add_parser(
        "selftest", help="call the canary through the real trunk and prove caller ID is private")
    cmd.add_argument("--mode", choices=MODE_CHOICES, help="test one mode (default: every mode)")
    cmd.add_argument("--json", action="store_true", help="one JSON object per mode")
    cmd.set_defaults(handler=_selftest)

    lock = commands.add_parser("lock", help="the privacy lock of each caller-ID mode")
    actions = lock.add_subparsers(dest="lock_action", required=True, metavar="ACTION")
    status = actions.add_parser("status", help="each mode's last verdict, its age and the lock")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=_status)
    clear = actions.add_parser("clear", help="clear a failure lock (after a later pass)")
    clear.add_argument("--mode", choices=MODE_CHOICES, required=True)
    clear.set_defaults(handler=_clear)


def verdict_line(judgement: Judgement, lock: LockCause | None) -> str:
    """One line per mode and the lock as it now stands; a leak is named by role, never by
    number. A run that did not pass need not have locked (an inconclusive run where the
    self-test is not required), and a pass need not have unlocked (a failure awaiting an
    admin's clearance): the line says which, as the lock records have it."""
    if judgement.verdict is Verdict.PASS:
        line = f"{judgement.mode.value}: pass"
        return f"{line} - still locked: {explain(lock)}" if lock else line
    details = [f"check {judgement.check}"] if judgement.check else []
    if judgement.leaked:
        details.append(f"leaked: {judgement.leaked}")
    if judgement.sip_cause:
        details.append(judgement.sip_cause)
    line = f"{judgement.mode.value}: {judgement.verdict.value} ({'; '.join(details)})"
    return f"{line} - {'locked' if lock else 'not locked (self-test not required)'}"


def verdict_json(judgement: Judgement, at: str) -> str:
    return json.dumps({"mode": judgement.mode.value, "verdict": judgement.verdict.value,
                       "check": judgement.check, "sip_cause": judgement.sip_cause, "at": at})


def _selftest(args: argparse.Namespace) -> int:
    ctx = build_context()
    modes = [CallerIdMode(args.mode)] if args.mode else list(MODES)
    selftest = ctx.selftest()
    try:
        report = asyncio.run(selftest.run(modes, trigger="on-demand", actor="cli"))
    finally:
        ctx.alerts.settle()
    at = selftest.clock().isoformat()
    locks = ctx.privacy_locks().causes()
    for judgement in report.judgements:
        print(verdict_json(judgement, at) if args.json
              else verdict_line(judgement, locks[judgement.mode]))
    return ExitCode.OK if report.all_passed else ExitCode.REFUSED


def _status(args: argparse.Namespace) -> int:
    ctx = build_context()
    for mode in ctx.privacy_locks().status():
        print(json.dumps(mode) if args.json else status_line(mode))
    return ExitCode.OK


def status_line(mode: dict[str, Any]) -> str:
    last = mode["last"]
    seen = (f"last {last['verdict']} {mode['age_hours']} h ago" if last
            else "never tested")
    lock = f"LOCKED: {mode['explanation']}" if mode["locked"] else "unlocked"
    warning = "" if mode["selftest_required"] else " (self-test not required: lab setting)"
    return f"{mode['mode']}: {seen}; {lock}{warning}"


def _clear(args: argparse.Namespace) -> int:
    ctx = build_context()
    mode = CallerIdMode(args.mode)
    if ctx.privacy_locks().clear(mode=mode, actor="cli"):
        print(f"cleared the failure lock of {mode.value}")
    else:
        print(f"{mode.value} has no failure to clear")
    return ExitCode.OK
