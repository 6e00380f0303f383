"""The accounts pages at ``/admin/accounts``: advocates and admins, added and stopped.

Thin: read the form, call one function of ``admin_accounts_services``, render. A
one-time password is shown once, in the answer to the POST that made it (never in an
address, never after a redirect a reload could repeat; every page is ``no-store``).
Other changes answer with a redirect to the account page (303), so a reload does not
repeat them. Bad input answers the form again with the reason and changes nothing.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from gateway.errors import BadInput, Refused
from gateway.web.pages import admin_accounts_services as services
from gateway.web.pages import admin_accounts_words as words
from gateway.web.pages.admin_frame import render_admin
from gateway.web.pages.render import Notice, Pages, translator_for
from gateway.web.pages.session import AdminSignedIn, CheckedForm, context_of, form_text
from gateway.web.pages.when import moment
from gateway.web_auth.sessions import WebUser

router = APIRouter(prefix="/admin", include_in_schema=False)

SECTION: Final = "accounts"
LIST: Final = "/admin/accounts"
#: What the add form and the account page's form send.
NEW_FIELDS: Final = ("name", "username", "role", "phone", "timezone", "working_hours",
                     "language")
DETAIL_FIELDS: Final = ("name", "language", "timezone", "working_hours", "username")


def _languages(request: Request) -> list[tuple[str, str]]:
    """The languages the pages are written in, by tag, each in its own name."""
    pages: Pages = request.app.state.pages
    return [(tag, catalogue.name) for tag, catalogue in sorted(pages.catalogues.items())]


def _refusal(request: Request, exc: BadInput | Refused) -> Notice:
    return Notice("error", translator_for(request)("admin_accounts.refused",
                                                   reason=exc.message))


@router.get("/accounts")
def account_list(request: Request, admin: AdminSignedIn) -> HTMLResponse:
    ctx = context_of(request)
    t = translator_for(request)
    rows = [words.summary(t, account, admin.advocate.timezone)
            for account in services.list_accounts(ctx)]
    return render_admin(request, "admin/accounts.html", section=SECTION, rows=rows)


def _new_form(request: Request, *, status_code: int = 200, values: dict[str, str] | None = None,
              notice: Notice | None = None) -> HTMLResponse:
    """The add form; after a refusal, what was typed (but never the phone number)."""
    given = {name: "" for name in NEW_FIELDS} | {"role": "advocate", "language": "en"}
    given |= {name: value for name, value in (values or {}).items() if name != "phone"}
    return render_admin(request, "admin/account_new.html", section=SECTION,
                        status_code=status_code, values=given, notice=notice,
                        languages=_languages(request))


@router.get("/accounts/new")
def new_account_form(request: Request, _admin: AdminSignedIn) -> HTMLResponse:
    return _new_form(request)


def _values(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    return {name: form_text(form, name) for name in names}


@router.post("/accounts/new")
def add_account(request: Request, admin: AdminSignedIn, form: CheckedForm) -> HTMLResponse:
    """The new account's one-time password, in this answer only."""
    values = _values(form, NEW_FIELDS)
    try:
        new = services.read_new_account(**values)
        created = services.create_account(context_of(request), actor=admin.advocate_id,
                                          new=new)
    except BadInput as exc:
        return _new_form(request, status_code=exc.http_status, values=values,
                         notice=_refusal(request, exc))
    return render_admin(request, "admin/account_password.html", section=SECTION,
                        created=True, advocate_id=created.advocate_id,
                        username=created.username, password=created.password,
                        phone_ending=created.phone_ending)


def _account_page(request: Request, admin: WebUser, advocate_id: str, *,
                  status_code: int = 200, notice: Notice | None = None,
                  values: dict[str, str] | None = None) -> HTMLResponse:
    t = translator_for(request)
    page = services.account_page(context_of(request), advocate_id)
    account = page.account
    shown = {"name": account.name, "language": account.language,
             "timezone": account.own_timezone or "", "username": account.username or "",
             "working_hours": "\n".join(account.working_hours)} | (values or {})
    return render_admin(
        request, "admin/account.html", section=SECTION, status_code=status_code,
        notice=notice, row=words.summary(t, account, admin.advocate.timezone),
        values=shown, phone_ending=page.phone_ending, own=advocate_id == admin.advocate_id,
        tokens=[words.token(t, token, admin.advocate.timezone) for token in page.tokens],
        languages=_languages(request))


@router.get("/accounts/{advocate_id}")
def account(advocate_id: str, request: Request, admin: AdminSignedIn,
            done: str = "") -> HTMLResponse:
    notice = words.done(translator_for(request), done)
    return _account_page(request, admin, advocate_id,
                         notice=None if notice is None else Notice("info", notice))


def _back(advocate_id: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{LIST}/{advocate_id}?done={done}", status_code=303)


@router.post("/accounts/{advocate_id}")
def save_account(advocate_id: str, request: Request, admin: AdminSignedIn,
                 form: CheckedForm) -> Response:
    values = _values(form, DETAIL_FIELDS)
    try:
        details = services.read_details(**values)
        services.save_details(context_of(request), actor=admin.advocate_id,
                              advocate_id=advocate_id, details=details)
    except BadInput as exc:
        if exc.http_status == 404:
            raise
        return _account_page(request, admin, advocate_id, status_code=exc.http_status,
                             notice=_refusal(request, exc), values=values)
    return _back(advocate_id, "saved")


def _act(request: Request, admin: WebUser, advocate_id: str, done: str,
         action: Any, **arguments: str) -> Response:
    """Run one change; a refusal answers the account page with its reason."""
    try:
        action(context_of(request), actor=admin.advocate_id, advocate_id=advocate_id,
               **arguments)
    except (BadInput, Refused) as exc:
        if exc.http_status == 404:
            raise
        return _account_page(request, admin, advocate_id, status_code=exc.http_status,
                             notice=_refusal(request, exc))
    return _back(advocate_id, done)


@router.post("/accounts/{advocate_id}/deactivate")
def deactivate(advocate_id: str, request: Request, admin: AdminSignedIn,
               _form: CheckedForm) -> Response:
    return _act(request, admin, advocate_id, "deactivated", services.deactivate)


@router.post("/accounts/{advocate_id}/reactivate")
def reactivate(advocate_id: str, request: Request, admin: AdminSignedIn,
               _form: CheckedForm) -> Response:
    return _act(request, admin, advocate_id, "reactivated", services.reactivate)


@router.post("/accounts/{advocate_id}/tokens/{token_id}/revoke")
def revoke(advocate_id: str, token_id: str, request: Request, admin: AdminSignedIn,
           _form: CheckedForm) -> Response:
    return _act(request, admin, advocate_id, "revoked", services.revoke_token,
                token_id=token_id)


@router.post("/accounts/{advocate_id}/tokens")
def issue_token(advocate_id: str, request: Request, admin: AdminSignedIn,
                _form: CheckedForm) -> HTMLResponse:
    """A new API token, its secret in this answer only (a deactivated account: refused)."""
    ctx = context_of(request)
    try:
        issued = services.issue_token(ctx, actor=admin.advocate_id, advocate_id=advocate_id)
    except (BadInput, Refused) as exc:
        if exc.http_status == 404:
            raise
        return _account_page(request, admin, advocate_id, status_code=exc.http_status,
                             notice=_refusal(request, exc))
    page = services.account_page(ctx, advocate_id)
    return render_admin(request, "admin/account_token.html", section=SECTION,
                        advocate_id=advocate_id, name=page.account.name, token_id=issued.id,
                        secret=issued.secret,
                        expires=moment(translator_for(request), issued.expires_at,
                                       admin.advocate.timezone))


@router.post("/accounts/{advocate_id}/reset-password")
def reset_password(advocate_id: str, request: Request, admin: AdminSignedIn,
                   _form: CheckedForm) -> HTMLResponse:
    """The new one-time password, in this answer only."""
    try:
        password = services.reset_password(context_of(request), actor=admin.advocate_id,
                                           advocate_id=advocate_id)
    except (BadInput, Refused) as exc:
        if exc.http_status == 404:
            raise
        return _account_page(request, admin, advocate_id, status_code=exc.http_status,
                             notice=_refusal(request, exc))
    page = services.account_page(context_of(request), advocate_id)
    return render_admin(request, "admin/account_password.html", section=SECTION,
                        created=False, advocate_id=advocate_id,
                        username=page.account.username or "", password=password,
                        phone_ending=page.phone_ending)
