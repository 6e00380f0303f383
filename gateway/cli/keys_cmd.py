"""``safedial keys init|rotate|rebind|status``: the encryption keys, kept outside the database."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gateway.errors import ExitCode
from gateway.people import keybinding
from gateway.people.rotation import reencrypt_all
from gateway.storage.keyring import KeyFileError, KeyRing, init_key_file
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
    actions.add_parser("rebind", help="re-encrypt values from before values were bound to "
                                      "their row (sd1:) so each opens only in its own row"
                       ).set_defaults(handler=_rebind)
    actions.add_parser("status", help="key ids, which is active").set_defaults(handler=_status)


def _init(_args: argparse.Namespace) -> int:
    ctx = build_context()
    path = ctx.settings.key_file
    with ctx.db.unit_of_work() as session:
        if not path.exists() and keybinding.holds_ciphertext(session):
            raise KeyFileError(
                f"no key file at {path}, but the database holds values encrypted with one: "
                "restore that key file from your safe copy (a new key file cannot open them)"
            )
    init_key_file(path)
    print(f"created key file {path}")
    print(LOST_KEY_WARNING, file=sys.stderr)
    return ExitCode.OK


def _rotate(_args: argparse.Namespace) -> int:
    """Re-encrypt every row under the new key *before* saving the key file, so a value
    that does not decrypt stops the rotation with the key file as it was."""
    ctx = build_context()
    current = ctx.keys
    rotated = current.rotated()
    with ctx.db.unit_of_work() as session:
        touched = reencrypt_all(session, keys=rotated, actor="cli")
        session.flush()
        rotated.save_over(ctx.settings.key_file, previous=current)
    print(f"active key is now {rotated.active_key_id}; re-encrypted {touched} record(s)")
    print(LOST_KEY_WARNING, file=sys.stderr)
    return ExitCode.OK


def _rebind(_args: argparse.Namespace) -> int:
    """Once after upgrading: rows written before values were bound to their row stay
    readable, but only a rewrite stops one being swapped into another row."""
    ctx = build_context()
    keys = ctx.keys
    with ctx.db.unit_of_work() as session:
        touched = reencrypt_all(session, keys=keys, actor="cli", action="keys.rebound")
    print(f"every value is bound to its row; checked {touched} record(s)")
    return ExitCode.OK


def _status(_args: argparse.Namespace) -> int:
    """Key ids, the fingerprint and whether the database belongs to this key file: enough
    to tell which safe copy matches which database, and nothing that opens either."""
    ctx = build_context()
    ring = KeyRing.load(ctx.settings.key_file)
    for key_id, retired in ring.key_ids():
        print(f"{key_id}\t{'retired' if retired else 'active'}")
    with ctx.db.unit_of_work() as session:
        state = keybinding.binding_state(session, keys=ring)
    print(f"fingerprint\t{ring.fingerprint[:16]}")
    print(f"database\t{state}")
    return ExitCode.OK
