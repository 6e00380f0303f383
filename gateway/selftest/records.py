"""Self-test results and lock clearances in the database: verdicts only, never a number."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.callerid import CallerIdMode
from gateway.domain.selftest import Judgement, ModeHistory, Verdict
from gateway.storage.tables import LockClearanceRow, SelftestResultRow, as_utc


def record(session: Session, *, run_id: str, judgement: Judgement, trigger: str,
           at: datetime) -> None:
    session.add(SelftestResultRow(
        id=str(uuid.uuid4()), run_id=run_id, mode=judgement.mode.value,
        verdict=judgement.verdict.value, failed_check=judgement.check,
        leaked_role=judgement.leaked, sip_cause=judgement.sip_cause, trigger=trigger, at=at))


def _results(session: Session, mode: CallerIdMode) -> list[SelftestResultRow]:
    query = (select(SelftestResultRow).where(SelftestResultRow.mode == mode.value)
             .order_by(SelftestResultRow.at, SelftestResultRow.id))
    return list(session.scalars(query))


def last_clearance(session: Session, mode: CallerIdMode) -> datetime | None:
    query = (select(LockClearanceRow.cleared_at).where(LockClearanceRow.mode == mode.value)
             .order_by(LockClearanceRow.cleared_at.desc()).limit(1))
    found = session.scalars(query).first()
    return as_utc(found) if found is not None else None


def history(session: Session, mode: CallerIdMode) -> ModeHistory:
    """Latest verdict, last pass, and whether a failure awaits an admin's clearance."""
    results = _results(session, mode)
    if not results:
        return ModeHistory()
    cleared = last_clearance(session, mode)
    passes = [as_utc(row.at) for row in results if row.verdict == Verdict.PASS.value]
    uncleared = any(row.verdict == Verdict.FAIL.value and (cleared is None
                                                          or as_utc(row.at) > cleared)
                    for row in results)
    return ModeHistory(latest=Verdict(results[-1].verdict),
                       last_pass_at=passes[-1] if passes else None,
                       uncleared_failure=uncleared)


def passed_since_last_failure(session: Session, mode: CallerIdMode) -> bool:
    verdicts = [row.verdict for row in _results(session, mode)]
    if Verdict.FAIL.value not in verdicts:
        return True
    last_failure = len(verdicts) - 1 - verdicts[::-1].index(Verdict.FAIL.value)
    return Verdict.PASS.value in verdicts[last_failure + 1:]


def latest(session: Session, mode: CallerIdMode) -> SelftestResultRow | None:
    results = _results(session, mode)
    return results[-1] if results else None


def recent(session: Session, mode: CallerIdMode, *, limit: int) -> list[SelftestResultRow]:
    """The mode's last ``limit`` results, newest first (the admin's history)."""
    query = (select(SelftestResultRow).where(SelftestResultRow.mode == mode.value)
             .order_by(SelftestResultRow.at.desc(), SelftestResultRow.id.desc()).limit(limit))
    return list(session.scalars(query))


def clear(session: Session, *, mode: CallerIdMode, actor: str, at: datetime) -> None:
    session.add(LockClearanceRow(mode=mode.value, actor=actor, cleared_at=at))


def view(row: SelftestResultRow) -> dict[str, Any]:
    """The public form (``--json`` and the API): no number, by construction."""
    return {"mode": row.mode, "verdict": row.verdict, "check": row.failed_check,
            "leaked": row.leaked_role, "sip_cause": row.sip_cause,
            "at": as_utc(row.at).isoformat()}


def run_results(session: Session, run_id: str) -> list[SelftestResultRow]:
    query = (select(SelftestResultRow).where(SelftestResultRow.run_id == run_id)
             .order_by(SelftestResultRow.at))
    return list(session.scalars(query))
