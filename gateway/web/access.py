"""/api/tokens and /api/advocates/{id}/deactivate|reactivate: admins end access."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gateway.people import access
from gateway.web.deps import Admin, Context

router = APIRouter(prefix="/api")


@router.get("/tokens")
def list_tokens(ctx: Context, _admin: Admin, advocate_id: str | None = None,
                active: bool = False) -> list[dict[str, Any]]:
    with ctx.db.unit_of_work() as session:
        return access.list_tokens(session, advocate_id=advocate_id, active_only=active)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: str, ctx: Context, admin: Admin) -> dict[str, Any]:
    with ctx.db.unit_of_work() as session:
        revoked = access.revoke_token(session, actor=admin.advocate_id, token_id=token_id)
    return {"id": token_id, "revoked": True, "already": not revoked}


@router.post("/advocates/{advocate_id}/deactivate")
def deactivate_advocate(advocate_id: str, ctx: Context, admin: Admin) -> dict[str, Any]:
    with ctx.db.unit_of_work() as session:
        return access.deactivate_advocate(session, actor=admin.advocate_id,
                                          advocate_id=advocate_id, callbacks=ctx.callbacks())


@router.post("/advocates/{advocate_id}/reactivate")
def reactivate_advocate(advocate_id: str, ctx: Context, admin: Admin) -> dict[str, Any]:
    with ctx.db.unit_of_work() as session:
        return access.reactivate_advocate(session, actor=admin.advocate_id,
                                          advocate_id=advocate_id)
