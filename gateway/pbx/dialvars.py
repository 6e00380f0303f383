"""Names shared by the gateway and the rendered dialplan: their contract.

dialplans/extensions.conf.j2 reads these variables and emits these events;
keep both sides in step (dialplans/README.md documents them for operators).
"""

from typing import Final

#: Context and extension the advocate's answered channel continues in.
CALL_CONTEXT: Final = "safedial-call"
CALL_EXTENSION: Final = "participant"

#: Where the self-test's Local channel stands in for the advocate's phone.
SELFTEST_HOLD_CONTEXT: Final = "safedial-selftest-hold"
SELFTEST_HOLD_EXTENSION: Final = "hold"

#: The PJSIP endpoint carrying both legs.
TRUNK_ENDPOINT: Final = "trunk"

#: Channel variables the gateway sets on the advocate's channel at Originate.
VAR_CALL_ID: Final = "SAFEDIAL_CALL_ID"
VAR_CALLERID_MODE: Final = "SAFEDIAL_CALLERID_MODE"
VAR_PARTICIPANT: Final = "SAFEDIAL_PARTICIPANT"
VAR_RING_TIMEOUT: Final = "SAFEDIAL_RING_TIMEOUT"
VAR_VOICEMAIL: Final = "SAFEDIAL_VOICEMAIL"  # none | play
VAR_VM_PROMPT: Final = "SAFEDIAL_VM_PROMPT"  # sound path (no extension) when play
VAR_MASKED_FALLBACK: Final = "SAFEDIAL_MASKED_FALLBACK"  # yes | no
VAR_AMD: Final = "SAFEDIAL_AMD"  # "no" only for lab calls
VAR_BRIEFING: Final = "SAFEDIAL_BRIEFING"  # sound path, optional
VAR_NOTICE_DIR: Final = "SAFEDIAL_NOTICE_DIR"  # folder of advocate notices, optional

#: Set by the gateway (AMI Setvar) once it has decided again: "yes" or "no".
VAR_GO: Final = "SAFEDIAL_GO"

#: Where the gateway then redirects the waiting advocate channel (AMI Redirect,
#: same context): it ends the dialplan's wait at once and re-checks ``VAR_GO``.
DECIDED_EXTENSION: Final = "decided"
DECIDED_PRIORITY: Final = "1"

#: UserEvents the gateway listens for (AMI event ``UserEvent``, header ``UserEvent``);
#: dialplans/README.md lists every one the dialplan emits.
EVENT_ADVOCATE_ANSWERED: Final = "SafeDialAdvocateAnswered"
#: Right before the participant leg is dialled (``CallId``, ``Mode``): the self-test
#: links the canary's reading to its test call from here on.
EVENT_PARTICIPANT_DIALING: Final = "SafeDialParticipantDialing"
EVENT_CALL_ENDED: Final = "SafeDialCallEnded"
#: The participant's phone answered (``Stage``: ``connected`` for a person, bridged to
#: the advocate; ``voicemail`` when the message is about to play). Raised on the
#: participant's channel, so it carries no ``CallId``: it is routed by ``Linkedid``.
EVENT_PARTICIPANT_ANSWERED: Final = "SafeDialParticipantAnswered"
#: What the canary received (the one event that carries numbers, base64-encoded values;
#: held in memory for the self-test's verdict, never logged or stored).
EVENT_CANARY_READING: Final = "SafeDialCanaryReading"
#: The reading's caller ID, as the canary got it: one value each.
CANARY_CALLER_FIELDS: Final = {"Number": "caller_number", "Name": "caller_name"}
#: The raw SIP headers it reports, every copy: event headers ``From1`` ... ``From5``, and
#: so on. A carrier may send a header twice (a sip: and a tel: P-Asserted-Identity), and a
#: number in the second copy reaches the phone as surely as one in the first.
CANARY_HEADER_FIELDS: Final = {
    "From": "From",
    "Pai": "P-Asserted-Identity",
    "Rpid": "Remote-Party-ID",
    "Privacy": "Privacy",
    "Diversion": "Diversion",
}
#: Copies of each header reported. One more is read, only to tell that there were more:
#: such a reading cannot pass (what was not read was not judged).
CANARY_COPIES: Final = 5
#: The reading's last event header (``End: yes``). Asterisk silently cuts an application's
#: arguments at 8 KiB; a reading without it was cut short and cannot pass.
CANARY_END: Final = "End"
#: Every event header of the reading, in the order the dialplan sends them.
CANARY_FIELDS: Final = (
    *CANARY_CALLER_FIELDS,
    *(f"{key}{copy}" for key in CANARY_HEADER_FIELDS for copy in range(1, CANARY_COPIES + 2)),
    CANARY_END,
)

#: Why the dialplan refused to dial the participant (``Refusal`` header).
DIALPLAN_REFUSALS: Final = {
    "call-id-invalid": "the call id was missing or malformed",
    "participant-number-invalid": "the participant's number was missing or malformed",
    "ring-timeout-invalid": "the ring timeout was missing or malformed",
    "voicemail-rule-invalid": "the voicemail rule or its prompt was missing or malformed",
    "callerid-mode-invalid": "the caller-ID mode was missing or not withhold/masked",
    "masked-number-invalid": "the masked number is not configured correctly",
    "policy-refused-at-dial": "decided again when the advocate answered: no longer allowed",
    "not-confirmed": "the gateway did not confirm the call in time",
}
