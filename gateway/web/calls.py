"""/api/calls: the policy-gated call. Refused: 409 and nothing placed. Allowed: 202."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway.calls import gate
from gateway.calls.models import CallReport
from gateway.errors import Forbidden, NotFound, SafeDialError
from gateway.web.deps import Context, User

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api")


@dataclass
class CallBook:
    """Calls this process placed, by id: their state while ringing and their outcome."""

    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


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
    if advocate_id != facts.advocate_id and role != "admin":
        raise Forbidden("advocates place calls from their own phone only")
    prepared = await asyncio.to_thread(
        gate.prepare_call, ctx, participant_id=body.participant_id, advocate_id=advocate_id,
        actor=facts.advocate_id,
    )
    decision = prepared.decision.as_dict()
    if not prepared.decision.allowed:
        return JSONResponse(status_code=409, content={
            "error_id": "refused", "message": "; ".join(r.text for r in prepared.decision.reasons),
            "details": decision})
    book: CallBook = ctx.call_book
    book.states[prepared.call_id] = {"call_id": prepared.call_id, "state": "ringing-advocate"}

    async def run() -> None:
        try:
            report: CallReport = await gate.run_call(
                ctx, prepared, participant_id=body.participant_id,
                advocate_id=advocate_id, actor=facts.advocate_id)
            book.states[prepared.call_id] = {"state": "ended", **report.as_dict()}
        except SafeDialError as exc:
            book.states[prepared.call_id] = {"call_id": prepared.call_id, "state": "failed",
                                             "error_id": exc.error_id, "message": exc.message}

    task = asyncio.create_task(run())
    book.tasks.add(task)
    task.add_done_callback(book.tasks.discard)
    return JSONResponse(status_code=202, content={"call_id": prepared.call_id,
                                                  "decision": decision})


@router.get("/calls/{call_id}")
def call_state(call_id: str, ctx: Context, _user: User) -> dict[str, Any]:
    book: CallBook = ctx.call_book
    state = book.states.get(call_id)
    if state is None:
        raise NotFound(f"no call {call_id!r} placed by this gateway since it started")
    return state
