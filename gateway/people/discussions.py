"""Which of a participant's preferences were discussed with them, by whom and when.

Why: a preference the participant never talked through is the agency's default,
and advocates are told so ("default, not yet discussed"). Once someone records one
(an admin on the participant form, the API, or the ``safedial`` command), the card
says who recorded it and on what day, so an advocate knows it was agreed, and whom to
ask about it. The people service writes the rows in the same unit of work as the
change they describe; they go with the participant when erased.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.storage.tables import AdvocateRow, ParticipantRow, PreferenceDiscussionRow, as_utc

#: The preference a changed field belongs to (a field not named here is its own).
PREFERENCE_OF: Final = {
    "callback_delay_min": "on_drop",
    "callback_attempts": "on_drop",
    "voicemail_may_name_organisation": "voicemail",
    "voicemail_may_include_number": "voicemail",
}
#: Fields that are not something agreed with the participant.
NOT_PREFERENCES: Final = frozenset({"alias", "phone"})


@dataclass(frozen=True)
class Discussion:
    """Who recorded a preference and when: ``by`` is the account's display name (its id
    if it has none), or None when no account did (the ``safedial`` command's actor)."""

    by: str | None
    at: datetime


def preferences_in(fields: Iterable[str]) -> set[str]:
    """The preferences a set of changed fields touches."""
    return {PREFERENCE_OF.get(name, name) for name in fields if name not in NOT_PREFERENCES}


def record(session: Session, *, participant_id: str, preferences: Iterable[str],
           cleared: Iterable[str] = (), actor: str, now: datetime) -> None:
    """Mark ``preferences`` as discussed by ``actor`` at ``now``; ``cleared`` ones went
    back to the default, so they are not discussed any more."""
    gone = set(cleared)
    for name in sorted(set(preferences) - gone):
        row = session.get(PreferenceDiscussionRow, (participant_id, name))
        if row is None:
            session.add(PreferenceDiscussionRow(participant_id=participant_id, preference=name,
                                                discussed_by=actor, discussed_at=now))
        else:
            row.discussed_by, row.discussed_at = actor, now
    if gone:
        session.execute(delete(PreferenceDiscussionRow).where(
            PreferenceDiscussionRow.participant_id == participant_id,
            PreferenceDiscussionRow.preference.in_(sorted(gone))))
    session.flush()


def discussions_of(session: Session, participant_id: str) -> Mapping[str, Discussion]:
    """Each discussed preference of the participant, with who recorded it."""
    rows = session.execute(
        select(PreferenceDiscussionRow, AdvocateRow.display_name, AdvocateRow.id)
        .outerjoin(AdvocateRow, AdvocateRow.id == PreferenceDiscussionRow.discussed_by)
        .where(PreferenceDiscussionRow.participant_id == participant_id))
    return {row.preference: Discussion(
                (name or row.discussed_by) if account is not None else None,
                as_utc(row.discussed_at))
            for row, name, account in rows}


def forget(session: Session, participant_id: str) -> None:
    """Remove every discussion of the participant (erasure)."""
    session.execute(delete(PreferenceDiscussionRow).where(
        PreferenceDiscussionRow.participant_id == participant_id))


def still_default(row: ParticipantRow, preference: str) -> bool:
    """Whether ``preference`` is unset on the row (the agency's default applies)."""
    if preference == "windows":
        return not row.windows
    if preference == "code_word":
        return row.code_word_enc is None
    if preference == "cover_reason":
        return row.cover_reason_enc is None
    if preference in ("voicemail", "on_drop", "caller_id", "if_other_answers", "language",
                      "pause_until"):
        return getattr(row, preference) is None
    return False
