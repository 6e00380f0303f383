"""One's own account: choose a new password (first sign-in, or any time), sign out.

Why: a one-time password was seen by an admin, so the first sign-in with it must
choose a password only its owner knows before any other page opens (the session
layer sends every page here until then). Signing out ends the session on the server
and tells the browser to drop everything of this site (``Clear-Site-Data``): on a
shared computer, the next person finds nothing, not even with the back button (every
page is ``no-store`` as well).
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from gateway.errors import BadInput
from gateway.web.pages.render import Notice, render, translator_for
from gateway.web.pages.session import (
    CheckedForm,
    SignedIn,
    checked_form,
    clear_session_cookie,
    context_of,
    form_text,
    now,
    session_secret,
    web_user,
)
from gateway.web.pages.sign_in import CHOOSE_PAGE, HOME, PRE_COOKIE, client_of, throttled
from gateway.web.retry import retry_after
from gateway.web_auth import passwords, signin
from gateway.web_auth.first_password import choose_first_password
from gateway.web_auth.sessions import WebUser, end_session

router = APIRouter(include_in_schema=False)

#: What sign-out asks the browser to drop: its cache, this site's cookies and storage.
CLEAR_SITE_DATA: Final = '"cache", "cookies", "storage"'


def password_page(request: Request, user: WebUser, *, status_code: int = 200,
                  notice: Notice | None = None, headers: dict[str, str] | None = None
                  ) -> HTMLResponse:
    """The form: only the new password twice on a first sign-in; else the current one too."""
    extra: dict[str, Any] = {} if notice is None else {"notice": notice}
    page = render(request, "change_password.html", status_code=status_code,
                  form_action=CHOOSE_PAGE, username=user.username or "",
                  first=user.must_change_password, **extra)
    page.headers.update(headers or {})
    return page


@router.get(CHOOSE_PAGE)
def change_password_form(request: Request, user: SignedIn) -> HTMLResponse:
    return password_page(request, user)


def _refusal(request: Request, exc: BadInput) -> Notice:
    """A refused new password in the reader's words (the rule it broke), else the error's."""
    t = translator_for(request)
    key = "change_password.rule_" + str(exc.details.get("rule", "")).replace("-", "_")
    if t.has(key):
        return Notice("error", t(key, count=passwords.MIN_LENGTH, most=passwords.MAX_LENGTH))
    return Notice("error", exc.message)


def _change(request: Request, user: WebUser, current: str, new: str) -> None:
    ctx = context_of(request)
    secret = session_secret(request) or ""
    if user.must_change_password:
        choose_first_password(ctx.db, policy=ctx.policy, session_secret=secret, new=new,
                              now=now())
    else:
        signin.change_password(ctx.db, keys=ctx.keys, policy=ctx.policy, current=current,
                               new=new, client_address=client_of(request), now=now(),
                               session_secret=secret)


@router.post(CHOOSE_PAGE)
async def change_password(request: Request, user: SignedIn, form: CheckedForm) -> Response:
    t = translator_for(request)
    new = form_text(form, "new_password")
    if new != form_text(form, "confirm_password"):
        return password_page(request, user, status_code=BadInput.http_status,
                             notice=Notice("error", t("change_password.mismatch")))
    try:
        await run_in_threadpool(_change, request, user, form_text(form, "current_password"),
                                new)
    except BadInput as exc:
        return password_page(request, user, status_code=exc.http_status,
                             notice=_refusal(request, exc))
    except signin.SignInThrottled as exc:
        return password_page(request, user, status_code=exc.http_status,
                             notice=throttled(request, exc), headers=retry_after(exc))
    except signin.SignInFailed as exc:
        return password_page(request, user, status_code=exc.http_status,
                             notice=Notice("error", t("change_password.wrong_current")))
    return RedirectResponse(HOME, status_code=303)


def signed_out() -> Response:
    """To the sign-in page, with the browser told to forget this site."""
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response)
    clear_session_cookie(response, PRE_COOKIE)
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


def _end(request: Request, secret: str) -> None:
    with context_of(request).db.unit_of_work() as session:
        end_session(session, secret=secret, now=now())


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    """Ends this browser's session. A signed-in session's form must carry its token; a
    session that already ended (or waits for a code) has nothing left to protect."""
    if await run_in_threadpool(web_user, request) is not None:
        await checked_form(request)
    secret = session_secret(request)
    if secret is not None:
        await run_in_threadpool(_end, request, secret)
    return signed_out()


def _end_everywhere(request: Request, secret: str) -> None:
    ctx = context_of(request)
    with ctx.db.unit_of_work() as session:
        signin.sign_out_everywhere(session, session_secret=secret, policy=ctx.policy,
                                   now=now())


@router.post("/sign-out-everywhere")
async def sign_out_everywhere(request: Request, _form: CheckedForm) -> Response:
    """Ends every session of the account, on every computer, this one too."""
    await run_in_threadpool(_end_everywhere, request, session_secret(request) or "")
    return signed_out()
