"""Area filters answer exactly the parcels whose geometry meets the area as drawn in its own CRS.

Small parcels are placed a few decimetres inside and outside each edge and corner of boxes in
WGS84 and in VN-2000 (at the town, and near the western edge of the storage zone, TM-3 107°,
where a lon/lat box is most rotated against it). The oracle is shapely: every parcel of the
register, read as stored and carried into the box's CRS with pyproj (using the registry's own
definitions), intersected with the box there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from sqlalchemy import Connection, text

import pyogrio
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import box as shapely_box

from app.spatial import crs as crs_codes
from tests.api.conftest import WARD

STORAGE = 9214
INSET = 0.3  # metres inside or outside an edge
SIDE = 1.0  # metres: the test parcels are squares this wide
SHEET = 990  # the test parcels' map sheet

# (CRS, box in it): at the town; near the zone's western edge (105.5 E), about 150 km west of
# its central meridian
BOXES: list[tuple[int, tuple[float, float, float, float]]] = [
    (4326, (106.09, 21.26, 106.125, 21.30)),
    (STORAGE, (405000.0, 2351000.0, 409000.0, 2355500.0)),
    (9209, (560000.0, 2352000.0, 563000.0, 2355000.0)),
    (4326, (105.52, 21.30, 105.56, 21.34)),
    (4756, (105.53, 21.31, 105.55, 21.33)),
]


def _transformer(connection: Connection, source: int, target: int) -> Transformer:
    """pyproj on the registry's definitions of both CRSs (their proj4text carries the shift)."""

    def crs(srid: int) -> CRS:
        proj4 = connection.execute(
            text("SELECT proj4text FROM spatial_ref_sys WHERE srid = :s"), {"s": srid}
        ).scalar_one()
        return CRS.from_proj4(proj4)

    return Transformer.from_crs(crs(source), crs(target), always_xy=True)


def _metres(srid: int, lat: float) -> tuple[float, float]:
    """The size of a metre along x and along y in the CRS's units, near `lat`."""
    if srid in (4326, 4756):
        return 1 / (111_320 * math.cos(math.radians(lat))), 1 / 110_574
    return 1.0, 1.0


def _probes(
    srid: int, bounds: tuple[float, float, float, float]
) -> Iterator[tuple[str, bool, Any]]:
    """Yield (name, inside?, square in the box's CRS) just inside and outside each edge (at
    its middle) and each corner."""
    x0, y0, x1, y1 = bounds
    mx, my = _metres(srid, (y0 + y1) / 2)
    side_x, side_y = SIDE * mx, SIDE * my
    for inside in (True, False):
        gap_x, gap_y = INSET * mx, INSET * my

        # where a square starts along an axis: against the low or high edge, in or out
        def low(edge: float, gap: float, side: float, inside: bool = inside) -> float:
            return edge + gap if inside else edge - gap - side

        def high(edge: float, gap: float, side: float, inside: bool = inside) -> float:
            return edge - gap - side if inside else edge + gap

        mid_x, mid_y = (x0 + x1) / 2, (y0 + y1) / 2
        places = {
            "west": (low(x0, gap_x, side_x), mid_y),
            "east": (high(x1, gap_x, side_x), mid_y),
            "south": (mid_x, low(y0, gap_y, side_y)),
            "north": (mid_x, high(y1, gap_y, side_y)),
            "south-west": (low(x0, gap_x, side_x), low(y0, gap_y, side_y)),
            "south-east": (high(x1, gap_x, side_x), low(y0, gap_y, side_y)),
            "north-west": (low(x0, gap_x, side_x), high(y1, gap_y, side_y)),
            "north-east": (high(x1, gap_x, side_x), high(y1, gap_y, side_y)),
        }
        for name, (x, y) in places.items():
            square = shapely_box(x, y, x + side_x, y + side_y)
            yield f"{name} {'inside' if inside else 'outside'}", inside, square


@pytest.fixture
def placed(
    request: pytest.FixtureRequest, connection: Connection
) -> tuple[int, tuple[float, float, float, float], dict[int, tuple[str, bool]]]:
    """Register the probes of one box (rolled back); return the box and the probes by id."""
    srid, bounds = BOXES[request.param]
    to_storage = _transformer(connection, srid, STORAGE)
    probes: dict[int, tuple[str, bool]] = {}
    for number, (name, inside, square) in enumerate(_probes(srid, bounds), start=1):
        stored = shapely.transform(square, lambda xy: _apply(to_storage, xy))
        parcel_id = connection.execute(
            text(
                "INSERT INTO parcel (survey_commune_code, ward_code, sheet_no, parcel_no, geom,"
                " area_m2) VALUES (:w, :w, :sheet, :n, ST_Multi(ST_GeomFromWKB(:wkb, :srid)),"
                " 1) RETURNING id"
            ),
            {"w": WARD, "sheet": SHEET, "n": number, "wkb": stored.wkb, "srid": STORAGE},
        ).scalar_one()
        probes[parcel_id] = (name, inside)
    return srid, bounds, probes


def _apply(transformer: Transformer, xy: Any) -> Any:
    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _oracle(
    connection: Connection, srid: int, bounds: tuple[float, float, float, float]
) -> set[int]:
    """The ids of the parcels that meet the box, by shapely in the box's CRS."""
    rows = connection.execute(
        text("SELECT id, ST_AsBinary(geom) FROM parcel WHERE retired_at IS NULL")
    ).all()
    to_box = _transformer(connection, STORAGE, srid)
    geoms = shapely.from_wkb([bytes(r[1]) for r in rows])
    moved = shapely.transform(geoms, lambda xy: _apply(to_box, xy))
    hits = shapely.intersects(moved, shapely_box(*bounds))
    return {int(r[0]) for r, hit in zip(rows, hits, strict=True) if hit}


def _pages(client: httpx.Client, url: str, params: dict[str, Any]) -> set[int]:
    ids: set[int] = set()
    next_url: str | None = url
    query: dict[str, Any] | None = {**params, "limit": 1000}
    while next_url is not None:
        response = client.get(next_url, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        ids |= {int(f["id"]) for f in body["features"]}
        next_url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        query = None
    return ids


Answer = Callable[..., set[int]]


def _get_parcels(client: httpx.Client, srid: int, bounds: tuple[float, ...]) -> set[int]:
    return _pages(
        client, "/parcels", {"bbox": ",".join(map(repr, bounds)), "bbox-crs": f"EPSG:{srid}"}
    )


def _ogc_items(client: httpx.Client, srid: int, bounds: tuple[float, ...]) -> set[int]:
    crs = crs_codes.uri(srid)  # CRS84 for lon/lat
    return _pages(
        client,
        "/ogc/collections/parcels/items",
        {"bbox": ",".join(map(repr, bounds)), "bbox-crs": crs},
    )


def _search(body: dict[str, Any], client: httpx.Client) -> set[int]:
    ids: set[int] = set()
    cursor = None
    while True:
        response = client.post("/parcels/search", json={**body, "limit": 1000, "cursor": cursor})
        assert response.status_code == 200, response.text
        page = response.json()
        ids |= {int(f["id"]) for f in page["features"]}
        links = [link["href"] for link in page["links"] if link["rel"] == "next"]
        cursor = httpx.URL(links[0]).params.get("cursor") if links else None
        if cursor is None:
            return ids


def _search_bbox(client: httpx.Client, srid: int, bounds: tuple[float, ...]) -> set[int]:
    return _search({"bbox": list(bounds), "bbox_crs": srid}, client)


def _search_polygon(client: httpx.Client, srid: int, bounds: tuple[float, ...]) -> set[int]:
    polygon = shapely.geometry.mapping(shapely_box(*bounds))
    return _search({"geometry": polygon, "geometry_crs": srid}, client)


def _export(client: httpx.Client, srid: int, bounds: tuple[float, ...], folder: Path) -> set[int]:
    response = client.get(
        "/parcels/export.gpkg",
        params={"bbox": ",".join(map(repr, bounds)), "bbox-crs": f"EPSG:{srid}"},
    )
    assert response.status_code == 200, response.text
    path = folder / "export.gpkg"
    path.write_bytes(response.content)
    frame = pyogrio.read_dataframe(path)
    return {int(i) for i in frame["id"]}


ANSWERS: dict[str, Answer] = {
    "GET /parcels": _get_parcels,
    "OGC items": _ogc_items,
    "search bbox": _search_bbox,
    "search polygon": _search_polygon,
    "export": _export,
}
NEEDS_FOLDER = {"export"}
# OGC API offers the CRSs its collections list: CRS84 and the storage CRS
OGC_CRS = {4326, STORAGE}
CASES = [
    pytest.param(i, how, id=f"EPSG{srid}-{i}-{how}")
    for i, (srid, _) in enumerate(BOXES)
    for how in ANSWERS
    if how != "OGC items" or srid in OGC_CRS
]


@pytest.mark.parametrize(("placed", "how"), CASES, indirect=["placed"])
def test_an_area_answers_the_parcels_in_it_and_no_others(
    client: httpx.Client,
    connection: Connection,
    placed: tuple[int, tuple[float, float, float, float], dict[int, tuple[str, bool]]],
    how: str,
    tmp_path: Path,
) -> None:
    srid, bounds, probes = placed
    extra = [tmp_path] if how in NEEDS_FOLDER else []
    answered = ANSWERS[how](client, srid, bounds, *extra)
    expected = _oracle(connection, srid, bounds)
    # the probes are where they were meant to be, by the oracle's own reckoning
    assert {i for i, (_, inside) in probes.items() if inside} <= expected
    assert not {i for i, (_, inside) in probes.items() if not inside} & expected
    wrong = {probes[i][0] for i in (answered ^ expected) & probes.keys()}
    assert not wrong, f"misplaced probes: {sorted(wrong)}"
    assert answered == expected


def _matched(client: httpx.Client, bbox: str, crs: str = "EPSG:4326") -> int:
    response = client.get(
        "/parcels", params={"bbox": bbox, "bbox-crs": crs, "limit": 1, "count": "true"}
    )
    assert response.status_code == 200, response.text
    return int(response.json()["numberMatched"])


def test_a_box_of_the_world_holds_every_parcel_and_one_elsewhere_none(
    client: httpx.Client, connection: Connection
) -> None:
    total = connection.execute(
        text("SELECT count(*) FROM parcel WHERE retired_at IS NULL")
    ).scalar_one()
    assert total > 0
    # the TM-3 formulas fold a lon/lat box of the world onto the central meridian
    assert _matched(client, "-180,-90,180,90") == total
    assert _matched(client, "-1e9,-1e9,1e9,1e9", "EPSG:9209") == total
    assert _matched(client, "-10,-10,10,10") == 0  # the Gulf of Guinea
    assert _matched(client, "0,0,1,1", "EPSG:9214") == 0


def test_a_click_on_the_map_finds_the_parcel_under_it(
    client: httpx.Client, connection: Connection
) -> None:
    parcel_id, lon, lat = connection.execute(
        text(
            "SELECT id, ST_X(p), ST_Y(p) FROM parcel,"
            " ST_Transform(ST_PointOnSurface(geom), 4326) p"
            " WHERE retired_at IS NULL ORDER BY id LIMIT 1"
        )
    ).one()
    response = client.get("/parcels", params={"bbox": f"{lon},{lat},{lon},{lat}"})
    assert response.status_code == 200, response.text
    assert parcel_id in {f["id"] for f in response.json()["features"]}


@pytest.mark.parametrize(
    "bbox", ["1,2,3", "1,2,3,4,5", "nan,21,106,22", "106,21,inf,22", "107,21,106,22", "a,b,c,d"]
)
@pytest.mark.parametrize(
    "url", ["/parcels", "/ogc/collections/parcels/items", "/parcels/export.csv"]
)
def test_a_bbox_that_is_not_one_is_refused_in_words(
    client: httpx.Client, url: str, bbox: str
) -> None:
    response = client.get(url, params={"bbox": bbox})
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "minx,miny,maxx,maxy" in response.json()["detail"]


@pytest.mark.parametrize("bbox", [[107, 21, 106, 22], [1, 2, 3]])
def test_a_search_bbox_that_is_not_one_is_refused(client: httpx.Client, bbox: list[float]) -> None:
    response = client.post("/parcels/search", json={"bbox": bbox})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_six_numbers_keep_their_x_and_y(client: httpx.Client) -> None:
    town = "106.09,21.26,106.125,21.30"
    with_heights = "106.09,21.26,-50,106.125,21.30,500"
    assert _matched(client, with_heights) == _matched(client, town) > 0
