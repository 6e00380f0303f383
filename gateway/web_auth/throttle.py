"""Counting tries in the database (sign-ins, code-word checks), under keyed-hash keys.

Why: every worker and every restart must see the same counts, or an attacker just
waits for a restart or spreads guesses over workers. A key is an HMAC under the key
file's index key of ``account:<username>``, ``address:<client>`` or
``code-word:<advocate>:<participant>``, so the table names no one and holds no
address. Reading and counting happen under the write lock (``lock_for_append``):
parallel tries are counted one after the other, none slips past the limit.
The rules (window, lock) are ``gateway.domain.throttle``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete
from sqlalchemy.orm import Session

from gateway.domain import throttle as rules
from gateway.storage.db import lock_for_append
from gateway.storage.keyring import KeyRing
from gateway.storage.tables import ThrottleRow, as_utc

PURPOSE: Final = "web.throttle"
_LOCK_NAME: Final = "safedial.throttle"
#: An IPv6 client holds a whole /64 (often far more): it counts as one address.
IPV6_PREFIX: Final = 64


@dataclass(frozen=True)
class Limit:
    """``limit`` counted tries per ``window`` under ``key``."""

    key: str
    limit: int
    window: timedelta


def account_key(keys: KeyRing, username: str) -> str:
    return keys.blind_index(f"account:{username.strip().lower()}", purpose=PURPOSE)


def address_key(keys: KeyRing, address: str) -> str:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return keys.blind_index(f"address:{address}", purpose=PURPOSE)
    if isinstance(parsed, ipaddress.IPv6Address):
        address = str(ipaddress.IPv6Network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return keys.blind_index(f"address:{address}", purpose=PURPOSE)


def code_word_key(keys: KeyRing, advocate_id: str, participant_id: str) -> str:
    return keys.blind_index(f"code-word:{advocate_id}:{participant_id}", purpose=PURPOSE)


def _attempts(row: ThrottleRow | None) -> rules.Attempts | None:
    if row is None:
        return None
    return rules.Attempts(failures=row.failures, window_started_at=as_utc(row.window_started_at),
                          locked_until=None if row.locked_until is None
                          else as_utc(row.locked_until))


def lock(session: Session) -> None:
    """Take the write lock before reading counts that this unit of work will change."""
    lock_for_append(session, _LOCK_NAME)


def refused_until(session: Session, keys: Sequence[str], now: datetime) -> datetime | None:
    """The latest time any of ``keys`` is locked until, if one is locked now."""
    ends = [end for key in keys
            if (end := rules.locked_until(_attempts(session.get(ThrottleRow, key)), now))]
    return max(ends) if ends else None


def count(session: Session, limit: Limit, now: datetime) -> bool:
    """Count one try under ``limit.key``; True when this try locked it."""
    row = session.get(ThrottleRow, limit.key)
    before = _attempts(row)
    after = rules.counted(before, now=now, limit=limit.limit, window=limit.window)
    if row is None:
        row = ThrottleRow(key=limit.key)
        session.add(row)
    row.failures = after.failures
    row.window_started_at = after.window_started_at
    row.locked_until = after.locked_until
    session.flush()
    return rules.lock_engaged(before, after, now)


def uncount(session: Session, limit: Limit) -> None:
    """Take back one try counted in advance that turned out fine (and the lock it set)."""
    row = session.get(ThrottleRow, limit.key)
    if row is None:
        return
    row.failures = max(0, row.failures - 1)
    if row.failures < limit.limit:
        row.locked_until = None
    session.flush()


def reset(session: Session, key: str) -> None:
    """Forget every try under ``key`` (a successful sign-in clears its account's count)."""
    session.execute(delete(ThrottleRow).where(ThrottleRow.key == key))


def purge(session: Session, *, before: datetime) -> int:
    """Drop counts whose window and lock are both over (housekeeping)."""
    result = session.execute(delete(ThrottleRow).where(
        ThrottleRow.window_started_at < before,
        (ThrottleRow.locked_until.is_(None)) | (ThrottleRow.locked_until < before)))
    return int(getattr(result, "rowcount", 0))
