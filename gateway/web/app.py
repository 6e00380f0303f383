"""The app factory: one wiring point for settings, database, policy and calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp

from gateway.settings import Settings
from gateway.web import docs, errors, pages
from gateway.web.access import router as access_router
from gateway.web.body import BodyRules
from gateway.web.callbacks import router as callbacks_router
from gateway.web.calls import router as calls_router
from gateway.web.participants import router as people_router
from gateway.web.security import SecurityHeaders
from gateway.web.selftest import router as selftest_router
from gateway.wiring import AppContext, build_context


class SafeDialApp(FastAPI):
    """FastAPI with ``SecurityHeaders`` outside everything, Starlette's error middleware too.

    ``add_middleware`` would place it inside that middleware, and the plain 500 it sends
    for a bug would leave without the headers.
    """

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


def create_app(context: AppContext | None = None, settings: Settings | None = None,
               *, run_scheduler: bool = True) -> FastAPI:
    ctx = context or build_context(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        """Scheduled work (call-backs, retention) runs while the app runs."""
        if run_scheduler:
            ctx.start_jobs()
        try:
            yield
        finally:
            await ctx.call_book.settle(timeout=5.0)
            ctx.scheduler.shutdown()

    app = SafeDialApp(
        lifespan=lifespan,
        title="SafeDial",
        description="Privacy-safe outbound calling gateway. Every call is decided against "
        "the participant's preferences; no response carries a phone number or code word.",
        version="0.1.0",
        # Served by gateway.web.docs: admins only, Swagger UI from our own copy.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.context = ctx
    errors.install(app)
    app.add_middleware(BodyRules)
    app.include_router(people_router)
    app.include_router(calls_router)
    app.include_router(callbacks_router)
    app.include_router(selftest_router)
    app.include_router(access_router)
    docs.install(app)
    pages.install(app)

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
