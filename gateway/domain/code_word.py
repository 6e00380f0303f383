"""The participant's code word: how a spoken word is compared, and when to rotate it.

Why (DESIGN rule 6): the advocate types what the participant said and learns only
match or no match; the word itself is never shown. What was said and what is on file
are compared as Unicode NFKC with case folding and outer spaces removed, so "Bluebird",
"bluebird " and the same word in full-width letters match, in any script. A code word older
than the policy's ``[identity] code_word_rotation_days`` (or of unknown age) is due
for rotation: the advocate is reminded to agree a new one.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from gateway.domain.policy import AgencyPolicy
from gateway.domain.preferences import Preferences


def normalize_code_word(text: str) -> str:
    """NFKC, case folded (again NFKC: folding can undo it), outer white space removed."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return folded.strip()


def code_word_due_for_rotation(prefs: Preferences, policy: AgencyPolicy, today: date) -> bool:
    """True when a code word is on file and was set ``code_word_rotation_days`` or more
    days before ``today`` (or when it is not known when it was set)."""
    if not prefs.has_code_word:
        return False
    if prefs.code_word_rotated is None:
        return True
    return (today - prefs.code_word_rotated).days >= policy.code_word_rotation_days
