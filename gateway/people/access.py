"""API tokens and whether an account may act: issue, check, list, revoke; (de)activate.

Why: a token that leaks, or an advocate who leaves the program, must stop working
at once and without deleting history. So a token has a public id (``tok_...``) to
list and revoke it by (only a hash of the secret is stored), an expiry (the policy's
``[access] token_days``) and the time it was last used. Deactivating an advocate
revokes their tokens, ends their web sessions and cancels their pending call-backs in
the same unit of work, so nothing can act for them afterwards; reactivating restores
none of them (an admin issues a new token; they sign in again). Every audit entry
names its subject (``advocate=``/``token=``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.audit import service as audit
from gateway.domain.web_sessions import EndReason
from gateway.errors import BadInput, NotFound, Unauthorized
from gateway.people.records import get_advocate_row
from gateway.storage.tables import AdvocateRow, ApiTokenRow, as_utc
from gateway.web_auth.sessions import end_all_sessions

#: The token lifetime when no policy is given (the shipped policy's).
DEFAULT_TOKEN_DAYS = 90
#: Last use is recorded to the minute: enough to spot a dormant or misused token,
#: without a database write on every request.
LAST_USE_RESOLUTION = timedelta(minutes=1)


class TokenExpired(Unauthorized):
    """The token is older than the policy's ``[access] token_days``: ask an admin for one."""

    error_id = "token-expired"


class TokenRevoked(Unauthorized):
    """An admin revoked the token (or deactivated its account, which revokes them all)."""

    error_id = "token-revoked"


class AccountDeactivated(Unauthorized):
    """The account was deactivated: nothing may act for it until an admin reactivates it."""

    error_id = "account-deactivated"


class AdvocateCallbacks(Protocol):
    """Cancels an advocate's pending call-backs, all or one participant's (the call-backs
    feature implements it).

    Runs inside the caller's unit of work, so the deactivation (or unassignment)
    and the cancelling commit together.
    """

    def void_for_advocate(self, session: Session, *, advocate_id: str, actor: str,
                          reason: str, now: datetime, participant_id: str | None = None) -> int: ...


@dataclass(frozen=True)
class IssuedToken:
    """A new token: the secret is shown once and never stored."""

    id: str
    secret: str
    expires_at: datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _subject(advocate_id: str) -> str:
    return f"advocate={advocate_id}"


def create_token(session: Session, *, actor: str, advocate_id: str,
                 days: int = DEFAULT_TOKEN_DAYS, now: datetime | None = None) -> IssuedToken:
    """A new API token for an active advocate or admin, working for ``days`` days."""
    advocate = get_advocate_row(session, advocate_id)
    if not advocate.active:
        raise BadInput("this account is deactivated: reactivate it before issuing a token")
    moment = now or datetime.now(UTC)
    issued = IssuedToken(id=f"tok_{secrets.token_hex(6)}",
                         secret="sd_" + secrets.token_urlsafe(32),
                         expires_at=moment + timedelta(days=days))
    session.add(ApiTokenRow(token_hash=_token_hash(issued.secret), advocate_id=advocate_id,
                            public_id=issued.id, created_at=moment,
                            expires_at=issued.expires_at))
    audit.append(session, actor=actor, action="advocate.token-issued",
                 fields=[_subject(advocate_id), f"token={issued.id}"], now=moment)
    return issued


def issue_token(session: Session, *, actor: str, advocate_id: str,
                days: int = DEFAULT_TOKEN_DAYS, now: datetime | None = None) -> str:
    """The secret of a new token (``create_token`` also gives its id and expiry)."""
    return create_token(session, actor=actor, advocate_id=advocate_id, days=days,
                        now=now).secret


def authenticate(session: Session, token: str, *, now: datetime | None = None
                 ) -> AdvocateRow:
    """The account a token acts for, or the reason it may not; records its last use."""
    moment = now or datetime.now(UTC)
    row = session.get(ApiTokenRow, _token_hash(token))
    advocate = None if row is None else session.get(AdvocateRow, row.advocate_id)
    if row is None or advocate is None:
        raise Unauthorized("unknown API token")
    if not advocate.active:
        raise AccountDeactivated("this account is deactivated: ask an admin")
    if row.revoked_at is not None:
        raise TokenRevoked("this API token was revoked: ask an admin for a new one")
    if row.expires_at is None or as_utc(row.expires_at) <= moment:
        raise TokenExpired("this API token has expired: ask an admin for a new one")
    if row.last_used_at is None or moment - as_utc(row.last_used_at) >= LAST_USE_RESOLUTION:
        row.last_used_at = moment
    return advocate


def _state(row: ApiTokenRow, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is None or as_utc(row.expires_at) <= now:
        return "expired"
    return "active"


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


def token_view(row: ApiTokenRow, now: datetime) -> dict[str, Any]:
    """A token without its secret or hash."""
    return {"id": row.public_id, "advocate_id": row.advocate_id,
            "state": _state(row, now), "created_at": _when(row.created_at),
            "expires_at": _when(row.expires_at), "last_used_at": _when(row.last_used_at),
            "revoked_at": _when(row.revoked_at)}


def list_tokens(session: Session, *, advocate_id: str | None = None, active_only: bool = False,
                now: datetime | None = None) -> list[dict[str, Any]]:
    moment = now or datetime.now(UTC)
    query = select(ApiTokenRow).order_by(ApiTokenRow.created_at)
    if advocate_id is not None:
        query = query.where(ApiTokenRow.advocate_id == advocate_id)
    views = [token_view(row, moment) for row in session.scalars(query)]
    return [view for view in views if view["state"] == "active"] if active_only else views


def revoke_token(session: Session, *, actor: str, token_id: str,
                 now: datetime | None = None) -> bool:
    """Revoke one token by its public id; False if it was already revoked."""
    row = session.scalars(select(ApiTokenRow).where(ApiTokenRow.public_id == token_id)).first()
    if row is None:
        raise NotFound("no such API token")
    if row.revoked_at is not None:
        return False
    moment = now or datetime.now(UTC)
    row.revoked_at = moment
    audit.append(session, actor=actor, action="advocate.token-revoked",
                 fields=[_subject(row.advocate_id), f"token={token_id}"], now=moment)
    return True


def deactivate_advocate(session: Session, *, actor: str, advocate_id: str,
                        callbacks: AdvocateCallbacks,
                        now: datetime | None = None) -> dict[str, Any]:
    """Stop an account at once: its tokens are revoked, its web sessions ended (a page
    open in a browser is signed out on its next request) and its pending call-backs
    cancelled (status ``cancelled``, outcome ``advocate-deactivated``, which admins see)."""
    row = get_advocate_row(session, advocate_id)
    moment = now or datetime.now(UTC)
    revoked = session.execute(
        update(ApiTokenRow)
        .where(ApiTokenRow.advocate_id == advocate_id, ApiTokenRow.revoked_at.is_(None))
        .values(revoked_at=moment))
    tokens = int(getattr(revoked, "rowcount", 0))
    cancelled = callbacks.void_for_advocate(session, advocate_id=advocate_id, actor=actor,
                                            reason="advocate-deactivated", now=moment)
    ended = end_all_sessions(session, advocate_id=advocate_id, now=moment,
                             reason=EndReason.DEACTIVATED)
    was_active, row.active = row.active, False
    if was_active or tokens or cancelled or ended:
        audit.append(session, actor=actor, action="advocate.deactivated",
                     fields=[_subject(advocate_id), f"tokens={tokens}",
                             f"callbacks={cancelled}", f"sessions={ended}"], now=moment)
    return {"id": advocate_id, "active": False, "tokens_revoked": tokens,
            "callbacks_cancelled": cancelled, "sessions_ended": ended}


def reactivate_advocate(session: Session, *, actor: str, advocate_id: str,
                        now: datetime | None = None) -> dict[str, Any]:
    """Let an account act again; its old tokens stay revoked (issue a new one)."""
    row = get_advocate_row(session, advocate_id)
    if not row.active:
        row.active = True
        audit.append(session, actor=actor, action="advocate.reactivated",
                     fields=[_subject(advocate_id)], now=now)
    return {"id": advocate_id, "active": True}
