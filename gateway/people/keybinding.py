"""The key file belongs to the database: open it only with the one its values were written with.

A command run with another key file (a test file, a colleague's, a fresh ``keys init``)
would otherwise write new values no one could read alongside the old ones, or fail on
every read with a puzzling message. So the database records the key file's fingerprint
(``KeyRing.fingerprint``, which reveals no key) the first time one is used with it, and
from then on any other key file is refused before a single secret is read or written.

A database from before the fingerprint was recorded is bound on first use, but only
after the key file has opened one of its stored values: an existing database is never
bound to a key file that cannot read it. Binding also seals the audit log under the
key file's audit key (``gateway.audit.service.seal``), and remembers whether values from
before row binding (``sd1:``) may remain, until ``keys rebind`` or ``keys rotate``
rewrites them all; after that the ring refuses such a value (it can only have been
copied in).
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.audit import service as audit
from gateway.errors import KeysUnavailable
from gateway.people.service import ADVOCATE_PHONE_PURPOSE, PHONE_PURPOSE
from gateway.storage.db import Database, lock_for_append
from gateway.storage.keyring import DecryptionError, KeyFileMissing, KeyRing
from gateway.storage.tables import AdvocateRow, KeyFileBindingRow, ParticipantRow

_ONLY_ROW = 1


class KeyFileMismatch(KeysUnavailable):
    """The key file is not the one the database's values were written with."""

    error_id = "key-file-mismatch"


def open_keys(db: Database, key_file: Path, *, now: datetime | None = None) -> KeyRing:
    """Load the key file and check it belongs to ``db`` (binding it on first use)."""
    with db.unit_of_work() as session:
        return keys_for(session, key_file, now=now)


def keys_for(session: Session, key_file: Path, *, now: datetime | None = None) -> KeyRing:
    """``open_keys`` inside the caller's unit of work (the audit log needs its key there)."""
    try:
        keys = KeyRing.load(key_file)
    except KeyFileMissing:
        if holds_ciphertext(session):
            raise KeyFileMissing(
                f"no key file at {key_file}, but the database holds values encrypted "
                "with one: restore that key file from your safe copy (a new key file "
                "cannot open them)"
            ) from None
        raise
    return bind(session, keys=keys, key_file=key_file, now=now)


def holds_ciphertext(session: Session) -> bool:
    """True once any value was encrypted here, or a key file was bound."""
    return any(session.scalars(select(table.id).limit(1)).first() is not None
               for table in (KeyFileBindingRow, ParticipantRow, AdvocateRow))


def bind(session: Session, *, keys: KeyRing, key_file: Path, now: datetime | None = None
         ) -> KeyRing:
    """Refuse ``keys`` unless they are the database's; record them if it has none yet.

    Returns the ring to use: one refusing values from before row binding (``sd1:``)
    once none can remain (all rebound, or none were ever stored).
    """
    row = _binding(session)
    if row is None:
        # Two first uses at once (serve and a command, each with its own key file) must
        # not both bind: take the write lock, then look again under it.
        lock_for_append(session, "safedial.key_binding")
        row = _binding(session)
    if row is None:
        if not _opens_a_stored_value(session, keys):
            raise _mismatch(key_file)
        row = KeyFileBindingRow(id=_ONLY_ROW, fingerprint=keys.fingerprint,
                                bound_at=now or datetime.now(UTC),
                                legacy_values=_stores_values(session))
        session.add(row)
        session.flush()
        audit.seal(session, key=keys.audit_key)
    elif not hmac.compare_digest(row.fingerprint, keys.fingerprint):
        raise _mismatch(key_file)
    return keys if row.legacy_values else keys.refusing_legacy()


def _binding(session: Session) -> KeyFileBindingRow | None:
    return session.scalars(select(KeyFileBindingRow).where(
        KeyFileBindingRow.id == _ONLY_ROW).execution_options(populate_existing=True)).first()


def binding_state(session: Session, *, keys: KeyRing) -> str:
    """For ``keys status``, without binding anything: whose key file the database holds."""
    row = session.get(KeyFileBindingRow, _ONLY_ROW)
    if row is None:
        return "not yet bound to a key file"
    if not hmac.compare_digest(row.fingerprint, keys.fingerprint):
        return "bound to ANOTHER key file (key-file-mismatch)"
    if row.legacy_values:
        return "bound to this key file; values from before row binding remain (keys rebind)"
    return "bound to this key file"


def mark_all_rebound(session: Session) -> None:
    """Every stored value is row-bound now: from here on an ``sd1:`` value is refused."""
    row = session.get(KeyFileBindingRow, _ONLY_ROW)
    if row is not None:
        row.legacy_values = False


def _stores_values(session: Session) -> bool:
    return any(session.scalars(select(table.id).limit(1)).first() is not None
               for table in (ParticipantRow, AdvocateRow))


def _opens_a_stored_value(session: Session, keys: KeyRing) -> bool:
    """True if the database stores nothing yet, or ``keys`` decrypt a stored number."""
    participant = session.scalars(select(ParticipantRow).limit(1)).first()
    advocate = session.scalars(select(AdvocateRow).limit(1)).first()
    try:
        if participant is not None:
            keys.decrypt(participant.phone_enc.encode("ascii"), purpose=PHONE_PURPOSE,
                         record=participant.id)
        elif advocate is not None:
            keys.decrypt(advocate.phone_enc.encode("ascii"), purpose=ADVOCATE_PHONE_PURPOSE,
                         record=advocate.id)
    except DecryptionError:
        return False
    return True


def _mismatch(key_file: Path) -> KeyFileMismatch:
    return KeyFileMismatch(
        f"the key file at {key_file} is not the one this database's values were written "
        "with: nothing was read or written. Set SAFEDIAL_KEY_FILE to that key file (or "
        "restore it from your safe copy)"
    )
