"""Correlate AMI traffic into one outcome per call. Pure: no sockets, no clock.

Every channel of a call shares ``Linkedid``, which is the ``ChannelId`` the
gateway chose at Originate (its call id), so events are routed by it. The
tracker is fed messages in whatever order Asterisk sends them (the dialplan's
UserEvents can arrive before the OriginateResponse) and says when the call is
complete. Messages are plain ``Mapping[str, str]``; they carry numbers, so
nothing here logs or keeps more than the fields it reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gateway.calls.models import CallReport, CallStage
from gateway.calls.outcome import ORIGINATE_ANSWERED, CallSignals, classify
from gateway.pbx.dialvars import (
    EVENT_ADVOCATE_ANSWERED,
    EVENT_CALL_ENDED,
    EVENT_PARTICIPANT_ANSWERED,
    EVENT_PARTICIPANT_DIALING,
)

#: The stage each of the dialplan's progress events moves a call to.
_STAGE_OF = {
    EVENT_ADVOCATE_ANSWERED: CallStage.BRIEFING,
    EVENT_PARTICIPANT_DIALING: CallStage.CALLING_PARTICIPANT,
}
_ANSWERED_STAGE = {"connected": CallStage.CONNECTED, "voicemail": CallStage.LEAVING_VOICEMAIL}
_ORDER = list(CallStage)

#: The only fields of the dialplan's report the tracker keeps.
_REPORT_FIELDS = (
    "Refusal",
    "DialStatus",
    "AnsweredTime",
    "DialedTime",
    "ParticipantCause",
    "HangupSource",
    "Amd",
    "Voicemail",
    "ConnectedTime",
    "Fallback",
    "Rejection",
    "OtherAnswered",
    "AdvocateWait",
)


def _get(message: Mapping[str, str], key: str) -> str:
    """Case-insensitive header lookup (AMI header case is not guaranteed)."""
    if key in message:
        return message[key]
    lowered = key.lower()
    for name, value in message.items():
        if name.lower() == lowered:
            return value
    return ""


def call_id_of(message: Mapping[str, str]) -> str:
    """Which call an event belongs to: its Linkedid (set from our ChannelId)."""
    return _get(message, "Linkedid") or _get(message, "Uniqueid")


@dataclass
class CallTracker:
    """The state of one call, built from AMI messages."""

    call_id: str
    originate_reason: int | None = None
    awaiting_confirmation: str | None = None  # the advocate channel, once it answered
    ended: dict[str, str] | None = None
    #: How far the call got, for the live status; it only moves forward (AMI events of
    #: two channels can arrive out of order).
    stage: CallStage = CallStage.RINGING_ADVOCATE

    def on_originate_response(self, message: Mapping[str, str]) -> None:
        """The OriginateResponse event (or an error Response) for our action."""
        response = _get(message, "Response").lower()
        if response in ("error", "failure") and not _get(message, "Reason"):
            self.originate_reason = 0
            return
        try:
            self.originate_reason = int(_get(message, "Reason") or 0)
        except ValueError:
            self.originate_reason = 0

    def on_event(self, message: Mapping[str, str]) -> None:
        """Any AMI event; only this call's SafeDial UserEvents change state."""
        if call_id_of(message) != self.call_id:
            return
        if _get(message, "Event") != "UserEvent":
            return
        name = _get(message, "UserEvent")
        if name == EVENT_ADVOCATE_ANSWERED:
            self.awaiting_confirmation = _get(message, "Channel")
        elif name == EVENT_CALL_ENDED and self.ended is None:
            self.ended = {key: _get(message, key) for key in _REPORT_FIELDS}
        self._advance(name, message)

    def _advance(self, name: str, message: Mapping[str, str]) -> None:
        stage = _STAGE_OF.get(name)
        if name == EVENT_PARTICIPANT_ANSWERED:
            stage = _ANSWERED_STAGE.get(_get(message, "Stage"))
        elif name == EVENT_CALL_ENDED:
            stage = CallStage.ENDED
        if stage is not None and _ORDER.index(stage) > _ORDER.index(self.stage):
            self.stage = stage

    @property
    def complete(self) -> bool:
        if self.originate_reason is None:
            return False
        if self.originate_reason != ORIGINATE_ANSWERED:
            return True
        return self.ended is not None

    def report(self, drop_threshold_s: float = 30.0) -> CallReport:
        return classify(
            CallSignals(self.call_id, self.originate_reason, self.ended), drop_threshold_s
        )
