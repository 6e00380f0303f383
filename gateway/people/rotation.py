"""Re-encrypt every stored secret under the key ring's active key."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.audit import service as audit
from gateway.people.service import (
    ADVOCATE_PHONE_PURPOSE,
    CODE_WORD_PURPOSE,
    COVER_REASON_PURPOSE,
    PHONE_PURPOSE,
)
from gateway.storage.keyring import KeyRing
from gateway.storage.tables import AdvocateRow, ParticipantRow


def _again(keys: KeyRing, blob: str, purpose: str) -> str:
    data = blob.encode("ascii")
    if not keys.needs_reencrypt(data):
        return blob
    return keys.reencrypt(data, purpose=purpose).decode("ascii")


def reencrypt_all(session: Session, *, keys: KeyRing, actor: str) -> int:
    """Re-encrypt phone numbers, code words and cover reasons; returns the records touched."""
    touched = 0
    for row in session.scalars(select(ParticipantRow)):
        row.phone_enc = _again(keys, row.phone_enc, PHONE_PURPOSE)
        if row.code_word_enc is not None:
            row.code_word_enc = _again(keys, row.code_word_enc, CODE_WORD_PURPOSE)
        if row.cover_reason_enc is not None:
            row.cover_reason_enc = _again(keys, row.cover_reason_enc, COVER_REASON_PURPOSE)
        touched += 1
    for advocate in session.scalars(select(AdvocateRow)):
        advocate.phone_enc = _again(keys, advocate.phone_enc, ADVOCATE_PHONE_PURPOSE)
        touched += 1
    audit.append(session, actor=actor, action="keys.rotated", fields=[f"records={touched}"])
    return touched
