"""Judge a call's outcome from the PBX's own signals. Pure functions.

AMI's DialEnd reports NOANSWER for a 433 rejection, so the outcome is judged
from what the dialplan itself reports when the advocate's channel hangs up
(DIALSTATUS plus the participant leg's SIP cause), together with the
OriginateResponse reason for the advocate's leg.

Anonymous-call rejection is judged by the dialplan with the policy's rule
(gateway.domain.anonymity, rendered into it): it retried on that judgement and
reports it as ``Rejection: anonymous``, so the outcome and the retry agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from gateway.calls.models import CallReport, Outcome
from gateway.domain.anonymity import is_anonymous_rejection

#: AMI OriginateResponse reasons (Asterisk's AST_CONTROL_* numbering).
ORIGINATE_ANSWERED = 4
_ADVOCATE_DID_NOT_ANSWER = {1, 3, 5}  # hung up, no answer, busy

#: SIP status texts the gateway will repeat. The far end's own reason phrase
#: is never echoed: it is free text that could carry anything.
SIP_REASONS = {
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    410: "Gone",
    433: "Anonymity Disallowed",
    480: "Temporarily Unavailable",
    484: "Address Incomplete",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    500: "Server Internal Error",
    503: "Service Unavailable",
    600: "Busy Everywhere",
    603: "Decline",
    604: "Does Not Exist Anywhere",
    606: "Not Acceptable",
}

_SIP_CODE = re.compile(r"\bSIP (?P<code>[1-6][0-9]{2})\b")


def sip_cause(tech_cause: str | None) -> str | None:
    """A clean ``SIP <code> <reason>`` for a final failure response, else None.

    Provisional (1xx) and success (2xx) codes are not causes of anything.
    """
    if not tech_cause:
        return None
    match = _SIP_CODE.search(tech_cause)
    if not match or int(match["code"]) < 300:
        return None
    code = int(match["code"])
    reason = SIP_REASONS.get(code)
    return f"SIP {code} {reason}" if reason else f"SIP {code}"


@dataclass(frozen=True)
class CallSignals:
    """What the PBX reported about one call (all optional: a call may end early)."""

    call_id: str
    originate_reason: int | None = None
    ended: Mapping[str, str] | None = None


def _seconds(value: str | None) -> float:
    try:
        return max(0.0, float(value or 0))
    except ValueError:
        return 0.0


#: The dialplan's voicemail state (SHARED SAFEDIAL_VM) when none was left, and why.
VOICEMAIL_NOT_LEFT_REASONS = {
    "not-left": "voicemail-none",
    "waiting": "machine-hung-up-before-message",
    "playing": "machine-hung-up-during-message",
}


def _voicemail(state: str) -> tuple[Outcome, str | None]:
    """A machine answered: left only when the dialplan saw the whole prompt play."""
    if state == "left":
        return Outcome.VOICEMAIL_LEFT, None
    return Outcome.VOICEMAIL_NOT_LEFT, VOICEMAIL_NOT_LEFT_REASONS.get(state, "not-started")


def _connected_s(ended: Mapping[str, str], participant_answered: bool) -> float:
    """The participant leg's connected time, measured on that leg by the dialplan.

    ANSWEREDTIME on the advocate's channel only counts a bridge, which a
    machine never gets; it stands in only when the leg's own time is missing.
    """
    if not participant_answered:
        return 0.0
    if ended.get("ConnectedTime"):
        return _seconds(ended.get("ConnectedTime"))
    return _seconds(ended.get("AnsweredTime"))


def classify(signals: CallSignals, drop_threshold_s: float = 30.0) -> CallReport:
    """One outcome for one call.

    A drop: the participant answered (a person, or AMD could not tell) and the
    call was then ended from the participant's side or the network, not by the
    advocate, before the bridge or within ``drop_threshold_s`` after answering;
    or it ended with an abnormal cause at any time.
    """
    reason = signals.originate_reason
    advocate_answered = reason == ORIGINATE_ANSWERED
    if not advocate_answered:
        missed = reason in _ADVOCATE_DID_NOT_ANSWER
        outcome = Outcome.ADVOCATE_NO_ANSWER if missed else Outcome.FAILED
        return CallReport(signals.call_id, outcome, None, False, False, 0.0)
    ended = signals.ended or {}
    refusal = ended.get("Refusal") or None
    dial_status = (ended.get("DialStatus") or "").upper()
    amd = (ended.get("Amd") or "").upper()
    voicemail = ended.get("Voicemail") or ""
    participant_answered = dial_status == "ANSWER" or amd in ("MACHINE", "HUMAN", "NOTSURE",
                                                              "HANGUP")
    cause = None if participant_answered else sip_cause(ended.get("ParticipantCause"))
    duration = _connected_s(ended, participant_answered)
    ended_by = ended.get("HangupSource") or None
    voicemail_reason = None
    # The mark counts only on a bridged call (the keys work only there).
    other_person = (ended.get("OtherAnswered") or "") == "yes" and dial_status == "ANSWER"
    if amd == "MACHINE":
        outcome, voicemail_reason = _voicemail(voicemail)
    elif other_person and not refusal:
        outcome = Outcome.ANSWERED  # the advocate ended it as rehearsed: not a drop
    elif participant_answered and not refusal:
        dropped = amd == "HANGUP" or (
            ended_by == "participant" and duration < drop_threshold_s
        ) or _abnormal(ended.get("ParticipantCause"))
        outcome = Outcome.DROPPED if dropped else Outcome.ANSWERED
    else:
        outcome = _participant_outcome(refusal, dial_status, cause, _rejected_anonymously(ended))
    return CallReport(
        call_id=signals.call_id,
        outcome=outcome,
        sip_cause=cause,
        advocate_answered=True,
        participant_answered=participant_answered,
        duration_s=duration,
        refusal=refusal,
        masked_fallback_used=(ended.get("Fallback") or "") == "yes",
        voicemail_reason=voicemail_reason,
        other_person_answered=other_person,
        advocate_wait_s=_wait_s(ended.get("AdvocateWait")),
    )


def _wait_s(value: str | None) -> float | None:
    """The advocate's wait as the dialplan measured it; None when nothing rang."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _abnormal(tech_cause: str | None) -> bool:
    """A server or network failure ending an answered call (SIP 5xx, timeouts)."""
    cause = sip_cause(tech_cause)
    return cause is not None and cause.startswith(("SIP 5", "SIP 408"))


def _rejected_anonymously(ended: Mapping[str, str]) -> bool:
    """The dialplan's judgement with the policy's pairs; 433 counts whatever it says.

    (A dialplan rendered before the pairs existed reports no judgement; 433 is
    the one answer that is always a rejection.)
    """
    return ended.get("Rejection") == "anonymous" or is_anonymous_rejection(
        ended.get("ParticipantCause"), ()
    )


def _participant_outcome(
    refusal: str | None, dial_status: str, cause: str | None, rejected_anonymously: bool
) -> Outcome:
    if refusal:
        return Outcome.REFUSED
    if rejected_anonymously and cause is not None:
        return Outcome.REJECTED_ANONYMOUS
    if dial_status == "ANSWER":
        return Outcome.ANSWERED
    if dial_status == "BUSY" or (cause is not None and cause.startswith(("SIP 486", "SIP 600"))):
        return Outcome.BUSY
    if dial_status in ("NOANSWER", "CANCEL"):
        return Outcome.NO_ANSWER
    return Outcome.FAILED
