"""The page routes. Thin: read the request, call one service, render one template."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from gateway.web.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def sign_in_page(request: Request) -> HTMLResponse:
    """The sign-in form, for anyone signed out (until sessions exist: everyone)."""
    return render(request, "sign_in.html", username="")
