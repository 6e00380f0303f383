"""``safedial token list|revoke``: API tokens by public id (the secret is never shown again)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from gateway.cli import CLI_ACTOR
from gateway.errors import ExitCode
from gateway.people import access
from gateway.wiring import build_context


def register(commands: Any) -> None:
    parser = commands.add_parser("token", help="API tokens: list them, revoke one")
    actions = parser.add_subparsers(dest="token_action", required=True, metavar="ACTION")
    cmd = actions.add_parser("list", help="tokens as JSON lines (id, state, expiry, last use)")
    cmd.add_argument("--advocate", metavar="ID", help="only this advocate's")
    cmd.add_argument("--active", action="store_true", help="only tokens that still work")
    cmd.set_defaults(handler=_list)
    cmd = actions.add_parser("revoke", help="stop a token at once, by its id (tok_...)")
    cmd.add_argument("id", metavar="TOKEN_ID")
    cmd.set_defaults(handler=_revoke)


def _list(args: argparse.Namespace) -> int:
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        views = access.list_tokens(session, advocate_id=args.advocate, active_only=args.active)
    for view in views:
        print(json.dumps(view))
    return ExitCode.OK


def _revoke(args: argparse.Namespace) -> int:
    ctx = build_context()
    with ctx.db.unit_of_work() as session:
        revoked = access.revoke_token(session, actor=CLI_ACTOR, token_id=args.id)
    print(json.dumps({"id": args.id, "revoked": True, "already": not revoked}))
    return ExitCode.OK
