"""Accounts and their tokens in words, in the page's language and the admin's own zone.

Why: an admin reads "last signed in Monday 2026-03-09, 09:00 (Europe/Paris)" or
"never", not an ISO stamp in UTC; a role, a state or a sign-in state is a word from
the catalogue, never a code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.domain.windows import WindowSpecError, parse_window_spec
from gateway.web.pages import when
from gateway.web.pages.admin_accounts_services import Account, Token
from gateway.web.pages.catalogue import Translator


@dataclass(frozen=True)
class AccountWords:
    """One account as the list and the account page show it."""

    id: str
    name: str
    username: str
    role: str
    active: bool
    state: str
    timezone: str
    working_hours: list[str]
    last_sign_in: str
    sign_in: str
    active_tokens: int


@dataclass(frozen=True)
class TokenWords:
    id: str
    active: bool
    state: str
    created: str
    expires: str
    last_used: str


def moment(t: Translator, instant: datetime | None, zone: str) -> str:
    """A time on the admin's clock, or "never"."""
    return t("admin_accounts.never") if instant is None else when.moment(t, instant, zone)


def role(t: Translator, name: str) -> str:
    return {"advocate": t("admin_accounts.role.advocate"),
            "admin": t("admin_accounts.role.admin")}.get(name, name)


def sign_in_state(t: Translator, state: str) -> str:
    return {"none": t("admin_accounts.sign_in.none"),
            "one-time-password": t("admin_accounts.sign_in.one_time"),
            "password": t("admin_accounts.sign_in.password")}.get(state, state)


def token_state(t: Translator, state: str) -> str:
    return {"active": t("admin_accounts.token_state.active"),
            "expired": t("admin_accounts.token_state.expired"),
            "revoked": t("admin_accounts.token_state.revoked")}.get(state, state)


def hours(t: Translator, specs: list[str]) -> list[str]:
    """Each working-hours window in words; none: "any time"."""
    try:
        windows = [window for spec in specs for window in parse_window_spec(spec)]
    except WindowSpecError:
        return list(specs)
    return [when.window(t, window) for window in windows] or [t("admin_accounts.any_time")]


def summary(t: Translator, account: Account, admin_zone: str) -> AccountWords:
    zone = account.timezone if account.own_timezone else t(
        "admin_accounts.agency_zone", zone=account.timezone)
    return AccountWords(
        id=account.id, name=account.name, username=account.username or "",
        role=role(t, account.role), active=account.active,
        state=t("admin_accounts.state.active") if account.active
        else t("admin_accounts.state.deactivated"),
        timezone=zone, working_hours=hours(t, account.working_hours),
        last_sign_in=moment(t, account.last_sign_in_at, admin_zone),
        sign_in=sign_in_state(t, account.sign_in), active_tokens=account.active_tokens)


def token(t: Translator, row: Token, admin_zone: str) -> TokenWords:
    return TokenWords(id=row.id, active=row.state == "active", state=token_state(t, row.state),
                      created=moment(t, row.created_at, admin_zone),
                      expires=moment(t, row.expires_at, admin_zone),
                      last_used=moment(t, row.last_used_at, admin_zone))


def done(t: Translator, what: str) -> str | None:
    """What the change just made was (the ``done`` of the address), or None."""
    return {"saved": t("admin_accounts.done.saved"),
            "deactivated": t("admin_accounts.done.deactivated"),
            "reactivated": t("admin_accounts.done.reactivated"),
            "revoked": t("admin_accounts.done.revoked")}.get(what)
