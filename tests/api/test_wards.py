"""/wards and the code lists: GeoJSON in WGS84, Vietnamese names, old commune codes."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, text

from tests.api.conftest import WARD

VIETNAMESE = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")


def _positions(geometry: dict[str, Any]) -> Iterator[list[float]]:
    assert geometry["type"] in ("Polygon", "MultiPolygon")
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    for polygon in polygons:
        for ring in polygon:
            assert ring[0] == ring[-1], "rings are closed"
            yield from ring


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def test_wards_are_a_geojson_collection_in_wgs84(
    client: httpx.Client, connection: Connection
) -> None:
    response = client.get("/wards")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert len(features) == 17
    codes = [f["properties"]["code"] for f in features]
    stored = connection.execute(text("SELECT code FROM ward ORDER BY code")).scalars().all()
    assert codes == list(stored)
    for feature in features:
        assert feature["type"] == "Feature"
        assert feature["id"] == feature["properties"]["code"]
        positions = list(_positions(feature["geometry"]))
        assert len(positions) >= 4
        for lon, lat in positions:
            assert 105.9 < lon < 106.3 and 21.1 < lat < 21.4, (feature["id"], lon, lat)
        assert feature["properties"]["kind"] in ("xa", "phuong")
        assert feature["properties"]["area_m2"] > 100_000


def test_ward_areas_are_measured_in_the_cadastral_crs(
    client: httpx.Client, connection: Connection
) -> None:
    areas = {
        code: float(area)
        for code, area in connection.execute(text("SELECT code, ST_Area(boundary) FROM ward"))
    }
    for feature in client.get("/wards").json()["features"]:
        assert feature["properties"]["area_m2"] == pytest.approx(areas[feature["id"]], abs=1)


def test_ward_names_are_nfc_vietnamese(client: httpx.Client) -> None:
    names = {f["id"]: f["properties"]["name"] for f in client.get("/wards").json()["features"]}
    for name in names.values():
        assert unicodedata.is_normalized("NFC", name), ascii(name)
    assert names[WARD] == "Nếnh"
    assert names["07777"] == "Bích Động"
    assert sum(1 for n in names.values() if VIETNAMESE & set(n.lower())) >= 10


def test_each_ward_lists_its_old_communes(client: httpx.Client, connection: Connection) -> None:
    features = {f["id"]: f for f in client.get("/wards").json()["features"]}
    assert {"code": "07690", "name": "Thị trấn Bích Động"} in features["07777"]["properties"][
        "old_communes"
    ]
    crosswalk: dict[str, list[dict[str, str]]] = {}
    for old_code, old_name, ward in connection.execute(
        text("SELECT old_code, old_name, ward_code FROM commune_crosswalk ORDER BY old_code")
    ):
        crosswalk.setdefault(ward, []).append({"code": old_code, "name": old_name})
    for code, feature in features.items():
        assert feature["properties"]["old_communes"] == crosswalk.get(code, []), code
    assert features["07798"]["properties"]["old_communes"] == []


def test_one_ward_is_a_feature(client: httpx.Client) -> None:
    response = client.get(f"/wards/{WARD}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    feature = response.json()
    assert feature["type"] == "Feature"
    assert feature["id"] == WARD
    assert feature["properties"]["name"] == "Nếnh"
    assert feature["properties"]["old_communes"] == [{"code": "07693", "name": "Thị trấn Nếnh"}]
    whole = {f["id"]: f for f in client.get("/wards").json()["features"]}
    assert feature == whole[WARD]


def test_unknown_ward_is_a_404_problem(client: httpx.Client) -> None:
    body = _problem(client.get("/wards/99999"), 404)
    assert "99999" in body["detail"]
    assert body["instance"] == "/wards/99999"
    _problem(client.get("/wards/7795"), 422)


def test_land_use_types_list_current_codes_first(
    client: httpx.Client, connection: Connection
) -> None:
    response = client.get("/land-use-types")
    assert response.status_code == 200
    types = response.json()
    assert len(types) == connection.execute(text("SELECT count(*) FROM land_use_type")).scalar()
    flags = [t["is_current"] for t in types]
    assert flags == sorted(flags, reverse=True)
    assert True in flags and False in flags
    current = {t["code"] for t in types if t["is_current"]}
    for t in types:
        assert t["name"] and t["group"] and t["group_name"]
        if t["is_current"]:
            assert t["replaced_by"] is None
        else:
            assert t["replaced_by"] in current, t
    ont = next(t for t in types if t["code"] == "ONT")
    assert ont["is_current"] is True
    for t in types:
        assert unicodedata.is_normalized("NFC", t["name"])


def test_land_origin_types(client: httpx.Client, connection: Connection) -> None:
    response = client.get("/land-origin-types")
    assert response.status_code == 200
    origins = response.json()
    stored = connection.execute(
        text("SELECT code, name FROM land_origin_type ORDER BY sort_order")
    ).all()
    assert [(o["code"], o["name"]) for o in origins] == [tuple(r) for r in stored]
    assert "CNQ-CTT" in {o["code"] for o in origins}
    assert all(set(o) == {"code", "name"} for o in origins)


def test_code_lists_need_no_key(client: httpx.Client) -> None:
    for path in ("/wards", f"/wards/{WARD}", "/land-use-types", "/land-origin-types"):
        assert client.get(path).status_code == 200, path


def test_the_names_list_is_every_ward_without_its_boundary(
    client: httpx.Client, connection: Connection
) -> None:
    listed = client.get("/wards/names")
    assert listed.status_code == 200, listed.text
    # the oracle: the GeoJSON's own features
    features = client.get("/wards").json()["features"]
    assert {w["code"]: w["name"] for w in listed.json()} == {
        f["properties"]["code"]: f["properties"]["name"] for f in features
    }
    assert all(set(w) == {"code", "name", "kind"} for w in listed.json())
