"""What the accounts pages do, over one unit of work each: the existing services, gathered.

Why a module of its own: the routes stay thin (read the form, call one function
here, render), and every change goes through the services the CLI and the API use
(``people.service``, ``people.access``, ``web_auth.accounts``), so it is audited the
same way, by the account's id (``advocate=``) and the token's (``token=``). Input is
read in full before anything is written: bad input changes nothing.

Two refusals are the pages' own: an admin may not deactivate their own account (so
the last active admin can never lock everyone out through the pages: whoever acts is
an active admin) nor reset their own password here (it would end the very session
showing it; "Change password" is for that).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.domain.preferences import Role
from gateway.errors import BadInput, NotFound, Refused
from gateway.people import access
from gateway.people import service as people
from gateway.people.inputs import AdvocateFields, NewAdvocate, parse_input
from gateway.people.profile import AdvocateProfile, update_profile
from gateway.people.records import get_advocate_row
from gateway.storage.tables import AdvocateRow, as_utc
from gateway.web_auth import accounts
from gateway.wiring import AppContext


@dataclass(frozen=True)
class Token:
    """An API token as the account page lists it (never its secret)."""

    id: str
    state: str
    created_at: datetime | None
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class Account:
    """One account, without its number (only the last two digits), hash or TOTP secret."""

    id: str
    name: str
    username: str | None
    role: str
    active: bool
    language: str
    #: Their own zone, or None (the agency's).
    own_timezone: str | None
    timezone: str
    working_hours: list[str]
    last_sign_in_at: datetime | None
    sign_in: str
    second_factor: bool
    active_tokens: int


@dataclass(frozen=True)
class AccountPage:
    account: Account
    phone_ending: str
    tokens: list[Token]


@dataclass(frozen=True)
class NewAccount:
    """What the add form asks, read and checked before anything is written."""

    fields: NewAdvocate
    username: str


@dataclass(frozen=True)
class Created:
    """A new account and its one-time password (shown once, only its hash stored)."""

    advocate_id: str
    username: str
    password: str
    phone_ending: str


@dataclass(frozen=True)
class Details:
    """The account page's form: profile, working hours and username, all checked."""

    profile: AdvocateProfile
    hours: AdvocateFields
    username: str | None


def _moment(text: Any) -> datetime | None:
    return None if text is None else datetime.fromisoformat(str(text))


def _ending(session: Session, ctx: AppContext, advocate_id: str) -> str:
    """The last two digits of the account's own phone: enough to check it with them."""
    return people.advocate_phone(session, keys=ctx.keys, advocate_id=advocate_id).last_two


def _account(session: Session, row: AdvocateRow, ctx: AppContext) -> Account:
    view = people.show_advocate(session, policy=ctx.policy, advocate_id=row.id)
    active_tokens = len(access.list_tokens(session, advocate_id=row.id, active_only=True))
    return Account(
        id=row.id, name=row.display_name, username=row.username, role=row.role,
        active=row.active, language=row.language, own_timezone=row.timezone,
        timezone=view["timezone"], working_hours=list(row.working_hours or []),
        last_sign_in_at=None if row.last_sign_in_at is None else as_utc(row.last_sign_in_at),
        sign_in=view["web_sign_in"], second_factor=view["second_factor"],
        active_tokens=active_tokens)


def list_accounts(ctx: AppContext) -> list[Account]:
    """Every account, admins and advocates, by name."""
    with ctx.db.unit_of_work() as session:
        rows = session.scalars(select(AdvocateRow).order_by(AdvocateRow.display_name,
                                                            AdvocateRow.id))
        return [_account(session, row, ctx) for row in rows]


def account_page(ctx: AppContext, advocate_id: str) -> AccountPage:
    """One account with its tokens; ``NotFound`` for an unknown id."""
    with ctx.db.unit_of_work() as session:
        row = get_advocate_row(session, advocate_id)
        ending = _ending(session, ctx, row.id)
        tokens = [Token(id=view["id"], state=view["state"],
                        created_at=_moment(view["created_at"]),
                        expires_at=_moment(view["expires_at"]),
                        last_used_at=_moment(view["last_used_at"]),
                        revoked_at=_moment(view["revoked_at"]))
                  for view in access.list_tokens(session, advocate_id=row.id)]
        return AccountPage(_account(session, row, ctx), ending, list(reversed(tokens)))


def _hours(timezone: str, working_hours: str) -> dict[str, Any]:
    """The zone (blank: the agency's) and one window per line (none: any time)."""
    return {"timezone": timezone.strip() or None,
            "working_hours": [line.strip() for line in working_hours.splitlines()
                              if line.strip()]}


def read_new_account(*, name: str, username: str, role: str, phone: str, timezone: str,
                     working_hours: str, language: str) -> NewAccount:
    """The add form, checked in full (``BadInput`` names the field, never the number)."""
    if role not in (Role.ADVOCATE.value, Role.ADMIN.value):
        raise BadInput("role: choose advocate or admin")
    fields = parse_input(NewAdvocate, {"name": name, "phone": phone, "role": role,
                                       "language": language.strip() or "en",
                                       **_hours(timezone, working_hours)})
    return NewAccount(fields, accounts.normalize_username(username))


def create_account(ctx: AppContext, *, actor: str, new: NewAccount) -> Created:
    """The account, its username and a one-time password, in one unit of work (a taken
    username leaves no account behind)."""
    now = datetime.now(UTC)
    with ctx.db.unit_of_work() as session:
        advocate_id = people.create_advocate(session, keys=ctx.keys, policy=ctx.policy,
                                             actor=actor, fields=new.fields, now=now)
        accounts.set_username(session, actor=actor, advocate_id=advocate_id,
                              username=new.username, now=now)
        password = accounts.issue_one_time_password(session, actor=actor,
                                                    advocate_id=advocate_id, now=now)
        ending = _ending(session, ctx, advocate_id)
    return Created(advocate_id, new.username, password, ending)


def read_details(*, name: str, language: str, timezone: str, working_hours: str,
                 username: str) -> Details:
    """The account page's form, checked in full before anything is written."""
    profile = parse_input(AdvocateProfile, {"name": name, "language": language})
    hours = parse_input(AdvocateFields, _hours(timezone, working_hours))
    return Details(profile, hours,
                   accounts.normalize_username(username) if username.strip() else None)


def save_details(ctx: AppContext, *, actor: str, advocate_id: str, details: Details
                 ) -> list[str]:
    """Change what differs; returns the names of what changed. Working hours go through
    ``update_advocate`` only when they change (it re-plans the account's call-backs)."""
    now = datetime.now(UTC)
    with ctx.db.unit_of_work() as session:
        row = get_advocate_row(session, advocate_id)
        changed = update_profile(session, actor=actor, advocate_id=advocate_id,
                                 fields=details.profile, now=now)
        hours = {name: getattr(details.hours, name) for name in ("timezone", "working_hours")
                 if getattr(details.hours, name) != getattr(row, name)}
        if hours:
            changed += people.update_advocate(
                session, actor=actor, advocate_id=advocate_id,
                fields=AdvocateFields(**hours), callbacks=ctx.callbacks(), now=now)
        if details.username is not None and accounts.set_username(
                session, actor=actor, advocate_id=advocate_id, username=details.username,
                now=now):
            changed.append("username")
    return sorted(changed)


def deactivate(ctx: AppContext, *, actor: str, advocate_id: str) -> dict[str, Any]:
    """Stop the account at once (tokens, web sessions, call-backs: ``access``)."""
    if advocate_id == actor:
        raise Refused("you cannot deactivate your own account: ask another admin")
    with ctx.db.unit_of_work() as session:
        return access.deactivate_advocate(session, actor=actor, advocate_id=advocate_id,
                                          callbacks=ctx.callbacks())


def reactivate(ctx: AppContext, *, actor: str, advocate_id: str) -> dict[str, Any]:
    with ctx.db.unit_of_work() as session:
        return access.reactivate_advocate(session, actor=actor, advocate_id=advocate_id)


def reset_password(ctx: AppContext, *, actor: str, advocate_id: str) -> str:
    """A new one-time password (shown once); every web session of the account ends."""
    if advocate_id == actor:
        raise Refused("you cannot reset your own password here: use Change password")
    with ctx.db.unit_of_work() as session:
        return accounts.issue_one_time_password(session, actor=actor,
                                                advocate_id=advocate_id,
                                                now=datetime.now(UTC))


def issue_token(ctx: AppContext, *, actor: str, advocate_id: str) -> access.IssuedToken:
    """A new API token for this (active) account, for the policy's ``token_days``: its
    secret is shown once and only its hash is kept."""
    with ctx.db.unit_of_work() as session:
        return access.create_token(session, actor=actor, advocate_id=advocate_id,
                                   days=ctx.policy.token_days)


def revoke_token(ctx: AppContext, *, actor: str, advocate_id: str, token_id: str) -> bool:
    """Revoke one of this account's tokens; another account's is "not found"."""
    with ctx.db.unit_of_work() as session:
        get_advocate_row(session, advocate_id)
        mine = {view["id"] for view in access.list_tokens(session, advocate_id=advocate_id)}
        if token_id not in mine:
            raise NotFound("no such API token for this account")
        return access.revoke_token(session, actor=actor, token_id=token_id)
