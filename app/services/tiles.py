"""Vector tiles of parcels and wards: which tiles exist, and what each layer draws."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.db import tiles
from app.errors import NotFound

# parcels are drawn from zoom 16 (about 2.4 m a pixel, a tile about 600 m across): lower
# zooms draw nothing, as a dense z14 or z15 tile over 1M parcels took 0.3 to 0.5 s to build
PARCELS_MIN_ZOOM = 16
PARCELS_PER_TILE = 20_000
MAX_ZOOM = 22


def _check(z: int, x: int, y: int) -> None:
    if x >= 2**z or y >= 2**z:
        raise NotFound(f"There is no tile {z}/{x}/{y}: at zoom {z}, x and y go up to {2**z - 1}.")


def parcels(*, session: Session, z: int, x: int, y: int) -> bytes:
    """Return the parcels tile z/x/y (empty below PARCELS_MIN_ZOOM); NotFound off the grid."""
    _check(z, x, y)
    if z < PARCELS_MIN_ZOOM:
        return b""
    return tiles.parcels(session.connection(), z, x, y, PARCELS_PER_TILE)


def wards(*, session: Session, z: int, x: int, y: int) -> bytes:
    """Return the ward boundaries tile z/x/y; NotFound off the grid."""
    _check(z, x, y)
    return tiles.wards(session.connection(), z, x, y)
