"""Signing in: the sign-in page at ``/``, its form, and an admin's code from an app.

Why: the sign-in page is open to anyone, so it helps no guesser. A wrong username and
a wrong password get the same words ("Wrong username or password."), as does a
deactivated account; too many tries are refused (429, ``Retry-After``) even with the
right password (``gateway.web_auth.signin``), counted per username and per client
address, which is the socket's peer unless that is a trusted proxy
(``SAFEDIAL_TRUSTED_PROXIES``).

The sign-in form is posted before any session exists, so its CSRF token is bound to
a pre-session cookie instead (``__Host-safedial-pre``: a random value, HttpOnly,
SameSite=Strict; the token is an HMAC keyed by it): another site can neither read it
nor set it, so it cannot sign a browser in to an account of its choosing. A good
sign-in always opens a new session (a cookie planted earlier signs no one in), ends
the one the browser had, and drops the pre-session cookie.
"""

from __future__ import annotations

import secrets
from typing import Any, Final

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from gateway.people.access import AccountDeactivated
from gateway.web.pages.render import Notice, render, translator_for
from gateway.web.pages.session import (
    CSRF_FIELD,
    FormRefused,
    clear_session_cookie,
    context_of,
    form_text,
    now,
    posted_form,
    session_secret,
    set_session_cookie,
    web_user,
)
from gateway.web.retry import retry_after
from gateway.web_auth import signin
from gateway.web_auth.addresses import client_address
from gateway.web_auth.csrf import check_csrf, csrf_token
from gateway.web_auth.sessions import awaiting_second_factor, end_session

router = APIRouter(include_in_schema=False)

#: The pre-session cookie the sign-in form's CSRF token is bound to.
PRE_COOKIE: Final = "__Host-safedial-pre"
SIGN_IN_FORM: Final = "sign-in"
HOME: Final = "/participants"
#: Where a new password is chosen (first sign-in, or any time).
CHOOSE_PAGE: Final = "/change-password"
CODE: Final = "/sign-in/code"
_MAX_USERNAME: Final = 64


def landing(*, must_change_password: bool) -> str:
    """Where a signed-in browser goes: the participant search, or first a new password."""
    return CHOOSE_PAGE if must_change_password else HOME


def client_of(request: Request) -> str:
    """The client's address for the throttle (``gateway.web_auth.addresses``)."""
    peer = request.client.host if request.client else None
    forwarded = ",".join(request.headers.getlist("x-forwarded-for")) or None
    return client_address(peer, forwarded,
                          context_of(request).settings.trusted_proxy_networks)


def _pre_secret(request: Request) -> str | None:
    value = request.cookies.get(PRE_COOKIE)
    return value if value and len(value) <= 128 else None


def throttled(request: Request, exc: signin.SignInThrottled) -> Notice:
    t = translator_for(request)
    seconds = exc.details.get("retry_after_s")
    minutes = max(1, -(-int(seconds) // 60)) if isinstance(seconds, str) and seconds.isdigit() \
        else 1
    text = t("sign_in.throttled_one") if minutes == 1 else t("sign_in.throttled",
                                                               minutes=minutes)
    return Notice("error", text)


def sign_in_page(request: Request, *, status_code: int = 200, username: str = "",
                 notice: Notice | None = None, headers: dict[str, str] | None = None
                 ) -> HTMLResponse:
    """The sign-in form, its token bound to the browser's pre-session cookie (made here
    when the browser has none)."""
    pre = _pre_secret(request)
    fresh = pre is None
    pre = pre or secrets.token_urlsafe(32)
    request.state.csrf_token = csrf_token(pre, SIGN_IN_FORM)
    extra: dict[str, Any] = {} if notice is None else {"notice": notice}
    page = render(request, "sign_in.html", status_code=status_code, username=username,
                  **extra)
    if fresh:
        set_session_cookie(page, pre, PRE_COOKIE)
    page.headers.update(headers or {})
    return page


@router.get("/")
def start(request: Request) -> Response:
    """The sign-in page for anyone signed out; a signed-in browser goes on (303)."""
    user = web_user(request)
    if user is not None:
        return RedirectResponse(landing(must_change_password=user.must_change_password),
                                status_code=303)
    stale = session_secret(request)
    if stale is None or _awaiting(request, stale):
        return sign_in_page(request)
    # The browser still holds a session that ended without a sign-out here (idle, too
    # old, signed out elsewhere, the account stopped): say so once, and forget it.
    page = sign_in_page(request, notice=Notice("info", translator_for(request)(
        "sign_in.ended")))
    clear_session_cookie(page)
    return page


@router.get("/sign-in")
def sign_in_address() -> Response:
    """The form's own address, reloaded or bookmarked: the sign-in page is at ``/``."""
    return RedirectResponse("/", status_code=303)


def _sign_in(request: Request, username: str, password: str) -> signin.SignedIn:
    ctx = context_of(request)
    signed = signin.sign_in(ctx.db, keys=ctx.keys, policy=ctx.policy, username=username,
                            password=password, client_address=client_of(request), now=now())
    earlier = session_secret(request)
    if earlier is not None:
        with ctx.db.unit_of_work() as session:
            end_session(session, secret=earlier, now=now())
    return signed


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await posted_form(request)
    t = translator_for(request)
    username = form_text(form, "username")[:_MAX_USERNAME]
    pre = _pre_secret(request)
    if pre is None or not check_csrf(pre, form_text(form, CSRF_FIELD), SIGN_IN_FORM):
        return sign_in_page(request, status_code=FormRefused.http_status, username=username,
                            notice=Notice("error", t("sign_in.expired")))
    try:
        signed = await run_in_threadpool(_sign_in, request, username,
                                         form_text(form, "password"))
    except signin.SignInThrottled as exc:
        return sign_in_page(request, status_code=exc.http_status, username=username,
                            notice=throttled(request, exc), headers=retry_after(exc))
    except (signin.SignInFailed, AccountDeactivated) as exc:
        return sign_in_page(request, status_code=exc.http_status, username=username,
                            notice=Notice("error", t("sign_in.wrong")))
    target = CODE if signed.needs_totp else landing(
        must_change_password=signed.must_change_password)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, signed.session_secret)
    clear_session_cookie(response, PRE_COOKIE)
    return response


def _awaiting(request: Request, secret: str) -> bool:
    ctx = context_of(request)
    with ctx.db.unit_of_work() as session:
        return awaiting_second_factor(session, secret=secret, policy=ctx.policy, now=now())


def _start_again() -> Response:
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response)
    return response


def code_page(request: Request, secret: str, *, status_code: int = 200,
              notice: Notice | None = None, headers: dict[str, str] | None = None
              ) -> HTMLResponse:
    request.state.csrf_token = csrf_token(secret)
    extra: dict[str, Any] = {} if notice is None else {"notice": notice}
    page = render(request, "sign_in_code.html", status_code=status_code, **extra)
    page.headers.update(headers or {})
    return page


@router.get(CODE)
def code_form(request: Request) -> Response:
    """An admin with a second factor: the password was right, now the code."""
    secret = session_secret(request)
    if secret is None or not _awaiting(request, secret):
        return _start_again()
    return code_page(request, secret)


def _confirm(request: Request, secret: str, code: str) -> signin.SignedIn:
    ctx = context_of(request)
    return signin.confirm_second_factor(ctx.db, keys=ctx.keys, policy=ctx.policy,
                                        session_secret=secret, totp_code=code,
                                        client_address=client_of(request), now=now())


@router.post(CODE)
async def code_sent(request: Request) -> Response:
    form = await posted_form(request)
    secret = session_secret(request)
    if secret is None:
        return _start_again()
    if not check_csrf(secret, form_text(form, CSRF_FIELD)):
        raise FormRefused("this form was not sent from a page of this session")
    try:
        signed = await run_in_threadpool(_confirm, request, secret,
                                         form_text(form, "code")[:32])
    except signin.SignInThrottled as exc:
        return code_page(request, secret, status_code=exc.http_status,
                         notice=throttled(request, exc), headers=retry_after(exc))
    except AccountDeactivated:
        return _start_again()
    except signin.SignInFailed as exc:
        if exc.message == signin.AGAIN:
            return _start_again()
        t = translator_for(request)
        return code_page(request, secret, status_code=exc.http_status,
                         notice=Notice("error", t("sign_in_code.wrong")))
    return RedirectResponse(landing(must_change_password=signed.must_change_password),
                            status_code=303)
