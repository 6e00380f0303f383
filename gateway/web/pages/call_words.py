"""A call's live stage and its outcome in plain words, from the call book's state.

Why: the advocate follows the call on the page (``role="status"`` reads each change
out) and learns how it ended in words they can act on, never a status code. Every
``CallStage`` and every ``Outcome`` has its words here (the tests check that none is
missing); the state is the dict ``CallBook`` keeps (``state``, then ``outcome`` and
its flags once ended).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.calls.models import CallStage, Outcome
from gateway.web.pages.catalogue import Translator


@dataclass(frozen=True)
class CallStatus:
    """What the status region says now (once ended: how, and anything more worth
    knowing, such as a fallback used); ``done`` once the call has ended."""

    text: str
    done: bool


def stage_words(t: Translator, stage: CallStage) -> str:
    return {
        CallStage.RINGING_ADVOCATE: t("call.stage.ringing_advocate"),
        CallStage.BRIEFING: t("call.stage.briefing"),
        CallStage.CALLING_PARTICIPANT: t("call.stage.calling_participant"),
        CallStage.CONNECTED: t("call.stage.connected"),
        CallStage.LEAVING_VOICEMAIL: t("call.stage.leaving_voicemail"),
        CallStage.ENDED: t("call.stage.ended"),
    }[stage]


def outcome_words(t: Translator, outcome: Outcome, *, masked_fallback_used: bool = False
                  ) -> str:
    if outcome is Outcome.REJECTED_ANONYMOUS:
        return (t("call.outcome.rejected_anonymous_and_masked") if masked_fallback_used
                else t("call.outcome.rejected_anonymous"))
    return {
        Outcome.ANSWERED: t("call.outcome.answered"),
        Outcome.VOICEMAIL_LEFT: t("call.outcome.voicemail_left"),
        Outcome.VOICEMAIL_NOT_LEFT: t("call.outcome.voicemail_not_left"),
        Outcome.NO_ANSWER: t("call.outcome.no_answer"),
        Outcome.BUSY: t("call.outcome.busy"),
        Outcome.ADVOCATE_NO_ANSWER: t("call.outcome.advocate_no_answer"),
        Outcome.DROPPED: t("call.outcome.dropped"),
        Outcome.FAILED: t("call.outcome.failed"),
        Outcome.REFUSED: t("call.outcome.refused"),
    }[outcome]


def _stage(state: Mapping[str, Any]) -> CallStage:
    try:
        return CallStage(str(state.get("state")))
    except ValueError:  # a state this page does not know: say only that it goes on
        return CallStage.RINGING_ADVOCATE


def _outcome(state: Mapping[str, Any]) -> Outcome:
    try:
        return Outcome(str(state.get("outcome")))
    except ValueError:
        return Outcome.FAILED


def call_status(t: Translator, state: Mapping[str, Any]) -> CallStatus:
    """The words for a call's state: its stage while it runs, then how it ended."""
    stage = _stage(state)
    if stage is not CallStage.ENDED:
        return CallStatus(stage_words(t, stage), done=False)
    outcome = _outcome(state)
    fallback = bool(state.get("masked_fallback_used"))
    notes = []
    if fallback and outcome is not Outcome.REJECTED_ANONYMOUS:
        notes.append(t("call.note.masked_fallback_used"))
    if state.get("other_person_answered"):
        notes.append(t("call.note.other_person_answered"))
    text = t("call.ended_with", outcome=outcome_words(t, outcome,
                                                      masked_fallback_used=fallback))
    return CallStatus(" ".join([text, *notes]), done=True)
