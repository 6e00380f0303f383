"""One participant per number, and per alias as advocates read it.

Two records for one person split their preferences: an advocate could call
under the old record's window after the participant changed it on the new
one. Numbers are compared by their blind index (never decrypted). Aliases are
compared by a skeleton: two aliases that look the same on screen (an invisible
joiner, a Cyrillic letter drawn like a Latin one, a different case, a trailing space)
name one participant, and a second record with such an alias is refused.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.errors import BadInput
from gateway.storage.tables import ParticipantRow

#: Invisible code points that are not format characters (Cf, removed by category).
_INVISIBLE: Final = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f\u2800\u3164\uffa0"
    + "".join(chr(code) for code in range(0xFE00, 0xFE10))
)

#: Common Cyrillic and Greek letters drawn like Latin ones (both cases), and a few
#: Latin look-alikes that survive NFKC.
_CONFUSABLES: Final = str.maketrans(dict(zip(
    # Cyrillic
    "\u0410\u0412\u0415\u0405\u0406\u0408\u041a\u041c\u041d\u041e\u0420\u0421\u0422"
    "\u0423\u0425\u0430\u0435\u04bb\u0456\u0458\u043e\u0440\u0441\u0501\u0455\u0443"
    "\u0445\u04cf\u051b\u051d\u04af"
    # Greek
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5"
    "\u03a7\u03b1\u03b9\u03ba\u03bd\u03bf\u03c1\u03c5\u03c7"
    # Latin look-alikes NFKC keeps
    "\u0131\u0237\u0251\u0261",
    "ABESIJKMHOPCTYXaehijopcdsyxlqwy"
    "ABEZHIKMNOPTYXaikvopux"
    "ijag",
    strict=True,
)))


class DuplicateRecord(BadInput):
    """The number or alias is already on file; the message names the record (admins only)."""

    error_id = "duplicate"
    http_status = 409

    def __init__(self, message: str, *, participant_id: str | None = None) -> None:
        super().__init__(message, **({"participant_id": participant_id} if participant_id else {}))


def alias_skeleton(alias: str) -> str:
    """What an alias looks like on screen: the key two aliases are compared by."""
    text = unicodedata.normalize("NFKC", alias)
    text = "".join(char for char in text
                   if unicodedata.category(char) != "Cf" and char not in _INVISIBLE)
    text = text.translate(_CONFUSABLES).casefold()
    return " ".join(text.split())


def refuse_duplicate_phone(session: Session, *, phone_index: str, participant_id: str) -> None:
    """Raise when another participant already has this number (by blind index)."""
    other = session.scalars(select(ParticipantRow.id).where(
        ParticipantRow.phone_index == phone_index, ParticipantRow.id != participant_id)).first()
    if other is not None:
        raise DuplicateRecord(f"phone: this number is already on file for participant {other}",
                              participant_id=other)


def refuse_duplicate_alias(session: Session, *, alias: str, participant_id: str) -> None:
    """Raise when another participant's alias looks the same (see ``alias_skeleton``)."""
    wanted = alias_skeleton(alias)
    for other, other_alias in session.execute(
            select(ParticipantRow.id, ParticipantRow.alias).where(
                ParticipantRow.id != participant_id)):
        if alias_skeleton(other_alias) == wanted:
            raise DuplicateRecord(
                f"alias: looks the same as the alias of participant {other} (letters that "
                "look alike, invisible characters, case or spaces differ only): choose another",
                participant_id=other)
