"""Vector tiles of parcels and wards at every zoom: what each zoom draws, cached, never stale.

From PARCELS_DETAIL_ZOOM (16, a tile about 600 m across) the parcels layer draws every
parcel with its full shape. Below it, down to PARCELS_MIN_ZOOM (10, a district), tiles are
generalised as the usual tile servers do: shapes simplified to the tile's pixel, parcels
covering fewer than MIN_PIXELS pixels left out (the largest kept first, at most
PARCELS_PER_TILE), fewer properties, and the aggregate layer `parcel_counts` counting every
parcel per cell of a 16 x 16 grid, so that what is left out still shows.
"""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from app.db import tile_cache, tiles
from app.errors import NotFound
from app.spatial.tile_grid import cells, ground_pixel, pixel

PARCELS_MIN_ZOOM = 10
PARCELS_DETAIL_ZOOM = 16
PARCELS_PER_TILE = 20_000
MIN_PIXELS = 16  # a parcel is drawn below PARCELS_DETAIL_ZOOM when it covers 4 x 4 pixels
MAX_ZOOM = 22


def _check(z: int, x: int, y: int) -> None:
    if x >= 2**z or y >= 2**z:
        raise NotFound(f"There is no tile {z}/{x}/{y}: at zoom {z}, x and y go up to {2**z - 1}.")


def min_area(z: int, y: int) -> float:
    """Return the ground area (m2) of the smallest parcel drawn in tile row `y` of zoom `z`."""
    return MIN_PIXELS * ground_pixel(z, y) ** 2


def parcels_select(z: int, x: int, y: int) -> tuple[str, dict[str, object]]:
    """Return the SELECT that builds the parcels tile z/x/y."""
    if z >= PARCELS_DETAIL_ZOOM:
        return tiles.parcels(z, x, y, cap=PARCELS_PER_TILE, min_area=None, tolerance=None)
    polygons = tiles.parcels(
        z, x, y, cap=PARCELS_PER_TILE, min_area=min_area(z, y), tolerance=pixel(z) / 2
    )
    return tiles.combined(polygons, tiles.counts(z, x, y, cells(z, x, y)))


def wards_select(z: int, x: int, y: int) -> tuple[str, dict[str, object]]:
    """Return the SELECT that builds the wards tile z/x/y."""
    return tiles.wards(z, x, y, tolerance=pixel(z) / 2 if z < PARCELS_DETAIL_ZOOM else None)


def build(conn: Connection, layer: str, z: int, x: int, y: int) -> bytes:
    """Build the tile z/x/y of `layer` from the register as it is, cache it, return it."""
    select = parcels_select(z, x, y) if layer == "parcels" else wards_select(z, x, y)
    return tile_cache.build(conn, layer, z, x, y, select)


def _tile(conn: Connection, layer: str, z: int, x: int, y: int) -> bytes:
    cached = tile_cache.read(conn, layer, z, x, y)
    return cached if cached is not None else build(conn, layer, z, x, y)


def parcels(*, session: Session, z: int, x: int, y: int) -> bytes:
    """Return the parcels tile z/x/y (empty below PARCELS_MIN_ZOOM); NotFound off the grid."""
    _check(z, x, y)
    if z < PARCELS_MIN_ZOOM:
        return b""
    return _tile(session.connection(), "parcels", z, x, y)


def wards(*, session: Session, z: int, x: int, y: int) -> bytes:
    """Return the ward boundaries tile z/x/y; NotFound off the grid."""
    _check(z, x, y)
    return _tile(session.connection(), "wards", z, x, y)
