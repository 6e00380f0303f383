"""The page routes. Thin: read the request, call one service, render one template."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.web.pages import account, admin, sign_in

router = APIRouter(include_in_schema=False)
router.include_router(sign_in.router)
router.include_router(account.router)
router.include_router(admin.router)
