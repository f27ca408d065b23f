"""What a tile should hold, worked out without the service's SQL: the register's rows read
plainly, reprojected by pyproj, tested and counted with shapely and Python."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import mapbox_vector_tile
from sqlalchemy import Connection, text

import shapely
from pyproj import Transformer

HALF = 20037508.342789244
TO_MERCATOR = Transformer.from_crs(9214, 3857, always_xy=True)
CERTIFIED = {"signed", "delivered"}


@dataclass(frozen=True)
class Row:
    id: int
    status: str
    disputed: bool
    group: str
    area_m2: float
    shape: shapely.Geometry  # Web Mercator


def width(z: int) -> float:
    return 2 * HALF / 2**z


def envelope(z: int, x: int, y: int, margin: float = 0.0) -> shapely.Geometry:
    """The tile's square in Web Mercator, widened by `margin` of its width."""
    w = width(z)
    west, north = -HALF + x * w, HALF - y * w
    return shapely.box(
        west - margin * w, north - w - margin * w, west + w + margin * w, north + margin * w
    )


def smallest_drawn(z: int, y: int) -> float:
    """16 pixels of a 512-pixel tile, in ground m2 at the tile's middle latitude."""
    lat = math.atan(math.sinh(math.pi * (1 - 2 * (y + 0.5) / 2**z)))
    return 16 * (width(z) / 512 * math.cos(lat)) ** 2


def principal_groups(conn: Connection) -> dict[int, str]:
    """Each parcel's principal land-use group: OTC if it has residential land, else the group
    of its largest land use (then the smallest code)."""
    uses: dict[int, list[tuple[str, float, str]]] = {}
    for parcel_id, code, area, group in conn.execute(
        text(
            "SELECT u.parcel_id, u.land_use_code, u.area_m2, t.group_code FROM parcel_land_use u"
            " JOIN land_use_type t ON t.code = u.land_use_code"
        )
    ):
        uses.setdefault(parcel_id, []).append((code, float(area), group))
    return {
        parcel_id: min(rows, key=lambda r: (r[2] != "OTC", -r[1], r[0]))[2]
        for parcel_id, rows in uses.items()
    }


def register(conn: Connection) -> list[Row]:
    """Every parcel still in the register, in Web Mercator."""
    groups = principal_groups(conn)
    rows = conn.execute(
        text(
            "SELECT id, status, disputed, area_m2, ST_AsBinary(geom) FROM parcel"
            " WHERE retired_at IS NULL"
        )
    ).all()
    shapes = shapely.from_wkb([bytes(r[4]) for r in rows])
    merc = shapely.transform(shapes, _merc, interleaved=False)
    return [
        Row(r[0], r[1], r[2], groups.get(r[0], ""), float(r[3]), shape)
        for r, shape in zip(rows, merc, strict=True)
    ]


def _merc(xs: Any, ys: Any) -> Any:
    return TO_MERCATOR.transform(xs, ys)


def cell_counts(rows: list[Row], z: int, x: int, y: int) -> dict[tuple[int, int], Counter[str]]:
    """Per cell (column, row within the tile's 16 x 16 grid) the counts of the parcels whose
    Web Mercator centroid falls in it."""
    cell = width(z) / 16
    found: dict[tuple[int, int], Counter[str]] = {}
    for row in rows:
        centre = row.shape.centroid
        cx, cy = math.floor((centre.x + HALF) / cell), math.floor((HALF - centre.y) / cell)
        if cx // 16 != x or cy // 16 != y:
            continue
        counts = found.setdefault((cx % 16, cy % 16), Counter())
        counts["parcels"] += 1
        counts[row.status] += 1
        counts["certified"] += row.status in CERTIFIED
        counts["disputed"] += row.disputed
        if row.group:
            counts[row.group.lower()] += 1
    return found


def cell_in_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The grid cell (column, row) of a WGS84 point in its tile of zoom `z`."""
    mx, my = Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)
    cell = width(z) / 16
    return math.floor((mx + HALF) / cell) % 16, math.floor((HALF - my) / cell) % 16


def decode(body: bytes) -> dict[str, list[dict[str, Any]]]:
    """The tile's layers and features, y downwards in tile units (0 to 4096)."""
    layers = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})
    return {name: layer["features"] for name, layer in layers.items()}


def cell_of(feature: dict[str, Any]) -> tuple[int, int]:
    """The grid cell (column, row) of a decoded count cell: its square's corner / 256."""
    ring = feature["geometry"]["coordinates"][0]
    return min(p[0] for p in ring) // 256, min(p[1] for p in ring) // 256
