"""The server-rendered pages: templates, UI catalogues, static files and routes.

``install(app)`` builds the templates and catalogues once (``app.state.pages``),
serves ``gateway/web/static`` at ``/static`` and adds the page routes. Every page
is rendered by ``gateway.web.pages.render.render``.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from gateway.web.pages import (
    admin_accounts,
    admin_participants,
    admin_privacy,
    admin_records,
    admin_scripts,
    call_pages,
    callback_pages,
    participant_pages,
)
from gateway.web.pages.render import STATIC, build_pages
from gateway.web.pages.routes import router


def install(app: FastAPI) -> None:
    app.state.pages = build_pages()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(router)
    for pages in (
        admin_accounts,
        participant_pages,
        call_pages,
        callback_pages,
        admin_participants,
        admin_privacy,
        admin_records,
        admin_scripts,
    ):
        app.include_router(pages.router)
