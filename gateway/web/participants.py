"""/api/participants and /api/advocates: admins keep records; advocates read them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from gateway.people import caseload
from gateway.people import service as people
from gateway.people.inputs import AdvocateFields, NewAdvocate, NewParticipant, ParticipantFields
from gateway.web.deps import Admin, Context, Scoped, User

router = APIRouter(prefix="/api")


class Created(BaseModel):
    id: str


class Changed(BaseModel):
    id: str
    changed: list[str]


@router.post("/participants", status_code=status.HTTP_201_CREATED, response_model=Created)
def create_participant(body: NewParticipant, ctx: Context, admin: Admin) -> Created:
    with ctx.db.unit_of_work() as session:
        new_id = people.create_participant(
            session, keys=ctx.keys, policy=ctx.policy, actor=admin.advocate_id, fields=body)
    return Created(id=new_id)


@router.get("/participants")
def list_participants(ctx: Context, scope: Scoped, alias: str | None = None
                      ) -> list[dict[str, Any]]:
    with ctx.db.unit_of_work() as session:
        return people.list_participants(session, policy=ctx.policy, alias=alias, scope=scope)


@router.get("/participants/{participant_id}")
def show_participant(participant_id: str, ctx: Context, scope: Scoped) -> dict[str, Any]:
    with ctx.db.unit_of_work() as session:
        return people.show_participant(session, policy=ctx.policy, participant_id=participant_id,
                                       scope=scope)


@router.get("/participants/{participant_id}/advocates")
def participant_advocates(participant_id: str, ctx: Context, _admin: Admin) -> list[str]:
    """The ids of the advocates this participant is assigned to."""
    with ctx.db.unit_of_work() as session:
        return caseload.advocates_of(session, participant_id)


@router.put("/participants/{participant_id}/advocates/{advocate_id}",
            status_code=status.HTTP_204_NO_CONTENT)
def assign_participant(participant_id: str, advocate_id: str, ctx: Context,
                       admin: Admin) -> Response:
    """Put a participant in an advocate's caseload (repeating it changes nothing)."""
    with ctx.db.unit_of_work() as session:
        caseload.assign(session, actor=admin.advocate_id, participant_id=participant_id,
                        advocate_id=advocate_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/participants/{participant_id}/advocates/{advocate_id}",
               status_code=status.HTTP_204_NO_CONTENT)
def unassign_participant(participant_id: str, advocate_id: str, ctx: Context,
                         admin: Admin) -> Response:
    """Take a participant out of an advocate's caseload (if there, else nothing changes);
    that advocate's pending call-backs to them are cancelled."""
    with ctx.db.unit_of_work() as session:
        caseload.unassign(session, actor=admin.advocate_id, participant_id=participant_id,
                          advocate_id=advocate_id, callbacks=ctx.callbacks())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.patch("/participants/{participant_id}", response_model=Changed)
def update_participant(participant_id: str, body: ParticipantFields, ctx: Context,
                       admin: Admin) -> Changed:
    with ctx.db.unit_of_work() as session:
        changed = people.update_participant(
            session, keys=ctx.keys, policy=ctx.policy, actor=admin.advocate_id,
            participant_id=participant_id, fields=body, callbacks=ctx.callbacks())
    return Changed(id=participant_id, changed=changed)


@router.delete("/participants/{participant_id}", status_code=status.HTTP_204_NO_CONTENT)
def erase_participant(participant_id: str, ctx: Context, admin: Admin) -> Response:
    with ctx.db.unit_of_work() as session:
        people.erase_participant(session, actor=admin.advocate_id, participant_id=participant_id,
                                 callbacks=ctx.callbacks())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/advocates", status_code=status.HTTP_201_CREATED, response_model=Created)
def create_advocate(body: NewAdvocate, ctx: Context, admin: Admin) -> Created:
    with ctx.db.unit_of_work() as session:
        new_id = people.create_advocate(session, keys=ctx.keys, policy=ctx.policy,
                                        actor=admin.advocate_id, fields=body)
    return Created(id=new_id)


@router.get("/advocates/{advocate_id}")
def show_advocate(advocate_id: str, ctx: Context, _user: User) -> dict[str, Any]:
    with ctx.db.unit_of_work() as session:
        return people.show_advocate(session, policy=ctx.policy, advocate_id=advocate_id)


@router.patch("/advocates/{advocate_id}", response_model=Changed)
def update_advocate(advocate_id: str, body: AdvocateFields, ctx: Context,
                    admin: Admin) -> Changed:
    with ctx.db.unit_of_work() as session:
        changed = people.update_advocate(session, actor=admin.advocate_id,
                                         advocate_id=advocate_id, fields=body,
                                         callbacks=ctx.callbacks())
    return Changed(id=advocate_id, changed=changed)
