"""A SafeDial world on disk for tests: SQLite database, key file, policy, app context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from gateway.domain.policy import AdvocatesSee, AgencyPolicy
from gateway.people import service as people
from gateway.people.inputs import NewAdvocate, NewParticipant, ParticipantFields, parse_input
from gateway.settings import load_settings
from gateway.storage.db import Database
from gateway.storage.keyring import init_key_file
from gateway.storage.tables import ParticipantRow
from gateway.wiring import AppContext
from tests.support.numbers import ADVOCATE, AGENCY, CANARY, GATEWAY, MASKED, PARTICIPANT

#: Caseload scoping off: most tests are about other rules and call with any advocate.
#: The scoping rules are tested with ``SCOPED_POLICY`` (the default policy's choice).
POLICY = AgencyPolicy(timezone="America/Toronto", default_region="US",
                      advocates_see=AdvocatesSee.ALL)
SCOPED_POLICY = AgencyPolicy(timezone="America/Toronto", default_region="US",
                             advocates_see=AdvocatesSee.ASSIGNED)


def world_environment(root: Path, **extra: str) -> dict[str, str]:
    return {
        "SAFEDIAL_RUNTIME_DIR": str(root / "pbx"),
        "SAFEDIAL_DATABASE_URL": f"sqlite:///{root / 'safedial.db'}",
        "SAFEDIAL_KEY_FILE": str(root / "keys.json"),
        "SAFEDIAL_MASKED_NUMBER": MASKED,
        "SAFEDIAL_GATEWAY_NUMBER": GATEWAY,
        "SAFEDIAL_AGENCY_NUMBER": AGENCY,
        "SAFEDIAL_CANARY_NUMBER": CANARY,
        # A test world is a lab: its numbers are fictional (555-01xx).
        "SAFEDIAL_LAB": "true",
        **extra,
    }


def make_world(root: Path, **extra: str) -> AppContext:
    env = world_environment(root, **extra)
    settings = load_settings(env)
    init_key_file(settings.key_file)
    db = Database(settings.database_url).migrate()
    return AppContext(settings=settings, db=db, policy=POLICY)


def world_for_cli(root: Path, monkeypatch: Any) -> AppContext:
    """A world on disk that a `safedial` subprocess or in-process CLI finds through its
    environment (``monkeypatch`` is pytest's)."""
    ctx = make_world(root)
    for name, value in world_environment(root).items():
        monkeypatch.setenv(name, value)
    return ctx


def participant_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "alias": "Rose",
        "phone": PARTICIPANT,
        "timezone": "America/Toronto",
        "windows": ["mon-fri 09:00-17:00"],
        "code_word": "bluebird",
    }
    data.update(overrides)
    return data


def new_participant(**overrides: Any) -> NewParticipant:
    """A participant record as the CLI and the API validate it."""
    return parse_input(NewParticipant, participant_data(**overrides))


def changes(data: dict[str, Any]) -> ParticipantFields:
    """A validated update of the given fields only."""
    return parse_input(ParticipantFields, data)


def new_advocate(**data: Any) -> NewAdvocate:
    return parse_input(NewAdvocate, {"name": "Sam", **data})


def add_participant(ctx: AppContext, **overrides: Any) -> str:
    """A participant; after the first, each gets its own number and alias unless given
    (one participant per number, and per alias)."""
    with ctx.db.unit_of_work() as session:
        taken = session.scalar(select(func.count()).select_from(ParticipantRow)) or 0
    if taken:
        overrides.setdefault("phone", f"+12025550{160 + taken}")
        overrides.setdefault("alias", f"Rose {taken + 1}")
    with ctx.db.unit_of_work() as session:
        return people.create_participant(session, keys=ctx.keys, policy=ctx.policy,
                                         actor="test", fields=new_participant(**overrides))


def add_advocate(ctx: AppContext, role: str = "advocate", phone: str = ADVOCATE,
                 **fields: Any) -> str:
    """An advocate; ``fields`` adds e.g. ``timezone`` and ``working_hours``."""
    with ctx.db.unit_of_work() as session:
        return people.create_advocate(session, keys=ctx.keys, policy=ctx.policy, actor="test",
                                      fields=new_advocate(phone=phone, role=role, **fields))
