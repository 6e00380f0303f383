"""``safedial audit verify|purge``: the hash-chained audit log."""

from __future__ import annotations

import argparse
import json
from typing import Any

from gateway.audit import service as audit
from gateway.cli import CLI_ACTOR
from gateway.errors import ExitCode
from gateway.storage.auditchain import BrokenChainError
from gateway.wiring import build_context


def register(commands: Any) -> None:
    parser = commands.add_parser("audit", help="verify or purge the audit log")
    actions = parser.add_subparsers(dest="audit_action", required=True, metavar="ACTION")
    actions.add_parser("verify", help="exit 0 only when the chain is intact").set_defaults(
        handler=_verify)
    cmd = actions.add_parser("purge", help="remove entries older than the policy's retention")
    cmd.set_defaults(handler=_purge)
    actions.add_parser(
        "accept-restore",
        help="after restoring an older database on purpose: audit how many entries were lost "
             "and let verify pass again").set_defaults(handler=_accept_restore)
    cmd = actions.add_parser("show", help="entries as JSON lines (ids and field names only)")
    cmd.add_argument("--participant", help="only this participant's entries")
    cmd.set_defaults(handler=_show)


def _verify(_args: argparse.Namespace) -> int:
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        check = audit.verify(session)
    if check.ok:
        print(f"audit log intact ({check.checked} entries)")
        return ExitCode.OK
    where = f" at entry {check.bad_seq}" if check.bad_seq is not None else ""
    print(f"audit log BROKEN{where}: {check.problem}")
    return BrokenChainError.exit_code  # what `audit purge` exits with on the same chain


def _accept_restore(_args: argparse.Namespace) -> int:
    """A chain broken otherwise raises ``BrokenChainError`` (refused): nothing changes."""
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        lost = audit.accept_restore(session, actor=CLI_ACTOR)
    print(f"restore accepted: {lost} audit entries are missing from this database "
          "(recorded in the audit log)")
    return ExitCode.OK


def _purge(_args: argparse.Namespace) -> int:
    """A broken chain raises ``BrokenChainError`` (refused): nothing is purged."""
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        removed = audit.purge(session, retention_days=ctx.policy.retention_days)
    print(f"purged {removed} entries older than {ctx.policy.retention_days} days")
    return ExitCode.OK


def _show(args: argparse.Namespace) -> int:
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        for record in audit.records(session, participant=args.participant):
            print(json.dumps({"seq": record.seq, "at": record.at, "actor": record.actor,
                              "participant": record.participant, "action": record.action,
                              "fields": list(record.fields), "kind": record.kind}))
    return ExitCode.OK
