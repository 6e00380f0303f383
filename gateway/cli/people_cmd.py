"""``safedial participant|advocate|admin``: records admins keep. Output never holds a secret."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from gateway.cli import CLI_ACTOR
from gateway.cli.secrets_input import VISIBLE_WARNING, read_dashed_secrets
from gateway.errors import BadInput, ExitCode
from gateway.people import access, caseload
from gateway.people import service as people
from gateway.people.inputs import (
    AdvocateFields,
    NewAdvocate,
    NewParticipant,
    ParticipantFields,
    parse_input,
    parse_phone,
)
from gateway.people.records import get_advocate_row
from gateway.web_auth import accounts
from gateway.wiring import build_context

USERNAME_HELP = ("web sign-in name: 3 to 32 of a-z, 0-9, '.', '_', '-' (stored in lower "
                 "case)")


def _participant_flags(cmd: argparse.ArgumentParser, creating: bool) -> None:
    cmd.add_argument(
        "--alias",
        required=creating,
        help="what advocates see; any script; choose one that does not identify",
    )
    cmd.add_argument(
        "--phone",
        metavar="NUMBER|-",
        required=creating,
        help="the participant's number (E.164, or national in the policy's region); "
             + VISIBLE_WARNING,
    )
    cmd.add_argument(
        "--timezone",
        metavar="IANA",
        required=creating,
        help="the participant's own time zone, e.g. America/Toronto",
    )
    cmd.add_argument(
        "--window",
        metavar="SPEC",
        action="append",
        dest="windows",
        help="safe-call window 'DAYS HH:MM-HH:MM' (repeatable), e.g. 'mon-fri 09:00-17:00'",
    )
    if not creating:
        cmd.add_argument(
            "--clear-windows",
            action="store_true",
            help="remove every window (calls are then refused)",
        )
    cmd.add_argument("--voicemail", metavar="none|generic|script:NAME")
    cmd.add_argument("--on-drop", choices=["callback", "wait"])
    cmd.add_argument("--callback-delay", metavar="MIN", type=int, dest="callback_delay_min")
    cmd.add_argument("--callback-attempts", metavar="N", type=int)
    cmd.add_argument("--caller-id", choices=["withhold", "masked"])
    fallback = cmd.add_mutually_exclusive_group()
    fallback.add_argument(
        "--masked-fallback",
        action="store_true",
        default=None,
        help="agreed: retry with the masked number if a phone rejects withheld calls",
    )
    fallback.add_argument(
        "--no-masked-fallback", action="store_false", dest="masked_fallback", default=None
    )
    for option, dest, what in (
        ("organisation", "voicemail_may_name_organisation", "name the organisation"),
        ("number", "voicemail_may_include_number", "give the masked number to call back"),
    ):
        agreed = cmd.add_mutually_exclusive_group()
        agreed.add_argument(f"--voicemail-{option}", action="store_true", default=None,
                            dest=dest, help=f"agreed: a voicemail may {what}")
        agreed.add_argument(f"--no-voicemail-{option}", action="store_false", default=None,
                            dest=dest)
    cmd.add_argument("--code-word", metavar="WORD|-", help="the agreed code word; "
                     + VISIBLE_WARNING)
    cmd.add_argument(
        "--cover-reason", metavar="TEXT|-",
        help="agreed reason for calling, told to the advocate in the briefing to say if "
             "someone else answers (no organisation name, no number); " + VISIBLE_WARNING,
    )
    if not creating:
        cmd.add_argument("--no-cover-reason", action="store_true",
                         help="remove the cover reason")
    cmd.add_argument("--language", metavar="TAG")
    cmd.add_argument(
        "--pause-until", metavar="DATE", help="do not call before this date (YYYY-MM-DD)"
    )
    cmd.add_argument(
        "--if-other-answers", metavar="none|pause:DAYS",
        help="agreed: after the advocate marks that someone else answered, pause calls "
             "for DAYS days (pending call-backs are always cancelled); default none",
    )


def _hours_flags(cmd: argparse.ArgumentParser, creating: bool) -> None:
    """When call-backs may ring an advocate (the participants' window syntax)."""
    cmd.add_argument(
        "--timezone",
        metavar="IANA",
        help="their own time zone for working hours, e.g. Europe/Paris (default: the agency's)",
    )
    hours = cmd.add_mutually_exclusive_group()
    hours.add_argument(
        "--working-hours",
        metavar="SPEC",
        action="append",
        dest="working_hours",
        help="working hours 'DAYS HH:MM-HH:MM' (repeatable), e.g. 'mon-fri 09:00-17:00'; "
             "call-backs ring them only then (none: any time)",
    )
    if not creating:
        hours.add_argument(
            "--no-working-hours",
            action="store_true",
            help="remove every working-hours window (call-backs may then ring at any time)",
        )


def register(commands: Any) -> None:
    participant = commands.add_parser("participant", help="participants' contact preferences")
    actions = participant.add_subparsers(dest="participant_action", required=True, metavar="ACTION")
    cmd = actions.add_parser("add", help="record a participant; prints the new id")
    _participant_flags(cmd, creating=True)
    cmd.set_defaults(handler=_participant_add)
    cmd = actions.add_parser("update", help="change a participant's preferences")
    cmd.add_argument("id")
    _participant_flags(cmd, creating=False)
    cmd.set_defaults(handler=_participant_update)
    cmd = actions.add_parser("show", help="preferences as JSON (no number, no code word)")
    cmd.add_argument("id")
    cmd.set_defaults(handler=_participant_show)
    cmd = actions.add_parser("list", help="participants as JSON lines")
    cmd.add_argument("--alias", help="only aliases containing this text")
    cmd.set_defaults(handler=_participant_list)
    cmd = actions.add_parser("erase", help="remove all of a participant's data")
    cmd.add_argument("id")
    cmd.set_defaults(handler=_participant_erase)
    for action, handler, what in (
        ("assign", _participant_assign, "add to an advocate's caseload"),
        ("unassign", _participant_unassign, "take out of an advocate's caseload"),
    ):
        cmd = actions.add_parser(action, help=f"{what} (who may see and call them under "
                                              "[access] advocates_see = \"assigned\")")
        cmd.add_argument("id")
        cmd.add_argument("advocate_id", metavar="ADVOCATE_ID")
        cmd.set_defaults(handler=handler)
    cmd = actions.add_parser("advocates", help="the advocates a participant is assigned to, "
                                               "as a JSON list of ids")
    cmd.add_argument("id")
    cmd.set_defaults(handler=_participant_advocates)

    for name, role in (("advocate", "advocate"), ("admin", "admin")):
        parser = commands.add_parser(name, help=f"{name}s: name, own phone, role, language, "
                                                "working hours")
        sub = parser.add_subparsers(dest=f"{name}_action", required=True, metavar="ACTION")
        cmd = sub.add_parser(
            "add", help=f"record a{'n' if name[0] == 'a' else ''} {name}; prints the new id"
        )
        cmd.add_argument("--name", required=True, help="display name used in voicemail scripts")
        cmd.add_argument("--phone", required=True, metavar="E164|-",
                         help="their own phone; " + VISIBLE_WARNING)
        if name == "advocate":
            cmd.add_argument("--role", choices=["advocate", "admin"], default=role)
        else:
            cmd.set_defaults(role="admin")
        cmd.add_argument("--language", default="en", metavar="TAG")
        _hours_flags(cmd, creating=True)
        cmd.add_argument("--username", metavar="U", help=USERNAME_HELP + "; then a one-time "
                         "password is printed on a second line")
        cmd.set_defaults(handler=_advocate_add)
        cmd = sub.add_parser("update", help=f"change a{'n' if name[0] == 'a' else ''} {name}'s "
                                            "time zone, working hours or username")
        cmd.add_argument("id")
        _hours_flags(cmd, creating=False)
        cmd.add_argument("--username", metavar="U", help=USERNAME_HELP)
        cmd.set_defaults(handler=_advocate_update)
        cmd = sub.add_parser("reset-password", help="print a new one-time password (the next "
                                                    "sign-in must choose a password); ends "
                                                    "every web session of the account")
        cmd.add_argument("id")
        cmd.set_defaults(handler=_advocate_reset_password)
        if name == "admin":
            cmd = sub.add_parser("totp", help="an admin's TOTP second factor: --enable prints "
                                              "the otpauth:// URI once (for an authenticator "
                                              "app), --disable removes it")
            cmd.add_argument("id")
            switch = cmd.add_mutually_exclusive_group(required=True)
            switch.add_argument("--enable", action="store_true")
            switch.add_argument("--disable", action="store_true")
            cmd.set_defaults(handler=_admin_totp)
        cmd = sub.add_parser("show", help="the record as JSON (no number)")
        cmd.add_argument("id")
        cmd.set_defaults(handler=_advocate_show)
        cmd = sub.add_parser("token", help="issue an API token (shown once; its id and expiry "
                                           "go to stderr)")
        cmd.add_argument("id")
        cmd.set_defaults(handler=_advocate_token)
        cmd = sub.add_parser("deactivate", help="stop the account at once: revokes its tokens, "
                                                "cancels its pending call-backs")
        cmd.add_argument("id")
        cmd.set_defaults(handler=_advocate_deactivate)
        cmd = sub.add_parser("reactivate", help="let the account act again (issue a new token)")
        cmd.add_argument("id")
        cmd.set_defaults(handler=_advocate_reactivate)


_FIELDS = (
    "alias",
    "phone",
    "timezone",
    "windows",
    "voicemail",
    "on_drop",
    "callback_delay_min",
    "callback_attempts",
    "caller_id",
    "masked_fallback",
    "code_word",
    "language",
    "pause_until",
    "voicemail_may_name_organisation",
    "voicemail_may_include_number",
    "if_other_answers",
    "cover_reason",
)


def _fields(args: argparse.Namespace) -> dict[str, Any]:
    data = {name: getattr(args, name) for name in _FIELDS if getattr(args, name, None) is not None}
    for clear, value in (("clear_windows", "windows"), ("no_cover_reason", "cover_reason")):
        if getattr(args, clear, False) and value in data:
            raise BadInput(f"--{clear.replace('_', '-')} cannot be used with "
                           f"--{value.rstrip('s').replace('_', '-')}: say either what to "
                           "set or that it is cleared")
    if getattr(args, "clear_windows", False):
        data["windows"] = []
    if getattr(args, "no_cover_reason", False):
        data["cover_reason"] = None
    return data


def _participant_add(args: argparse.Namespace) -> int:
    read_dashed_secrets(args)
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        new_id = people.create_participant(
            session, keys=ctx.keys, policy=ctx.policy, actor=CLI_ACTOR,
            fields=parse_input(NewParticipant, _fields(args)))
    print(new_id)
    _confirm_phone(args.phone, ctx.policy.default_region)
    return ExitCode.OK


def _participant_update(args: argparse.Namespace) -> int:
    read_dashed_secrets(args)
    fields = parse_input(ParticipantFields, _fields(args))
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        changed = people.update_participant(
            session, keys=ctx.keys, policy=ctx.policy, actor=CLI_ACTOR,
            participant_id=args.id, fields=fields, callbacks=ctx.callbacks())
    print(json.dumps({"id": args.id, "changed": changed}))
    if args.phone is not None:
        _confirm_phone(args.phone, ctx.policy.default_region)
    return ExitCode.OK


def _confirm_phone(text: str, default_region: str) -> None:
    """The last two digits on standard error, so the admin can check the number with the
    participant; standard output stays what scripts read."""
    ending = parse_phone(text, default_region)[-2:]
    print(f"safedial: the number on file ends in {ending}", file=sys.stderr)


def _participant_show(args: argparse.Namespace) -> int:
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        view = people.show_participant(session, policy=ctx.policy, participant_id=args.id)
    print(json.dumps(view, ensure_ascii=False, indent=2))
    return ExitCode.OK


def _participant_list(args: argparse.Namespace) -> int:
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        for view in people.list_participants(session, policy=ctx.policy, alias=args.alias):
            print(json.dumps(view, ensure_ascii=False))
    return ExitCode.OK


def _participant_erase(args: argparse.Namespace) -> int:
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        people.erase_participant(session, actor=CLI_ACTOR, participant_id=args.id,
                                 callbacks=ctx.callbacks())
    print(f"erased {args.id}")
    return ExitCode.OK


def _participant_assign(args: argparse.Namespace) -> int:
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        changed = caseload.assign(session, actor=CLI_ACTOR, participant_id=args.id,
                                  advocate_id=args.advocate_id)
    print(json.dumps({"id": args.id, "advocate_id": args.advocate_id, "assigned": True,
                      "changed": changed}))
    return ExitCode.OK


def _participant_unassign(args: argparse.Namespace) -> int:
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        result = caseload.unassign(session, actor=CLI_ACTOR, participant_id=args.id,
                                   advocate_id=args.advocate_id, callbacks=ctx.callbacks())
    print(json.dumps({"id": args.id, "advocate_id": args.advocate_id, "assigned": False,
                      "changed": result.changed,
                      "callbacks_cancelled": result.callbacks_cancelled}))
    return ExitCode.OK


def _participant_advocates(args: argparse.Namespace) -> int:
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        print(json.dumps(caseload.advocates_of(session, args.id)))
    return ExitCode.OK


def _hours(args: argparse.Namespace) -> dict[str, Any]:
    data = {name: getattr(args, name) for name in ("timezone", "working_hours")
            if getattr(args, name, None) is not None}
    if getattr(args, "no_working_hours", False):
        data["working_hours"] = []
    return data


def _advocate_add(args: argparse.Namespace) -> int:
    read_dashed_secrets(args)
    fields = parse_input(NewAdvocate, {"name": args.name, "phone": args.phone,
                                       "role": args.role, "language": args.language,
                                       **_hours(args)})
    username = None if args.username is None else accounts.normalize_username(args.username)
    ctx = build_context()
    password = None
    with ctx.db.unit_of_work() as session:
        new_id = people.create_advocate(
            session, keys=ctx.keys, policy=ctx.policy, actor=CLI_ACTOR, fields=fields)
        if username is not None:
            now = datetime.now(UTC)
            accounts.set_username(session, actor=CLI_ACTOR, advocate_id=new_id,
                                  username=username, now=now)
            password = accounts.issue_one_time_password(session, actor=CLI_ACTOR,
                                                        advocate_id=new_id, now=now)
    print(new_id)
    if password is not None:
        print(password)  # the contract: the one-time password is the last line
    return ExitCode.OK


def _advocate_update(args: argparse.Namespace) -> int:
    fields = parse_input(AdvocateFields, _hours(args))
    username = None if args.username is None else accounts.normalize_username(args.username)
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        changed = people.update_advocate(session, actor=CLI_ACTOR, advocate_id=args.id,
                                         fields=fields, callbacks=ctx.callbacks())
        if username is not None and accounts.set_username(
                session, actor=CLI_ACTOR, advocate_id=args.id, username=username,
                now=datetime.now(UTC)):
            changed = sorted([*changed, "username"])
        no_password = get_advocate_row(session, args.id).password_hash is None
    print(json.dumps({"id": args.id, "changed": changed}))
    if username is not None and no_password:
        print(f"safedial: no password yet: `safedial {args.command} reset-password {args.id}` "
              "prints a one-time password", file=sys.stderr)
    return ExitCode.OK


def _advocate_reset_password(args: argparse.Namespace) -> int:
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        password = accounts.issue_one_time_password(session, actor=CLI_ACTOR,
                                                    advocate_id=args.id, now=datetime.now(UTC))
    print(password)
    return ExitCode.OK


def _admin_totp(args: argparse.Namespace) -> int:
    ctx = build_context()
    now = datetime.now(UTC)
    with ctx.db.unit_of_work() as session:
        if args.enable:
            uri = accounts.enable_totp(session, keys=ctx.keys, actor=CLI_ACTOR,
                                       advocate_id=args.id, now=now)
        else:
            changed = accounts.disable_totp(session, actor=CLI_ACTOR, advocate_id=args.id,
                                            now=now)
    if args.enable:
        print(uri)
        print("safedial: add it to the admin's authenticator app now; it is not shown again",
              file=sys.stderr)
    else:
        print(json.dumps({"id": args.id, "second_factor": False, "changed": changed}))
    return ExitCode.OK


def _advocate_show(args: argparse.Namespace) -> int:
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        view = people.show_advocate(session, policy=ctx.policy, advocate_id=args.id)
    print(json.dumps(view, ensure_ascii=False))
    return ExitCode.OK


def _advocate_token(args: argparse.Namespace) -> int:
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        issued = access.create_token(session, actor=CLI_ACTOR, advocate_id=args.id,
                                     days=ctx.policy.token_days)
    print(issued.secret)
    print(f"token {issued.id} expires {issued.expires_at.isoformat()}", file=sys.stderr)
    return ExitCode.OK


def _advocate_deactivate(args: argparse.Namespace) -> int:
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        result = access.deactivate_advocate(session, actor=CLI_ACTOR, advocate_id=args.id,
                                            callbacks=ctx.callbacks())
    print(json.dumps(result))
    return ExitCode.OK


def _advocate_reactivate(args: argparse.Namespace) -> int:
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        result = access.reactivate_advocate(session, actor=CLI_ACTOR, advocate_id=args.id)
    print(json.dumps(result))
    return ExitCode.OK
