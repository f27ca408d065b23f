"""Parcel tiles below zoom 16: the big parcels drawn, every parcel counted per cell, the
properties each zoom needs, and the TileJSON and style that describe them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, text

from bench.tools import tile_of
from tests.api import tile_oracle as oracle
from tests.api.conftest import WARD, Keys, square

MVT = "application/vnd.mapbox-vector-tile"
STATUS_FIELDS = (
    "unregistered",
    "registered",
    "in_review",
    "returned",
    "eligible",
    "ineligible",
    "signed",
    "delivered",
)
COUNT_FIELDS = ("parcels", *STATUS_FIELDS, "certified", "disputed", "nnp", "otc", "pnn", "csd")


def _among_parcels(connection: Connection) -> tuple[float, float]:
    """A point inside the register's middle parcel (by id)."""
    row = connection.execute(
        text(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) AS c"
            " FROM parcel ORDER BY id OFFSET (SELECT count(*) / 2 FROM parcel) LIMIT 1) t"
        )
    ).one()
    return float(row[0]), float(row[1])


def _tile(client: httpx.Client, z: int, x: int, y: int) -> dict[str, list[dict[str, Any]]]:
    response = client.get(f"/tiles/parcels/{z}/{x}/{y}.mvt")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MVT
    return oracle.decode(response.content)


@pytest.mark.parametrize("z", [13, 14, 15])
def test_below_zoom_16_only_the_parcels_big_enough_to_see_are_drawn(
    client: httpx.Client,
    connection: Connection,
    new_parcel: Callable[..., dict[str, Any]],
    free_spot: Callable[[str], tuple[float, float]],
    z: int,
) -> None:
    x0, y0 = free_spot(WARD)
    field = new_parcel(geometry=square(x0, y0, 45.0))  # 2,025 m2: seen from zoom 13
    centre = connection.execute(
        text(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326)"
            " AS c FROM parcel WHERE id = :id) t"
        ),
        {"id": field["id"]},
    ).one()
    rows = oracle.register(connection)
    left_out = 0
    for point in (centre, _among_parcels(connection)):
        x, y = tile_of(point[0], point[1], z)
        layers = _tile(client, z, x, y)
        smallest = oracle.smallest_drawn(z, y)
        meeting = {r.id for r in rows if r.shape.intersects(oracle.envelope(z, x, y))}
        near = {r.id for r in rows if r.shape.intersects(oracle.envelope(z, x, y, 64 / 4096))}
        big = {r.id for r in rows if r.area_m2 >= smallest}
        drawn = {f["id"] for f in layers.get("parcels", [])}
        assert meeting & big <= drawn <= near & big
        left_out += len(meeting - big)
        for feature in layers.get("parcels", []):
            assert set(feature["properties"]) == {"status", "disputed"}  # what a style needs
        if point is centre:
            assert field["id"] in drawn
    if z < 15:  # the samples' parcels are 210 to 480 m2
        assert left_out > 0, "the tiles should leave the small parcels out"


@pytest.mark.parametrize("z", [10, 12, 14, 15])
def test_the_count_cells_count_every_parcel_as_a_group_by_does(
    client: httpx.Client, connection: Connection, z: int
) -> None:
    x, y = tile_of(*_among_parcels(connection), z)
    expected = oracle.cell_counts(oracle.register(connection), z, x, y)
    cells = {oracle.cell_of(f): f["properties"] for f in _tile(client, z, x, y)["parcel_counts"]}
    assert set(cells) == set(expected)
    for cell, counts in expected.items():
        assert {k: cells[cell][k] for k in COUNT_FIELDS} == {k: counts[k] for k in COUNT_FIELDS}
    assert sum(c["parcels"] for c in cells.values()) == sum(c["parcels"] for c in expected.values())


def test_counts_follow_writes_and_stay_equal_once_folded(
    client: httpx.Client,
    connection: Connection,
    keys: Keys,
    new_parcel: Callable[..., dict[str, Any]],
) -> None:
    parcel = new_parcel()
    moved = client.post(
        f"/parcels/{parcel['id']}/transitions",
        json={"to": "registered"},
        headers={**keys.registry, "If-Match": '"1"'},
    )
    assert moved.status_code == 200, moved.text
    z = 12
    x, y = tile_of(*parcel["geometry"]["coordinates"][0][0][0], z)
    expected = oracle.cell_counts(oracle.register(connection), z, x, y)
    assert sum(c["registered"] for c in expected.values()) >= 1
    for folded in (False, True):
        if folded:
            assert connection.execute(text("SELECT tile_compact()")).scalar_one() > 0
            assert connection.execute(text("SELECT count(*) FROM parcel_cell_delta")).scalar() == 0
        cells = {
            oracle.cell_of(f): f["properties"] for f in _tile(client, z, x, y)["parcel_counts"]
        }
        assert {c: cells[c]["registered"] for c in expected} == {
            c: n["registered"] for c, n in expected.items()
        }


@pytest.mark.parametrize(
    ("z", "fields"),
    [
        (15, {"status", "disputed"}),
        (16, {"status", "disputed", "certified", "ward_code", "land_use"}),
        (
            18,
            {
                "status",
                "disputed",
                "certified",
                "ward_code",
                "land_use",
                "sheet_no",
                "parcel_no",
                "area_m2",
            },
        ),
    ],
)
def test_each_zoom_carries_what_its_style_needs(
    client: httpx.Client, connection: Connection, z: int, fields: set[str]
) -> None:
    row = connection.execute(
        text(
            "SELECT id, sheet_no, parcel_no, area_m2, ST_X(c), ST_Y(c) FROM (SELECT *,"
            " ST_Transform(ST_PointOnSurface(geom), 4326) AS c FROM parcel"
            " WHERE area_m2 > 200 ORDER BY id LIMIT 1) t"
        )
    ).one()
    x, y = tile_of(row[4], row[5], z)
    features = {f["id"]: f["properties"] for f in _tile(client, z, x, y)["parcels"]}
    assert set(features[row[0]]) == fields
    if z >= 18:
        assert (features[row[0]]["sheet_no"], features[row[0]]["parcel_no"]) == (row[1], row[2])
        assert features[row[0]]["area_m2"] == pytest.approx(float(row[3]))


def test_below_zoom_10_there_is_nothing_and_the_grid_still_holds(client: httpx.Client) -> None:
    assert client.get("/tiles/parcels/9/407/225.mvt").status_code == 204
    assert client.get("/tiles/parcels/10/800/0.mvt").status_code == 204  # the Arctic
    assert client.get("/tiles/parcels/10/1024/0.mvt").status_code == 404


def test_tilejson_describes_the_tiles_a_client_gets(
    client: httpx.Client, connection: Connection
) -> None:
    document = client.get("/tiles/parcels.json").json()
    assert document["tilejson"] == "3.0.0"
    assert (document["minzoom"], document["maxzoom"]) == (10, 22)
    west, south, east, north = document["bounds"]
    lon, lat = _among_parcels(connection)
    assert west < lon < east and south < lat < north
    layers = {layer["id"]: layer for layer in document["vector_layers"]}
    template = document["tiles"][0]
    assert template.startswith(str(client.base_url))
    for z in (12, 18):
        x, y = tile_of(*_among_parcels(connection), z)
        path = template.format(z=z, x=x, y=y).removeprefix(str(client.base_url).rstrip("/"))
        for name, features in _tile_at(client, path).items():
            assert name in layers
            assert layers[name]["minzoom"] <= z <= layers[name]["maxzoom"]
            for feature in features:
                assert set(feature["properties"]) <= set(layers[name]["fields"])
    wards = client.get("/tiles/wards.json").json()
    assert {layer["id"] for layer in wards["vector_layers"]} == {"wards", "ward_labels"}


def _tile_at(client: httpx.Client, path: str) -> dict[str, list[dict[str, Any]]]:
    response = client.get(path)
    assert response.status_code == 200
    return oracle.decode(response.content)


def test_the_style_colours_every_status_and_uses_only_layers_that_exist(
    client: httpx.Client,
) -> None:
    style = client.get("/tiles/style.json").json()
    assert style["version"] == 8
    layers_of = {}
    for name, source in style["sources"].items():
        tilejson = client.get(source["url"].removeprefix(str(client.base_url).rstrip("/")))
        assert tilejson.status_code == 200
        layers_of[name] = {layer["id"] for layer in tilejson.json()["vector_layers"]}
    for layer in style["layers"]:
        if layer["type"] != "background":
            assert layer["source-layer"] in layers_of[layer["source"]], layer["id"]
    fill = next(layer for layer in style["layers"] if layer["id"] == "thua-dat")
    colours = fill["paint"]["fill-color"]
    assert set(colours[2:-1:2]) == set(STATUS_FIELDS)
    outline = next(layer for layer in style["layers"] if layer["id"] == "thua-dat-tranh-chap")
    assert outline["filter"] == ["==", ["get", "disputed"], True]
    labels = [layer for layer in style["layers"] if layer["type"] == "symbol"]
    assert {layer["source-layer"] for layer in labels} == {"ward_labels", "parcels"}
    assert style["glyphs"]
