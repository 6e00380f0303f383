"""/api/selftest: run the privacy self-test on demand (admins), its verdicts and the lock."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict

from gateway.callerid import CallerIdMode
from gateway.errors import NotFound
from gateway.selftest import records
from gateway.selftest.locks import MODES
from gateway.web.deps import Admin, Context, User

router = APIRouter(prefix="/api")


class SelftestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: CallerIdMode | None = None


class SelftestStarted(BaseModel):
    run_id: str


@router.post("/selftest", status_code=status.HTTP_202_ACCEPTED, response_model=SelftestStarted)
async def start_selftest(ctx: Context, _admin: Admin,
                         body: SelftestRequest | None = None) -> SelftestStarted:
    """Start a self-test now; its verdicts appear at ``GET /api/selftest/{run_id}``."""
    modes = [body.mode] if body and body.mode else list(MODES)
    run_id = ctx.selftest_runs.start_on_demand(ctx.selftest(), modes,
                                               actor=_admin.advocate_id)  # 422 before 202
    return SelftestStarted(run_id=run_id)


@router.get("/selftest")
def selftest_status(ctx: Context, _user: User) -> list[dict[str, Any]]:
    """Each mode's last verdict, its age and the lock."""
    return ctx.privacy_locks().status()


@router.get("/selftest/{run_id}")
def selftest_run(run_id: str, ctx: Context, _admin: Admin) -> dict[str, Any]:
    with ctx.db.unit_of_work() as session:
        results = [records.view(row) for row in records.run_results(session, run_id)]
    running = ctx.selftest_runs.running(run_id)
    if not results and not running:
        raise NotFound("no such self-test run")
    return {"run_id": run_id, "done": not running, "verdicts": results}
