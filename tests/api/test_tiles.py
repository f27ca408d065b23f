"""Vector tiles of parcels and wards: the right features, 204 when empty, 304, never stale."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import mapbox_vector_tile
import pytest
from sqlalchemy import Connection, text

from bench.tools import tile_of
from tests.api.conftest import Keys

MVT = "application/vnd.mapbox-vector-tile"


def _centre_of(connection: Connection, parcel_id: int) -> tuple[float, float]:
    row = connection.execute(
        text(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326)"
            " AS c FROM parcel WHERE id = :id) t"
        ),
        {"id": parcel_id},
    ).one()
    return float(row[0]), float(row[1])


def _ids_in(connection: Connection, z: int, x: int, y: int, margin: float = 0.0) -> set[int]:
    """Parcels whose shape, in Web Mercator, meets the tile (widened by margin of its size)."""
    return {
        r[0]
        for r in connection.execute(
            text(
                "SELECT p.id FROM parcel p, (SELECT ST_TileEnvelope(:z, :x, :y) AS e) t"
                " WHERE p.retired_at IS NULL AND ST_Intersects(ST_Transform(p.geom, 3857),"
                " ST_Expand(t.e, (ST_XMax(t.e) - ST_XMin(t.e)) * :margin))"
            ),
            {"z": z, "x": x, "y": y, "margin": margin},
        )
    }


def _decode(response: httpx.Response, layer: str) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MVT
    features: list[dict[str, Any]] = mapbox_vector_tile.decode(response.content)[layer]["features"]
    return features


@pytest.mark.parametrize("z", [16, 17, 19])
def test_a_parcel_tile_holds_the_parcels_that_meet_it(
    client: httpx.Client, connection: Connection, z: int
) -> None:
    x, y = tile_of(*_centre_of(connection, 1), z)
    features = _decode(client.get(f"/tiles/parcels/{z}/{x}/{y}.mvt"), "parcels")
    ids = {f["id"] for f in features}
    assert 1 in ids
    assert _ids_in(connection, z, x, y) <= ids <= _ids_in(connection, z, x, y, margin=64 / 4096)
    fields = {"status", "ward_code", "certified", "disputed", "land_use"}
    if z >= 18:  # the labels of a cadastral sheet: numbers and area
        fields |= {"sheet_no", "parcel_no", "area_m2"}
    for feature in features:
        props = feature["properties"]
        assert set(props) == fields
        assert props["status"] == "unregistered" and props["land_use"]


def test_empty_tiles_and_low_zooms_answer_204(client: httpx.Client, connection: Connection) -> None:
    assert client.get("/tiles/parcels/16/0/0.mvt").status_code == 204  # the Arctic
    x, y = tile_of(*_centre_of(connection, 1), 9)
    assert client.get(f"/tiles/parcels/9/{x}/{y}.mvt").status_code == 204  # below zoom 10
    assert client.get("/tiles/wards/10/0/0.mvt").status_code == 204


def test_an_unchanged_tile_is_304_and_an_edit_changes_it(
    client: httpx.Client,
    keys: Keys,
    connection: Connection,
    new_parcel: Callable[..., dict[str, Any]],
) -> None:
    parcel = new_parcel()
    z = 16
    x, y = tile_of(*_centre_of(connection, parcel["id"]), z)
    url = f"/tiles/parcels/{z}/{x}/{y}.mvt"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache"  # caches revalidate: never stale
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    moved = client.post(
        f"/parcels/{parcel['id']}/transitions",
        json={"to": "registered"},
        headers={**keys.registry, "If-Match": '"1"'},
    )
    assert moved.status_code == 200
    after = client.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    status = {f["id"]: f["properties"]["status"] for f in _decode(after, "parcels")}
    assert status[parcel["id"]] == "registered"


def test_ward_tiles_carry_code_name_and_kind(client: httpx.Client, connection: Connection) -> None:
    x, y = tile_of(*_centre_of(connection, 1), 11)
    response = client.get(f"/tiles/wards/11/{x}/{y}.mvt")
    features = _decode(response, "wards")
    codes = {f["properties"]["code"] for f in features}
    labels = _decode(response, "ward_labels")  # one point a ward, in the tile that holds it
    assert {f["geometry"]["type"] for f in labels} == {"Point"}
    assert {f["properties"]["code"] for f in labels} <= codes
    ward = connection.execute(text("SELECT ward_code FROM parcel WHERE id = 1")).scalar_one()
    assert ward in codes
    assert all(f["properties"]["kind"] in ("xa", "phuong") for f in features)


@pytest.mark.parametrize("path", ["/tiles/parcels/14/16384/0.mvt", "/tiles/wards/2/0/4.mvt"])
def test_a_tile_outside_the_grid_does_not_exist(client: httpx.Client, path: str) -> None:
    # the document cannot tie x and y to z: a well-formed number past the grid is no tile (404)
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("path", ["/tiles/parcels/23/0/0.mvt", "/tiles/wards/-1/0/0.mvt"])
def test_a_zoom_the_document_does_not_offer_is_422(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
