"""The API description in an admin's browser: their signed-in session opens it; the JSON
API itself still takes bearer tokens only."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from gateway.wiring import AppContext
from tests.unit.test_sign_in_pages import PASSWORD, account, app, browser, sign_in, world

__all__ = ["app", "world"]  # the fixtures


@pytest.mark.parametrize("path", ["/api/docs", "/api/openapi.json"])
def test_the_api_description_opens_to_an_admins_session(
    world: AppContext, app: FastAPI, path: str
) -> None:
    account(world, "ada", role="admin")
    account(world, "sam")
    _, one_time = account(world, "newadmin", role="admin", own_password=False)
    for username, password, status in (("ada", PASSWORD, 200), ("sam", PASSWORD, 401),
                                       ("newadmin", one_time, 401)):
        with browser(app) as client:
            sign_in(client, username, password)
            assert client.get(path).status_code == status, username
            assert client.get("/api/participants").status_code == 401, "tokens only"
