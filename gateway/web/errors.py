"""The one place domain errors become HTTP answers. Bodies never echo input values.

Each ``SafeDialError`` names its own ``http_status`` (see the tree in
``gateway.errors``), so one handler serves them all. Under ``/api/`` the answer is
JSON; anywhere else it is a page in the reader's language (``error.html``), with the
catalogue's words for the error (``error.<error_id>``, ``_`` for ``-``) or else the
error's own. On a page, "sign in first" and "choose a new password first" are
redirects (303) to the page that does it. A ``TooManyAttempts`` says when to try
again (``Retry-After``).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from gateway.errors import BadInput, SafeDialError
from gateway.validation import problems as plain_problems
from gateway.web.pages.render import Notice, render, translator_for
from gateway.web.pages.session import REDIRECTS
from gateway.web.retry import retry_after


def error_body(exc: SafeDialError) -> dict[str, object]:
    """The JSON body of an error answer: its stable id, plain words and details."""
    return {"error_id": exc.error_id, "message": exc.message, "details": exc.details}


def is_api(request: Request) -> bool:
    path = request.url.path
    return path == "/api" or path.startswith("/api/")


def error_page(request: Request, status_code: int, text: str | None = None) -> Response:
    """An error as a page: "page not found" for a 404, else ``text`` or general words."""
    t = translator_for(request)
    if status_code == 404 and text is None:
        heading, text = t("error.not_found_title"), t("error.not_found")
    else:
        heading, text = t("error.title"), text or t("error.other")
    return render(request, "error.html", status_code=status_code, heading=heading,
                  notice=Notice("error", text))


def domain_page(request: Request, exc: SafeDialError) -> Response:
    """A domain error on a page: a redirect where it says where to go, else the error page
    in the catalogue's words for it (or its own)."""
    if isinstance(exc, REDIRECTS):
        # The cookie stays: it may be an admin's sign-in waiting for its code.
        return RedirectResponse(exc.location, status_code=303)
    t = translator_for(request)
    key = "error." + exc.error_id.replace("-", "_")
    text = t(key) if t.has(key) else exc.message
    page = error_page(request, exc.http_status, text)
    page.headers.update(retry_after(exc))
    return page


def install(app: FastAPI) -> None:
    @app.exception_handler(SafeDialError)
    async def _domain(request: Request, exc: SafeDialError) -> Response:
        if not is_api(request):
            return domain_page(request, exc)
        return JSONResponse(status_code=exc.http_status, content=error_body(exc),
                            headers=retry_after(exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if is_api(request):
            return await http_exception_handler(request, exc)
        return error_page(request, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default body repeats the rejected input, which may be a phone number.
        problems = [{"field": field, "message": message}
                    for field, message in plain_problems(exc.errors(), skip=("body",))]
        message = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return JSONResponse(status_code=BadInput.http_status, content={
            "error_id": BadInput.error_id, "message": message,
            "details": {"problems": problems}})
