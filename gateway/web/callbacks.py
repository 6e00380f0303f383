"""/api/callbacks and /api/call-records: pending call-backs and what happened, no numbers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from gateway.calls import records
from gateway.domain.preferences import Role
from gateway.web.deps import Context, Scoped, User

router = APIRouter(prefix="/api")


@router.get("/callbacks")
def pending_callbacks(ctx: Context, user: User, scope: Scoped, ended: bool = False
                      ) -> list[dict[str, Any]]:
    """Advocates see their own pending call-backs in advance (for their caseload only,
    under scoping); admins see all.

    ``ended=true`` adds the ended ones (done, missed, refused, failed, expired,
    cancelled), so admins can follow up on what did not happen.
    """
    facts, role = user
    return ctx.callbacks().list(
        advocate_id=None if role is Role.ADMIN else facts.advocate_id, pending_only=not ended,
        scope=scope)


@router.delete("/callbacks/{callback_id}", status_code=status.HTTP_204_NO_CONTENT)
def cancel_callback(callback_id: str, ctx: Context, user: User, scope: Scoped) -> Response:
    facts, role = user
    ctx.callbacks().cancel(callback_id=callback_id, actor=facts.advocate_id,
                           advocate_id=None if role is Role.ADMIN else facts.advocate_id,
                           scope=scope)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/call-records")
def call_records(ctx: Context, scope: Scoped, participant_id: str | None = None
                 ) -> list[dict[str, Any]]:
    """What happened on each call; under scoping, for the reader's caseload only."""
    return records.list_records(ctx.db, participant_id=participant_id, scope=scope)
