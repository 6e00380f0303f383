"""Who a page request acts for: the session cookie, the page dependencies, checked forms.

Why: a page must never be shown to someone who is not signed in, nor act on a form
that another site's page could have sent. The browser holds only the session's
random secret, in a cookie no script can read (``HttpOnly``), sent to this host only
(``__Host-``: ``Secure``, ``Path=/``, no ``Domain``) and never with a request another
site starts (``SameSite=Strict``). It has no ``Max-Age``: it goes when the browser
closes, and the server ends the session before then anyway (idle, too old, signed
out, deactivated: ``gateway.web_auth.sessions``).

What a page route uses:

- ``SignedIn``: the ``WebUser``; nobody signed in is sent to ``/`` (303), and someone
  who signed in with a one-time password to ``/change-password`` (303), from every
  page but that one and sign-out.
- ``AdminSignedIn``: the same, and an advocate gets the 403 page.
- ``CheckedForm``: the posted form, after ``SignedIn``'s checks, refused (403 page,
  nothing changed) unless its ``csrf_token`` field is this session's token.

``web_user(request)`` is the look-up underneath (None when signed out); it also sets
``request.state.csrf_token`` for every form the page renders and
``request.state.language`` to the account's language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, ClassVar, Final
from urllib.parse import parse_qsl

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from gateway.domain.preferences import Role
from gateway.errors import BadInput, Forbidden, Unauthorized
from gateway.web.pages.render import Pages
from gateway.web_auth.csrf import check_csrf, csrf_token
from gateway.web_auth.sessions import WebUser, session_for
from gateway.wiring import AppContext

#: The session cookie (its value is the session's secret; contract: issue 13).
COOKIE: Final = "__Host-safedial"
#: The form field every posted form carries.
CSRF_FIELD: Final = "csrf_token"
#: Pages someone who must choose a new password may still open.
OPEN_BEFORE_NEW_PASSWORD: Final = frozenset({"/change-password", "/sign-out",
                                             "/sign-out-everywhere"})
#: A cookie value longer than this is no secret of ours (ours are 43 characters).
_MAX_SECRET: Final = 128
#: Forms are a few short fields; nothing is uploaded.
_MAX_FIELDS: Final = 32
_FORM_TYPE: Final = "application/x-www-form-urlencoded"
_UNSET: Final = object()


class SignInRequired(Unauthorized):
    """No signed-in session (none, ended, idle, too old, or the account deactivated):
    a page sends the browser to the sign-in page."""

    error_id = "sign-in-required"
    location: ClassVar[str] = "/"


class PasswordChangeRequired(Forbidden):
    """Signed in with a one-time password: every page waits until a new one is chosen."""

    error_id = "password-change-required"
    location: ClassVar[str] = "/change-password"


class FormRefused(Forbidden):
    """A form post without this session's CSRF token: another site may have sent it."""

    error_id = "form-refused"


#: The errors a page answers with a redirect (303) to their ``location``.
REDIRECTS: Final = (SignInRequired, PasswordChangeRequired)


def now() -> datetime:
    return datetime.now(UTC)


def context_of(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


def session_secret(request: Request) -> str | None:
    """The secret the browser's session cookie holds, if it holds one that could be ours."""
    secret = request.cookies.get(COOKIE)
    if not secret or len(secret) > _MAX_SECRET:
        return None
    return secret


def set_session_cookie(response: Response, secret: str, name: str = COOKIE) -> None:
    """Give the browser a session's secret (``__Host-``: Secure, Path=/, no Domain)."""
    response.set_cookie(name, secret, path="/", secure=True, httponly=True,
                        samesite="strict")


def clear_session_cookie(response: Response, name: str = COOKIE) -> None:
    """Tell the browser to forget the cookie (with the same attributes, or a ``__Host-``
    cookie's deletion is itself refused)."""
    response.delete_cookie(name, path="/", secure=True, httponly=True, samesite="strict")


def web_user(request: Request) -> WebUser | None:
    """Who the request's session cookie acts for, or None; looked up once per request.

    Also sets ``request.state.csrf_token`` (the session's form token) and
    ``request.state.language`` (the account's, when there is a catalogue for it).
    """
    cached: object = getattr(request.state, "web_user", _UNSET)
    if cached is not _UNSET:
        return cached if isinstance(cached, WebUser) else None
    secret = session_secret(request)
    user = None
    if secret is not None:
        ctx = context_of(request)
        with ctx.db.unit_of_work() as session:
            user = session_for(session, secret=secret, policy=ctx.policy, now=now())
    request.state.web_user = user
    if secret is not None and user is not None:
        request.state.csrf_token = csrf_token(secret)
        pages: Pages = request.app.state.pages
        if user.advocate.language in pages.catalogues:
            request.state.language = user.advocate.language
    return user


def signed_in(request: Request) -> WebUser:
    """The signed-in user; ``SignInRequired`` or ``PasswordChangeRequired`` otherwise."""
    user = web_user(request)
    if user is None:
        raise SignInRequired("sign in to see this page")
    if user.must_change_password and request.url.path not in OPEN_BEFORE_NEW_PASSWORD:
        raise PasswordChangeRequired("choose a new password first")
    return user


SignedIn = Annotated[WebUser, Depends(signed_in)]


def admin_signed_in(user: SignedIn) -> WebUser:
    """The signed-in admin; an advocate is ``Forbidden`` (the 403 page)."""
    if user.role is not Role.ADMIN:
        raise Forbidden("only an admin may open this page")
    return user


AdminSignedIn = Annotated[WebUser, Depends(admin_signed_in)]


def form_text(form: FormData, name: str) -> str:
    """A posted field as text ('' when missing, or when it was a file)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def posted_form(request: Request, max_fields: int = _MAX_FIELDS) -> FormData:
    """The request's urlencoded form (what our pages' forms send; anything else is an
    empty form), of at most ``max_fields`` fields. The body is at most 64 KiB
    (``gateway.web.body``)."""
    content_type = request.headers.get("content-type", "").partition(";")[0].strip()
    if content_type.lower() != _FORM_TYPE:
        return FormData()
    try:
        text = (await request.body()).decode("utf-8")
        pairs: list[tuple[str, str | UploadFile]] = list(
            parse_qsl(text, keep_blank_values=True, max_num_fields=max_fields))
    except ValueError:  # not UTF-8, or too many fields
        raise BadInput("this form could not be read: reload the page and try again") from None
    return FormData(pairs)


async def checked_form(request: Request, max_fields: int = _MAX_FIELDS) -> FormData:
    """The posted form of a signed-in user, once its CSRF token is this session's.

    Signed out, or yet to choose a new password: as ``SignedIn``. A wrong or missing
    token is ``FormRefused`` (403), before anything acts on the form.
    """
    await run_in_threadpool(signed_in, request)
    form = await posted_form(request, max_fields)
    require_form_token(request, form)
    return form


def require_form_token(request: Request, form: FormData) -> None:
    """``FormRefused`` unless ``form`` carries this session's CSRF token (any kind of
    form: the urlencoded ones here, the upload in ``upload_form``)."""
    secret = session_secret(request)
    if secret is None or not check_csrf(secret, form_text(form, CSRF_FIELD)):
        raise FormRefused("this form was not sent from a page of this session: "
                          "reload the page and try again")


def checked_form_of(max_fields: int) -> Callable[[Request], Awaitable[FormData]]:
    """``checked_form`` for a longer form (e.g. a participant's, a row per window)."""

    async def checked(request: Request) -> FormData:
        return await checked_form(request, max_fields)

    return checked


CheckedForm = Annotated[FormData, Depends(checked_form)]
