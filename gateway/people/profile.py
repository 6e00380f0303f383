"""An account's name and language, as an admin corrects them.

Why apart from ``service.update_advocate``: that one changes when call-backs may ring
an advocate and re-plans them; a name or a language changes no call-back, so it needs
no re-planning. Audited by the account's id and the names of what changed, like every
other change to an account.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from gateway.audit import service as audit
from gateway.people.inputs import Name, check_language, clean_text
from gateway.people.records import get_advocate_row


class AdvocateProfile(BaseModel):
    """Name and language; in an update, fields left unset are not changed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name | None = None
    language: str | None = Field(default=None, max_length=35)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else clean_text(value, "name")

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        return None if value is None else check_language(value)


def update_profile(session: Session, *, actor: str, advocate_id: str,
                   fields: AdvocateProfile, now: datetime | None = None) -> list[str]:
    """Set what differs; returns the names of the fields that changed (audited once)."""
    row = get_advocate_row(session, advocate_id)
    changed = []
    if fields.name is not None and fields.name != row.display_name:
        row.display_name = fields.name
        changed.append("name")
    if fields.language is not None and fields.language != row.language:
        row.language = fields.language
        changed.append("language")
    if changed:
        audit.append(session, actor=actor, action="advocate.updated",
                     fields=[f"advocate={advocate_id}", *sorted(changed)],
                     now=now or datetime.now(UTC))
    return sorted(changed)
