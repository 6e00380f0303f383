"""``/api/docs`` and ``/api/openapi.json``: the API's own description, for admins only.

FastAPI's default docs page loads Swagger UI from a CDN and starts it with an inline
script, which the CSP (``gateway.web.security``) refuses. This page loads the copy of
Swagger UI that the ``fastapi-offline`` package ships (a current 5.x, which reads
OpenAPI 3.1 as FastAPI writes it), served here under ``SWAGGER_UI``, and starts it
with our own ``/static/js/api-docs.js``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.staticfiles import StaticFiles

from gateway.web.deps import DocsReader
from gateway.web.pages.render import render

SWAGGER_UI = "/static/vendor/swagger-ui"
OPENAPI_URL = "/api/openapi.json"

router = APIRouter(prefix="/api", include_in_schema=False)


@router.get("/openapi.json")
def openapi_description(request: Request, _reader: DocsReader) -> JSONResponse:
    description: dict[str, Any] = request.app.openapi()
    return JSONResponse(description)


@router.get("/docs")
def api_docs_page(request: Request, _reader: DocsReader) -> HTMLResponse:
    return render(request, "api_docs.html", swagger_ui=SWAGGER_UI, openapi_url=OPENAPI_URL)


def install(app: FastAPI) -> None:
    """Serve the docs routes and Swagger UI's files (before ``/static``, which would
    otherwise answer for them)."""
    app.mount(SWAGGER_UI, StaticFiles(packages=[("fastapi_offline", "static")]),
              name="swagger-ui")
    app.include_router(router)
