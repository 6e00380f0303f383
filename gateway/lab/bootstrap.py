"""Prepare the local lab for ``make run``: keys, a lab admin and a lab advocate who can
sign in to the web app, an API token, and a participant assigned to the advocate.

Idempotent: a second run reuses what exists, and issues a fresh API token and fresh
one-time passwords (the lab's sign-ins printed are always the ones that work; their
old web sessions end). The token is kept in the runtime folder, mode 600; the
one-time passwords are only printed.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.domain.preferences import Role
from gateway.errors import ExitCode, SafeDialError
from gateway.people import caseload
from gateway.people import service as people
from gateway.people.inputs import NewAdvocate, NewParticipant
from gateway.settings import get_settings
from gateway.storage.keyring import KeyRing, init_key_file
from gateway.storage.tables import AdvocateRow, ParticipantRow
from gateway.web_auth import accounts
from gateway.wiring import AppContext, build_context

LAB_ADVOCATE_PHONE = "+12025550111"
LAB_PARTICIPANT_PHONE = "+12025550122"
LAB_ADMIN_USERNAME = "lab-admin"
LAB_ADVOCATE_USERNAME = "lab-advocate"
ACTOR = "lab-bootstrap"
WEB_ADDRESS = "http://127.0.0.1:8000"


def _account(session: Session, ctx: AppContext, *, keys: KeyRing, username: str,
             role: Role, name: str, first: AdvocateRow | None) -> str:
    """The lab account with ``username``: found by it, else ``first`` (an older lab's
    account from before usernames) given it, else created."""
    row = accounts.find_by_username(session, username) or first
    advocate_id = row.id if row is not None else people.create_advocate(
        session, keys=keys, policy=ctx.policy, actor=ACTOR,
        fields=NewAdvocate(name=name, phone=LAB_ADVOCATE_PHONE, role=role))
    accounts.set_username(session, actor=ACTOR, advocate_id=advocate_id, username=username,
                          now=datetime.now(UTC))
    return advocate_id


def main() -> int:
    """Set the lab up; a refusal (settings, key file, a database others can read) is one
    line on stderr naming what to do, and its exit code, never a traceback."""
    try:
        return _set_up()
    except SafeDialError as exc:
        print(f"lab set-up: {exc}", file=sys.stderr)
        return exc.exit_code


def _set_up() -> int:
    settings = get_settings()
    if not settings.key_file.exists():
        init_key_file(settings.key_file)
        print(f"created key file {settings.key_file} (a lost key file means lost data)")
    ctx = build_context(settings)
    now = datetime.now(UTC)
    with ctx.db.unit_of_work() as session:
        first_admin = session.scalars(select(AdvocateRow).where(
            AdvocateRow.role == Role.ADMIN.value, AdvocateRow.username.is_(None))).first()
        admin_id = _account(session, ctx, keys=ctx.keys, username=LAB_ADMIN_USERNAME,
                            role=Role.ADMIN, name="Lab Admin", first=first_admin)
        advocate_id = _account(session, ctx, keys=ctx.keys, username=LAB_ADVOCATE_USERNAME,
                               role=Role.ADVOCATE, name="Lab Advocate", first=None)
        participant = session.scalars(select(ParticipantRow)).first()
        participant_id = participant.id if participant else people.create_participant(
            session, keys=ctx.keys, policy=ctx.policy, actor=ACTOR,
            fields=NewParticipant(alias="Lab participant", phone=LAB_PARTICIPANT_PHONE,
                                  timezone=ctx.policy.timezone, windows=["mon-sun 00:00-24:00"]))
        caseload.assign(session, actor=ACTOR, participant_id=participant_id,
                        advocate_id=advocate_id)
        token = people.issue_token(session, actor=ACTOR, advocate_id=admin_id,
                                   days=ctx.policy.token_days)
        passwords = {username: accounts.issue_one_time_password(
            session, actor=ACTOR, advocate_id=account_id, now=now)
            for username, account_id in ((LAB_ADMIN_USERNAME, admin_id),
                                         (LAB_ADVOCATE_USERNAME, advocate_id))}
    token_file = settings.runtime_dir / "lab-admin.token"
    token_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    print(f"lab admin id: {admin_id}\nlab advocate id: {advocate_id}\n"
          f"lab participant id: {participant_id}")
    print(f"sign-in (API token for the lab admin): {token}")
    print(f"web sign-in at {WEB_ADDRESS} (one-time passwords: the first sign-in asks for a "
          "new password):")
    for username, password in passwords.items():
        print(f"  username {username}  one-time password {password}")
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
