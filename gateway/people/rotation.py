"""Re-encrypt every stored secret under the key ring's active key, bound to its row.

Secrets: participants' numbers, code words and cover reasons; advocates' numbers and
admins' TOTP secrets.

Used by ``keys rotate`` (with the next ring, before the key file is saved) and by
``keys rebind`` (with the current ring: rewrites values from before values were bound
to their row, ``sd1:``, as ``sd2:``). Every value is decrypted first, so one swapped in
from another row stops the whole run and the unit of work rolls back.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.audit import service as audit
from gateway.people import keybinding
from gateway.people.service import (
    ADVOCATE_PHONE_PURPOSE,
    CODE_WORD_PURPOSE,
    COVER_REASON_PURPOSE,
    PHONE_PURPOSE,
)
from gateway.storage.keyring import KeyRing
from gateway.storage.tables import AdvocateRow, ParticipantRow
from gateway.web_auth.totp import PURPOSE as TOTP_PURPOSE


def _again(keys: KeyRing, blob: str, purpose: str, record: str) -> str:
    data = blob.encode("ascii")
    if not keys.needs_reencrypt(data):
        # Still checked: a value swapped in from another row must not pass unnoticed.
        keys.decrypt(data, purpose=purpose, record=record)
        return blob
    return keys.reencrypt(data, purpose=purpose, record=record).decode("ascii")


def reencrypt_all(session: Session, *, keys: KeyRing, actor: str,
                  action: str = "keys.rotated") -> int:
    """Re-encrypt every secret (see the module); returns the records touched."""
    touched = 0
    for row in session.scalars(select(ParticipantRow)):
        row.phone_enc = _again(keys, row.phone_enc, PHONE_PURPOSE, row.id)
        if row.code_word_enc is not None:
            row.code_word_enc = _again(keys, row.code_word_enc, CODE_WORD_PURPOSE, row.id)
        if row.cover_reason_enc is not None:
            row.cover_reason_enc = _again(keys, row.cover_reason_enc, COVER_REASON_PURPOSE,
                                          row.id)
        touched += 1
    for advocate in session.scalars(select(AdvocateRow)):
        advocate.phone_enc = _again(keys, advocate.phone_enc, ADVOCATE_PHONE_PURPOSE, advocate.id)
        if advocate.totp_secret_enc is not None:
            advocate.totp_secret_enc = _again(keys, advocate.totp_secret_enc, TOTP_PURPOSE,
                                              advocate.id)
        touched += 1
    keybinding.mark_all_rebound(session)
    audit.append(session, actor=actor, action=action, fields=[f"records={touched}"])
    return touched
