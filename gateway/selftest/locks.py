"""The privacy lock, read from the self-test records. Fail-closed and always consulted.

The gate gets its lock state from here through a required dependency: there
is no default meaning "unlocked". A mode that failed stays locked until an
admin clears it, and clearing is refused unless a run after the failure passed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.audit import service as audit
from gateway.callerid import CallerIdMode
from gateway.domain.policy import SelftestPolicy
from gateway.domain.preferences import LockState
from gateway.domain.selftest import LockCause, explain, lock_cause
from gateway.errors import Refused
from gateway.selftest import records
from gateway.storage.db import Database
from gateway.storage.tables import as_utc

#: The modes the self-test proves and the lock guards.
MODES = (CallerIdMode.WITHHOLD, CallerIdMode.MASKED)


class LockNotClearable(Refused):
    error_id = "lock-not-clearable"


@dataclass(frozen=True)
class PrivacyLocks:
    db: Database
    policy: SelftestPolicy
    required: bool
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def causes(self) -> dict[CallerIdMode, LockCause | None]:
        now = self.clock()
        with self.db.unit_of_work() as session:
            return {mode: lock_cause(records.history(session, mode), required=self.required,
                                     max_age=self.policy.max_age, now=now)
                    for mode in MODES}

    def state(self) -> LockState:
        """What the gate needs: the locked modes and, for each, why in plain words."""
        causes = {mode: cause for mode, cause in self.causes().items() if cause is not None}
        return LockState(frozenset(causes),
                         tuple(f"{mode.value}: {explain(cause)}"
                               for mode, cause in causes.items()))

    def status(self) -> list[dict[str, Any]]:
        """Each mode's last verdict, its age and the lock (for status commands and the API)."""
        now = self.clock()
        out = []
        causes = self.causes()
        with self.db.unit_of_work() as session:
            for mode in MODES:
                last = records.latest(session, mode)
                cause = causes[mode]
                out.append({
                    "mode": mode.value,
                    "last": records.view(last) if last is not None else None,
                    "age_hours": (round((now - as_utc(last.at)).total_seconds() / 3600, 1)
                                  if last is not None else None),
                    "locked": cause is not None,
                    "lock_reason": cause.value if cause else None,
                    "explanation": explain(cause) if cause else None,
                    "selftest_required": self.required,
                })
        return out

    def clear(self, *, mode: CallerIdMode, actor: str) -> bool:
        """An admin clears a failure lock; refused while no pass followed the failure.

        Returns False when there was no failure to clear (never-passed, stale and
        inconclusive locks lift by themselves on the next pass).
        """
        now = self.clock()
        with self.db.unit_of_work() as session:
            if not records.history(session, mode).uncleared_failure:
                return False
            if not records.passed_since_last_failure(session, mode):
                raise LockNotClearable(
                    f"'{mode.value}' failed the privacy self-test and no run passed since: fix "
                    f"the cause, run 'safedial selftest --mode {mode.value}' until it passes, "
                    "then clear the lock")
            records.clear(session, mode=mode, actor=actor, at=now)
            audit.append(session, actor=actor, action=f"lock.cleared.{mode.value}")
        return True
