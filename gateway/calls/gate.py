"""The policy gate in front of every participant call.

The decision is taken twice: before anything rings (a refusal places nothing
at all) and again when the advocate answers, right before the participant's
phone is dialled, because the advocate may have taken a while and the window
may have closed or a lock been set meanwhile. Both decisions are audited.

Database work runs in a worker thread, never on the event loop, so one slow
query cannot stall the AMI events of every live call. Whatever happens once a
call was prepared, it ends with a call record and an audited outcome.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from gateway.audit import service as audit
from gateway.calls import records
from gateway.calls.models import (
    CallKind,
    CallReport,
    DialRequest,
    Outcome,
    PreparedCall,
    StageListener,
)
from gateway.calls.pbx_check import pbx_reason
from gateway.calls.ports import CallControl, CallOutcomeListener, ConnectCallControl
from gateway.calls.prompting import discard_call_audio, prepare_call_audio
from gateway.calls.service import place_call
from gateway.domain.decision import Decision, also_refused, decide
from gateway.domain.policy import AgencyPolicy
from gateway.domain.preferences import AdvocateFacts, LockState, ParticipantFacts
from gateway.errors import INTERNAL_ERROR, Refused, SafeDialError
from gateway.pbx.process import layout_for
from gateway.people import caseload
from gateway.people import records as people_records
from gateway.people import service as people
from gateway.settings import Settings
from gateway.storage.db import Database
from gateway.storage.keyring import KeyRing

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class CallRefused(Refused):
    """The policy said no: nothing was placed. Carries the whole decision."""

    error_id = "refused"

    def __init__(self, decision: Decision) -> None:
        super().__init__("; ".join(reason.text for reason in decision.reasons)
                         or "refused by policy")
        self.decision = decision
        self.details = decision.as_dict()

    def stdout_report(self) -> str | None:
        """The CLI prints the decision (reasons, next safe time) as one JSON line."""
        return json.dumps(self.decision.as_dict(), ensure_ascii=False)


@dataclass(frozen=True)
class CallGate:
    """Decides, prepares and places participant calls with the ports it needs."""

    db: Database
    policy: AgencyPolicy
    settings: Settings
    keys: Callable[[], KeyRing]
    connect: ConnectCallControl
    verify_pbx_safe: Callable[[], None]
    outcomes: CallOutcomeListener
    #: The privacy lock, from the self-test records. Required: no default means "unlocked".
    locks: Callable[[], LockState]
    clock: Clock = utc_now

    # -- the decision before a call, shown on the advocate's page ------------------------
    def preview(self, *, participant_id: str, advocate_id: str, actor: str) -> Decision:
        """The first decision as it would be taken now, without placing anything.

        The same facts, caseload rule (``NotFound`` outside it), lock and clock as
        ``prepare``, plus the leak guard on the running PBX's config (a call would
        fail on it), so the Call button is disabled exactly when pressing it would be
        refused. Audited like the decision (``call.preview.allowed|refused`` with the
        reason codes); it records no call, prepares no audio and reads no number.
        """
        decision, _, _ = self._first_decision(participant_id, advocate_id, self.clock(),
                                              check_pbx=True)
        self._audit_decision(actor=actor, participant_id=participant_id, decision=decision,
                             stage="preview")
        return decision

    # -- the first decision ------------------------------------------------------------
    def prepare(self, *, participant_id: str, advocate_id: str, actor: str,
                kind: CallKind = CallKind.CALL, attempt: int = 0,
                check_pbx: bool = False) -> PreparedCall:
        """First decision; the exact request the PBX must dial and its audio.

        Raises ``CallRefused`` (a call record says ``refused``) when the policy says no,
        and ``NotFound`` (nothing recorded) for a participant outside the caseload of the
        advocate whose phone would ring. ``check_pbx`` also refuses, like ``preview``,
        when the running PBX's config fails the leak guard (the web page's Call does;
        ``run`` checks it again before dialling in any case).
        """
        now = self.clock()
        decision, participant, advocate = self._first_decision(
            participant_id, advocate_id, now, check_pbx=check_pbx)
        self._audit_decision(actor=actor, participant_id=participant_id, decision=decision,
                             stage="decision")
        call_id = str(uuid.uuid4())
        if not decision.allowed or decision.dial is None:
            records.record_refusal(self.db, call_id=call_id, participant_id=participant_id,
                                   advocate_id=advocate_id, kind=kind, at=now)
            raise CallRefused(decision)
        keys = self.keys()
        with self.db.unit_of_work() as session:
            cover_reason = people.participant_cover_reason(session, keys=keys,
                                                           participant_id=participant_id)
        sounds = layout_for(self.settings).sounds
        audio = prepare_call_audio(folder=sounds / "calls" / call_id,
                                   cache=self.settings.prompt_cache_dir or sounds / "cache",
                                   prompts=self.settings.prompt_roots,
                                   participant=participant, advocate=advocate,
                                   dial=decision.dial, policy=self.policy,
                                   defaults_used=decision.defaults_used,
                                   callback_number=self.settings.masked.e164,
                                   cache_key=keys.prompt_cache_key,
                                   cover_reason=cover_reason)
        with self.db.unit_of_work() as session:
            request = DialRequest(
                advocate=people.advocate_phone(session, keys=keys, advocate_id=advocate_id),
                participant=people.participant_phone(session, keys=keys,
                                                     participant_id=participant_id),
                mode=decision.dial.mode,
                ring_timeout_s=self.settings.ring_timeout_s,
                voicemail_prompt=audio.voicemail,
                masked_fallback=decision.dial.masked_fallback,
                briefing=audio.briefing,
                notice_dir=audio.notice_dir,
            )
        return PreparedCall(call_id, decision, request, now, audio, kind=kind, attempt=attempt)

    # -- placing it, with the second decision --------------------------------------------
    async def run(self, prepared: PreparedCall, *, participant_id: str, advocate_id: str,
                  actor: str, control: CallControl | None = None,
                  on_stage: StageListener | None = None) -> CallReport:
        """Place an allowed call; the second decision runs when the advocate answers.

        Without ``control`` it connects to the PBX itself. The call's audio (the
        alias in speech) is removed whatever happens. Any error still ends the
        call with a ``failed`` call record and audit entry, then propagates.
        """
        first = prepared.decision.dial

        async def confirm() -> bool:
            again = await asyncio.to_thread(
                self._decide, participant_id, advocate_id, self.clock())
            await asyncio.to_thread(self._audit_decision, actor=actor,
                                    participant_id=participant_id, decision=again,
                                    stage="recheck")
            return again.allowed and again.dial == first

        try:
            report = await self._place(prepared, confirm, control, on_stage)
        except Exception as exc:
            reason = exc.error_id if isinstance(exc, SafeDialError) else INTERNAL_ERROR
            log.warning("call %s failed before it ended: %s", prepared.call_id, reason)
            failed = CallReport(prepared.call_id, Outcome.FAILED, None, False, False, 0.0)
            await asyncio.to_thread(self._finish, prepared, failed, participant_id, advocate_id,
                                    actor, with_protocol=False)
            raise
        finally:
            if prepared.audio is not None:
                discard_call_audio(prepared.audio)
        await asyncio.to_thread(self._finish, prepared, report, participant_id, advocate_id,
                                actor, with_protocol=True)
        return report

    async def _place(self, prepared: PreparedCall, confirm: Callable[[], Awaitable[bool]],
                     control: CallControl | None, on_stage: StageListener | None
                     ) -> CallReport:
        return await place_call(connect=self.connect, control=control, request=prepared.request,
                                verify_pbx_safe=lambda: asyncio.to_thread(self.verify_pbx_safe),
                                confirm=confirm, call_id=prepared.call_id,
                                drop_threshold_s=self.policy.drop_threshold_s,
                                on_stage=on_stage)

    def _finish(self, prepared: PreparedCall, report: CallReport, participant_id: str,
                advocate_id: str, actor: str, *, with_protocol: bool) -> None:
        """The call record and the audited outcome; the agreed protocol after a real end.

        The record and the audit entry are written before the outcome listener runs:
        the call really happened, so a listener that fails (a bug, a locked database)
        must not take its record with it. Its failure is logged and audited by error
        id only, and the record keeps no next action.
        """
        now = self.clock()
        records.record_call(self.db, prepared=prepared, report=report,
                            participant_id=participant_id, advocate_id=advocate_id,
                            ended_at=now)
        with self.db.unit_of_work() as session:
            audit.append(session, actor=actor, action=f"call.outcome.{report.outcome.value}",
                         participant=participant_id)
        if with_protocol:
            self._after_call(prepared, report, participant_id, advocate_id, actor, now)

    def _after_call(self, prepared: PreparedCall, report: CallReport, participant_id: str,
                    advocate_id: str, actor: str, now: datetime) -> None:
        """Tell the outcome listener; keep what it did in the call record."""
        try:
            next_action = self.outcomes.after_call(prepared=prepared, report=report,
                                                   participant_id=participant_id,
                                                   advocate_id=advocate_id, now=now)
        except Exception as exc:  # a bug or an outage must not undo the recorded call
            reason = exc.error_id if isinstance(exc, SafeDialError) else INTERNAL_ERROR
            # Only the error id: an exception's text could quote a value, and values
            # can be numbers.
            log.error("call %s ended but its agreed protocol failed: %s (%s)",
                      prepared.call_id, reason, type(exc).__name__)
            with self.db.unit_of_work() as session:
                audit.append(session, actor=actor, action="call.protocol.failed",
                             participant=participant_id, fields=[reason.replace("-", "_")])
            return
        if next_action is not None:
            records.set_next_action(self.db, call_id=prepared.call_id, next_action=next_action)

    # -- helpers -----------------------------------------------------------------------
    def _first_decision(self, participant_id: str, advocate_id: str, now: datetime, *,
                        check_pbx: bool
                        ) -> tuple[Decision, ParticipantFacts, AdvocateFacts]:
        """The decision before anything rings, with the facts it was taken on."""
        participant, advocate = self._facts(participant_id, advocate_id)
        self._require_caseload(participant_id, advocate_id)
        decision = self._judge(participant, advocate, now)
        unsafe = pbx_reason(self.verify_pbx_safe) if check_pbx else None
        if unsafe is not None:
            decision = also_refused(decision, unsafe)
        return decision, participant, advocate

    def _facts(self, participant_id: str, advocate_id: str
               ) -> tuple[ParticipantFacts, AdvocateFacts]:
        with self.db.unit_of_work() as session:
            participant = people_records.participant_facts(
                people_records.get_participant_row(session, participant_id))
            advocate = people_records.advocate_facts(
                people_records.get_advocate_row(session, advocate_id),
                agency_timezone=self.policy.timezone)
        return participant, advocate

    def _require_caseload(self, participant_id: str, advocate_id: str) -> None:
        """Under scoping an advocate calls only their caseload; anyone else is "not found"."""
        with self.db.unit_of_work() as session:
            row = people_records.get_advocate_row(session, advocate_id)
            scope = caseload.scope_for(self.policy, advocate_id=row.id, role=row.role)
            caseload.require_visible(session, scope, participant_id)

    def _decide(self, participant_id: str, advocate_id: str, now: datetime) -> Decision:
        return self._judge(*self._facts(participant_id, advocate_id), now)

    def _judge(self, participant: ParticipantFacts, advocate: AdvocateFacts,
               now: datetime) -> Decision:
        return decide(participant=participant, advocate=advocate, policy=self.policy,
                      locks=self.locks(), now=now,
                      masked_number_configured=bool(self.settings.masked_number))

    def _audit_decision(self, *, actor: str, participant_id: str, decision: Decision,
                        stage: str) -> None:
        with self.db.unit_of_work() as session:
            audit.append(
                session,
                actor=actor,
                action=f"call.{stage}.{'allowed' if decision.allowed else 'refused'}",
                participant=participant_id,
                fields=[reason.code.replace("-", "_") for reason in decision.reasons],
            )
