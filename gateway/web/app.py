"""The app factory: one wiring point for settings, database, policy and calls."""

from __future__ import annotations

from fastapi import FastAPI

from gateway.settings import Settings
from gateway.web import errors
from gateway.web.calls import CallBook
from gateway.web.calls import router as calls_router
from gateway.web.participants import router as people_router
from gateway.wiring import AppContext, build_context


def create_app(context: AppContext | None = None, settings: Settings | None = None) -> FastAPI:
    ctx = context or build_context(settings)
    ctx.call_book = CallBook()
    app = FastAPI(
        title="SafeDial",
        description="Privacy-safe outbound calling gateway. Every call is decided against "
        "the participant's preferences; no response carries a phone number or code word.",
        version="0.1.0",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.context = ctx
    errors.install(app)
    app.include_router(people_router)
    app.include_router(calls_router)

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
