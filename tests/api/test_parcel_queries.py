"""GET /parcels and POST /parcels/search against counts computed independently in SQL."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, text

from app.db import parcel_features
from app.limits import MAX_PAGE_SIZE, MAX_QUERY_VERTICES
from tests.api.conftest import WARD, Keys

# a box over the middle of the town, WGS84, and the same as a polygon
BOX = (106.09, 21.26, 106.125, 21.30)
BOX_WKT = "POLYGON((106.09 21.26,106.125 21.26,106.125 21.30,106.09 21.30,106.09 21.26))"


@pytest.fixture
def varied(connection: Connection) -> Connection:
    """Give the sample parcels a spread of statuses, disputes and confirmations (rolled back)."""
    connection.execute(
        text(
            "UPDATE parcel SET"
            " status = (ARRAY['unregistered', 'registered', 'in_review', 'returned',"
            "  'eligible', 'signed', 'delivered'])[1 + (id * 7919) % 7],"
            " disputed = (id % 11 = 0), origin_confirmed = (id % 3 = 0)"
        )
    )
    return connection


def _all_ids(client: httpx.Client, params: dict[str, Any], limit: int = 500) -> list[int]:
    ids: list[int] = []
    url: str | None = "/parcels"
    query: dict[str, Any] | None = {**params, "limit": limit, "properties": "status"}
    while url is not None:
        response = client.get(url, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        query = None
    return ids


def _sql_ids(connection: Connection, where: str, **params: Any) -> list[int]:
    return [
        r[0]
        for r in connection.execute(
            text(f"SELECT id FROM parcel p WHERE retired_at IS NULL AND {where} ORDER BY id"),
            params,
        )
    ]


# filter -> the same condition written independently (the column transformed, not the shape)
FILTERS: list[tuple[dict[str, Any], str]] = [
    ({"ward": WARD}, f"ward_code = '{WARD}'"),
    ({"ward": "07795,07798"}, "ward_code IN ('07795', '07798')"),
    ({"sheet": "2"}, "sheet_no = 2"),
    ({"status": "registered"}, "status = 'registered'"),
    ({"status": "in_review,returned"}, "status IN ('in_review', 'returned')"),
    ({"certified": "true"}, "status IN ('signed', 'delivered')"),
    ({"certified": "false"}, "status NOT IN ('signed', 'delivered')"),
    ({"registered": "false"}, "status = 'unregistered'"),
    ({"registered": "true"}, "status <> 'unregistered'"),
    (
        {"land_use": "ONT,odt"},
        "id IN (SELECT parcel_id FROM parcel_land_use WHERE land_use_code IN ('ONT', 'ODT'))",
    ),
    ({"disputed": "true"}, "disputed"),
    ({"origin_confirmed": "false"}, "NOT origin_confirmed"),
    (
        {"bbox": ",".join(map(str, BOX))},
        "ST_Intersects(ST_Transform(geom, 4326),"
        " ST_MakeEnvelope(106.09, 21.26, 106.125, 21.30, 4326))",
    ),
]


@pytest.mark.parametrize(("params", "where"), FILTERS, ids=[str(p) for p, _ in FILTERS])
def test_each_filter_matches_sql(
    client: httpx.Client, varied: Connection, params: dict[str, Any], where: str
) -> None:
    expected = _sql_ids(varied, where)
    assert expected, "the filter should match something in the samples"
    assert _all_ids(client, params) == expected
    counted = client.get("/parcels", params={**params, "limit": 1, "count": "true"}).json()
    assert counted["numberMatched"] == len(expected) and counted["numberReturned"] == 1


def test_random_combinations_match_sql(client: httpx.Client, varied: Connection) -> None:
    rng = random.Random(5)
    for _ in range(12):
        chosen = rng.sample(FILTERS, 3)
        params: dict[str, Any] = {}
        for p, _ in chosen:
            params.update(p)
        if len(params) < 3:  # two filters on the same parameter: the last wins, skip
            continue
        expected = _sql_ids(varied, " AND ".join(f"({w})" for _, w in chosen))
        assert _all_ids(client, params, limit=97) == expected, params


def test_an_area_polygon_as_geojson_or_wkt(client: httpx.Client, varied: Connection) -> None:
    expected = _sql_ids(
        varied, "ST_Intersects(ST_Transform(geom, 4326), ST_GeomFromText(:wkt, 4326))", wkt=BOX_WKT
    )
    ring = [
        [BOX[0], BOX[1]],
        [BOX[2], BOX[1]],
        [BOX[2], BOX[3]],
        [BOX[0], BOX[3]],
        [BOX[0], BOX[1]],
    ]
    for body in (
        {"wkt": BOX_WKT},
        {"geometry": {"type": "Polygon", "coordinates": [ring]}},
    ):
        ids: list[int] = []
        cursor = None
        while True:
            page = client.post("/parcels/search", json={**body, "limit": 400, "cursor": cursor})
            assert page.status_code == 200, page.text
            ids += [f["id"] for f in page.json()["features"]]
            nxt = [link for link in page.json()["links"] if link["rel"] == "next"]
            if not nxt:
                break
            cursor = nxt[0]["href"].split("cursor=")[1]
        assert ids == expected
    combined = client.post(
        "/parcels/search", json={"wkt": BOX_WKT, "status": ["signed"], "count": True}
    ).json()
    assert combined["numberMatched"] == len(
        _sql_ids(
            varied,
            "status = 'signed' AND ST_Intersects(ST_Transform(geom, 4326),"
            " ST_GeomFromText(:wkt, 4326))",
            wkt=BOX_WKT,
        )
    )


@pytest.mark.parametrize("sortby", ["id", "-id", "area_m2", "-area_m2", "parcel_no"])
def test_pages_have_no_gaps_or_repeats_under_concurrent_inserts(
    client: httpx.Client,
    connection: Connection,
    new_parcel: Callable[..., dict[str, Any]],
    sortby: str,
) -> None:
    before = set(_sql_ids(connection, f"ward_code = '{WARD}'"))
    seen: list[int] = []
    url: str | None = "/parcels"
    query: dict[str, Any] | None = {"ward": WARD, "limit": 37, "sortby": sortby}
    pages = 0
    while url is not None:
        body = client.get(url, params=query).json()
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        query = None
        pages += 1
        if pages in (2, 4):
            new_parcel()  # someone registers a parcel while the pages are read
    assert len(seen) == len(set(seen)), "a parcel came twice"
    assert before <= set(seen), "a parcel was skipped"
    values = [
        connection.execute(
            text(f"SELECT {sortby.lstrip('-')} FROM parcel WHERE id = :id"), {"id": i}
        ).scalar_one()
        for i in seen[:60]
    ]
    assert values == sorted(values, reverse=sortby.startswith("-"))


def test_output_in_the_vn2000_zone(client: httpx.Client, connection: Connection) -> None:
    response = client.get("/parcels", params={"ward": WARD, "limit": 3, "crs": "EPSG:9214"})
    assert response.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/9214>"
    body = response.json()
    assert body["crs"]["properties"]["name"].endswith("/EPSG/0/9214")
    for feature in body["features"]:
        stored = connection.execute(
            text("SELECT ST_AsGeoJSON(geom, 9, 0)::json FROM parcel WHERE id = :id"),
            {"id": feature["id"]},
        ).scalar_one()
        assert feature["geometry"] == stored
    wgs84 = client.get("/parcels", params={"ward": WARD, "limit": 1})
    assert wgs84.headers["content-type"] == "application/geo+json"
    assert "crs" not in wgs84.json()
    lon, lat = wgs84.json()["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 105 < lon < 107 and 21 < lat < 22


def test_holders_only_for_staff_with_the_right(
    client: httpx.Client, keys: Keys, new_parcel: Callable[..., dict[str, Any]]
) -> None:
    mine = new_parcel()
    other = new_parcel(ward="07798")
    params = {"properties": "holders,extra,status", "limit": MAX_PAGE_SIZE}

    def holders(headers: dict[str, str]) -> dict[int, Any]:
        body = client.get("/parcels", params=params, headers=headers).json()
        return {f["id"]: f["properties"]["holders"] for f in body["features"]}

    anonymous = holders({})
    assert anonymous[mine["id"]] is None and anonymous[other["id"]] is None
    assert "Trần Thị Thu Hương" not in str(anonymous)
    staff = holders(keys.registry)
    assert staff[mine["id"]][0]["id_number"] == "024190001234"
    ward = holders(keys.ward)
    assert ward[mine["id"]][0]["name"] == "Trần Thị Thu Hương" and ward[other["id"]] is None


def test_the_spatial_index_serves_area_filters(connection: Connection) -> None:
    clause, params = parcel_features.where(parcel_features.ParcelFilter(bbox=BOX, area_wkb=None))
    connection.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(
        r[0]
        for r in connection.execute(text(f"EXPLAIN SELECT id FROM parcel p WHERE {clause}"), params)
    )
    assert "ix_parcel_geom" in plan, plan


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"limit": MAX_PAGE_SIZE + 1}, "limit"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "106.2,21,106.1,22"}, "min before max"),
        ({"crs": "EPSG:3857"}, "unsupported CRS"),
        ({"properties": "status,secret"}, "properties lists property names"),
        ({"status": "lost"}, "status lists certificate statuses"),
        ({"sortby": "holder"}, "sortby"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"sheet": "x"}, "sheet lists map sheet numbers"),
    ],
)
def test_bad_queries_are_422(client: httpx.Client, params: dict[str, Any], fragment: str) -> None:
    response = client.get("/parcels", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert fragment.lower() in response.text.lower()


def test_a_query_area_over_the_vertex_limit_is_422(client: httpx.Client) -> None:
    import shapely

    circle = shapely.Point(106.1, 21.28).buffer(0.01, quad_segs=MAX_QUERY_VERTICES // 4 + 1)
    response = client.post("/parcels/search", json={"wkt": circle.wkt})
    assert response.status_code == 422 and f"{MAX_QUERY_VERTICES:,}" in response.json()["detail"]
    line = client.post("/parcels/search", json={"wkt": "LINESTRING(106 21, 106.1 21.1)"})
    assert line.status_code == 422 and "Polygon" in line.json()["detail"]
    both = client.post("/parcels/search", json={"wkt": BOX_WKT, "geometry": {"type": "Point"}})
    assert both.status_code == 422
