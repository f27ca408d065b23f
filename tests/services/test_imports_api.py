"""POST /imports over HTTP on a committing database: 202, the worker runs it, the report."""

from __future__ import annotations

import csv
import io
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.config import Settings
from app.domain.permissions import Role
from app.main import create_app
from app.services import apikeys
from tests.services.conftest import SAMPLES
from tests.support import SETUP, live_server


@pytest.fixture
def api(
    register: Engine, register_url: str, tmp_path: Path
) -> Iterator[tuple[httpx.Client, dict[str, dict[str, str]]]]:
    headers = {}
    with Session(register) as session, session.begin():
        for role in (Role.SURVEYOR, Role.GIS_VIEWER):
            _, key = apikeys.create(
                session=session, actor=SETUP, name=f"api {role.value}", role=role
            )
            headers[role.value] = {"Authorization": f"Bearer {key}"}
    settings = Settings(DATABASE_URL=register_url, upload_dir=tmp_path / "uploads")  # type: ignore[call-arg]
    with (
        live_server(create_app(settings)) as base,
        httpx.Client(base_url=base, timeout=60) as client,
    ):
        yield client, headers


def _wait(client: httpx.Client, import_id: int, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        body: dict[str, Any] = client.get(f"/imports/{import_id}", headers=headers).json()
        if body["status"] in ("succeeded", "failed"):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


def test_upload_is_accepted_then_imported_by_the_worker(
    api: tuple[httpx.Client, dict[str, dict[str, str]]],
) -> None:
    client, headers = api
    with (SAMPLES / "parcels.zip").open("rb") as f:
        response = client.post(
            "/imports",
            files={"file": ("parcels.zip", f, "application/zip")},
            headers=headers["surveyor"],
        )
    assert response.status_code == 202, response.text
    import_id = response.json()["id"]
    assert response.headers["location"] == f"/imports/{import_id}"
    assert response.json()["status"] in ("queued", "running")
    assert client.get(f"/imports/{import_id}").status_code == 401  # staff only
    done = _wait(client, import_id, headers["gis_viewer"])
    assert done["status"] == "succeeded", done
    assert done["report"]["inserted"] == 3000
    assert done["progress"] == {"done": 3000, "total": 3000}
    assert done["sha256"] and done["uploader"] == "api surveyor (surveyor)"
    # the parcels are readable, and their versions name the import
    feature = client.get("/parcels/1").json()
    assert feature["properties"]["sheet_no"] >= 1
    history = client.get("/parcels/1/history").json()
    assert history[0]["action"] == "import" and f"import {import_id}" in history[0]["actor"]


def test_who_may_upload(api: tuple[httpx.Client, dict[str, dict[str, str]]]) -> None:
    client, headers = api
    files = {"file": ("parcels.zip", b"PK\x05\x06" + b"\x00" * 18, "application/zip")}
    assert client.post("/imports", files=files).status_code == 401
    assert client.post("/imports", files=files, headers=headers["gis_viewer"]).status_code == 403


def test_a_file_refused_by_the_worker_fails_with_a_reason(
    api: tuple[httpx.Client, dict[str, dict[str, str]]], tmp_path: Path
) -> None:
    # readable, so accepted at upload; without a .prj the worker cannot place it
    no_prj = tmp_path / "no-prj.zip"
    with zipfile.ZipFile(SAMPLES / "parcels.zip") as source, zipfile.ZipFile(no_prj, "w") as out:
        for name in source.namelist():
            if not name.endswith(".prj"):
                out.writestr(name, source.read(name))
    client, headers = api
    with no_prj.open("rb") as f:
        response = client.post(
            "/imports",
            files={"file": ("no-prj.zip", f, "application/zip")},
            headers=headers["surveyor"],
        )
    assert response.status_code == 202, response.text
    done = _wait(client, response.json()["id"], headers["surveyor"])
    assert done["status"] == "failed" and done["report"] == {"refused": "crs-missing"}
    assert "crs option" in done["error"]


def test_a_file_that_is_no_dataset_is_refused_at_upload(
    api: tuple[httpx.Client, dict[str, dict[str, str]]], register: Engine
) -> None:
    client, headers = api
    response = client.post(
        "/imports",
        files={"file": ("notes.txt", b"this is not a shapefile", "text/plain")},
        headers=headers["surveyor"],
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert "zip" in response.json()["detail"].lower()
    with register.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM import_job")).scalar_one() == 0


def test_all_or_nothing_reports_every_reject_and_writes_nothing(
    api: tuple[httpx.Client, dict[str, dict[str, str]]], register: Engine
) -> None:
    client, headers = api
    with (SAMPLES / "parcels.zip").open("rb") as f:
        # the wrong zone stated: 105-30 puts every parcel 165 km west, outside every ward
        response = client.post(
            "/imports",
            files={"file": ("parcels.zip", f, "application/zip")},
            data={"crs": "9209"},
            headers=headers["surveyor"],
        )
    done = _wait(client, response.json()["id"], headers["surveyor"])
    assert done["status"] == "failed"
    assert done["report"]["rejected"] == 3000 and done["report"]["inserted"] == 0
    rejects = client.get(f"/imports/{done['id']}/rejects.csv", headers=headers["surveyor"])
    assert rejects.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(rejects.text.lstrip("\ufeff"))))
    assert len([r for r in rows if r["kind"] == "rejected"]) == 3000
    assert rows[0]["reason"] == "outside every ward of the registry" and rows[0]["row"] == "1"
    with register.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM parcel")).scalar_one() == 0


def test_bad_options_are_422(api: tuple[httpx.Client, dict[str, dict[str, str]]]) -> None:
    client, headers = api
    files = {"file": ("x.zip", b"PK", "application/zip")}
    for data in (
        {"crs": "3857"},
        {"field_map": "{nope"},
        {"mode": "sometimes"},
        {"field_map": "[1]"},
    ):
        response = client.post("/imports", files=files, data=data, headers=headers["surveyor"])
        assert response.status_code == 422, (data, response.text)
        assert response.headers["content-type"] == "application/problem+json"


def test_an_upload_retried_with_its_idempotency_key_is_queued_once(
    api: tuple[httpx.Client, dict[str, dict[str, str]]], register: Engine, tmp_path: Path
) -> None:
    client, headers = api
    key = {**headers["surveyor"], "Idempotency-Key": "upload-7c1e"}

    def send(name: str) -> httpx.Response:
        with (SAMPLES / name).open("rb") as f:
            return client.post(
                "/imports",
                files={"file": (name, f, "application/zip")},
                data={"dry_run": "true"},
                headers=key,
            )

    first, again = send("parcels.zip"), send("parcels.zip")
    assert first.status_code == again.status_code == 202, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    other = send("parcels_tcvn3.zip")
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["detail"]
    with register.connect() as conn:
        jobs_made = conn.execute(text("SELECT count(*) FROM import_job")).scalar_one()
    assert jobs_made == 1
    # the second and third copies were not kept
    assert len(list((tmp_path / "uploads").iterdir())) == 1
    _wait(client, first.json()["id"], headers["surveyor"])


def test_a_gdal_path_in_the_upload_never_reaches_gdal(
    api: tuple[httpx.Client, dict[str, dict[str, str]]], tmp_path: Path
) -> None:
    # a name such as /vsicurl/http://... would make GDAL open a connection: the listener
    # here must see none, whether the name is the upload's or a member's
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    connections: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connections.append(listener.accept())
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    trap = f"/vsicurl/http://127.0.0.1:{port}/parcels.shp"
    client, headers = api
    try:
        with (SAMPLES / "parcels.zip").open("rb") as f:
            named = client.post(
                "/imports",
                files={"file": (trap, f, "application/zip")},
                data={"dry_run": "true"},
                headers=headers["surveyor"],
            )
        assert named.status_code == 202, named.text
        assert _wait(client, named.json()["id"], headers["surveyor"])["status"] == "succeeded"
        member = tmp_path / "member.zip"
        with zipfile.ZipFile(member, "w") as archive:
            archive.writestr(trap, b"\0" * 100)
        with member.open("rb") as f:
            refused = client.post(
                "/imports",
                files={"file": ("member.zip", f, "application/zip")},
                headers=headers["surveyor"],
            )
        assert 400 <= refused.status_code < 500, refused.text
    finally:
        stop.set()
        thread.join()
        listener.close()
    assert connections == []
