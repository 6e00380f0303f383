"""The admins' home page at ``/admin/``: where each admin task lives.

Every admin page is rendered with ``admin_frame.render_admin`` (the admin menu and
the privacy banner) and takes ``AdminSignedIn``: an advocate gets the 403 page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from gateway.web.pages.admin_frame import render_admin
from gateway.web.pages.session import AdminSignedIn

router = APIRouter(prefix="/admin", include_in_schema=False)


@router.get("/")
def admin_home(request: Request, _admin: AdminSignedIn) -> HTMLResponse:
    return render_admin(request, "admin.html", section="", api_docs="/api/docs")
