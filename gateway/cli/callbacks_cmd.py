"""``safedial callbacks list|cancel`` and ``safedial records list|purge``."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from gateway.calls import records
from gateway.errors import ExitCode
from gateway.wiring import build_context


def register(commands: Any) -> None:
    parser = commands.add_parser("callbacks", help="call-backs scheduled after dropped calls")
    actions = parser.add_subparsers(dest="callbacks_action", required=True, metavar="ACTION")
    cmd = actions.add_parser("list", help="pending call-backs as JSON lines")
    cmd.add_argument("--advocate", metavar="ID", help="only this advocate's")
    cmd.add_argument("--all", action="store_true", help="include finished and cancelled ones")
    cmd.set_defaults(handler=_list)
    cmd = actions.add_parser("cancel", help="cancel a pending call-back")
    cmd.add_argument("id")
    cmd.set_defaults(handler=_cancel)

    parser = commands.add_parser("records", help="call records (ids, times, outcomes; no numbers)")
    actions = parser.add_subparsers(dest="records_action", required=True, metavar="ACTION")
    cmd = actions.add_parser("list", help="call records as JSON lines")
    cmd.add_argument("--participant", metavar="ID")
    cmd.set_defaults(handler=_records)
    cmd = actions.add_parser("purge", help="delete records older than the policy's retention")
    cmd.set_defaults(handler=_purge)


def _list(args: argparse.Namespace) -> int:
    ctx = build_context()
    for item in ctx.callbacks().list(advocate_id=args.advocate, pending_only=not args.all):
        print(json.dumps(item))
    return ExitCode.OK


def _cancel(args: argparse.Namespace) -> int:
    ctx = build_context()
    ctx.callbacks().cancel(callback_id=args.id, actor="cli")
    print(f"cancelled {args.id}")
    return ExitCode.OK


def _records(args: argparse.Namespace) -> int:
    ctx = build_context()
    for item in records.list_records(ctx.db, participant_id=args.participant):
        print(json.dumps(item))
    return ExitCode.OK


def _purge(_args: argparse.Namespace) -> int:
    ctx = build_context()
    removed = records.purge_records(ctx.db, retention_days=ctx.policy.retention_days,
                                    now=datetime.now(UTC))
    print(f"purged {removed} call records older than {ctx.policy.retention_days} days")
    return ExitCode.OK
