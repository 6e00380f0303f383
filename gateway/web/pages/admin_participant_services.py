"""What the admin participant pages ask of SafeDial: one function per page action.

Each opens one unit of work and calls the same services the CLI and the JSON API
call (they audit every change, with the participant as subject), then records which
preferences an admin discussed (``gateway.people.discussions``) in that same unit of
work, so a change and its "discussed with" line commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from gateway.people import caseload, discussions
from gateway.people import service as people
from gateway.people.discussions import Discussion
from gateway.people.inputs import NewParticipant, ParticipantFields, parse_input
from gateway.people.records import advocate_names, get_participant_row
from gateway.storage.tables import AdvocateRow, CallbackRow
from gateway.web.pages.participant_form import Form, form_of
from gateway.wiring import AppContext

#: The preferences that are the agency's default until discussed (the "default" tag).
DEFAULTABLE = ("windows", "voicemail", "on_drop", "caller_id", "if_other_answers", "language")


@dataclass(frozen=True)
class AdvocateChoice:
    id: str
    name: str


@dataclass(frozen=True)
class ListEntry:
    """One participant in the admin list."""

    id: str
    alias: str
    zone: str
    advocates: tuple[str, ...]
    defaults: tuple[str, ...]


@dataclass(frozen=True)
class OnFile:
    """A participant on file, as the edit page shows them (no secret in it)."""

    id: str
    view: dict[str, Any]
    form: Form
    phone_ending: str
    code_word_on_file: bool
    cover_reason_on_file: bool
    discussions: Mapping[str, Discussion]
    defaults: tuple[str, ...]
    assigned: tuple[AdvocateChoice, ...]
    assignable: tuple[AdvocateChoice, ...]


def _defaults(view: Mapping[str, Any]) -> tuple[str, ...]:
    """The defaultable preferences still at the agency's default in ``view``."""
    found = []
    for name in DEFAULTABLE:
        value = view[name]
        if (name == "windows" and not value) or (name == "language" and value is None) or (
                isinstance(value, dict) and "note" in value):
            found.append(name)
    return tuple(found)


def participants(ctx: AppContext, alias: str | None = None) -> list[ListEntry]:
    with ctx.db.unit_of_work() as session:
        names = advocate_names(session)
        assigned = caseload.assignments(session)
        views = people.list_participants(session, policy=ctx.policy, alias=alias)
    return [ListEntry(str(v["id"]), str(v["alias"]), str(v["timezone"]),
                      tuple(names.get(a, a) for a in assigned.get(str(v["id"]), ())),
                      _defaults(v)) for v in views]


def on_file(ctx: AppContext, participant_id: str) -> OnFile:
    """The participant's record for the edit page; the phone is read only for its last
    two digits."""
    with ctx.db.unit_of_work() as session:
        view = people.show_participant(session, policy=ctx.policy,
                                       participant_id=participant_id)
        row = get_participant_row(session, participant_id)
        stored = {"windows": list(row.windows), "callback_delay_min": row.callback_delay_min,
                  "callback_attempts": row.callback_attempts}
        ending = people.participant_phone(session, keys=ctx.keys,
                                          participant_id=participant_id).last_two
        talked = discussions.discussions_of(session, participant_id)
        assigned_ids = caseload.advocates_of(session, participant_id)
        active = session.execute(select(AdvocateRow.id, AdvocateRow.display_name)
                                 .where(AdvocateRow.active.is_(True))
                                 .order_by(AdvocateRow.display_name)).all()
        names = advocate_names(session, assigned_ids)
    return OnFile(
        id=participant_id, view=view, form=form_of(view, stored), phone_ending=ending,
        code_word_on_file=bool(view["code_word_on_file"]),
        cover_reason_on_file=bool(view["cover_reason_on_file"]), discussions=talked,
        defaults=_defaults(view),
        assigned=tuple(AdvocateChoice(a, names.get(a, a)) for a in assigned_ids),
        assignable=tuple(AdvocateChoice(a, n) for a, n in active if a not in assigned_ids))


def create(ctx: AppContext, *, actor: str, data: Mapping[str, Any]) -> str:
    """Record a new participant; every preference given counts as discussed now (the
    people service records that)."""
    fields = parse_input(NewParticipant, data)
    now = datetime.now(UTC)
    with ctx.db.unit_of_work() as session:
        return people.create_participant(session, keys=ctx.keys, policy=ctx.policy,
                                         actor=actor, fields=fields, now=now)


def update(ctx: AppContext, *, actor: str, participant_id: str, data: Mapping[str, Any]
           ) -> list[str]:
    """Change what differs; the preferences changed are discussed by ``actor`` now, and
    one put back to the default is no longer discussed."""
    fields = parse_input(ParticipantFields, data)
    now = datetime.now(UTC)
    with ctx.db.unit_of_work() as session:
        return people.update_participant(
            session, keys=ctx.keys, policy=ctx.policy, actor=actor,
            participant_id=participant_id, fields=fields, callbacks=ctx.callbacks(), now=now)


def pending_callbacks(ctx: AppContext, participant_id: str) -> int:
    """How many call-backs to the participant are pending (erasing cancels them)."""
    with ctx.db.unit_of_work() as session:
        get_participant_row(session, participant_id)
        return len(session.scalars(select(CallbackRow.id).where(
            CallbackRow.participant_id == participant_id,
            CallbackRow.status == "pending")).all())


def erase(ctx: AppContext, *, actor: str, participant_id: str) -> None:
    with ctx.db.unit_of_work() as session:
        people.erase_participant(session, actor=actor, participant_id=participant_id,
                                 callbacks=ctx.callbacks())


def assign(ctx: AppContext, *, actor: str, participant_id: str, advocate_id: str) -> bool:
    with ctx.db.unit_of_work() as session:
        return caseload.assign(session, actor=actor, participant_id=participant_id,
                               advocate_id=advocate_id)


def unassign(ctx: AppContext, *, actor: str, participant_id: str, advocate_id: str
             ) -> caseload.Unassigned:
    with ctx.db.unit_of_work() as session:
        return caseload.unassign(session, actor=actor, participant_id=participant_id,
                                 advocate_id=advocate_id, callbacks=ctx.callbacks())
