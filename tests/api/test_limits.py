"""Every limit answers a clear 413, 422, 429 (or 409 busy), never a timeout or a 500.

These run an app of their own, as the service's database role, on a database that commits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg2
import pytest

from app.config import PROJECT_ROOT, Settings
from app.domain.permissions import Role
from app.limits import MAX_JSON_BODY_BYTES, MAX_VERTICES
from app.localdb import cluster as localdb
from app.main import create_app
from tests.support import committed_register, live_server

PROBLEM = "application/problem+json"
SAMPLES = PROJECT_ROOT / "gis_samples"


@pytest.fixture(scope="module")
def register(
    server_url: str, local_cluster: localdb.Cluster | None
) -> Iterator[tuple[str, str, dict[str, dict[str, str]]]]:
    """Yield (owner URL, service URL, headers per role) of a committed register."""
    service = local_cluster.service_url if local_cluster else None
    with committed_register(
        server_url, service, (Role.REGISTRY_OFFICER, Role.SURVEYOR)
    ) as register:
        yield register


Serve = Callable[..., Any]


@pytest.fixture
def serve(
    register: tuple[str, str, dict[str, dict[str, str]]], tmp_path: Path
) -> Iterator[Callable[..., httpx.Client]]:
    """Return a function that starts the app with some settings and gives a client to it."""
    _, service, _ = register
    stack: list[Any] = []

    def start(**settings: Any) -> httpx.Client:
        app = create_app(
            Settings(  # type: ignore[call-arg]
                DATABASE_URL=service,
                upload_dir=tmp_path / "uploads",
                import_worker=False,
                **settings,
            )
        )
        server = live_server(app)
        base = server.__enter__()
        client = httpx.Client(base_url=base, timeout=60)
        stack.append((server, client))
        return client

    yield start
    for server, client in reversed(stack):
        client.close()
        server.__exit__(None, None, None)


def _problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}", body
    return body


def test_a_json_body_over_its_limit_is_413_declared_or_streamed(
    serve: Callable[..., httpx.Client], register: tuple[str, str, dict[str, dict[str, str]]]
) -> None:
    client = serve()
    headers = register[2]["registry_officer"]
    big = b'{"note": "' + b"x" * (MAX_JSON_BODY_BYTES + 1) + b'"}'
    declared = client.post(
        "/parcels", content=big, headers={**headers, "content-type": "application/json"}
    )
    _problem(declared, 413, "too-large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for start in range(0, len(big), 256 * 1024):
            yield big[start : start + 256 * 1024]

    streamed = client.post(
        "/parcels", content=chunks(), headers={**headers, "content-type": "application/json"}
    )
    _problem(streamed, 413, "too-large")
    assert client.get("/health").status_code == 200


def test_an_upload_over_the_limit_is_413_and_nothing_is_kept(
    serve: Callable[..., httpx.Client],
    register: tuple[str, str, dict[str, dict[str, str]]],
    tmp_path: Path,
) -> None:
    client = serve(max_upload_mb=1)
    headers = register[2]["surveyor"]
    payload = b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024)
    response = client.post(
        "/imports", files={"file": ("big.zip", payload, "application/zip")}, headers=headers
    )
    _problem(response, 413, "too-large")

    def chunks() -> Iterator[bytes]:
        boundary = b"--limit-test\r\n"
        yield boundary + b'Content-Disposition: form-data; name="file"; filename="b.zip"\r\n\r\n'
        for _ in range(40):
            yield b"\0" * (64 * 1024)
        yield b"\r\n--limit-test--\r\n"

    streamed = client.post(
        "/imports",
        content=chunks(),
        headers={**headers, "content-type": "multipart/form-data; boundary=limit-test"},
    )
    _problem(streamed, 413, "too-large")
    uploads = tmp_path / "uploads"
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_a_preview_takes_files_as_large_as_an_upload(
    serve: Callable[..., httpx.Client], register: tuple[str, str, dict[str, dict[str, str]]]
) -> None:
    client = serve(max_upload_mb=8)
    headers = register[2]["surveyor"]
    # larger than any JSON body may be, smaller than an upload may be: read, and found no zip
    payload = b"PK\x03\x04" + b"\0" * (6 * 1024 * 1024)
    response = client.post(
        "/import-previews", files={"file": ("big.zip", payload, "application/zip")}, headers=headers
    )
    assert response.status_code != 413, response.text
    assert 400 <= response.status_code < 500
    over = b"PK\x03\x04" + b"\0" * (9 * 1024 * 1024)
    refused = client.post(
        "/import-previews", files={"file": ("big.zip", over, "application/zip")}, headers=headers
    )
    _problem(refused, 413, "too-large")


def test_a_file_with_too_many_features_is_refused_at_upload(
    serve: Callable[..., httpx.Client], register: tuple[str, str, dict[str, dict[str, str]]]
) -> None:
    client = serve(max_import_features=2999)
    with (SAMPLES / "parcels.zip").open("rb") as f:
        response = client.post(
            "/imports",
            files={"file": ("parcels.zip", f, "application/zip")},
            headers=register[2]["surveyor"],
        )
    body = _problem(response, 413, "too-many-features")
    assert "3,000 features" in body["detail"] and "2,999" in body["detail"]


def test_an_unreadable_upload_is_refused_at_once(
    serve: Callable[..., httpx.Client], register: tuple[str, str, dict[str, dict[str, str]]]
) -> None:
    client = serve()
    response = client.post(
        "/imports",
        files={"file": ("notes.txt", b"this is not a shapefile", "text/plain")},
        headers=register[2]["surveyor"],
    )
    body = _problem(response, 415, "not-a-dataset")
    assert "zip" in body["detail"].lower()


def test_a_parcel_with_too_many_vertices_is_422(
    serve: Callable[..., httpx.Client], register: tuple[str, str, dict[str, dict[str, str]]]
) -> None:
    import shapely

    client = serve()
    ring = shapely.Point(408_000, 2_353_000).buffer(30, quad_segs=MAX_VERTICES // 4 + 1)
    response = client.post(
        "/parcels",
        json={
            "survey_commune_code": "07795",
            "sheet_no": 1,
            "parcel_no": 99_001,
            "geometry": shapely.geometry.mapping(ring),
            "crs": 9214,
            "land_uses": [{"code": "ONT"}],
        },
        headers=register[2]["registry_officer"],
    )
    body = _problem(response, 422, "invalid-geometry")
    assert f"at most {MAX_VERTICES:,}" in body["detail"]


def test_anonymous_complaints_are_rate_limited_per_address(
    serve: Callable[..., httpx.Client], register: tuple[str, str, dict[str, dict[str, str]]]
) -> None:
    client = serve(anonymous_writes_limit=3, anonymous_writes_window_s=600)
    body = {"content": "Hồ sơ chưa có kết quả.", "ward_code": "07795"}
    for _ in range(3):
        assert client.post("/complaints", json=body).status_code == 201
    refused = client.post("/complaints", json=body)
    problem = _problem(refused, 429, "too-many-requests")
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    assert "hotline" in problem["detail"]
    staff = client.post("/complaints", json=body, headers=register[2]["registry_officer"])
    assert staff.status_code == 201  # staff entering hotline calls are not limited


def _hold(owner_url: str, statement: str) -> tuple[threading.Event, threading.Thread]:
    """Run `statement` in a transaction of its own and keep it open until released."""
    release, holding = threading.Event(), threading.Event()

    def run() -> None:
        conn = psycopg2.connect(owner_url)
        try:
            with conn.cursor() as cur:
                cur.execute(statement)
                holding.set()
                release.wait(30)
            conn.rollback()
        finally:
            conn.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert holding.wait(10)
    return release, thread


def test_a_statement_over_the_time_limit_is_a_clear_4xx(
    serve: Callable[..., httpx.Client], register: tuple[str, str, dict[str, dict[str, str]]]
) -> None:
    owner, _, _ = register
    client = serve(db_statement_timeout_ms=300)
    release, thread = _hold(owner, "LOCK TABLE parcel, parcel_version IN ACCESS EXCLUSIVE MODE")
    try:
        response = client.get("/parcels/1")
    finally:
        release.set()
        thread.join()
    _problem(response, 422, "statement-timeout")
    assert client.get("/parcels/1").status_code == 200


def test_a_lock_held_too_long_is_409_busy(
    serve: Callable[..., httpx.Client], register: tuple[str, str, dict[str, dict[str, str]]]
) -> None:
    owner, _, headers = register
    client = serve(db_lock_timeout_ms=200)
    etag = client.get("/parcels/2").headers["ETag"]
    release, thread = _hold(owner, "SELECT 1 FROM parcel WHERE id = 2 FOR UPDATE")
    try:
        response = client.post(
            "/parcels/2/transitions",
            json={"to": "registered"},
            headers={**headers["registry_officer"], "If-Match": etag},
        )
    finally:
        release.set()
        thread.join()
    _problem(response, 409, "busy")
    assert response.headers["Retry-After"] == "2"
