"""/api/selftest: run the privacy self-test on demand (admins), its verdicts and the lock."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict

from gateway.callerid import CallerIdMode
from gateway.errors import NotFound, SafeDialError
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
    selftest = ctx.selftest()
    selftest.require_canary()  # refuse (422) before answering 202
    run_id = str(uuid.uuid4())

    async def run() -> object:
        try:
            return await selftest.run(modes, trigger="on-demand", actor=_admin.advocate_id,
                                      run_id=run_id)
        except SafeDialError:
            return None  # e.g. the PBX is down: recorded as inconclusive, the lock follows

    ctx.selftest_runs.start(run_id, run)
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
