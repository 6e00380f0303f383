"""/api/calls: the policy-gated call. Refused: 409 and nothing placed. Allowed: 202."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway.domain.preferences import Role
from gateway.errors import Forbidden, NotFound
from gateway.web.deps import Context, User

router = APIRouter(prefix="/api")


class CallRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    participant_id: str = Field(min_length=1, max_length=32)
    advocate_id: str | None = Field(default=None, max_length=32,
                                    description="defaults to the signed-in advocate; "
                                                "admins may name another")


@router.post("/calls", status_code=status.HTTP_202_ACCEPTED,
             responses={409: {"description": "refused by policy: reasons and next safe time"}})
async def place_call(body: CallRequest, ctx: Context, user: User) -> JSONResponse:
    facts, role = user
    advocate_id = body.advocate_id or facts.advocate_id
    if advocate_id != facts.advocate_id and role is not Role.ADMIN:
        raise Forbidden("advocates place calls from their own phone only")
    gate = ctx.gate()
    prepared = await asyncio.to_thread(
        gate.prepare, participant_id=body.participant_id, advocate_id=advocate_id,
        actor=facts.advocate_id,
    )
    ctx.call_book.run(prepared.call_id, lambda on_stage: gate.run(
        prepared, participant_id=body.participant_id, advocate_id=advocate_id,
        actor=facts.advocate_id, on_stage=on_stage), advocate_id=advocate_id)
    return JSONResponse(status_code=202, content={"call_id": prepared.call_id,
                                                  "decision": prepared.decision.as_dict()})


@router.get("/calls/{call_id}")
def call_state(call_id: str, ctx: Context, user: User) -> dict[str, Any]:
    facts, role = user
    state = ctx.call_book.get(call_id,
                              advocate_id=None if role is Role.ADMIN else facts.advocate_id)
    if state is None:
        raise NotFound("no such call placed by this gateway since it started")
    return state
