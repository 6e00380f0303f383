"""``safedial keys init|rotate|status``: the encryption keys, kept outside the database."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gateway.errors import ExitCode
from gateway.people.rotation import reencrypt_all
from gateway.settings import get_settings
from gateway.storage.keyring import KeyRing, init_key_file
from gateway.wiring import build_context

LOST_KEY_WARNING = (
    "Keep a copy of this key file somewhere safe and separate from the database:\n"
    "a lost key file means every phone number and code word is lost with it."
)


def register(commands: Any) -> None:
    keys = commands.add_parser("keys", help="encryption keys for numbers and code words")
    actions = keys.add_subparsers(dest="keys_action", required=True, metavar="ACTION")
    actions.add_parser("init", help="create the key file (SAFEDIAL_KEY_FILE)").set_defaults(
        handler=_init)
    actions.add_parser("rotate", help="new active key; re-encrypt everything; keep old keys "
                                      "(retired) so older backups stay restorable").set_defaults(
        handler=_rotate)
    actions.add_parser("status", help="key ids, which is active").set_defaults(handler=_status)


def _init(_args: argparse.Namespace) -> int:
    path = get_settings().key_file
    init_key_file(path)
    print(f"created key file {path}")
    print(LOST_KEY_WARNING, file=sys.stderr)
    return ExitCode.OK


def _rotate(_args: argparse.Namespace) -> int:
    ctx = build_context()
    rotated = KeyRing.load(ctx.settings.key_file).rotate(ctx.settings.key_file)
    with ctx.db.unit_of_work() as session:
        touched = reencrypt_all(session, keys=rotated, actor="cli")
    print(f"active key is now {rotated.active_key_id}; re-encrypted {touched} record(s)")
    print(LOST_KEY_WARNING, file=sys.stderr)
    return ExitCode.OK


def _status(_args: argparse.Namespace) -> int:
    ring = KeyRing.load(get_settings().key_file)
    for key_id, retired in ring.key_ids():
        print(f"{key_id}\t{'retired' if retired else 'active'}")
    return ExitCode.OK
