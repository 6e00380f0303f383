"""Tamper-evident audit log: a SHA-256 hash chain, as pure functions (no database).

Why: the audit log answers "who changed what about which participant, and when"
without itself becoming a list of phone numbers or code words. So a record holds a
pseudonymous participant id and the *names* of the changed fields, never a value
(``next_record`` refuses a "field name" that looks like a value; a small count such
as ``records=2`` is allowed, being too short to be a phone number, and so is the
subject of an admin action as a generated id, ``advocate=a_<12 hex>`` or
``token=tok_<12 hex>``). Because the log
matters most when something went wrong, it must show if it was edited afterwards:
each record's hash covers its content and the previous record's hash, so editing,
deleting, inserting or reordering stored records breaks the chain at that point and
``verify_chain`` says where. The database layer only stores these fields.

Retention checkpoints (DESIGN rule 5 also requires purging old entries): a purge
removes a *prefix* of the chain and puts a checkpoint in place of its last record:

* the checkpoint takes the last purged record's ``seq``, so the next record's seq
  still follows it by exactly 1;
* its ``hash`` and ``prev_hash`` both equal the last purged record's hash (the
  "anchor"), so the next record's ``prev_hash`` still matches;
* ``verify_chain`` accepts a checkpoint only as the *first* record and takes its
  anchor as given (it is the trust anchor for what follows); a checkpoint anywhere
  else fails. Its own ``at``/``fields`` (``count=N``, ``before=...``) are a note, not
  covered by any hash. Its seq also tells how many records were ever purged.

A purge refuses a chain that does not verify, so deleting records cannot launder
evidence of earlier tampering. Delete the seqs and insert the checkpoint in one
transaction, deleting first (the checkpoint reuses a deleted seq).

Keyed chain: given the audit key (``KeyRing.audit_key``, from the key file), each hash
is an HMAC-SHA256 instead of a plain SHA-256, and so is a checkpoint's (its ``hash``
covers its anchor, kept in ``prev_hash``; the record after it links to the anchor).
Without the key file, no one can recompute the chain after an edit, or forge a
checkpoint. Without a key (a bare database, as in some tests) the chain is the plain
SHA-256 one, where a checkpoint's ``hash`` equals its anchor.

High-water mark: a chain alone cannot show that its newest records were cut off, or
that the whole table was emptied. So the newest record's seq and hash are also kept
outside the audit table, under an HMAC (``head_mac``), and ``head_problem`` compares
them with the records. Someone who can write the database can still put back an older
copy of both together; a backup of the database kept elsewhere shows that.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from gateway.errors import Refused

GENESIS: Final = "0" * 64
ENTRY: Final = "entry"
CHECKPOINT: Final = "checkpoint"
PURGED: Final = "purged"
RETENTION_ACTOR: Final = "system:retention"
# A field name, or a name with a small count ("records=2"): too short to be a number.
# Or the entry's subject, as a pseudonymous id the gateway generated ("advocate=a_1f...",
# "token=tok_9c..."): ids name whom an admin action was about and are no secret; only
# these two names take one, and only in the exact id form.
_FIELD_NAME: Final = re.compile(
    r"[A-Za-z_][A-Za-z0-9_.]{0,63}(?:=[0-9]{1,6})?"
    r"|advocate=a_[0-9a-f]{12}|token=tok_[0-9a-f]{12}"
)
_HEX64: Final = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class AuditRecord:
    """One stored audit record. ``fields`` names what changed; it never holds values."""

    seq: int
    at: str  # ISO 8601, UTC
    actor: str
    participant: str | None  # pseudonymous id, never a name or a number
    action: str
    fields: tuple[str, ...]
    prev_hash: str
    hash: str
    kind: str = ENTRY  # or CHECKPOINT


@dataclass(frozen=True)
class ChainCheck:
    """Outcome of ``verify_chain``: ``checked`` records passed before ``bad_seq`` failed."""

    ok: bool
    checked: int
    problem: str | None
    bad_seq: int | None


class BrokenChainError(Refused):
    """The log does not verify, so it must be investigated before anything is purged."""

    error_id = "audit-chain-broken"

    def __init__(self, check: ChainCheck, *,
                 consequence: str = "nothing was purged, since purging would erase the "
                                    "evidence") -> None:
        where = f" at entry {check.bad_seq}" if check.bad_seq is not None else ""
        super().__init__(f"the audit log does not verify{where} ({check.problem}): {consequence}")
        self.check = check


def entry_hash(
    prev_hash: str,
    seq: int,
    at: str,
    actor: str,
    participant: str | None,
    action: str,
    fields: Sequence[str],
    kind: str,
    *,
    key: bytes | None = None,
) -> str:
    """HMAC-SHA256 under ``key`` (SHA-256 without one), hex, of the canonical JSON of a
    record: sorted keys, no spaces, ASCII."""
    content = {
        "action": action,
        "actor": actor,
        "at": at,
        "fields": list(fields),
        "kind": kind,
        "participant": participant,
        "prev_hash": prev_hash,
        "seq": seq,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    if key is not None:
        return hmac.new(key, canonical.encode("ascii"), hashlib.sha256).hexdigest()
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def head_mac(key: bytes, seq: int, last_hash: str) -> str:
    """The high-water mark's HMAC: the newest record's seq and hash, under the audit key."""
    return hmac.new(key, f"audit-head:{seq}:{last_hash}".encode("ascii"),
                    hashlib.sha256).hexdigest()


def head_problem(records: Sequence[AuditRecord], *, key: bytes,
                 head: tuple[int, str, str] | None) -> str | None:
    """What is wrong with the newest records, judged by the high-water mark
    ``(seq, hash, mac)`` kept outside the audit table; None if they agree."""
    if head is None:
        return "the high-water mark is missing: the newest entries may have been removed"
    seq, last_hash, mac = head
    if not hmac.compare_digest(mac, head_mac(key, seq, last_hash)):
        return "the high-water mark was altered or forged"
    if not records:
        if seq == 0:
            return None
        return f"the audit log is empty, but it last held entry {seq}: it was emptied"
    last = records[-1]
    if last.seq < seq:
        return f"the log ends at entry {last.seq}, but it last held entry {seq}: cut off"
    if last.seq > seq or last.hash != last_hash:
        return f"entry {last.seq} is not the newest entry the high-water mark recorded"
    return None


def next_record(
    prev: AuditRecord | None,
    *,
    at: str,
    actor: str,
    participant: str | None,
    action: str,
    fields: Sequence[str],
    kind: str = ENTRY,
    key: bytes | None = None,
) -> AuditRecord:
    """The record that follows ``prev`` (``None``: the first one, after ``GENESIS``).

    Refuses anything but field *names*, so a value cannot slip into the log. Only
    entries are appended this way; checkpoints come from ``checkpoint_for_purge``.
    """
    if kind != ENTRY:
        raise ValueError("only entries are appended; checkpoints come from checkpoint_for_purge")
    if isinstance(fields, str):
        raise TypeError("fields is a sequence of field names, not one string")
    names = tuple(fields)
    if not all(isinstance(name, str) and _FIELD_NAME.fullmatch(name) for name in names):
        raise ValueError("fields must be field names (or name=count, or a subject id), "
                         "never values")
    if not actor or not action:
        raise ValueError("an audit entry needs an actor and an action")
    _utc(at, "at")
    seq = prev.seq + 1 if prev is not None else 1
    prev_hash = prev.hash if prev is not None else GENESIS
    if prev is not None and prev.kind == CHECKPOINT:
        prev_hash = prev.prev_hash  # the anchor (in a keyed chain, not the checkpoint's MAC)
    digest = entry_hash(prev_hash, seq, at, actor, participant, action, names, kind, key=key)
    return AuditRecord(seq, at, actor, participant, action, names, prev_hash, digest, kind)


def verify_chain(records: Sequence[AuditRecord], *, key: bytes | None = None) -> ChainCheck:
    """Check records given in seq order; report the first one that breaks the chain.

    With ``key``, every hash (a checkpoint's too) must be that key's HMAC.
    """
    prev: AuditRecord | None = None
    for index, record in enumerate(records):
        problem = (
            _kind_problem(record, first=prev is None, keyed=key is not None)
            or (_start_problem(record) if prev is None else _link_problem(prev, record))
            or _hash_problem(record, key)
        )
        if problem is not None:
            return ChainCheck(ok=False, checked=index, problem=problem, bad_seq=record.seq)
        prev = record
    return ChainCheck(ok=True, checked=len(records), problem=None, bad_seq=None)


def checkpoint_for_purge(
    records: Sequence[AuditRecord], *, before: str, at: str, actor: str = RETENTION_ACTOR,
    key: bytes | None = None,
) -> tuple[list[int], AuditRecord]:
    """The seqs to delete (records older than ``before``) and the checkpoint to insert.

    Only a prefix is purged: it stops at the first entry not older than ``before``. A
    leading checkpoint is replaced by the new one. An empty list means nothing to purge;
    then store nothing (the checkpoint returned is only a ``count=0`` placeholder).
    Raises ``BrokenChainError`` if ``records`` do not verify.
    """
    check = verify_chain(records, key=key)
    if not check.ok:
        raise BrokenChainError(check)
    cutoff = _utc(before, "before")
    _utc(at, "at")
    purged: list[AuditRecord] = []
    for record in records:
        if record.kind == ENTRY and _utc(record.at, f"record {record.seq} at") >= cutoff:
            break
        purged.append(record)
    count = sum(1 for record in purged if record.kind == ENTRY)
    if count == 0:
        purged = []
    last_seq, anchor = (purged[-1].seq, purged[-1].hash) if purged else (0, GENESIS)
    if purged and purged[-1].kind == CHECKPOINT:
        anchor = purged[-1].prev_hash
    note = (f"count={count}", f"before={before}")
    sealed = anchor if key is None else entry_hash(anchor, last_seq, at, actor, None, PURGED,
                                                   note, CHECKPOINT, key=key)
    checkpoint = AuditRecord(last_seq, at, actor, None, PURGED, note, anchor, sealed, CHECKPOINT)
    return [record.seq for record in purged], checkpoint


def _start_problem(first: AuditRecord) -> str | None:
    if first.kind == CHECKPOINT or (first.seq == 1 and first.prev_hash == GENESIS):
        return None
    return (
        f"the log starts at record {first.seq}, neither at the beginning (record 1) "
        "nor at a retention checkpoint: earlier records are missing"
    )


def _link_problem(prev: AuditRecord, record: AuditRecord) -> str | None:
    if record.seq != prev.seq + 1:
        return (
            f"record {record.seq} follows record {prev.seq}: "
            "a record is missing, inserted or out of order"
        )
    linked_to = prev.prev_hash if prev.kind == CHECKPOINT else prev.hash
    if record.prev_hash != linked_to:
        return (
            f"record {record.seq} does not link to record {prev.seq}: "
            "a record was replaced, inserted or edited"
        )
    return None


def _kind_problem(record: AuditRecord, *, first: bool, keyed: bool) -> str | None:
    if record.kind == CHECKPOINT:
        if not first:
            return f"record {record.seq} is a checkpoint, which can only be the first record"
        if not (_HEX64.fullmatch(record.hash) and _HEX64.fullmatch(record.prev_hash)) or (
                not keyed and record.prev_hash != record.hash):
            return f"checkpoint {record.seq} has a malformed anchor"
        return None
    if record.kind != ENTRY:
        return f"record {record.seq} is of unknown kind"
    return None


def _hash_problem(record: AuditRecord, key: bytes | None) -> str | None:
    """An entry's hash must recompute. Unkeyed, a checkpoint's hash is its anchor, taken
    as given; keyed, it is the HMAC of its anchor and note, so it cannot be forged."""
    if record.kind == CHECKPOINT and key is None:
        return None
    expected = entry_hash(
        record.prev_hash,
        record.seq,
        record.at,
        record.actor,
        record.participant,
        record.action,
        record.fields,
        record.kind,
        key=key,
    )
    if not hmac.compare_digest(record.hash, expected):
        if record.kind == CHECKPOINT:
            return f"checkpoint {record.seq} was forged or altered: its hash does not match"
        return f"record {record.seq} was altered: its hash does not match its contents"
    return None


def _utc(text: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an ISO 8601 time") from None
    offset = moment.utcoffset()
    if offset is None or offset.total_seconds() != 0:
        raise ValueError(f"{name} must be an ISO 8601 time in UTC")
    return moment
