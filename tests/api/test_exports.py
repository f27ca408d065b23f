"""Exports of a parcel query as GeoPackage, zipped shapefile and CSV, read back with pyogrio."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, text

import pyogrio
import shapely

from app.services import parcel_export
from app.spatial import crs_detect
from tests.api.conftest import WARD, Keys

NewParcel = Callable[..., dict[str, Any]]


def _save(response: httpx.Response, folder: Path) -> Path:
    assert response.status_code == 200, response.text
    name = response.headers["content-disposition"].split('"')[1]
    path = folder / name
    path.write_bytes(response.content)
    return path


def _read(path: Path) -> Any:
    source = f"/vsizip/{path}" if path.suffix == ".zip" else str(path)
    return pyogrio.read_dataframe(source)


def _ward_ids(connection: Connection) -> list[int]:
    return [
        r[0]
        for r in connection.execute(
            text(
                "SELECT id FROM parcel WHERE ward_code = :w AND retired_at IS NULL"
                " AND status = 'unregistered' ORDER BY id"
            ),
            {"w": WARD},
        )
    ]


@pytest.mark.parametrize(("fmt", "id_column"), [("gpkg", "id"), ("shp", "ID"), ("csv", "id")])
def test_each_format_holds_the_parcels_of_the_query(
    client: httpx.Client, connection: Connection, tmp_path: Path, fmt: str, id_column: str
) -> None:
    response = client.get(f"/parcels/export.{fmt}", params={"ward": WARD, "status": "unregistered"})
    frame = _read(_save(response, tmp_path))
    assert sorted(int(i) for i in frame[id_column]) == _ward_ids(connection)
    if fmt == "csv":
        geometry = shapely.from_wkt(frame["WKT"].iloc[0])
    else:
        assert frame.crs.to_epsg() == 9214
        geometry = frame.geometry.iloc[0]
    first = int(frame[id_column].iloc[0])
    stored = connection.execute(
        text("SELECT ST_AsText(geom) FROM parcel WHERE id = :id"), {"id": first}
    ).scalar_one()
    # the same shape (a shapefile reads back a one-part MultiPolygon as a Polygon)
    assert shapely.symmetric_difference(geometry, shapely.from_wkt(stored)).area < 0.01


def test_the_shapefile_speaks_the_cadastral_tools_language(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel, tmp_path: Path
) -> None:
    parcel = new_parcel(address="Thôn Đông, xã Nếnh")
    response = client.get(
        "/parcels/export.shp", params={"ward": WARD, "sheet": "99"}, headers=keys.registry
    )
    path = _save(response, tmp_path)
    with zipfile.ZipFile(path) as archive:
        assert archive.read("parcels.cpg").strip() == b"UTF-8"
        prj = archive.read("parcels.prj").decode()
    assert crs_detect.detect_from_wkt(prj).epsg == 9214  # our own import reads it back
    frame = _read(path)
    assert {"MAXA", "SHBANDO", "SHTHUA", "MALOAIDAT", "TENCHU", "DIACHI"} <= set(frame.columns)
    row = frame[frame["ID"] == parcel["id"]].iloc[0]
    assert row["DIACHI"] == "Thôn Đông, xã Nếnh"
    assert row["TENCHU"] == "Trần Thị Thu Hương (024190001234)"
    assert row["MALOAIDAT"] == "ONT" and row["SHTHUA"] == parcel["properties"]["parcel_no"]


def test_holders_leave_only_with_the_right(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel, tmp_path: Path
) -> None:
    new_parcel()
    for headers, expected in (({}, False), (keys.viewer, True), (keys.surveyor, False)):
        response = client.get("/parcels/export.gpkg", params={"sheet": "99"}, headers=headers)
        frame = _read(_save(response, tmp_path))
        names = frame["holders"].dropna().tolist()
        assert any("Trần Thị Thu Hương" in n for n in names) is expected
        assert any("024190001234" in n for n in names) is expected


def test_an_export_in_wgs84(client: httpx.Client, tmp_path: Path) -> None:
    response = client.get(
        "/parcels/export.gpkg", params={"ward": WARD, "crs": "EPSG:4326", "status": "signed"}
    )
    assert response.status_code == 200  # no parcel is signed in the samples: an empty file
    frame = _read(_save(response, tmp_path))
    assert len(frame) == 0
    some = _read(
        _save(client.get("/parcels/export.gpkg", params={"ward": WARD, "crs": "4326"}), tmp_path)
    )
    x, y = some.geometry.iloc[0].representative_point().coords[0]
    assert 105 < x < 107 and 21 < y < 22 and some.crs.to_epsg() == 4326


def test_unknown_format_or_crs_is_422(client: httpx.Client) -> None:
    assert client.get("/parcels/export.kml").status_code == 422
    assert client.get("/parcels/export.gpkg", params={"crs": "EPSG:3857"}).status_code == 422


def test_an_export_beyond_the_limit_is_a_413(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the limit is 100,000 parcels; the samples hold 3,000: lower it for the test
    monkeypatch.setattr(parcel_export, "MAX_EXPORT_FEATURES", 50)
    for fmt in ("csv", "gpkg", "shp"):
        answer = client.get(f"/parcels/export.{fmt}", params={"ward": "07795"})
        assert answer.status_code == 413, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert "narrow" in answer.json()["detail"]
    narrowed = client.get("/parcels/export.csv", params={"filter": "id <= 50"})
    assert narrowed.status_code == 200, narrowed.text
