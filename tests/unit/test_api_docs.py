"""/api/docs and /api/openapi.json: admins only, Swagger UI from our own files.

The browser tier checks that the page really renders under the CSP.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.people import service as people
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.support.world import add_advocate, make_world

DOCS = ("/api/docs", "/api/openapi.json")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AppContext]:
    ctx = make_world(tmp_path)
    yield ctx
    ctx.close()


@pytest.fixture
def client(world: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(world, run_scheduler=False)) as test_client:
        yield test_client


def bearer(world: AppContext, role: str) -> dict[str, str]:
    advocate_id = add_advocate(world, role=role, phone="+12025550131" if role == "admin"
                               else "+12025550132")
    with world.db.unit_of_work() as session:
        token = people.issue_token(session, actor="test", advocate_id=advocate_id)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("path", DOCS)
def test_the_api_description_answers_401_to_anyone_not_signed_in_as_an_admin(
    client: TestClient, world: AppContext, path: str
) -> None:
    for headers in ({}, {"Authorization": "Bearer sd_not-a-token"}, bearer(world, "advocate")):
        response = client.get(path, headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["error_id"] == "unauthorized"
        assert "paths" not in response.text


def test_an_admin_reads_the_description_and_the_docs_page(
    client: TestClient, world: AppContext
) -> None:
    admin = bearer(world, "admin")
    spec = client.get("/api/openapi.json", headers=admin).json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/participants" in spec["paths"]
    assert not [p for p in spec["paths"] if not p.startswith("/api/")]  # no page routes
    assert "/api/docs" not in spec["paths"] and "/api/openapi.json" not in spec["paths"]
    page = client.get("/api/docs", headers=admin)
    assert page.status_code == 200
    assert 'data-openapi-url="/api/openapi.json"' in page.text


def test_the_docs_page_loads_only_our_files_and_starts_swagger_without_inline_script(
    client: TestClient, world: AppContext
) -> None:
    html = client.get("/api/docs", headers=bearer(world, "admin")).text
    assert "cdn" not in html.lower()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script is a file
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html)
    assets = re.findall(r'(?:src|href)="([^"#]+)"', html)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in assets
    assert "/static/js/api-docs.js" in assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset


def test_swagger_uis_icons_come_from_our_files_not_data_urls(client: TestClient) -> None:
    """The CSP refuses data: images; our stylesheet replaces each one Swagger UI uses."""
    css = client.get("/static/css/api-docs.css").text
    images = re.findall(r'url\("([^"]+)"\)', css)
    assert len(images) == 4
    for image in images:
        response = client.get(image)
        assert response.status_code == 200, image
        assert response.headers["content-type"].startswith("image/svg+xml")
