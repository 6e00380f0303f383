"""The first password of an account signed in with a one-time password.

Why: an admin hands over a one-time password, and the first sign-in with it must
choose a password only its owner knows before anything else
(``WebUser.must_change_password``). While an account has a one-time password, every
one of its sessions was opened with it, moments ago at most a session's lifetime: the
session is the proof, so the first-sign-in form does not ask for the one-time password
again (its fields are "New password" and "Confirm new password"). An account with a
password of its own changes it with ``signin.change_password``, which asks for it.
"""

from __future__ import annotations

from datetime import datetime

from gateway.audit import service as audit
from gateway.domain.policy import AgencyPolicy
from gateway.domain.web_sessions import EndReason
from gateway.errors import BadInput
from gateway.storage.db import Database
from gateway.storage.tables import AdvocateRow
from gateway.web_auth import passwords
from gateway.web_auth.sessions import end_all_sessions, session_for
from gateway.web_auth.signin import SignInFailed

ENDED = "sign in again: this session has ended"


def choose_first_password(db: Database, *, policy: AgencyPolicy, session_secret: str,
                          new: str, now: datetime) -> int:
    """Give the account of a one-time-password session its own password; returns how
    many of its other sessions ended.

    The new password keeps the rules (``passwords.broken_rule``) and is not the
    one-time password (``BadInput`` with ``details["rule"]``). It clears the
    must-change mark; this session stays signed in. Audited as a password change.
    """
    with db.unit_of_work() as session:
        user = session_for(session, secret=session_secret, policy=policy, now=now)
        row = None if user is None else session.get(AdvocateRow, user.advocate_id)
        if row is None:
            raise SignInFailed(ENDED)
        if not row.password_one_time:
            raise BadInput("this account has a password of its own: give it to change it",
                           rule="current")
        rule = passwords.broken_rule(new, username=row.username)
        if rule is not None:
            raise BadInput(passwords.RULES[rule], rule=rule)
        account_id, stored = row.id, row.password_hash
    if passwords.verify_password(stored, new, one_time=True):
        raise BadInput(passwords.RULES["same"] + " (the one-time password)", rule="same")
    new_hash = passwords.hash_password(new)
    with db.unit_of_work() as session:
        user = session_for(session, secret=session_secret, policy=policy, now=now)
        row = None if user is None else session.get(AdvocateRow, user.advocate_id)
        if user is None or row is None or row.id != account_id or row.password_hash != stored:
            raise SignInFailed(ENDED)  # signed out, reset or changed meanwhile
        row.password_hash = new_hash
        row.password_one_time = False
        ended = end_all_sessions(session, advocate_id=row.id, now=now,
                                 reason=EndReason.PASSWORD_CHANGED,
                                 keep_session_id=user.session_id)
        audit.append(session, actor=row.id, action="advocate.password-changed",
                     fields=[f"advocate={row.id}", f"sessions={ended}"], now=now)
    return ended
