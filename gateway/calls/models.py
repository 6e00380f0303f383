"""Plain data describing a call: what to dial, and how it ended. No I/O."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.callerid import CallerIdMode
from gateway.domain.decision import Decision
from gateway.phone import PhoneNumber

if TYPE_CHECKING:
    from gateway.calls.prompting import CallAudio


class CallStage(StrEnum):
    """Where a call is while it runs, for the advocate's live status (in this order)."""

    RINGING_ADVOCATE = "ringing-advocate"
    BRIEFING = "briefing"
    CALLING_PARTICIPANT = "calling-participant"
    CONNECTED = "connected"
    LEAVING_VOICEMAIL = "leaving-voicemail"
    ENDED = "ended"


#: Told each stage a call reaches, once, in order (the live status listens).
StageListener = Callable[[CallStage], None]


class Outcome(StrEnum):
    """How a call ended, as advocates, call records and the CLI name it."""

    ANSWERED = "answered"
    VOICEMAIL_LEFT = "voicemail-left"
    VOICEMAIL_NOT_LEFT = "voicemail-not-left"
    NO_ANSWER = "no-answer"
    BUSY = "busy"
    REJECTED_ANONYMOUS = "rejected-anonymous"
    ADVOCATE_NO_ANSWER = "advocate-no-answer"
    DROPPED = "dropped"
    FAILED = "failed"
    REFUSED = "refused"


class CallKind(StrEnum):
    """Why a call was placed: an advocate pressed Call, or a scheduled call-back ran."""

    CALL = "call"
    CALLBACK = "callback"


class NextAction(StrEnum):
    """What the agreed dropped-call protocol did after a call (kept in the call record)."""

    WAIT = "wait"
    CALLBACK_SCHEDULED = "callback-scheduled"
    CALLBACK_EXPIRED = "callback-expired"
    CALLBACKS_EXHAUSTED = "callbacks-exhausted"
    #: Someone else answered: pending call-backs cancelled, the agreed rule applied.
    OTHER_PERSON_ANSWERED = "other-person-answered"


@dataclass(frozen=True)
class DialRequest:
    """Everything the PBX needs for one two-leg call, already decided and validated.

    ``advocate`` None is the privacy self-test: a Local channel inside the PBX
    stands in for the advocate's phone, and the participant is the canary.
    """

    advocate: PhoneNumber | None
    participant: PhoneNumber
    mode: CallerIdMode
    ring_timeout_s: int = 30
    #: The voicemail to leave on a machine (a sound path without extension);
    #: None means leave nothing.
    voicemail_prompt: Path | None = None
    #: Retry once with the masked number after an anonymous-call rejection (only if agreed).
    masked_fallback: bool = False
    #: Answering-machine detection; only lab calls may turn it off.
    detect_machine: bool = True
    briefing: Path | None = None
    notice_dir: Path | None = None

    def __post_init__(self) -> None:
        if not 5 <= self.ring_timeout_s <= 120:
            raise ValueError("ring timeout must be between 5 and 120 seconds")
        if self.advocate is not None and self.advocate == self.participant:
            raise ValueError("the advocate's phone and the participant's phone must differ")


@dataclass(frozen=True)
class CallReport:
    """The one outcome of a call. Carries no phone number by construction."""

    call_id: str
    outcome: Outcome
    sip_cause: str | None
    advocate_answered: bool
    participant_answered: bool
    duration_s: float
    refusal: str | None = None
    masked_fallback_used: bool = False
    #: Why no voicemail was left on a machine (None when one was, or no machine).
    voicemail_reason: str | None = None
    #: The advocate marked that someone other than the participant answered.
    other_person_answered: bool = False
    #: Advocate answered -> participant's phone ringing (None: it never rang).
    advocate_wait_s: float | None = None

    def as_dict(self) -> dict[str, object]:
        """The public fields (the contract of ``safedial call``); no number among them."""
        data: dict[str, object] = {
            "call_id": self.call_id,
            "outcome": self.outcome.value,
            "sip_cause": self.sip_cause,
            "advocate_answered": self.advocate_answered,
            "participant_answered": self.participant_answered,
            "duration_s": round(self.duration_s, 3),
            "masked_fallback_used": self.masked_fallback_used,
            "other_person_answered": self.other_person_answered,
            "advocate_wait_s": (None if self.advocate_wait_s is None
                                else round(self.advocate_wait_s, 3)),
        }
        if self.voicemail_reason:
            data["voicemail_reason"] = self.voicemail_reason
        return data

    def as_json_line(self) -> str:
        """The CLI's one-line JSON form."""
        return json.dumps(self.as_dict(), ensure_ascii=False)


@dataclass(frozen=True)
class PreparedCall:
    """An allowed decision with the exact request it allows, and the call's audio."""

    call_id: str
    decision: Decision
    request: DialRequest
    started_at: datetime
    audio: CallAudio | None = None
    kind: CallKind = CallKind.CALL
    attempt: int = 0  # for a call-back: which attempt this is
