"""``safedial call``: place one call and print its outcome as one JSON line.

``--participant ID --advocate ID`` is the policy-gated call. ``--lab`` takes
raw numbers and no participant record, for operators testing their own
phones; it runs only with a lab's settings (``SAFEDIAL_LAB=true``) and is audited,
and it still enforces caller-ID privacy (the dialplan does too).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from gateway.audit import service as audit
from gateway.callerid import CallerIdMode
from gateway.calls.models import CallReport, DialRequest, Outcome
from gateway.calls.service import place_call
from gateway.cli import CLI_ACTOR
from gateway.errors import BadInput, ExitCode, Refused
from gateway.pbx.dialvars import DIALPLAN_REFUSALS
from gateway.phone import InvalidPhoneNumber, PhoneNumber
from gateway.settings import Settings, get_settings
from gateway.wiring import AppContext, build_context, call_control_for, verify_pbx_safe_for


def register(commands: Any) -> None:
    cmd = commands.add_parser(
        "call", help="place one call: --participant ID --advocate ID (policy-gated), or --lab"
    )
    cmd.add_argument("--participant", metavar="ID", help="participant record id")
    cmd.add_argument("--advocate", metavar="ID", help="advocate record id (their phone rings)")
    cmd.add_argument(
        "--lab", action="store_true",
        help="lab call with raw numbers and no participant record (only with SAFEDIAL_LAB=true)",
    )
    cmd.add_argument("--advocate-phone", metavar="E164", help="the advocate's own phone")
    cmd.add_argument("--participant-phone", metavar="E164", help="the phone to reach")
    cmd.add_argument(
        "--mode",
        choices=[mode.value for mode in CallerIdMode],
        help="caller ID the participant sees: withhold or masked",
    )
    cmd.add_argument(
        "--timeout",
        type=int,
        metavar="S",
        help="seconds each phone may ring (5-120; default from settings)",
    )
    cmd.set_defaults(handler=_call)


def _phone(value: str | None, flag: str) -> PhoneNumber:
    if not value:
        raise BadInput(f"{flag} is required")
    try:
        return PhoneNumber(value)
    except InvalidPhoneNumber as exc:
        raise BadInput(f"{flag}: {exc}") from None


def _request(args: argparse.Namespace, settings: Settings) -> DialRequest:
    if not args.lab:
        raise BadInput(
            "raw phone numbers are only accepted with --lab (lab calls with no participant record)"
        )
    if args.mode is None:
        raise BadInput("--mode withhold|masked is required")
    try:
        return DialRequest(
            advocate=_phone(args.advocate_phone, "--advocate-phone"),
            participant=_phone(args.participant_phone, "--participant-phone"),
            mode=CallerIdMode(args.mode),
            ring_timeout_s=args.timeout or settings.ring_timeout_s,
            detect_machine=False,  # a lab call tests the phones, not the voicemail rules
        )
    except ValueError as exc:
        raise BadInput(str(exc)) from None


async def _place(settings: Settings, request: DialRequest) -> CallReport:
    return await place_call(
        connect=lambda: call_control_for(settings),
        request=request,
        verify_pbx_safe=lambda: asyncio.to_thread(verify_pbx_safe_for, settings),
    )


class NotALab(BadInput):
    """``call --lab`` outside a lab: raw numbers and no gate are for lab phones only."""

    error_id = "lab-only"


def _audit_lab_call(ctx: AppContext, action: str, fields: list[str]) -> None:
    """Who tried a gate-less call, and when, is on the record (never the numbers)."""
    with ctx.db.unit_of_work() as session:
        audit.append(session, actor=CLI_ACTOR, action=action, fields=fields)


def _call(args: argparse.Namespace) -> int:
    if args.participant or args.advocate:
        return _gated_call(args)
    settings = get_settings()
    ctx = build_context(settings)
    if args.lab and not settings.lab:
        _audit_lab_call(ctx, "call.lab-refused", [])
        raise NotALab("'call --lab' dials raw numbers past the policy gate, so it runs only "
                      "with a lab's settings (SAFEDIAL_LAB=true, as 'make run' sets); use "
                      "'call --participant ID --advocate ID'")
    request = _request(args, settings)
    _audit_lab_call(ctx, "call.lab", [f"mode.{request.mode.value}"])
    locks = ctx.privacy_locks().state()
    if request.mode in locks.locked_modes:  # lab calls are subject to the privacy lock too
        why = [reason for reason in locks.reasons if reason.startswith(f"{request.mode.value}: ")]
        raise Refused(f"caller-ID mode {'; '.join(why) or request.mode.value} - locked; "
                      "run 'safedial selftest' (see 'safedial lock status')")
    report = asyncio.run(_place(settings, request))
    print(report.as_json_line())
    if report.outcome is Outcome.REFUSED:
        print(
            f"safedial: the PBX refused to dial the participant ({report.refusal})", file=sys.stderr
        )
        return ExitCode.REFUSED
    return ExitCode.OK


def _gated_call(args: argparse.Namespace) -> int:
    """The policy-gated form: refused means nothing is placed, the decision printed, exit 3."""
    if args.lab or args.advocate_phone or args.participant_phone or args.mode:
        raise BadInput("--participant/--advocate take no raw numbers, --lab or --mode: "
                       "the participant's preferences decide")
    if not (args.participant and args.advocate):
        raise BadInput("both --participant ID and --advocate ID are required")
    ctx = build_context()
    gate = ctx.gate()
    prepared = gate.prepare(participant_id=args.participant, advocate_id=args.advocate,
                            actor="cli")  # a refusal raises CallRefused: decision on stdout, exit 3
    report = asyncio.run(gate.run(prepared, participant_id=args.participant,
                                  advocate_id=args.advocate, actor="cli"))
    print(report.as_json_line())
    if report.outcome is Outcome.REFUSED:
        why = DIALPLAN_REFUSALS.get(report.refusal or "", report.refusal)
        print(f"safedial: not dialled: {why}", file=sys.stderr)
        return ExitCode.REFUSED
    return ExitCode.OK
