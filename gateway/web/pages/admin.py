"""The admins' pages under ``/admin/``: a landing page for now (the admin pages are
the next issue); advocates get the 403 page (``AdminSignedIn``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from gateway.web.pages.render import render
from gateway.web.pages.session import AdminSignedIn

router = APIRouter(prefix="/admin", include_in_schema=False)


@router.get("/")
def admin_home(request: Request, _admin: AdminSignedIn) -> HTMLResponse:
    return render(request, "admin.html", api_docs="/api/docs")
