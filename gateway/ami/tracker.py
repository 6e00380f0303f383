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

from gateway.calls.models import CallReport
from gateway.calls.outcome import ORIGINATE_ANSWERED, CallSignals, classify
from gateway.pbx.dialvars import (
    EVENT_ADVOCATE_ANSWERED,
    EVENT_CALL_ENDED,
)

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
