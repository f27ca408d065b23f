from __future__ import annotations

import re

import httpx

from app.config import Settings
from app.db import migrate
from app.main import create_app
from tests.support import free_port, live_server


def test_health_reports_the_database_and_postgis(client: httpx.Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "reachable"
    assert body["postgis_version"].startswith("3.")
    assert body["schema_revision"] == migrate.head_revision()


def test_health_is_503_problem_when_the_database_is_down() -> None:
    # nothing listens on this port: the database is down
    settings = Settings(
        DATABASE_URL=f"postgresql://nobody:secret@127.0.0.1:{free_port()}/none",  # type: ignore[call-arg]
        db_connect_timeout_s=2,
    )
    with live_server(create_app(settings)) as url:
        response = httpx.get(f"{url}/health", timeout=30)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/database-unavailable"
    assert body["status"] == 503
    assert body["instance"] == "/health"
    assert "secret" not in response.text  # the URL's password never leaks
    assert response.headers["retry-after"]


def test_openapi_lists_the_api_and_docs_render(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "Parcel registry"
    assert "/health" in spec["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    # the page's scripts and styles come from the service itself, never from a CDN
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/"), asset
        assert client.get(asset).status_code == 200, asset
    assert "https://" not in docs.text


def test_every_operation_is_documented(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert operation.get("description") or operation.get("summary"), (method, path)
            for status, response in operation["responses"].items():
                assert response.get("description"), (method, path, status)
    # request bodies carry examples a user can start from
    schemas = spec["components"]["schemas"]
    for name in ("ParcelIn", "ToSigned", "ToReturned", "OriginConfirmationIn", "ComplaintIn"):
        props = schemas[name]["properties"]
        assert any("examples" in p or "example" in p for p in props.values()), name
