"""Every error leaves the service as RFC 9457 problem+json."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI, Query

from app.config import Settings
from app.errors import RegistryError
from app.main import create_app
from tests.api.conftest import Keys
from tests.support import live_server


class ParcelGone(RegistryError):
    status = 410
    slug = "parcel-gone"
    title = "Parcel retired"


@pytest.fixture(scope="module")
def probe_app_url(settings: Settings) -> Iterator[str]:
    """The real app plus three routes that fail in the three ways a handler can."""
    app: FastAPI = create_app(settings)

    @app.get("/_probe/validate")
    def validate(sheet: int = Query(gt=0)) -> dict[str, int]:
        return {"sheet": sheet}

    @app.get("/_probe/domain")
    def domain() -> None:
        raise ParcelGone("Parcel 12 was merged into parcel 40 on 2024-05-01.", successor=40)

    @app.get("/_probe/crash")
    def crash() -> None:
        raise RuntimeError("password=hunter2 at /srv/internal/path.py")

    with live_server(app) as url:
        yield url


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "instance"} <= body.keys()
    return body  # type: ignore[no-any-return]


def test_unknown_route_is_404_problem(client: httpx.Client) -> None:
    body = _problem(client.get("/no/such/thing"), 404)
    assert body["type"] == "/problems/not-found"
    assert body["instance"] == "/no/such/thing"


def test_wrong_method_is_405_problem(client: httpx.Client) -> None:
    response = client.post("/health")
    body = _problem(response, 405)
    assert body["type"] == "/problems/method-not-allowed"
    assert "GET" in response.headers["allow"]


def test_validation_error_is_422_problem_naming_the_field(probe_app_url: str) -> None:
    body = _problem(httpx.get(f"{probe_app_url}/_probe/validate?sheet=-3"), 422)
    assert body["type"] == "/problems/validation-error"
    assert "sheet" in str(body["detail"])
    assert body["errors"][0]["loc"] == ["query", "sheet"]  # type: ignore[index]


def test_domain_error_keeps_its_status_slug_and_extras(probe_app_url: str) -> None:
    body = _problem(httpx.get(f"{probe_app_url}/_probe/domain"), 410)
    assert body["type"] == "/problems/parcel-gone"
    assert body["successor"] == 40
    assert "merged into parcel 40" in str(body["detail"])


def test_unexpected_error_is_500_problem_without_internals(probe_app_url: str) -> None:
    response = httpx.get(f"{probe_app_url}/_probe/crash")
    body = _problem(response, 500)
    assert body["type"] == "/problems/internal-error"
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert "/srv/internal" not in response.text


# found by schemathesis: PostgreSQL text cannot hold 0x00, and psycopg2 refuses it (one
# request per test: the tests' shared session does not outlive a failed statement)
@pytest.mark.parametrize(
    ("method", "path", "kwargs", "who", "slug"),
    [
        (
            "POST",
            "/complaints",
            {"json": {"content": "chưa nhận\u0000 sổ", "ward_code": "07795"}},
            None,
            "nul-character",
        ),
        ("GET", "/audit", {"params": {"actor": "a\x00b"}}, "admin", "nul-character"),
        # a code's declared pattern already leaves NUL out
        (
            "GET",
            "/parcels",
            {"params": {"ward": "0779\x005", "land_use": "O\x00T"}},
            None,
            "validation-error",
        ),
    ],
)
def test_text_holding_a_nul_character_is_422_not_500(
    client: httpx.Client,
    keys: Keys,
    method: str,
    path: str,
    kwargs: dict[str, object],
    who: str | None,
    slug: str,
) -> None:
    headers = getattr(keys, who) if who else {}
    response = client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"/problems/{slug}"
