"""Signed-in browser sessions, kept on the server: open, look up, end.

Why: a session the server holds can be ended at once: sign-out, sign-out everywhere,
a password change or reset, deactivating the account. The browser holds only a
random secret (32 bytes) in its cookie; the database holds its SHA-256, so a copied
database opens no session. A session ends by itself when idle or too old
(``gateway.domain.web_sessions``, from the policy's ``[web]`` section); an ended one
is kept (when, why) and never comes back.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from gateway.domain.policy import AgencyPolicy, WebPolicy
from gateway.domain.preferences import AdvocateFacts, Role
from gateway.domain.web_sessions import EndReason, end_reason, needs_touch
from gateway.people.records import advocate_facts
from gateway.storage.tables import AdvocateRow, WebSessionRow, as_utc

SECRET_BYTES = 32


@dataclass(frozen=True)
class WebUser:
    """Who a browser session acts for, as pages need it."""

    session_id: str
    advocate: AdvocateFacts
    role: Role
    username: str | None
    #: Signed in with a one-time password: every page but "choose a new password" waits.
    must_change_password: bool

    @property
    def advocate_id(self) -> str:
        return self.advocate.advocate_id


def session_id(secret: str) -> str:
    """The stored id of the session a cookie's secret opens."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def open_session(session: Session, *, advocate_id: str, policy: WebPolicy, now: datetime,
                 second_factor_pending: bool = False) -> str:
    """A new session for ``advocate_id``; returns its secret (for the cookie, never stored)."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    session.add(WebSessionRow(id=session_id(secret), advocate_id=advocate_id, created_at=now,
                              last_seen_at=now, expires_at=now + policy.session_lifetime,
                              second_factor_pending=second_factor_pending))
    session.flush()
    return secret


def live_row(session: Session, *, secret: str, policy: WebPolicy, now: datetime
             ) -> WebSessionRow | None:
    """The session's row while it is good (pending a second factor or not); ends it (and
    returns None) once it is idle or too old."""
    row = session.get(WebSessionRow, session_id(secret))
    if row is None or row.ended_at is not None:
        return None
    reason = end_reason(created_at=as_utc(row.created_at), last_seen_at=as_utc(row.last_seen_at),
                        expires_at=as_utc(row.expires_at), now=now, policy=policy,
                        second_factor_pending=row.second_factor_pending)
    if reason is not None:
        _end(row, reason, now)
        return None
    return row


def session_for(session: Session, *, secret: str, policy: AgencyPolicy, now: datetime
                ) -> WebUser | None:
    """Who the session acts for, or None (unknown, ended, idle, too old, waiting for a
    second factor, or its account is deactivated). Records the use, to the minute."""
    row = live_row(session, secret=secret, policy=policy.web, now=now)
    if row is None or row.second_factor_pending:
        return None
    advocate = session.get(AdvocateRow, row.advocate_id)
    if advocate is None or not advocate.active:
        _end(row, EndReason.DEACTIVATED, now)
        return None
    if needs_touch(as_utc(row.last_seen_at), now):
        row.last_seen_at = now
    return WebUser(session_id=row.id,
                   advocate=advocate_facts(advocate, agency_timezone=policy.timezone),
                   role=Role(advocate.role), username=advocate.username,
                   must_change_password=advocate.password_one_time)


def _end(row: WebSessionRow, reason: EndReason, now: datetime) -> None:
    row.ended_at = now
    row.end_reason = reason.value


def end_session(session: Session, *, secret: str, now: datetime) -> bool:
    """Sign out this browser; False if the session had already ended (or never was)."""
    row = session.get(WebSessionRow, session_id(secret))
    if row is None or row.ended_at is not None:
        return False
    _end(row, EndReason.SIGNED_OUT, now)
    return True


def end_all_sessions(session: Session, *, advocate_id: str, now: datetime,
                     reason: EndReason = EndReason.SIGNED_OUT_EVERYWHERE,
                     keep_session_id: str | None = None) -> int:
    """End every open session of the account (but ``keep_session_id``); returns how many.

    Callers audit it with what caused it (deactivation, password reset, ...)."""
    query = (update(WebSessionRow)
             .where(WebSessionRow.advocate_id == advocate_id, WebSessionRow.ended_at.is_(None))
             .values(ended_at=now, end_reason=reason.value))
    if keep_session_id is not None:
        query = query.where(WebSessionRow.id != keep_session_id)
    result = session.execute(query.execution_options(synchronize_session="fetch"))
    return int(getattr(result, "rowcount", 0))


def open_sessions(session: Session, *, advocate_id: str) -> int:
    """How many sessions of the account are not ended (some may be idle by now)."""
    return len(session.scalars(select(WebSessionRow.id).where(
        WebSessionRow.advocate_id == advocate_id, WebSessionRow.ended_at.is_(None))).all())


def awaiting_second_factor(session: Session, *, secret: str, policy: AgencyPolicy,
                           now: datetime) -> bool:
    """Whether the session's password was right and an admin's TOTP code is still to
    come (the page then asks for the code, ``signin.confirm_second_factor``)."""
    row = live_row(session, secret=secret, policy=policy.web, now=now)
    return row is not None and row.second_factor_pending


def purge_sessions(session: Session, *, before: datetime) -> int:
    """Delete sessions that ended, or could no longer be used, before ``before``."""
    result = session.execute(delete(WebSessionRow).where(
        (WebSessionRow.ended_at < before) | (WebSessionRow.expires_at < before)))
    return int(getattr(result, "rowcount", 0))
