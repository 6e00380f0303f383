"""Prepare the local lab for ``make run``: keys, a lab admin with an API token, a participant.

Idempotent: a second run reuses what exists and issues a fresh token. The
token is printed (it is the sign-in) and kept in the runtime folder, mode 600.
"""

from __future__ import annotations

import os
import sys

from sqlalchemy import select

from gateway.domain.preferences import Role
from gateway.errors import ExitCode
from gateway.people import service as people
from gateway.people.inputs import NewAdvocate, NewParticipant
from gateway.settings import get_settings
from gateway.storage.keyring import init_key_file
from gateway.storage.tables import AdvocateRow, ParticipantRow
from gateway.wiring import build_context

LAB_ADVOCATE_PHONE = "+12025550111"
LAB_PARTICIPANT_PHONE = "+12025550122"
ACTOR = "lab-bootstrap"


def main() -> int:
    settings = get_settings()
    if not settings.key_file.exists():
        init_key_file(settings.key_file)
        print(f"created key file {settings.key_file} (a lost key file means lost data)")
    ctx = build_context(settings)
    with ctx.db.unit_of_work() as session:
        admins = select(AdvocateRow).where(AdvocateRow.role == Role.ADMIN.value)
        admin = session.scalars(admins).first()
        admin_id = admin.id if admin else people.create_advocate(
            session, keys=ctx.keys, policy=ctx.policy, actor=ACTOR,
            fields=NewAdvocate(name="Lab Admin", phone=LAB_ADVOCATE_PHONE, role=Role.ADMIN))
        participant = session.scalars(select(ParticipantRow)).first()
        participant_id = participant.id if participant else people.create_participant(
            session, keys=ctx.keys, policy=ctx.policy, actor=ACTOR,
            fields=NewParticipant(alias="Lab participant", phone=LAB_PARTICIPANT_PHONE,
                                  timezone=ctx.policy.timezone, windows=["mon-sun 00:00-24:00"]))
        token = people.issue_token(session, actor=ACTOR, advocate_id=admin_id,
                                   days=ctx.policy.token_days)
    token_file = settings.runtime_dir / "lab-admin.token"
    token_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    print(f"lab admin id: {admin_id}\nlab participant id: {participant_id}")
    print(f"sign-in (API token for the lab admin): {token}")
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
