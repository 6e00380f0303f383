"""What an admin does to an account's web sign-in: username, one-time password, TOTP.

Why: passwords are never chosen or seen by an admin. An admin gives an account a
username and a one-time password (printed once, only its hash stored); the first
sign-in with it must choose a new password. A forgotten password is reset the same
way, which also ends every session of the account at once (whoever had it is out).
Every step is audited by the account's id and the names of what changed.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.audit import service as audit
from gateway.domain.preferences import Role
from gateway.domain.web_sessions import EndReason
from gateway.errors import BadInput
from gateway.people.duplicates import DuplicateRecord
from gateway.people.records import get_advocate_row
from gateway.storage.keyring import KeyRing
from gateway.storage.tables import AdvocateRow
from gateway.web_auth import passwords, totp
from gateway.web_auth.sessions import end_all_sessions

USERNAME: Final = re.compile(r"[a-z0-9][a-z0-9._-]{2,31}")
USERNAME_RULE: Final = ("a username is 3 to 32 of a-z, 0-9, '.', '_' and '-', starting with "
                        "a letter or digit")


def _subject(advocate_id: str) -> str:
    return f"advocate={advocate_id}"


def normalize_username(text: str) -> str:
    """The stored form (lower case); ``BadInput`` when it breaks the rule."""
    name = text.strip().lower()
    if not USERNAME.fullmatch(name):
        raise BadInput(USERNAME_RULE)
    return name


def find_by_username(session: Session, username: str) -> AdvocateRow | None:
    """The account with this username, compared case-insensitively (stored lower case)."""
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        return None
    return session.scalars(select(AdvocateRow).where(AdvocateRow.username == name)).first()


def set_username(session: Session, *, actor: str, advocate_id: str, username: str,
                 now: datetime) -> bool:
    """Give the account this username (``duplicate`` if another has it); False if it
    already had it."""
    row = get_advocate_row(session, advocate_id)
    name = normalize_username(username)
    if row.username == name:
        return False
    holder = find_by_username(session, name)
    if holder is not None and holder.id != advocate_id:
        raise DuplicateRecord("that username is taken: choose another")
    row.username = name
    session.flush()
    audit.append(session, actor=actor, action="advocate.updated",
                 fields=[_subject(advocate_id), "username"], now=now)
    return True


def issue_one_time_password(session: Session, *, actor: str, advocate_id: str,
                            now: datetime) -> str:
    """A new one-time password for the account (returned once, only its hash stored).

    Ends every web session of the account; its next sign-in must choose a password.
    """
    row = get_advocate_row(session, advocate_id)
    if row.username is None:
        raise BadInput("this account has no username: give it one first (--username)")
    password = passwords.one_time_password()
    row.password_hash = passwords.hash_password(password)
    row.password_one_time = True
    ended = end_all_sessions(session, advocate_id=advocate_id, now=now,
                             reason=EndReason.PASSWORD_RESET)
    audit.append(session, actor=actor, action="advocate.password-reset",
                 fields=[_subject(advocate_id), f"sessions={ended}"], now=now)
    return password


def enable_totp(session: Session, *, keys: KeyRing, actor: str, advocate_id: str,
                now: datetime) -> str:
    """Turn on (or renew) an admin's second factor; returns the ``otpauth://`` URI, to
    show once. Only admins have one: advocates' accounts are refused."""
    row = get_advocate_row(session, advocate_id)
    if row.role != Role.ADMIN.value:
        raise BadInput("only an admin's account takes a TOTP second factor")
    if row.username is None:
        raise BadInput("this account has no username: give it one first (--username)")
    secret = totp.new_secret()
    row.totp_secret_enc = totp.encrypt_secret(keys, secret, advocate_id=advocate_id)
    row.totp_last_step = None
    audit.append(session, actor=actor, action="advocate.totp-enabled",
                 fields=[_subject(advocate_id)], now=now)
    return totp.provisioning_uri(secret, username=row.username)


def disable_totp(session: Session, *, actor: str, advocate_id: str, now: datetime) -> bool:
    """Turn the second factor off; False if it was off."""
    row = get_advocate_row(session, advocate_id)
    if row.totp_secret_enc is None:
        return False
    row.totp_secret_enc = None
    row.totp_last_step = None
    audit.append(session, actor=actor, action="advocate.totp-disabled",
                 fields=[_subject(advocate_id)], now=now)
    return True
