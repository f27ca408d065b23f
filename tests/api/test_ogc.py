"""OGC API - Features under /ogc, driven by a real client: GDAL's OAPIF driver."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Connection, text

from tests.support import ensure_tool

BOX = (106.09, 21.26, 106.10, 21.27)
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG9214 = "http://www.opengis.net/def/crs/EPSG/0/9214"


def test_gdal_lists_the_collections(base_url: str, client: httpx.Client) -> None:
    ogrinfo = ensure_tool("ogrinfo", "gdal-bin")
    listed = subprocess.run(
        [ogrinfo, "-ro", "-so", f"OAPIF:{base_url}/ogc"], capture_output=True, text=True
    )
    assert listed.returncode == 0, listed.stderr
    assert "1: parcels (title: Thửa đất)" in listed.stdout
    assert "2: wards (title: Xã, phường)" in listed.stdout


def test_gdal_downloads_the_parcels_of_a_box(
    base_url: str, client: httpx.Client, connection: Connection, tmp_path: Path
) -> None:
    ogr2ogr = ensure_tool("ogr2ogr", "gdal-bin")
    out = tmp_path / "parcels.geojson"
    done = subprocess.run(
        [ogr2ogr, "-f", "GeoJSON", str(out), f"OAPIF:{base_url}/ogc", "parcels", "-spat"]
        + [str(v) for v in BOX],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    features = json.loads(out.read_text())["features"]
    keys = {
        (
            f["properties"]["survey_commune_code"],
            f["properties"]["sheet_no"],
            f["properties"]["parcel_no"],
        )
        for f in features
    }
    expected = {
        (r[0], r[1], r[2])
        for r in connection.execute(
            text(
                "SELECT survey_commune_code, sheet_no, parcel_no FROM parcel"
                " WHERE retired_at IS NULL AND ST_Intersects(ST_Transform(geom, 4326),"
                " ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))"
            ),
            dict(zip(("x0", "y0", "x1", "y1"), BOX, strict=True)),
        )
    }
    assert len(features) == len(keys) == len(expected) > 100  # more than one page of 100
    assert keys == expected


def test_landing_conformance_and_collections(client: httpx.Client) -> None:
    landing = client.get("/ogc").json()
    rels = {link["rel"] for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    classes = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes
    # Part 3 and CQL2: only the basic class and the text encoding (tests/api/test_cql2.py)
    cql2 = {c for c in classes if "cql2" in c}
    assert cql2 == {
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    }
    collections = client.get("/ogc/collections").json()["collections"]
    assert [c["id"] for c in collections] == ["parcels", "wards"]
    for c in collections:
        assert c["crs"] == [CRS84, EPSG9214] and c["storageCrs"] == EPSG9214
        west, south, east, north = c["extent"]["spatial"]["bbox"][0]
        assert 105.9 < west < east < 106.3 and 21.1 < south < north < 21.5
    assert client.get("/ogc/collections/roads").status_code in (404, 422)


def test_items_in_the_vn2000_zone_and_one_item(
    client: httpx.Client, connection: Connection
) -> None:
    page = client.get(
        "/ogc/collections/parcels/items", params={"crs": EPSG9214, "limit": 5, "ward": "07795"}
    )
    assert page.status_code == 200 and page.headers["content-crs"] == f"<{EPSG9214}>"
    body = page.json()
    assert body["numberReturned"] == 5 and "timeStamp" in body and "crs" not in body
    first = body["features"][0]
    stored = connection.execute(
        text("SELECT ST_AsGeoJSON(geom, 9, 0)::json FROM parcel WHERE id = :id"),
        {"id": first["id"]},
    ).scalar_one()
    assert first["geometry"] == stored
    one = client.get(f"/ogc/collections/parcels/items/{first['id']}")
    assert one.status_code == 200 and one.headers["content-crs"] == f"<{CRS84}>"
    assert one.json()["id"] == first["id"]
    ward = client.get("/ogc/collections/wards/items/07795").json()
    assert ward["properties"]["name"] == "Nếnh"
    assert client.get("/ogc/collections/parcels/items/999999").status_code == 404
    assert client.get("/ogc/collections/wards/items/00000").status_code == 404


@pytest.mark.parametrize("crs", ["EPSG:3857", "http://www.opengis.net/def/crs/EPSG/0/4326"])
def test_a_crs_not_offered_is_refused(client: httpx.Client, crs: str) -> None:
    response = client.get("/ogc/collections/parcels/items", params={"crs": crs})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
