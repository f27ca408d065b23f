"""POST /imports over HTTP on a committing database: 202, the worker runs it, the report."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import mapbox_vector_tile
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

import pyogrio
import shapely
import shapely.geometry

from app.config import Settings
from app.domain.permissions import Role
from app.main import create_app
from app.services import apikeys
from bench.tools import tile_of
from tests.services.conftest import SAMPLES
from tests.services.mixed_file import mixed_upload
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
    assert done["progress"] == {"done": 3000, "total": 3000, "phase": "done"}
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


def _events(client: httpx.Client, import_id: int, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Read the import's event stream to its end; return the documents it sent."""
    documents = []
    with client.stream("GET", f"/imports/{import_id}/events", headers=headers) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: "):
                assert event == "progress"
                documents.append(json.loads(line.removeprefix("data: ")))
    return documents


def test_the_desk_follows_an_import_by_its_phases_pushed_as_they_happen(
    api: tuple[httpx.Client, dict[str, dict[str, str]]], register: Engine
) -> None:
    client, headers = api
    with (SAMPLES / "parcels_tcvn3.zip").open("rb") as f:
        response = client.post(
            "/imports",
            files={"file": ("parcels_tcvn3.zip", f, "application/zip")},
            headers=headers["surveyor"],
        )
    import_id = response.json()["id"]
    sent = _events(client, import_id, headers["surveyor"])
    phases = [d["progress"]["phase"] for d in sent]
    # in order, each phase once at least; a stream joined late starts where the import is
    order = ["queued", "reading", "checking", "overlaps", "writing", "done"]
    assert phases == sorted(phases, key=order.index), phases
    assert phases[-1] == "done" and sent[-1]["status"] == "succeeded"
    assert sent[-1] == client.get(f"/imports/{import_id}", headers=headers["surveyor"]).json()
    assert all(d["progress"]["total"] in (None, sent[-1]["report"]["read"]) for d in sent)
    # a finished import's stream sends the end at once
    assert _events(client, import_id, headers["surveyor"]) == [sent[-1]]
    assert client.get(f"/imports/{import_id}/events").status_code == 401
    assert client.get("/imports/999999/events", headers=headers["surveyor"]).status_code == 404


def test_the_desk_lists_the_callers_own_imports_and_pages_the_issues(
    api: tuple[httpx.Client, dict[str, dict[str, str]]], register: Engine, tmp_path: Path
) -> None:
    client, headers = api
    with mixed_upload(tmp_path).open("rb") as f:
        made = client.post(
            "/imports",
            files={"file": ("mixed.gpkg", f, "application/geopackage+sqlite3")},
            data={"mode": "accept_valid"},
            headers=headers["surveyor"],
        ).json()
    done = _wait(client, made["id"], headers["surveyor"])
    mine = client.get("/imports", params={"mine": "true"}, headers=headers["surveyor"]).json()
    assert mine[0]["id"] == made["id"]
    assert all(i["uploader"] == "api surveyor (surveyor)" for i in mine)
    others = client.get("/imports", params={"mine": "true"}, headers=headers["gis_viewer"])
    assert others.json() == []
    assert client.get("/imports").status_code == 401

    with register.connect() as conn:
        counts = dict(
            conn.execute(
                text("SELECT kind, count(*) FROM import_issue WHERE import_id = :id GROUP BY kind"),
                {"id": made["id"]},
            ).all()
        )
    rejects_csv = client.get(f"/imports/{made['id']}/rejects.csv", headers=headers["surveyor"])
    lines = rejects_csv.text.lstrip("\ufeff").splitlines()[1:]
    for kind, count in counts.items():
        page = client.get(
            f"/imports/{made['id']}/issues",
            params={"kind": kind, "limit": 2},
            headers=headers["surveyor"],
        ).json()
        assert page["total"] == count and len(page["issues"]) == min(2, count)
        assert all(i["kind"] == kind for i in page["issues"])
    everything = client.get(
        f"/imports/{made['id']}/issues", params={"limit": 1000}, headers=headers["surveyor"]
    ).json()
    assert everything["total"] == sum(counts.values()) == len(lines)
    second = client.get(
        f"/imports/{made['id']}/issues",
        params={"limit": 1, "offset": 1},
        headers=headers["surveyor"],
    ).json()
    assert second["issues"] == everything["issues"][1:2]
    assert set(counts) == {"rejected", "overlap"}, counts
    assert done["report"]["rejected"] == len(
        {i["row"] for i in everything["issues"] if i["kind"] == "rejected"}
    )


def test_a_preview_says_how_the_file_will_be_read_and_keeps_nothing(
    api: tuple[httpx.Client, dict[str, dict[str, str]]], register: Engine, tmp_path: Path
) -> None:
    client, headers = api
    legacy = pyogrio.read_dataframe(SAMPLES / "parcels_tcvn3.zip", encoding="ISO-8859-1")
    unicode = pyogrio.read_dataframe(SAMPLES / "parcels.zip")
    with (SAMPLES / "parcels_tcvn3.zip").open("rb") as f:
        answer = client.post(
            "/import-previews",
            files={"file": ("parcels_tcvn3.zip", f, "application/zip")},
            headers=headers["surveyor"],
        )
    assert answer.status_code == 200, answer.text
    seen = answer.json()
    assert seen["kind"] == "shapefile" and seen["features"] == len(legacy)
    assert seen["crs"]["epsg"] == 9214 and seen["crs_problem"] is None
    assert seen["mapping_problem"] is None
    assert seen["fields"]["sheet_no"] in legacy.columns
    columns = {c["name"]: c for c in seen["columns"]}
    assert set(columns) == set(legacy.columns) - {"geometry"}
    decoded = 0
    for name, column in columns.items():
        if isinstance(legacy[name].iloc[0], str) and any(not v.isascii() for v in legacy[name]):
            assert column["encoding"] == "tcvn3", name
            # decoded: what the UTF-8 twin of the sample says, value for value
            assert column["samples"] == [str(v) for v in unicode[name][:5]], name
            decoded += 1
    assert decoded >= 2  # the holder's name and the address at least
    assert {c["field"] for c in seen["columns"]} - {None} == set(seen["fields"])

    with (SAMPLES / "parcels.zip").open("rb") as f:
        wrong = client.post(
            "/import-previews",
            files={"file": ("parcels.zip", f, "application/zip")},
            data={"field_map": json.dumps({"sheet_no": "NO_SUCH_COLUMN"})},
            headers=headers["surveyor"],
        ).json()
    assert "NO_SUCH_COLUMN" in wrong["mapping_problem"] and wrong["fields"] == {}
    refused = client.post(
        "/import-previews",
        files={"file": ("notes.txt", b"not a dataset", "text/plain")},
        headers=headers["surveyor"],
    )
    assert refused.status_code == 415 and "zip" in refused.json()["detail"].lower()
    viewer = client.post(
        "/import-previews",
        files={"file": ("x.zip", b"PK\x05\x06" + b"\x00" * 18, "application/zip")},
        headers=headers["gis_viewer"],
    )
    assert viewer.status_code == 403
    with register.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM import_job")).scalar_one() == 0
    assert not any((tmp_path / "uploads").glob("*"))  # nothing kept


def test_each_issue_of_a_feature_is_drawn_where_the_file_had_it(
    api: tuple[httpx.Client, dict[str, dict[str, str]]], tmp_path: Path
) -> None:
    client, headers = api
    path = mixed_upload(tmp_path)
    with path.open("rb") as f:
        made = client.post(
            "/imports",
            files={"file": ("mixed.gpkg", f, "application/geopackage+sqlite3")},
            data={"mode": "accept_valid"},
            headers=headers["surveyor"],
        ).json()
    _wait(client, made["id"], headers["surveyor"])
    url = f"/imports/{made['id']}/issues"
    issues = client.get(url, params={"limit": 1000}, headers=headers["surveyor"]).json()["issues"]
    drawn = client.get(f"{url}.geojson", headers=headers["surveyor"])
    assert drawn.headers["content-type"] == "application/geo+json"
    collection = drawn.json()
    # the oracle: the file itself, reprojected by geopandas, row by row
    source = pyogrio.read_dataframe(path).to_crs(4326)
    features = {f["id"]: f for f in collection["features"]}
    assert set(features) == {i["seq"] for i in issues if i["drawn"]}
    # the point (row 5) and the overlapping outline (row 7) are drawn; the row with no
    # geometry (6) cannot be
    assert {f["properties"]["row"] for f in features.values()} == {1, 5, 7}
    assert not any(i["drawn"] for i in issues if i["row"] == 6)
    for feature in features.values():
        expected = source.geometry.iloc[feature["properties"]["row"] - 1]
        assert shapely.geometry.shape(feature["geometry"]).equals_exact(expected, 1e-6)
        (issue,) = [i for i in issues if i["seq"] == feature["id"]]
        assert feature["properties"] == {
            k: issue[k] for k in ("seq", "row", "key", "kind", "reason")
        }
    lon = [x for f in features.values() for x, _ in _points(f["geometry"])]
    lat = [y for f in features.values() for _, y in _points(f["geometry"])]
    assert collection["bbox"] == pytest.approx([min(lon), min(lat), max(lon), max(lat)], abs=1e-6)
    overlaps = client.get(
        f"{url}.geojson", params={"kind": "overlap"}, headers=headers["surveyor"]
    ).json()
    assert {f["properties"]["kind"] for f in overlaps["features"]} == {"overlap"}


def _points(geometry: dict[str, Any]) -> list[tuple[float, float]]:
    return [tuple(c) for c in shapely.get_coordinates(shapely.geometry.shape(geometry))]


def test_the_issues_are_sorted_and_filtered_by_reason(
    api: tuple[httpx.Client, dict[str, dict[str, str]]], tmp_path: Path
) -> None:
    client, headers = api
    with mixed_upload(tmp_path).open("rb") as f:
        made = client.post(
            "/imports",
            files={"file": ("mixed.gpkg", f, "application/geopackage+sqlite3")},
            data={"mode": "accept_valid"},
            headers=headers["surveyor"],
        ).json()
    _wait(client, made["id"], headers["surveyor"])
    url = f"/imports/{made['id']}/issues"

    def page(**params: Any) -> list[dict[str, Any]]:
        answer = client.get(url, params={"limit": 1000, **params}, headers=headers["surveyor"])
        assert answer.status_code == 200, answer.text
        issues: list[dict[str, Any]] = answer.json()["issues"]
        return issues

    everything = page()
    # file order: the rows as numbered in the file (issues of the file as a whole first)
    assert [(i["row"] or 0, i["seq"]) for i in everything] == sorted(
        (i["row"] or 0, i["seq"]) for i in everything
    )
    by_reason = page(sort="reason")
    assert [i["reason"] for i in by_reason] == sorted(i["reason"] for i in everything)
    backwards = page(sort="-reason")
    assert [i["reason"] for i in backwards] == sorted(
        (i["reason"] for i in everything), reverse=True
    )
    word = everything[0]["reason"].split()[0].upper()
    assert page(reason=word) == [i for i in everything if word.lower() in i["reason"].lower()]
    assert (
        client.get(url, params={"sort": "holder"}, headers=headers["surveyor"]).status_code == 422
    )


def test_the_issues_come_as_vector_tiles_for_a_map_of_any_size(
    api: tuple[httpx.Client, dict[str, dict[str, str]]], tmp_path: Path
) -> None:
    client, headers = api
    with mixed_upload(tmp_path).open("rb") as f:
        made = client.post(
            "/imports",
            files={"file": ("mixed.gpkg", f, "application/geopackage+sqlite3")},
            data={"mode": "accept_valid"},
            headers=headers["surveyor"],
        ).json()
    _wait(client, made["id"], headers["surveyor"])
    url = f"/imports/{made['id']}"
    page = client.get(f"{url}/issues", params={"limit": 1000}, headers=headers["surveyor"]).json()
    drawn = [i for i in page["issues"] if i["drawn"]]
    assert page["drawn"] == dict(Counter(i["kind"] for i in drawn))
    # the oracle for the boxes: the issues' own GeoJSON, measured by shapely
    features = client.get(f"{url}/issues.geojson", headers=headers["surveyor"]).json()["features"]
    shapes = {f["id"]: shapely.geometry.shape(f["geometry"]) for f in features}
    for issue in drawn:
        assert issue["bbox"] == pytest.approx(list(shapes[issue["seq"]].bounds), abs=1e-6)
    assert page["bbox"] == pytest.approx(
        list(shapely.union_all(list(shapes.values())).bounds), abs=1e-6
    )
    one = client.get(
        f"{url}/issues.geojson", params={"seq": drawn[0]["seq"]}, headers=headers["surveyor"]
    )
    assert [f["id"] for f in one.json()["features"]] == [drawn[0]["seq"]]
    # every tile of zoom 17 over the issues' box: each drawn issue in at least one, once a tile
    lon0, lat0, lon1, lat1 = page["bbox"]
    (x0, y0), (x1, y1) = tile_of(lon0, lat1, 17), tile_of(lon1, lat0, 17)
    seen: dict[int, str] = {}
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            tile = client.get(f"{url}/issues/17/{x}/{y}.mvt", headers=headers["surveyor"])
            assert tile.status_code in (200, 204)
            if tile.status_code == 204:
                continue
            assert tile.headers["content-type"] == "application/vnd.mapbox-vector-tile"
            decoded = mapbox_vector_tile.decode(tile.content)["issues"]["features"]
            ids = [f["id"] for f in decoded]
            assert len(ids) == len(set(ids))
            seen.update({f["id"]: f["properties"]["kind"] for f in decoded})
    assert seen == {i["seq"]: i["kind"] for i in drawn}
    assert client.get(f"{url}/issues/9/0/0.mvt", headers=headers["surveyor"]).status_code == 204
    assert client.get(f"{url}/issues/17/0/0.mvt").status_code == 401
    assert client.get(f"{url}/issues/3/9/0.mvt", headers=headers["surveyor"]).status_code == 404
