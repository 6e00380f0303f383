"""Write and verify the audit log.

Entries record who, when, which pseudonymous participant id, what action and
the *names* of the fields changed: never a value. Each entry's hash covers the
previous one's, so editing, deleting or reordering entries is detectable
(``safedial audit verify``). Retention purges old entries through a checkpoint
so the remaining chain still verifies.

With the key file (``Database.audit_key``, set by the wiring) the chain is an HMAC
under the key file's audit key, and every append moves a high-water mark kept outside
the audit table (``audit_head``), so cutting off the newest entries, emptying the table
or forging a checkpoint is reported. ``seal`` turns an older, unkeyed chain into a
keyed one once, when a key file is first bound to the database. Each append about a
participant also re-seals their preferences' MAC (gateway.storage.preference_mac), so
``verify`` reports a preference edited in the database behind SafeDial's back.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gateway.storage.audit_mark import AuditMark, Mark
from gateway.storage.auditchain import (
    CHECKPOINT,
    GENESIS,
    AuditRecord,
    BrokenChainError,
    ChainCheck,
    checkpoint_for_purge,
    entry_hash,
    head_mac,
    head_problem,
    next_record,
    verify_chain,
)
from gateway.storage.db import (
    AUDIT_KEY,
    AUDIT_MARK,
    AUDIT_MARK_MOVE,
    NEW_AUDIT_HEAD,
    lock_for_append,
)
from gateway.storage.preference_mac import preferences_intact, preferences_mac
from gateway.storage.tables import AuditHeadRow, AuditRow, ParticipantRow

_HEAD = 1


def _to_record(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        participant=row.participant,
        action=row.action,
        fields=tuple(row.fields),
        prev_hash=row.prev_hash,
        hash=row.hash,
        kind=row.kind,
    )


def _to_row(record: AuditRecord) -> AuditRow:
    return AuditRow(
        seq=record.seq,
        at=record.at,
        actor=record.actor,
        participant=record.participant,
        action=record.action,
        fields=list(record.fields),
        prev_hash=record.prev_hash,
        hash=record.hash,
        kind=record.kind,
    )


def now_iso(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    participant: str | None = None,
    fields: Sequence[str] = (),
    now: datetime | None = None,
    changes_preferences: bool = False,
) -> AuditRecord:
    """Add one entry in the caller's unit of work (it commits with the change it records).

    Only an entry recording a change to a participant's preferences
    (``changes_preferences=True``) re-seals their MAC: any other entry about them (a
    call, a call-back, a code-word check) must not seal over an edit made behind
    SafeDial's back.
    """
    return _append(session, key=_key(session), actor=actor, action=action,
                   participant=participant, fields=fields, now=now,
                   reseal=changes_preferences)


def _append(session: Session, *, key: bytes | None, actor: str, action: str,
            participant: str | None = None, fields: Sequence[str] = (),
            now: datetime | None = None, restoring: bool = False,
            reseal: bool = True) -> AuditRecord:
    lock_for_append(session, "safedial.audit_log")
    last = session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).first()
    if key is not None and not restoring:
        _refuse_an_older_copy(session, key)
    record = next_record(
        _to_record(last) if last else None,
        at=now_iso(now),
        actor=actor,
        participant=participant,
        action=action,
        fields=tuple(sorted(fields)),
        key=key,
    )
    session.add(_to_row(record))
    session.flush()
    if key is not None:
        _move_head(session, key, record)
        if participant is not None and reseal:
            _reseal_preferences(session, key, participant)
    return record


def _reseal_preferences(session: Session, key: bytes, participant_id: str) -> None:
    """The audited change is the only legitimate one: seal what the row says now."""
    row = session.get(ParticipantRow, participant_id)
    if row is not None:
        row.prefs_mac = preferences_mac(row, key)
        session.flush()


def records(session: Session, participant: str | None = None) -> list[AuditRecord]:
    query = select(AuditRow).order_by(AuditRow.seq)
    if participant is not None:
        query = query.where(AuditRow.participant == participant)
    return [_to_record(row) for row in session.scalars(query)]


def newest(session: Session, *, participant: str | None = None,
           action_prefix: str | None = None, limit: int = 100, offset: int = 0
           ) -> tuple[list[AuditRecord], int]:
    """Entries newest first (one participant's, or actions starting with
    ``action_prefix``), ``limit`` of them from ``offset``, and how many match in all."""
    conditions = []
    if participant is not None:
        conditions.append(AuditRow.participant == participant)
    if action_prefix is not None:
        conditions.append(AuditRow.action.startswith(action_prefix, autoescape=True))
    total = session.scalar(select(func.count()).select_from(AuditRow).where(*conditions)) or 0
    query = (select(AuditRow).where(*conditions).order_by(AuditRow.seq.desc())
             .limit(limit).offset(offset))
    return [_to_record(row) for row in session.scalars(query)], total


def entry_time(session: Session, seq: int) -> str | None:
    """When entry ``seq`` says it was written (it may itself be the altered one)."""
    return session.scalar(select(AuditRow.at).where(AuditRow.seq == seq))


def verify(session: Session) -> ChainCheck:
    """The chain, and (keyed) the high-water mark: the newest entries must be there."""
    key = _key(session)
    all_records = records(session)
    check = verify_chain(all_records, key=key)
    if not check.ok or key is None:
        return check
    head = _head(session)
    problem = head_problem(all_records, key=key, head=head) or _mark_problem(
        session, key, head)
    if problem is not None:
        bad_seq = all_records[-1].seq if all_records else 0
        return ChainCheck(ok=False, checked=len(all_records), problem=problem, bad_seq=bad_seq)
    for row in session.scalars(select(ParticipantRow).order_by(ParticipantRow.id)):
        if not preferences_intact(row, key):
            return ChainCheck(ok=False, checked=len(all_records), bad_seq=None,
                              problem=f"participant {row.id}: preferences changed outside "
                                      "SafeDial (their MAC does not match)")
    return check


def _mark_problem(session: Session, key: bytes, head: tuple[int, str, str] | None) -> str | None:
    """What the mark beside the key file says about this database's head, if it disagrees.

    Only a mark ahead of the database (or at the same entry with another hash) is a
    problem: that database is an older copy than one these keys already wrote."""
    keeper: AuditMark | None = session.info.get(AUDIT_MARK)
    mark = keeper.read() if keeper is not None else None
    if keeper is None or mark is None or head is None:
        return None
    if not hmac.compare_digest(mark.mac, head_mac(key, mark.seq, mark.hash)):
        return f"the high-water mark beside the key file ({keeper.path.name}) was altered"
    seq, last_hash, _mac = head
    if mark.seq > seq:
        return (f"the database ends at entry {seq}, but the key file's mark shows entry "
                f"{mark.seq} was written: this is an older copy of the database (restored "
                "or rolled back); if an admin restored it on purpose, run "
                "`safedial audit accept-restore`")
    if mark.seq == seq and mark.hash != last_hash:
        return (f"entry {seq} is not the entry the key file's mark recorded: the database "
                "was replaced by another copy")
    return None


def _refuse_an_older_copy(session: Session, key: bytes) -> None:
    """No audited change lands in an older copy of the database: the next entries would
    carry the mark past the gap and hide it. Raises ``BrokenChainError`` (nothing changes)
    until an admin looks (``audit verify``) and accepts the restore."""
    problem = _mark_problem(session, key, _head(session))
    if problem is not None:
        raise BrokenChainError(
            ChainCheck(ok=False, checked=0, bad_seq=None, problem=problem),
            consequence="nothing was changed; run `safedial audit verify`")


def accept_restore(session: Session, *, actor: str) -> int:
    """An admin restored an older database on purpose: record how many entries were lost
    (audited) and move the mark beside the key file back to this database's head.

    Returns how many entries the mark was ahead by. Refused (``BrokenChainError``) while
    the chain itself, or the head in the database, is broken: accepting a restore must
    not launder other tampering."""
    key = _key(session)
    keeper: AuditMark | None = session.info.get(AUDIT_MARK)
    if key is None or keeper is None:
        raise BrokenChainError(ChainCheck(ok=False, checked=0, bad_seq=None,
                                          problem="no key file: nothing to accept"))
    all_records = records(session)
    check = verify_chain(all_records, key=key)
    head = _head(session)
    problem = check.problem if not check.ok else head_problem(all_records, key=key, head=head)
    if problem is not None or head is None:
        raise BrokenChainError(ChainCheck(ok=False, checked=len(all_records), bad_seq=None,
                                          problem=problem or "no high-water mark"))
    mark = keeper.read()
    lost = max(0, (mark.seq if mark is not None else 0) - head[0])
    _append(session, key=key, actor=actor, action="audit.restore-accepted",
            fields=[f"entries_lost={lost}"], restoring=True)
    session.info[AUDIT_MARK_MOVE] = "reset"  # once committed, even behind the old mark
    return lost


def seal(session: Session, *, key: bytes) -> int:
    """Put an older, unkeyed chain under ``key`` and start the high-water mark.

    Runs once, when a key file is first bound to the database. Each record is checked
    as it was written first: a chain that does not verify is left as it is (re-sealing
    would launder the tampering), so ``verify`` keeps reporting it. Returns the number
    of records sealed; a non-empty seal is itself audited (``audit.sealed``).
    """
    if _head(session) is not None:
        return 0
    rows = list(session.scalars(select(AuditRow).order_by(AuditRow.seq)))
    intact = verify_chain([_to_record(row) for row in rows]).ok
    link = rows[0].prev_hash if rows else GENESIS
    for row in rows if intact else ():
        if row.kind == CHECKPOINT:
            link = row.prev_hash  # the anchor, taken as given, now covered by the MAC
        row.prev_hash = link
        row.hash = entry_hash(link, row.seq, row.at, row.actor, row.participant, row.action,
                              row.fields, row.kind, key=key)
        link = row.hash if row.kind != CHECKPOINT else link
    session.flush()
    last = rows[-1] if rows else None
    _store_head(session, key, last.seq if last else 0, last.hash if last else GENESIS)
    if intact:  # the preferences as they stand are what the intact log led to
        for participant in session.scalars(select(ParticipantRow)):
            participant.prefs_mac = preferences_mac(participant, key)
        session.flush()
    if rows and intact:
        _append(session, key=key, actor="system:keys", action="audit.sealed",
                fields=[f"records={len(rows)}"])
    return len(rows) if intact else 0


def purge(session: Session, *, retention_days: int, now: datetime | None = None) -> int:
    """Delete entries older than the retention, leaving a checkpoint; returns how many."""
    moment = now or datetime.now(UTC)
    before = now_iso(moment - timedelta(days=retention_days))
    check = verify(session)
    if not check.ok:
        raise BrokenChainError(check)
    key = _key(session)
    seqs, checkpoint = checkpoint_for_purge(records(session), before=before,
                                            at=now_iso(moment), key=key)
    if not seqs:
        return 0
    session.execute(delete(AuditRow).where(AuditRow.seq.in_(seqs)))
    session.flush()
    session.add(_to_row(checkpoint))
    session.flush()
    if key is not None:
        _move_head(session, key, records(session)[-1])
        session.info.setdefault(AUDIT_MARK_MOVE, "replacing")
    return len(seqs)


def _key(session: Session) -> bytes | None:
    provider = session.info.get(AUDIT_KEY)
    return provider(session) if provider is not None else None


def _head(session: Session) -> tuple[int, str, str] | None:
    row = session.get(AuditHeadRow, _HEAD)
    return None if row is None else (row.seq, row.hash, row.mac)


def _move_head(session: Session, key: bytes, newest: AuditRecord) -> None:
    _store_head(session, key, newest.seq, newest.hash)


def _store_head(session: Session, key: bytes, seq: int, last_hash: str) -> None:
    row = session.get(AuditHeadRow, _HEAD)
    if row is None:
        row = AuditHeadRow(id=_HEAD)
        session.add(row)
    row.seq, row.hash, row.mac = seq, last_hash, head_mac(key, seq, last_hash)
    session.flush()
    session.info[NEW_AUDIT_HEAD] = Mark(row.seq, row.hash, row.mac)  # for the mark file
