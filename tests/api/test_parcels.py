"""POST/GET/PATCH /parcels: registration, reading in two CRSs, bad input, If-Match."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, text

from tests.api.conftest import WARD, Keys, square

Spot = Callable[[str], tuple[float, float]]


def _body(x: float, y: float, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "survey_commune_code": WARD,
        "sheet_no": 77,
        "parcel_no": 1,
        "geometry": square(x, y),
        "crs": "EPSG:9214",
        "land_uses": [{"code": "ODT"}],
        "holders": [{"name": "Nguyễn Văn Hùng", "id_number": "024090001234"}],
    }
    body.update(overrides)
    return body


def _problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    return body


def test_register_then_read_it_back_in_wgs84_and_vn2000(
    client: httpx.Client, keys: Keys, free_spot: Spot, connection: Connection
) -> None:
    x, y = free_spot(WARD)
    created = client.post("/parcels", json=_body(x, y), headers=keys.registry)
    assert created.status_code == 201
    assert created.headers["content-type"] == "application/geo+json"
    assert created.headers["etag"] == '"1"'
    parcel_id = created.json()["id"]
    assert created.headers["location"] == f"/parcels/{parcel_id}"

    props = created.json()["properties"]
    assert props["status"] == "unregistered" and props["ward_code"] == WARD
    assert props["area_m2"] == pytest.approx(400, abs=0.01)
    assert props["land_uses"] == [{"code": "ODT", "area_m2": 400.0, "origin_codes": []}]
    assert props["allowed_transitions"] == ["registered"]
    assert set(props["backlog"]) == {"origin_unconfirmed", "time_of_use_unconfirmed"}

    native = client.get(f"/parcels/{parcel_id}", params={"crs": "EPSG:9214"}).json()
    ring = sorted(map(tuple, native["geometry"]["coordinates"][0][0][:-1]))
    sent = sorted(map(tuple, square(x, y)["coordinates"][0][:-1]))
    # the same metres, to the micrometre
    assert [c for xy in ring for c in xy] == pytest.approx([c for xy in sent for c in xy], abs=1e-6)

    wgs84 = client.get(f"/parcels/{parcel_id}").json()["geometry"]["coordinates"][0][0]
    expected = connection.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID("
            " ST_MakePoint(:x, :y), 9214), 4326) p"
        ),
        {"x": x, "y": y},
    ).one()
    assert any(
        abs(lon - expected[0]) < 1e-9 and abs(lat - expected[1]) < 1e-9 for lon, lat in wgs84
    )


def test_wgs84_input_is_stored_in_the_zone(
    client: httpx.Client, keys: Keys, free_spot: Spot, connection: Connection
) -> None:
    x, y = free_spot(WARD)
    geometry = connection.execute(
        text(
            "SELECT ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(:g), 9214), 4326),"
            " 12)::json"
        ),
        {"g": json.dumps(square(x, y))},
    ).scalar_one()
    response = client.post(
        "/parcels", json=_body(x, y, geometry=geometry, crs="EPSG:4326"), headers=keys.surveyor
    )
    assert response.status_code == 201, response.text
    stored = connection.execute(
        text("SELECT ST_SRID(geom), ST_XMin(geom), ST_YMin(geom) FROM parcel WHERE id = :id"),
        {"id": response.json()["id"]},
    ).one()
    assert stored[0] == 9214
    assert stored[1] == pytest.approx(x, abs=0.001) and stored[2] == pytest.approx(y, abs=0.001)


def test_holders_are_personal_data(
    client: httpx.Client, keys: Keys, new_parcel: Callable[..., dict[str, Any]]
) -> None:
    parcel_id = new_parcel()["id"]
    for headers in ({}, keys.surveyor, keys.other_ward):
        response = client.get(f"/parcels/{parcel_id}", headers=headers)
        assert "Hương" not in response.text and "024190001234" not in response.text
        assert response.json()["properties"]["holders"] == [{"kind": "individual"}]
    for headers in (keys.registry, keys.ward, keys.viewer, keys.admin):
        holders = client.get(f"/parcels/{parcel_id}", headers=headers).json()["properties"][
            "holders"
        ]
        assert holders == [
            {"name": "Trần Thị Thu Hương", "kind": "individual", "id_number": "024190001234"}
        ]


BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [20, 20], [20, 0], [0, 20], [0, 0]]]}


@pytest.mark.parametrize(
    ("change", "status", "slug", "says"),
    [
        ({"land_uses": [{"code": "XYZ"}]}, 422, "invalid-input", "Unknown land-use code"),
        ({"land_uses": [{"code": "LUN"}]}, 422, "invalid-input", "use LUK"),
        (
            {"land_uses": [{"code": "ONT", "area_m2": 100}, {"code": "CLN", "area_m2": 100}]},
            422,
            "invalid-input",
            "add up to 200",
        ),
        (
            {"land_uses": [{"code": "ONT", "origin_codes": ["XX-1"]}]},
            422,
            "invalid-input",
            "Unknown land-origin",
        ),
        ({"survey_commune_code": "99999"}, 422, "unknown-ward", "neither a ward"),
        ({"status": "signed"}, 422, "validation-error", "status"),
        ({"ward_code": WARD}, 422, "validation-error", "ward_code"),
        ({"crs": "EPSG:3857"}, 422, "validation-error", "unsupported CRS"),
        ({"crs": "EPSG:4326"}, 422, "invalid-geometry", "metres, not degrees"),
        ({"crs": "EPSG:9209"}, 422, "invalid-input", "outside every ward"),
        ({"geometry": {"type": "Point", "coordinates": [1, 2]}}, 422, "validation-error", "type"),
        ({"geometry": {"type": "Polygon", "coordinates": []}}, 422, "validation-error", "coord"),
        ({"geometry": {"type": "Polygon", "coordinates": [[]]}}, 422, "invalid-geometry", "empty"),
    ],
)
def test_bad_input_says_what_to_fix(
    client: httpx.Client,
    keys: Keys,
    free_spot: Spot,
    change: dict[str, Any],
    status: int,
    slug: str,
    says: str,
) -> None:
    x, y = free_spot(WARD)
    body = _problem(
        client.post("/parcels", json=_body(x, y, **change), headers=keys.registry), status, slug
    )
    assert says in body["detail"]


def test_swapped_axes_get_a_hint(client: httpx.Client, keys: Keys, free_spot: Spot) -> None:
    x, y = free_spot(WARD)
    swapped = {
        "type": "Polygon",
        "coordinates": [[[b, a] for a, b in square(x, y)["coordinates"][0]]],
    }
    body = _problem(
        client.post("/parcels", json=_body(x, y, geometry=swapped), headers=keys.registry),
        422,
        "invalid-geometry",
    )
    assert "swap them" in body["detail"]


def test_self_intersecting_ring_names_the_place(
    client: httpx.Client, keys: Keys, free_spot: Spot
) -> None:
    x, y = free_spot(WARD)
    ring = [[x + px, y + py] for px, py in BOWTIE["coordinates"][0]]
    body = _problem(
        client.post(
            "/parcels",
            json=_body(x, y, geometry={"type": "Polygon", "coordinates": [ring]}),
            headers=keys.registry,
        ),
        422,
        "invalid-geometry",
    )
    # the crossing point (x + 10, y + 10) is named, so a surveyor can find it
    assert "Self-intersection" in body["detail"] and str(int(x + 10)) in body["detail"]


def test_outside_every_ward_and_duplicates_and_overlaps_are_refused(
    client: httpx.Client, keys: Keys, free_spot: Spot
) -> None:
    body = _problem(
        client.post("/parcels", json=_body(200000.0, 2000000.0), headers=keys.registry),
        422,
        "invalid-input",
    )
    assert "outside every ward" in body["detail"]

    x, y = free_spot(WARD)
    assert client.post("/parcels", json=_body(x, y), headers=keys.registry).status_code == 201
    x2, y2 = free_spot(WARD)
    dup = _problem(
        client.post("/parcels", json=_body(x2, y2), headers=keys.registry), 409, "duplicate-parcel"
    )
    assert "already registered" in dup["detail"]

    overlap = _problem(
        client.post("/parcels", json=_body(x + 10, y, parcel_no=2), headers=keys.registry),
        422,
        "invalid-geometry",
    )
    assert overlap["overlap_m2"] == pytest.approx(200, abs=0.01)


def test_who_may_register(client: httpx.Client, keys: Keys, free_spot: Spot) -> None:
    x, y = free_spot(WARD)
    assert client.post("/parcels", json=_body(x, y)).status_code == 401
    for headers in (keys.ward, keys.viewer):
        _problem(client.post("/parcels", json=_body(x, y), headers=headers), 403, "forbidden")


def test_patch_needs_if_match_and_refuses_stale_versions(
    client: httpx.Client, keys: Keys, new_parcel: Callable[..., dict[str, Any]]
) -> None:
    parcel_id = new_parcel()["id"]
    url = f"/parcels/{parcel_id}"
    change = {"address": "Tổ dân phố số 3, phường Nếnh"}
    _problem(client.patch(url, json=change, headers=keys.registry), 428, "precondition-required")

    first = client.patch(url, json=change, headers={**keys.registry, "If-Match": '"1"'})
    assert first.status_code == 200 and first.headers["etag"] == '"2"'
    assert first.json()["properties"]["address"] == change["address"]

    stale = client.patch(
        url, json={"address": "khác"}, headers={**keys.registry, "If-Match": '"1"'}
    )
    body = _problem(stale, 412, "precondition-failed")
    assert body["current_version"] == 2
    assert client.get(url).json()["properties"]["address"] == change["address"]


def test_patch_geometry_recomputes_area_and_land_use(
    client: httpx.Client,
    keys: Keys,
    new_parcel: Callable[..., dict[str, Any]],
    connection: Connection,
) -> None:
    feature = new_parcel()
    parcel_id = feature["id"]
    x, y = connection.execute(
        text("SELECT ST_XMin(geom), ST_YMin(geom) FROM parcel WHERE id = :id"), {"id": parcel_id}
    ).one()
    response = client.patch(
        f"/parcels/{parcel_id}",
        json={
            "geometry": square(x, y, 30),
            "crs": 9214,
            "land_uses": [{"code": "ONT", "area_m2": 600}, {"code": "CLN", "area_m2": 300}],
        },
        headers={**keys.registry, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    props = response.json()["properties"]
    assert props["area_m2"] == pytest.approx(900, abs=0.01)
    assert [u["code"] for u in props["land_uses"]] == ["ONT", "CLN"]


def test_unknown_parcel_is_404_problem(client: httpx.Client) -> None:
    _problem(client.get("/parcels/999999999"), 404, "not-found")
