"""The functions APScheduler runs (stored by reference, so they must stay importable here)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from gateway.audit import service as audit
from gateway.callbacks.scheduler import CallbackScheduler
from gateway.callbacks.service import run_callback
from gateway.calls.records import purge_records
from gateway.wiring import AppContext, build_context

log = logging.getLogger(__name__)


def _context() -> AppContext:
    ctx = build_context()
    ctx.scheduler = CallbackScheduler(ctx.db.engine)
    ctx.scheduler.start(paused=True)  # only to store a rescheduled job
    return ctx


def run_due(callback_id: str) -> None:
    """Run one call-back now (in the scheduler's worker thread)."""
    ctx = _context()
    try:
        status = asyncio.run(run_callback(ctx, callback_id))
        log.info("call-back %s: %s", callback_id, status)
    finally:
        ctx.scheduler.shutdown()
        ctx.db.dispose()


def heartbeat() -> None:
    """Wakes the scheduler so jobs added by other processes are seen."""


def retention() -> None:
    """Delete call records and audit entries older than the policy's retention."""
    ctx = build_context()
    try:
        now = datetime.now(UTC)
        removed = purge_records(ctx, now=now)
        with ctx.db.unit_of_work() as session:
            purged = audit.purge(session, retention_days=ctx.policy.retention_days, now=now)
        log.info("retention: %d call records, %d audit entries", removed, purged)
    finally:
        ctx.db.dispose()
