"""Signing in to the web app, the admin's second factor, and changing one's password.

Why: the sign-in page is open to anyone who can reach it, so it must not help a
guesser. A wrong username and a wrong password get the same answer
(``sign-in-failed``) after the same argon2 cost (an unknown username is checked
against a dummy hash) and the same audit writes (an unknown username is audited as
such, naming no one). Tries are throttled per username and per client address in the
database (``gateway.web_auth.throttle``, limits from ``[web]``), counted *before* the
password is checked, so parallel guesses cannot slip past the limit; a locked key is
refused (``sign-in-throttled``) even with the right password, until its window
passes. A successful sign-in clears its username's count. Sign-ins, failures and
locks are audited by the account's id only, never what was typed.

Each function here runs its own units of work (it takes the ``Database``): a failed
try must be counted and audited even though the caller then gets an error, so the
error is raised after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, TypeVar

from sqlalchemy.orm import Session

from gateway.audit import service as audit
from gateway.domain.policy import AgencyPolicy
from gateway.domain.preferences import AdvocateFacts, Role
from gateway.domain.web_sessions import EndReason
from gateway.errors import BadInput, SafeDialError, TooManyAttempts, Unauthorized
from gateway.people.access import AccountDeactivated
from gateway.people.records import advocate_facts
from gateway.storage.db import Database
from gateway.storage.keyring import KeyRing
from gateway.storage.tables import AdvocateRow
from gateway.web_auth import passwords, throttle, totp
from gateway.web_auth.accounts import find_by_username
from gateway.web_auth.sessions import end_all_sessions, live_row, open_session, session_for

#: The one answer to a wrong username or a wrong password (or code): it says neither.
WRONG: Final = "the username or password is not right"
WRONG_WITH_CODE: Final = "the username, password or code is not right"
AGAIN: Final = "sign in again: the wait for the code is over"
#: Audit actor for tries that no signed-in account made.
WEB_ACTOR: Final = "web:sign-in"

T = TypeVar("T")


class SignInFailed(Unauthorized):
    """Wrong username, password or code; the answer never says which."""

    error_id = "sign-in-failed"


class SignInThrottled(TooManyAttempts):
    """Too many failed sign-ins for this username or from this address: wait."""

    error_id = "sign-in-throttled"


@dataclass(frozen=True)
class SignedIn:
    """A session that was opened: its secret goes into the cookie, and nowhere else."""

    session_secret: str
    advocate: AdvocateFacts
    role: Role
    #: Signed in with a one-time password: the next page is "choose a new password".
    must_change_password: bool
    #: The password was right; the session acts for no one until ``confirm_second_factor``.
    needs_totp: bool


@dataclass(frozen=True)
class _Limits:
    account: throttle.Limit
    address: throttle.Limit

    @property
    def keys(self) -> list[str]:
        return [self.account.key, self.address.key]


def _limits(keys: KeyRing, policy: AgencyPolicy, username: str, address: str) -> _Limits:
    web = policy.web
    return _Limits(
        account=throttle.Limit(throttle.account_key(keys, username), web.sign_in_attempts,
                               web.sign_in_window),
        address=throttle.Limit(throttle.address_key(keys, address),
                               web.sign_in_attempts_per_address, web.sign_in_window))


def _subject(advocate_id: str) -> str:
    return f"advocate={advocate_id}"


def _committed(db: Database, work: Callable[[Session], T | SafeDialError]) -> T:
    """Run ``work`` in a unit of work that commits even when it ends in an error: the
    error (returned, not raised, by ``work``) is raised once its traces are saved."""
    with db.unit_of_work() as session:
        outcome = work(session)
    if isinstance(outcome, SafeDialError):
        raise outcome
    return outcome


@dataclass(frozen=True)
class _Engaged:
    """Which keys this try locked (audited only if the try then fails)."""

    account: bool = False
    address: bool = False


def _reserve(session: Session, limits: _Limits, now: datetime) -> SignInThrottled | _Engaged:
    """Count this try in advance under both keys, or refuse it if either is locked."""
    throttle.lock(session)
    until = throttle.refused_until(session, limits.keys, now)
    if until is not None:
        seconds = int((until - now).total_seconds()) + 1
        minutes = max(1, -(-seconds // 60))
        return SignInThrottled(f"too many failed sign-ins: try again in {minutes} "
                               f"minute{'s' if minutes != 1 else ''}",
                               retry_after_s=str(seconds))
    return _Engaged(account=throttle.count(session, limits.account, now),
                    address=throttle.count(session, limits.address, now))


def _succeeded(session: Session, row: AdvocateRow, limits: _Limits, now: datetime) -> None:
    """The try was good: its username's count starts over; the address gets its try back."""
    throttle.reset(session, limits.account.key)
    throttle.uncount(session, limits.address)
    row.last_sign_in_at = now
    audit.append(session, actor=row.id, action="advocate.signed-in",
                 fields=[_subject(row.id)], now=now)


def _failed(session: Session, row: AdvocateRow | None, message: str, now: datetime, *,
            engaged: _Engaged, what: str | None = None) -> SignInFailed:
    """Audit a failed try, and a lock it engaged: by the account's id, or as an unknown
    username. Both write the same entries, so the time an answer takes does not say
    whether the username exists."""
    subject = [_subject(row.id)] if row is not None else ["username"]
    action = "advocate" if row is not None else "web"
    audit.append(session, actor=WEB_ACTOR, action=f"{action}.sign-in-failed",
                 fields=[*subject, *([what] if what else [])], now=now)
    if engaged.account:
        audit.append(session, actor=WEB_ACTOR, action=f"{action}.sign-in-throttled",
                     fields=subject, now=now)
    if engaged.address:
        audit.append(session, actor=WEB_ACTOR, action="web.sign-in-throttled",
                     fields=["address"], now=now)
    return SignInFailed(message)


def _signed_in(row: AdvocateRow, secret: str, policy: AgencyPolicy, *,
               needs_totp: bool = False) -> SignedIn:
    return SignedIn(session_secret=secret,
                    advocate=advocate_facts(row, agency_timezone=policy.timezone),
                    role=Role(row.role), must_change_password=row.password_one_time,
                    needs_totp=needs_totp)


def _second_factor(keys: KeyRing, row: AdvocateRow, code: str, now: datetime) -> bool:
    """Check an admin's TOTP code (and burn its step); False when it is not accepted."""
    if row.totp_secret_enc is None:
        return True
    secret = totp.decrypt_secret(keys, row.totp_secret_enc, advocate_id=row.id)
    step = totp.accepted_step(secret, code, now=now, last_step=row.totp_last_step)
    if step is None:
        return False
    row.totp_last_step = step
    return True


def sign_in(db: Database, *, keys: KeyRing, policy: AgencyPolicy, username: str,
            password: str, client_address: str, totp_code: str | None = None,
            now: datetime) -> SignedIn:
    """Open a session for the account with this username and password.

    Raises ``SignInThrottled`` (429) while the username or the address is locked,
    ``SignInFailed`` (401) for a wrong username, password or code, and
    ``AccountDeactivated`` (401) for a deactivated account's right password. An admin
    with TOTP who gave no code gets a session that acts for no one yet
    (``needs_totp``): finish with ``confirm_second_factor``.
    """
    limits = _limits(keys, policy, username, client_address)
    message = WRONG if totp_code is None else WRONG_WITH_CODE

    def reserve(session: Session
                ) -> tuple[str | None, str | None, bool, _Engaged] | SafeDialError:
        row = find_by_username(session, username)
        engaged = _reserve(session, limits, now)
        if isinstance(engaged, SafeDialError):
            return engaged
        return (None, None, False, engaged) if row is None else (
            row.id, row.password_hash, row.password_one_time, engaged)

    account_id, stored, one_time, engaged = _committed(db, reserve)
    good = passwords.verify_password(stored, password, one_time=one_time)

    def finish(session: Session) -> SignedIn | SafeDialError:
        row = None if account_id is None else session.get(AdvocateRow, account_id)
        if row is None or not good or row.password_hash != stored:
            return _failed(session, row, message, now, engaged=engaged)
        if not row.active:
            return AccountDeactivated("this account is deactivated: ask an admin")
        if row.totp_secret_enc is not None and totp_code is None:
            secret = open_session(session, advocate_id=row.id, policy=policy.web, now=now,
                                  second_factor_pending=True)
            return _signed_in(row, secret, policy, needs_totp=True)
        if totp_code is not None and not _second_factor(keys, row, totp_code, now):
            return _failed(session, row, message, now, engaged=engaged, what="second_factor")
        if not row.password_one_time and passwords.needs_rehash(stored or ""):
            row.password_hash = passwords.hash_password(password)
        _succeeded(session, row, limits, now)
        return _signed_in(row, open_session(session, advocate_id=row.id, policy=policy.web,
                                            now=now), policy)

    return _committed(db, finish)


def confirm_second_factor(db: Database, *, keys: KeyRing, policy: AgencyPolicy,
                          session_secret: str, totp_code: str, client_address: str,
                          now: datetime) -> SignedIn:
    """Finish an admin's sign-in with the code from their authenticator app.

    The same session (and cookie) then acts for them. Codes are throttled with the
    account's sign-ins; a wrong one is ``sign-in-failed``, an expired wait (five
    minutes) too: sign in again.
    """
    def reserve(session: Session) -> tuple[str, _Limits, _Engaged] | SafeDialError:
        pending = live_row(session, secret=session_secret, policy=policy.web, now=now)
        row = None if pending is None else session.get(AdvocateRow, pending.advocate_id)
        if pending is None or not pending.second_factor_pending or row is None:
            return SignInFailed(AGAIN)
        limits = _limits(keys, policy, row.username or row.id, client_address)
        engaged = _reserve(session, limits, now)
        return engaged if isinstance(engaged, SafeDialError) else (pending.id, limits, engaged)

    pending_id, limits, engaged = _committed(db, reserve)

    def finish(session: Session) -> SignedIn | SafeDialError:
        pending = live_row(session, secret=session_secret, policy=policy.web, now=now)
        row = None if pending is None else session.get(AdvocateRow, pending.advocate_id)
        if pending is None or pending.id != pending_id or row is None:
            return SignInFailed(AGAIN)
        if not row.active:
            return AccountDeactivated("this account is deactivated: ask an admin")
        if not _second_factor(keys, row, totp_code, now):
            return _failed(session, row, "the code is not right", now, engaged=engaged,
                           what="second_factor")
        pending.second_factor_pending = False
        _succeeded(session, row, limits, now)
        return _signed_in(row, session_secret, policy)

    return _committed(db, finish)


def change_password(db: Database, *, keys: KeyRing, policy: AgencyPolicy,
                    current: str, new: str, client_address: str, now: datetime,
                    session_secret: str | None = None,
                    advocate_id: str | None = None) -> int:
    """Change the password of the signed-in account (``session_secret``) or of
    ``advocate_id``, given the current one; returns how many other sessions ended.

    The new password has at least 12 characters, is not the username and is not the
    current (one-time) password. It clears the must-change mark and ends every other
    session of the account (this one stays signed in). A wrong current password counts
    as a failed sign-in.
    """
    if (session_secret is None) == (advocate_id is None):
        raise BadInput("say whose password changes: a session or an advocate id")

    def reserve(session: Session
                ) -> tuple[str, str | None, bool, _Limits, _Engaged] | SafeDialError:
        row, _session_id = _whose(session, policy, now, session_secret, advocate_id)
        if row is None:
            return SignInFailed("sign in again: this session has ended")
        rule = passwords.broken_rule(new, username=row.username)
        if rule is not None:
            return BadInput(passwords.RULES[rule], rule=rule)
        limits = _limits(keys, policy, row.username or row.id, client_address)
        engaged = _reserve(session, limits, now)
        return engaged if isinstance(engaged, SafeDialError) else (
            row.id, row.password_hash, row.password_one_time, limits, engaged)

    account_id, stored, one_time, limits, engaged = _committed(db, reserve)
    good = passwords.verify_password(stored, current, one_time=one_time)

    def finish(session: Session) -> int | SafeDialError:
        row, keep = _whose(session, policy, now, session_secret, advocate_id)
        if row is None or row.id != account_id or not good or row.password_hash != stored:
            return _failed(session, row, "the current password is not right", now,
                           engaged=engaged, what="current_password")
        throttle.reset(session, limits.account.key)
        throttle.uncount(session, limits.address)
        if passwords.same_password(new, current, one_time=one_time):
            return BadInput(passwords.RULES["same"]
                            + (" (the one-time password)" if one_time else ""), rule="same")
        row.password_hash = passwords.hash_password(new)
        row.password_one_time = False
        ended = end_all_sessions(session, advocate_id=row.id, now=now,
                                 reason=EndReason.PASSWORD_CHANGED, keep_session_id=keep)
        audit.append(session, actor=row.id, action="advocate.password-changed",
                     fields=[_subject(row.id), f"sessions={ended}"], now=now)
        return ended

    return _committed(db, finish)


def _whose(session: Session, policy: AgencyPolicy, now: datetime, session_secret: str | None,
           advocate_id: str | None) -> tuple[AdvocateRow | None, str | None]:
    """The account (and the session to keep) a password change is for."""
    if session_secret is None:
        return session.get(AdvocateRow, advocate_id or ""), None
    user = session_for(session, secret=session_secret, policy=policy, now=now)
    if user is None:
        return None, None
    return session.get(AdvocateRow, user.advocate_id), user.session_id


def sign_out_everywhere(session: Session, *, session_secret: str, policy: AgencyPolicy,
                        now: datetime) -> int:
    """End every session of the signed-in account, this one too; returns how many
    (0 when this session had already ended). Audited."""
    row = live_row(session, secret=session_secret, policy=policy.web, now=now)
    if row is None:
        return 0
    ended = end_all_sessions(session, advocate_id=row.advocate_id, now=now)
    audit.append(session, actor=row.advocate_id, action="advocate.signed-out-everywhere",
                 fields=[_subject(row.advocate_id), f"sessions={ended}"], now=now)
    return ended
