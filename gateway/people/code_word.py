"""Checking the code word a participant said, without ever showing it.

Why (DESIGN rule 6): the advocate types what the participant said and learns only
match or no match. The stored word is decrypted in memory, both are normalised
(``gateway.domain.code_word``) and compared as HMACs under a key made for this one
check, in constant time, so neither the time taken nor its length says anything
about the word. Checks are throttled per advocate and participant
(``[web] code_word_attempts`` an hour, counted in the database whatever the result):
a check must not become a way to guess the word. Each check is audited with its
result as a count (``matched=1`` or ``matched=0``), never the word.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.orm import Session

from gateway.audit import service as audit
from gateway.domain.code_word import normalize_code_word
from gateway.domain.policy import AgencyPolicy
from gateway.errors import BadInput, TooManyAttempts
from gateway.people.access import AccountDeactivated
from gateway.people.caseload import require_visible, scope_for
from gateway.people.records import get_advocate_row, get_participant_row
from gateway.people.service import CODE_WORD_PURPOSE
from gateway.storage.keyring import KeyRing
from gateway.web_auth import throttle

CODE_WORD_WINDOW: Final = timedelta(hours=1)


class CodeWordThrottled(TooManyAttempts):
    """This advocate checked this participant's code word too often this hour."""

    error_id = "code-word-throttled"


def _digest(key: bytes, text: str) -> bytes:
    return hmac.new(key, normalize_code_word(text).encode("utf-8"), hashlib.sha256).digest()


def same_code_word(spoken: str, on_file: str) -> bool:
    """Whether two code words match once normalised; constant time whatever their lengths."""
    key = secrets.token_bytes(32)
    return hmac.compare_digest(_digest(key, spoken), _digest(key, on_file))


def check_code_word(session: Session, *, keys: KeyRing, policy: AgencyPolicy,
                    advocate_id: str, participant_id: str, spoken: str,
                    now: datetime) -> bool:
    """Whether ``spoken`` is the participant's code word (match / no match).

    The participant must be in the advocate's caseload (else ``not-found``, as for an
    unknown id); a participant without a code word on file is ``bad-input``; the
    check past ``[web] code_word_attempts`` this hour is ``code-word-throttled`` (429).
    """
    advocate = get_advocate_row(session, advocate_id)
    if not advocate.active:
        raise AccountDeactivated("this account is deactivated: ask an admin")
    participant = get_participant_row(session, participant_id)
    require_visible(session, scope_for(policy, advocate_id=advocate_id, role=advocate.role),
                    participant_id)
    if participant.code_word_enc is None:
        raise BadInput("no code word is on file for this participant")
    limit = throttle.Limit(throttle.code_word_key(keys, advocate_id, participant_id),
                           policy.web.code_word_attempts, CODE_WORD_WINDOW)
    throttle.lock(session)
    until = throttle.refused_until(session, [limit.key], now)
    if until is not None:
        minutes = max(1, -(-int((until - now).total_seconds()) // 60))
        raise CodeWordThrottled(
            f"the code word was checked too often: try again in {minutes} minutes",
            retry_after_s=str(int((until - now).total_seconds()) + 1))
    engaged = throttle.count(session, limit, now)
    on_file = keys.decrypt(participant.code_word_enc.encode("ascii"),
                           purpose=CODE_WORD_PURPOSE, record=participant_id)
    matched = same_code_word(spoken, on_file)
    audit.append(session, actor=advocate_id, action="participant.code-word-checked",
                 participant=participant_id,
                 fields=[f"advocate={advocate_id}", f"matched={int(matched)}"], now=now)
    if engaged:
        audit.append(session, actor=advocate_id, action="participant.code-word-throttled",
                     participant=participant_id, fields=[f"advocate={advocate_id}"], now=now)
    return matched
