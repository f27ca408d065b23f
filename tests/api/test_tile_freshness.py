"""Cached tiles are never stale: a write that commits makes every tile it touches fresh on
its next request, at every zoom and in the count cells, whatever order things happen in.
Against a live service on a register that commits."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text

import shapely

from app.db import tile_cache
from app.services import tile_upkeep, tiles
from bench.tools import tile_of
from tests.api import tile_oracle as oracle
from tests.api.staff import StaffRegister

ZOOMS = (12, 15, 18)  # the count cells, a generalised tile, a detailed one
DISPUTE = {"opened_on": "2025-04-01", "kind": "boundary", "description": "Tranh chấp ranh giới"}


def _parcel(staff: StaffRegister, skip: int = 0) -> tuple[int, float, float]:
    """An unregistered sample parcel drawn from zoom 15: its id and a point inside it."""
    with staff.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT id, ST_X(c), ST_Y(c) FROM (SELECT id, ST_Transform(ST_PointOnSurface("
                "geom), 4326) AS c FROM parcel WHERE status = 'unregistered' AND NOT disputed"
                " AND area_m2 > 300 ORDER BY id OFFSET :skip LIMIT 1) t"
            ),
            {"skip": skip},
        ).one()
    return int(row[0]), float(row[1]), float(row[2])


def _layers(http: httpx.Client, z: int, lon: float, lat: float) -> dict[str, list[dict[str, Any]]]:
    x, y = tile_of(lon, lat, z)
    response = http.get(f"/tiles/parcels/{z}/{x}/{y}.mvt")
    assert response.status_code == 200, response.text
    return oracle.decode(response.content)


def _seen(http: httpx.Client, parcel_id: int, lon: float, lat: float) -> dict[int, Any]:
    """What each zoom shows of the parcel: its properties, or at zoom 12 its cell's counts."""
    shown: dict[int, Any] = {}
    for z in ZOOMS:
        layers = _layers(http, z, lon, lat)
        if z < 15:
            cells = {oracle.cell_of(f): f["properties"] for f in layers["parcel_counts"]}
            shown[z] = cells[oracle.cell_in_tile(lon, lat, z)]
        else:
            shown[z] = next(f["properties"] for f in layers["parcels"] if f["id"] == parcel_id)
    return shown


def _version(http: httpx.Client, parcel_id: int) -> str:
    return http.get(f"/parcels/{parcel_id}").headers["ETag"]


def test_a_write_is_on_every_zoom_at_once(staff: StaffRegister) -> None:
    parcel_id, lon, lat = _parcel(staff)
    with staff.client() as http:
        before = _seen(http, parcel_id, lon, lat)  # every tile now cached
        assert before[15]["status"] == before[18]["status"] == "unregistered"
        moved = http.post(
            f"/parcels/{parcel_id}/transitions",
            json={"to": "registered"},
            headers={**staff.admin, "If-Match": _version(http, parcel_id)},
        )
        assert moved.status_code == 200, moved.text
        after = _seen(http, parcel_id, lon, lat)
        assert after[15]["status"] == after[18]["status"] == "registered"
        assert after[12]["registered"] == before[12]["registered"] + 1
        assert after[12]["unregistered"] == before[12]["unregistered"] - 1

        opened = http.post(f"/parcels/{parcel_id}/disputes", json=DISPUTE, headers=staff.admin)
        assert opened.status_code == 201, opened.text
        disputed = _seen(http, parcel_id, lon, lat)
        assert disputed[15]["disputed"] is True and disputed[18]["disputed"] is True
        assert disputed[12]["disputed"] == before[12]["disputed"] + 1


def test_an_amended_shape_is_drawn_at_once(staff: StaffRegister) -> None:
    parcel_id, lon, lat = _parcel(staff, skip=1)
    z = 18
    with staff.client() as http:
        x, y = tile_of(lon, lat, z)
        old = next(f for f in _layers(http, z, lon, lat)["parcels"] if f["id"] == parcel_id)
        feature = http.get(f"/parcels/{parcel_id}").json()
        shape = shapely.geometry.shape(feature["geometry"])
        smaller = shapely.affinity.scale(shape, 0.8, 0.8, origin=shape.representative_point())
        amended = http.patch(
            f"/parcels/{parcel_id}",
            json={"geometry": shapely.geometry.mapping(smaller), "crs": "EPSG:4326"},
            headers={**staff.admin, "If-Match": _version(http, parcel_id)},
        )
        assert amended.status_code == 200, amended.text
        new = next(f for f in _layers(http, z, lon, lat)["parcels"] if f["id"] == parcel_id)
        old_area = shapely.geometry.shape(old["geometry"]).area
        new_area = shapely.geometry.shape(new["geometry"]).area
        assert 0.6 < new_area / old_area < 0.7  # 0.8 x 0.8, in tile units


def test_a_tile_built_from_an_older_snapshot_is_not_served_after_the_write(
    staff: StaffRegister,
) -> None:
    parcel_id, lon, lat = _parcel(staff, skip=2)
    z = 18
    x, y = tile_of(lon, lat, z)
    with staff.engine.connect() as slow, staff.client() as http:
        # a reader's snapshot taken before the write commits...
        slow.execute(text("BEGIN ISOLATION LEVEL REPEATABLE READ"))
        slow.execute(text("SELECT 1"))
        moved = http.post(
            f"/parcels/{parcel_id}/transitions",
            json={"to": "registered"},
            headers={**staff.admin, "If-Match": _version(http, parcel_id)},
        )
        assert moved.status_code == 200
        # ...builds and stores the tile after it: the old status, in the cache
        stale = oracle.decode(tiles.build(slow, "parcels", z, x, y))
        assert (
            next(f for f in stale["parcels"] if f["id"] == parcel_id)["properties"]["status"]
            == "unregistered"
        )
        slow.execute(text("COMMIT"))
        served = {f["id"]: f for f in _layers(http, z, lon, lat)["parcels"]}
        assert served[parcel_id]["properties"]["status"] == "registered"


def test_the_upkeep_folds_counts_and_forgets_old_changes_without_staleness(
    staff: StaffRegister,
) -> None:
    parcel_id, lon, lat = _parcel(staff, skip=3)
    with staff.client() as http:
        before = _seen(http, parcel_id, lon, lat)
        moved = http.post(
            f"/parcels/{parcel_id}/transitions",
            json={"to": "registered"},
            headers={**staff.admin, "If-Match": _version(http, parcel_id)},
        )
        assert moved.status_code == 200
        tile_upkeep.run_once(staff.engine)
        with staff.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM parcel_cell_delta")).scalar() == 0
            # the zoom 10 to 13 tiles of the written area were built again, unasked
            low = [(z, *tile_of(lon, lat, z)) for z in range(10, 14)]
            assert tile_cache.fresh(conn, "parcels", low) == set(low)
            # as if the change had been seen long ago
            conn.execute(text("UPDATE tile_change SET seen_at = now() - interval '1 hour'"))
        tile_upkeep.run_once(staff.engine)
        with staff.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM tile_change")).scalar() == 0
        after = _seen(http, parcel_id, lon, lat)
        assert after[15]["status"] == after[18]["status"] == "registered"
        assert after[12]["registered"] == before[12]["registered"] + 1


def test_a_split_parcel_gives_way_to_its_parts_at_once(staff: StaffRegister) -> None:
    parcel_id, lon, lat = _parcel(staff, skip=4)
    with staff.engine.connect() as conn:
        wkb = conn.execute(
            text("SELECT ST_AsBinary(geom) FROM parcel WHERE id = :id"), {"id": parcel_id}
        ).scalar_one()
    parent = shapely.from_wkb(bytes(wkb))
    west, south, east, north = parent.bounds
    middle = (west + east) / 2
    parts = [
        parent.intersection(shapely.box(west - 1, south - 1, middle, north + 1)),
        parent.intersection(shapely.box(middle, south - 1, east + 1, north + 1)),
    ]
    with staff.client() as http:
        before = _seen(http, parcel_id, lon, lat)
        total = sum(c["parcels"] for c in _cells(http, 12, lon, lat).values())
        done = http.post(
            f"/parcels/{parcel_id}/split",
            json={
                "crs": 9214,
                "reason": "Tách thửa để tặng cho",
                "parts": [
                    {
                        "parcel_no": 7001 + i,
                        "geometry": shapely.geometry.mapping(part),
                        "land_uses": [{"code": "ONT"}],
                    }
                    for i, part in enumerate(parts)
                ],
            },
            headers={**staff.admin, "If-Match": _version(http, parcel_id)},
        )
        assert done.status_code == 201, done.text
        children = set(done.json()["children"])
        for z in (15, 18):
            ids = {f["id"] for f in _layers(http, z, lon, lat)["parcels"]}
            assert parcel_id not in ids and children <= ids, z
        assert sum(c["parcels"] for c in _cells(http, 12, lon, lat).values()) == total + 1
        assert before[12]["parcels"] >= 1


def _cells(http: httpx.Client, z: int, lon: float, lat: float) -> dict[Any, dict[str, Any]]:
    layers = _layers(http, z, lon, lat)
    return {oracle.cell_of(f): f["properties"] for f in layers["parcel_counts"]}
