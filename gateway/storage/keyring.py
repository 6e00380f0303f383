"""Encryption keys held outside the database (DESIGN rule 5: collect the least).

Participant phone numbers and code words are stored only as ciphertext, and the keys
live in a separate key file held by the program, so a copied database or backup
alone reveals nothing. The key file is the one thing that must never be lost: without
it every encrypted value is gone for good, which is why ``init_key_file`` refuses to
overwrite one and every write is atomic (temporary file, fsync, rename).

Key file (JSON, mode 0600, keys listed oldest first)::

    {"version": 1,
     "keys": [{"id": "k3f9a01c2", "created": ISO8601, "retired": ISO8601 | null, "key": base64}],
     "index_key": base64}

Exactly one key is active (not retired), and it is the last one listed. Retired keys
are kept so older ciphertexts, and older backups, stay readable. Key ids are random
(older files have ``k1``, ``k2``...): two key files never share one, so a value written
under another key file names a key this one does not hold.

Fingerprint: HMAC-SHA256 under ``index_key`` of a fixed label. The database records it
(``gateway.people.keybinding``) so a command run with another key file refuses instead
of writing values nobody can read together. It survives rotation (the index key is
never rotated) and reveals nothing about any key.

Ciphertext: ``b"sd2:" + key_id + b":" + base64(nonce + AES-256-GCM(plaintext))``,
ASCII, fitting a text or blob column. The associated data is the *purpose*
(``"participant.phone"``) and the *record* (the row's id), so a ciphertext copied into
another field, or swapped into another row, fails to decrypt instead of being shown
(or dialled) as the wrong person's. Nonces are random (96 bits): safe for far more
values than a program stores under one key.

``sd1:`` values, from before values were bound to their row, have the purpose alone
as associated data. They still decrypt, and ``needs_reencrypt`` reports them, so
``safedial keys rebind`` (or ``keys rotate``) rewrites them as ``sd2:``; from then on
the database's ring is ``refusing_legacy()``, so an old value copied back in is refused.

Blind index: HMAC-SHA256 under ``index_key`` recognises a value ("is this number
already on file?") without storing it. ``rotate()`` does not change ``index_key``, so
lookups keep working across rotations. Callers normalise first (``PhoneNumber.e164``).

Errors (neither message ever contains plaintext or key bytes)::

    KeyFileError      the key file is missing, unreadable, corrupt or open to others
    KeyFileMissing    there is no key file at the path (a KeyFileError)
    DecryptionError   a value cannot be decrypted: wrong or missing key, altered, or
                      stored under another purpose; never garbage, never None
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, NamedTuple, NoReturn, TypeGuard

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gateway.errors import KeysUnavailable
from gateway.storage.private import write_private_file

FILE_VERSION: Final = 1
PREFIX: Final = b"sd2:"
#: Before values were bound to their row: readable, rewritten by ``keys rebind``.
LEGACY_PREFIX: Final = b"sd1:"
_KEY_BYTES: Final = 32
_NONCE_BYTES: Final = 12
_TAG_BYTES: Final = 16
_KEY_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,32}")
_PURPOSE: Final = re.compile(r"[A-Za-z0-9_.-]{1,64}")
#: Hold a space, which no purpose may: neither ever equals a blind index.
_FINGERPRINT_LABEL: Final = b"safedial key file fingerprint v1"
_AUDIT_LABEL: Final = b"safedial audit chain v1"
_PROMPT_CACHE_LABEL: Final = b"safedial prompt cache names v1"

PathArg = str | os.PathLike[str]


class KeyFileError(KeysUnavailable):
    """The key file cannot be used. The message says what to do about it."""


class KeyFileMissing(KeyFileError):
    """No key file at the path; whoever knows whether data exists says what to do."""


class DecryptionError(KeysUnavailable):
    """A stored value cannot be decrypted with the keys at hand."""


class KeyInfo(NamedTuple):
    """What ``safedial keys status`` may show about one key: never the key itself."""

    id: str
    retired: bool


@dataclass(frozen=True)
class _Key:
    id: str
    created: str
    retired: str | None
    material: bytes = field(repr=False)


class KeyRing:
    """The program's keys, loaded from the key file. Build it with ``load`` or ``init_key_file``."""

    __slots__ = ("_ciphers", "_index_key", "_keys", "_legacy")

    def __init__(self, keys: Sequence[_Key], index_key: bytes, *, legacy: bool = True) -> None:
        self._keys = tuple(keys)
        self._index_key = index_key
        self._legacy = legacy
        self._ciphers = {key.id: AESGCM(key.material) for key in self._keys}

    @classmethod
    def load(cls, path: PathArg) -> KeyRing:
        """Read and check the key file; refuse one that other users could read."""
        path = Path(path)
        return _parse(_read_json(path), path)

    @property
    def active_key_id(self) -> str:
        return self._keys[-1].id

    @property
    def fingerprint(self) -> str:
        """Names this key file (and its rotations) without revealing a key: see the module."""
        return hmac.new(self._index_key, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()

    @property
    def audit_key(self) -> bytes:
        """The audit chain's HMAC key, derived from the index key (so it survives rotation,
        and the chain stays verifiable); never stored."""
        return hmac.new(self._index_key, _AUDIT_LABEL, hashlib.sha256).digest()

    @property
    def prompt_cache_key(self) -> bytes:
        """Names the shared prompt cache's files: a plain hash of a voicemail's text (the
        advocate's name, the organisation) could be confirmed by guessing; never stored."""
        return hmac.new(self._index_key, _PROMPT_CACHE_LABEL, hashlib.sha256).digest()

    def refusing_legacy(self) -> KeyRing:
        """The same keys, refusing ``sd1:`` values: for a database whose values were all
        rebound, where one can only have been copied in (from an old backup, another row)."""
        return KeyRing(self._keys, self._index_key, legacy=False)

    def key_ids(self) -> tuple[KeyInfo, ...]:
        """Every key id, oldest first, and whether it is retired (all but the last are)."""
        return tuple(KeyInfo(key.id, key.retired is not None) for key in self._keys)

    def encrypt(self, plaintext: str, *, purpose: str, record: str) -> bytes:
        """Encrypt under the active key, bound to ``purpose`` and ``record`` (the row id);
        a fresh nonce every time."""
        if not isinstance(plaintext, str):
            raise TypeError("encrypt() takes the text itself (for a number: number.e164)")
        aad = _associated(PREFIX, purpose, record)
        nonce = secrets.token_bytes(_NONCE_BYTES)
        key_id = self.active_key_id
        sealed = self._ciphers[key_id].encrypt(nonce, _utf8(plaintext), aad)
        return PREFIX + key_id.encode("ascii") + b":" + base64.b64encode(nonce + sealed)

    def decrypt(self, blob: bytes, *, purpose: str, record: str) -> str:
        """Decrypt with the key named in ``blob`` (retired ones too), else ``DecryptionError``.

        The value must have been written for this ``purpose`` and this ``record``.
        """
        prefix, key_id, payload = _split(blob, purpose)
        aad = _associated(prefix, purpose, record)
        if prefix == LEGACY_PREFIX and not self._legacy:
            raise DecryptionError(
                f"cannot decrypt {purpose}: it is not bound to its record, but every stored "
                "value was rebound, so it was copied in from elsewhere (an old backup?)"
            )
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise DecryptionError(f"cannot decrypt {purpose}: wrong or missing key {key_id}")
        try:
            plain = cipher.decrypt(payload[:_NONCE_BYTES], payload[_NONCE_BYTES:], aad)
        except InvalidTag:
            raise DecryptionError(
                f"cannot decrypt {purpose}: wrong or missing key {key_id} "
                "(or the value was altered, or it belongs to another field or record)"
            ) from None
        return plain.decode("utf-8")

    def needs_reencrypt(self, blob: bytes) -> bool:
        """True when ``blob`` is not under the active key (after a rotation) or not bound to
        its row (an ``sd1:`` value): re-encrypt it."""
        prefix, key_id, _ = _split(blob, "value")
        return prefix != PREFIX or key_id != self.active_key_id

    def reencrypt(self, blob: bytes, *, purpose: str, record: str) -> bytes:
        """A fresh, row-bound ciphertext of the same value under the active key (checks the
        old one, so a value swapped in from another row fails here too)."""
        plain = self.decrypt(blob, purpose=purpose, record=record)
        return self.encrypt(plain, purpose=purpose, record=record)

    def blind_index(self, value: str, *, purpose: str) -> str:
        """HMAC-SHA256 (hex) of ``value`` for ``purpose``: equal values match, nothing is stored."""
        message = _purpose_bytes(purpose) + b"\0" + _utf8(value)
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()

    def rotate(self, path: PathArg, *, now: datetime | None = None) -> KeyRing:
        """Retire the active key, add a new active one, save atomically; return the new ring.

        Old keys are kept so existing rows and older backups stay readable; move rows to
        the new key with ``needs_reencrypt``/``reencrypt``. To re-encrypt *before* the file
        changes (so a failure leaves it as it was), use ``rotated`` then ``save_over``.
        """
        ring = self.rotated(now=now)
        ring.save_over(path, previous=self)
        return ring

    def rotated(self, *, now: datetime | None = None) -> KeyRing:
        """The next ring (active key retired, a new one active), in memory only.

        The index key is not rotated (blind indexes would stop matching), so the
        fingerprint stays the same.
        """
        stamp = _timestamp(now)
        kept = [_Key(k.id, k.created, k.retired or stamp, k.material) for k in self._keys]
        fresh = _Key(_new_id(), stamp, None, AESGCM.generate_key(bit_length=256))
        return KeyRing([*kept, fresh], self._index_key, legacy=self._legacy)

    def save_over(self, path: PathArg, *, previous: KeyRing) -> None:
        """Replace the key file, which must still hold ``previous`` exactly.

        Refuses if the file changed since loading, because saving over it could drop
        a key someone else just added.
        """
        path = Path(path)
        if not previous._same_keys(KeyRing.load(path)):
            raise KeyFileError(
                f"the key file at {path} changed since it was loaded: load it again, then rotate"
            )
        _write_atomically(path, self._to_json(), overwrite=True)

    def _same_keys(self, other: KeyRing) -> bool:
        mine = [(k.id, k.material) for k in self._keys]
        return mine == [(k.id, k.material) for k in other._keys] and hmac.compare_digest(
            self._index_key, other._index_key
        )

    def _to_json(self) -> bytes:
        doc = {
            "version": FILE_VERSION,
            "keys": [
                {"id": k.id, "created": k.created, "retired": k.retired, "key": _b64(k.material)}
                for k in self._keys
            ],
            "index_key": _b64(self._index_key),
        }
        return json.dumps(doc, indent=2).encode("ascii") + b"\n"

    def __repr__(self) -> str:
        return f"<KeyRing active={self.active_key_id} keys={len(self._keys)}>"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a KeyRing is not picklable: load it from the key file instead")


def init_key_file(path: PathArg, *, now: datetime | None = None) -> KeyRing:
    """Create a new key file with one active key; refuse if one already exists.

    Overwriting a key file would make every value encrypted under it unreadable.
    """
    path = Path(path)
    key = _Key(_new_id(), _timestamp(now), None, AESGCM.generate_key(bit_length=256))
    ring = KeyRing([key], secrets.token_bytes(_KEY_BYTES))
    _write_atomically(path, ring._to_json(), overwrite=False)
    return ring


# --- key file I/O -------------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise KeyFileError(f"the key file at {path} is not a regular file")
        if stat.S_IMODE(mode) & 0o077:
            raise KeyFileError(
                f"the key file at {path} is open to other users "
                f"(mode {stat.S_IMODE(mode):04o}); only its owner may read it: "
                f"run `chmod 600 {path}`"
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise KeyFileMissing(
            f"no key file at {path}: create one with `safedial keys init` "
            "(keep a copy safe: a lost key file means lost data)"
        ) from None
    except OSError as exc:
        raise KeyFileError(f"cannot read the key file at {path}: {exc.strerror}") from None
    try:
        return json.loads(raw)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        _corrupt(path, "not valid JSON")


def _write_atomically(path: Path, data: bytes, *, overwrite: bool) -> None:
    """The key file, written whole (``write_private_file``); never over another one
    unless ``overwrite`` (a rotation)."""
    try:
        write_private_file(path, data, overwrite=overwrite)
    except FileExistsError:
        raise KeyFileError(
            f"a key file already exists at {path}: refusing to overwrite it "
            "(that would make every value encrypted under it unreadable)"
        ) from None
    except OSError as exc:
        raise KeyFileError(f"cannot write the key file at {path}: {exc.strerror}") from None


# --- key file parsing ---------------------------------------------------------------------


def _corrupt(path: Path, why: str) -> NoReturn:
    raise KeyFileError(f"the key file at {path} is corrupt ({why}): restore it from your safe copy")


def _parse(doc: Any, path: Path) -> KeyRing:
    def fail(why: str) -> NoReturn:
        _corrupt(path, why)

    if not isinstance(doc, dict):
        fail("not a JSON object")
    if doc.get("version") != FILE_VERSION:
        raise KeyFileError(
            f"the key file at {path} is not in format version {FILE_VERSION}, the one this "
            "SafeDial reads: upgrade SafeDial, or restore the file from your safe copy"
        )
    entries = doc.get("keys")
    if not isinstance(entries, list) or not entries:
        fail("no keys")
    keys = [_parse_key(entry, fail) for entry in entries]
    if len({key.id for key in keys}) != len(keys):
        fail("two keys share an id")
    active = [key.id for key in keys if key.retired is None]
    if len(active) != 1:
        fail(f"{len(active)} active keys; exactly one must be active")
    if keys[-1].retired is not None:
        fail("the active key is not the newest (the last one listed)")
    return KeyRing(keys, _decode_key(doc.get("index_key"), "index_key", fail))


def _parse_key(entry: Any, fail: Callable[[str], NoReturn]) -> _Key:
    if not isinstance(entry, dict):
        fail("a key entry is not a JSON object")
    key_id = entry.get("id")
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
        fail("a key has a missing or malformed id")
    created, retired = entry.get("created"), entry.get("retired")
    if not _is_timestamp(created) or not (retired is None or _is_timestamp(retired)):
        fail(f"key {key_id} has a malformed created or retired time")
    return _Key(key_id, created, retired, _decode_key(entry.get("key"), f"key {key_id}", fail))


def _decode_key(text: Any, name: str, fail: Callable[[str], NoReturn]) -> bytes:
    try:
        material = base64.b64decode(text, validate=True) if isinstance(text, str) else b""
    except binascii.Error:
        material = b""
    if len(material) != _KEY_BYTES:
        fail(f"{name} is not {_KEY_BYTES} bytes of base64")
    return material


# --- small helpers ------------------------------------------------------------------------


def _split(blob: bytes, purpose: str) -> tuple[bytes, str, bytes]:
    """Prefix, key id and nonce+ciphertext of a blob; one that is not ours is refused unread."""
    malformed = DecryptionError(f"cannot decrypt {purpose}: not a SafeDial ciphertext")
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise TypeError("a ciphertext is bytes")
    blob = bytes(blob)
    prefix = blob[: len(PREFIX)]
    if prefix not in (PREFIX, LEGACY_PREFIX):
        raise malformed
    key_part, separator, encoded = blob[len(prefix) :].partition(b":")
    key_id = key_part.decode("ascii", errors="replace")
    if not separator or not _KEY_ID.fullmatch(key_id):
        raise malformed
    try:
        payload = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise malformed from None
    if len(payload) < _NONCE_BYTES + _TAG_BYTES:
        raise malformed
    return prefix, key_id, payload


def _associated(prefix: bytes, purpose: str, record: str) -> bytes:
    """The associated data: the purpose, and for row-bound (``sd2:``) values the record."""
    if not isinstance(record, str) or not _PURPOSE.fullmatch(record):
        raise ValueError("record must be the row's id, a plain name such as 'p_1a2b'")
    if prefix == LEGACY_PREFIX:
        return _purpose_bytes(purpose)
    return _purpose_bytes(purpose) + b"\0" + record.encode("ascii")


def _purpose_bytes(purpose: str) -> bytes:
    if not isinstance(purpose, str) or not _PURPOSE.fullmatch(purpose):
        raise ValueError("purpose must be a plain name such as 'participant.phone'")
    return purpose.encode("ascii")


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("the text is not valid Unicode (unpaired surrogate)") from None


def _new_id() -> str:
    """Random, so a value written under another key file never names a key of this one."""
    return "k" + secrets.token_hex(4)


def _timestamp(now: datetime | None) -> str:
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _is_timestamp(value: object) -> TypeGuard[str]:
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
