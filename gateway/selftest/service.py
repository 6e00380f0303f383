"""Running the self-test: one test call per caller-ID mode to the canary, judged, recorded.

The test call takes the same trunk and the same participant-leg dialplan path
as a participant call (no briefing, no answering-machine detection). Before it,
the live config passes the leak guard, or the mode fails with check
``config-guard``. What the canary saw is judged in memory; only the verdict is
kept. A failure or an inconclusive run alerts; either way the lock follows
from the recorded verdict.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import select

from gateway.audit import service as audit
from gateway.callerid import CallerIdMode
from gateway.domain.policy import AgencyPolicy
from gateway.domain.selftest import CanaryReading, Judgement, Verdict, judge
from gateway.errors import INTERNAL_ERROR, BadInput, PbxUnavailable, SafeDialError
from gateway.pbx.guard import UnsafeConfig
from gateway.people.service import ADVOCATE_PHONE_PURPOSE
from gateway.selftest import records
from gateway.selftest.alerts import Alert, Alerts
from gateway.settings import Settings
from gateway.storage.db import Database
from gateway.storage.keyring import KeyRing
from gateway.storage.tables import AdvocateRow

log = logging.getLogger(__name__)


class CanaryProbe(Protocol):
    """Places one test call in a mode and reports what the canary received."""

    async def test_call(self, mode: CallerIdMode, *, call_id: str) -> CanaryReading: ...


ConnectProbe = Callable[[], AbstractAsyncContextManager[CanaryProbe]]


@dataclass(frozen=True)
class RunReport:
    run_id: str
    judgements: tuple[Judgement, ...]

    @property
    def all_passed(self) -> bool:
        return all(j.verdict is Verdict.PASS for j in self.judgements)


@dataclass(frozen=True)
class SelfTest:
    db: Database
    settings: Settings
    policy: AgencyPolicy
    keys: Callable[[], KeyRing]
    connect: ConnectProbe
    verify_pbx_safe: Callable[[], None]
    alerts: Alerts
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def run(self, modes: Sequence[CallerIdMode], *, trigger: str,
                  actor: str = "system:selftest", run_id: str | None = None,
                  on_verdict: Callable[[Judgement], None] | None = None) -> RunReport:
        """Test each mode; raises ``PbxUnavailable`` (after recording ``inconclusive``).

        ``on_verdict`` is told each mode's judgement once it is recorded (live progress).
        """
        self.require_canary()
        run_id = run_id or str(uuid.uuid4())
        judgements: list[Judgement] = []
        unavailable: PbxUnavailable | None = None
        for mode in modes:
            judgement, error = await self._one(mode, run_id)
            unavailable = unavailable or error
            self._keep(run_id, judgement, trigger=trigger, actor=actor)
            judgements.append(judgement)
            if on_verdict is not None:
                on_verdict(judgement)
        if unavailable is not None:
            raise unavailable
        return RunReport(run_id, tuple(judgements))

    def require_canary(self) -> None:
        """Nothing to test against without a canary: say which setting to set."""
        if not self.settings.canary_number:
            raise BadInput("no canary is configured: set SAFEDIAL_CANARY_NUMBER to a number "
                           "the agency controls on the same trunk")

    async def _one(self, mode: CallerIdMode, run_id: str
                   ) -> tuple[Judgement, PbxUnavailable | None]:
        """One mode's judgement; whatever goes wrong on the way is recorded, never lost.

        A mode whose test call could not be made at all (the PBX would not
        originate it, or a bug) proved nothing: ``inconclusive``, its check the
        error's id (never its text, which could quote a value), so it locks like
        any inconclusive run instead of leaving no record and the last pass standing.
        """
        try:
            self.verify_pbx_safe()
            async with self.connect() as probe:
                reading = await probe.test_call(mode, call_id=str(uuid.uuid4()))
        except UnsafeConfig:
            return Judgement(mode, Verdict.FAIL, "config-guard"), None
        except PbxUnavailable as exc:
            return Judgement(mode, Verdict.INCONCLUSIVE, exc.error_id), exc
        except SafeDialError as exc:
            log.warning("self-test %s: %s test call not made: %s", run_id, mode.value,
                        exc.error_id)
            return Judgement(mode, Verdict.INCONCLUSIVE, exc.error_id), None
        except Exception as exc:  # a bug must not leave the run unrecorded
            log.error("self-test %s: %s test call failed unexpectedly: %s", run_id, mode.value,
                      type(exc).__name__)
            return Judgement(mode, Verdict.INCONCLUSIVE, INTERNAL_ERROR), None
        return judge(mode, reading, masked_number=self.settings.masked.e164,
                     role_of=self._role_of, default_region=self.policy.default_region,
                     neutral_names=frozenset(self.policy.selftest.neutral_caller_names)), None

    def _role_of(self, number: str) -> str | None:
        """Whose number this is: the agency's own numbers, or an advocate's (blind index)."""
        settings = self.settings
        known = {settings.agency_number: "agency number",
                 settings.masked_number: "masked number"}
        if settings.gateway_number:
            known[settings.gateway_number] = "gateway number"
        if number in known:
            return known[number]
        index = self.keys().blind_index(number, purpose=ADVOCATE_PHONE_PURPOSE)
        with self.db.unit_of_work() as session:
            found = session.scalars(select(AdvocateRow.id).where(
                AdvocateRow.phone_index == index)).first()
        return "an advocate's phone" if found is not None else None

    def _keep(self, run_id: str, judgement: Judgement, *, trigger: str, actor: str) -> None:
        at = self.clock()
        with self.db.unit_of_work() as session:
            records.record(session, run_id=run_id, judgement=judgement, trigger=trigger, at=at)
            audit.append(session, actor=actor,
                         action=f"selftest.{judgement.mode.value}.{judgement.verdict.value}")
        log.info("self-test %s: %s %s (check %s)", run_id, judgement.mode.value,
                 judgement.verdict.value, judgement.check or "-")
        if judgement.verdict is not Verdict.PASS:
            self.alerts.send(Alert(judgement.mode.value, judgement.verdict.value,
                                   judgement.check, at.isoformat()))
