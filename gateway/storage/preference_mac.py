"""A MAC over each participant's agreed preferences, under the audit key.

Every change SafeDial makes to a participant is audited, and the audit append
re-seals that participant's preferences (``audit.append``). A direct edit of the
database (someone widening a window, turning withhold into masked, agreeing to
voicemail on the participant's behalf) leaves the MAC behind and ``audit
verify`` reports it: the rules a survivor agreed to cannot be changed silently.
Ciphertexts are not covered: they are bound to their row by their own AEAD.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date
from typing import Any

from gateway.storage.tables import ParticipantRow

#: The columns that say what the participant agreed to.
PROTECTED = (
    "timezone", "windows", "pause_until", "voicemail", "on_drop", "callback_delay_min",
    "callback_attempts", "caller_id", "masked_fallback", "voicemail_may_name_organisation",
    "voicemail_may_include_number", "language", "if_other_answers",
)
_DOMAIN = b"safedial.participant-preferences\x00"


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return str(value)


def preferences_mac(row: ParticipantRow, key: bytes) -> str:
    """HMAC-SHA256 of the row id and its protected columns, canonical JSON."""
    payload = {"id": row.id, **{name: _plain(getattr(row, name)) for name in PROTECTED}}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, _DOMAIN + text.encode(), hashlib.sha256).hexdigest()


def preferences_intact(row: ParticipantRow, key: bytes) -> bool:
    return row.prefs_mac is not None and hmac.compare_digest(row.prefs_mac,
                                                            preferences_mac(row, key))
