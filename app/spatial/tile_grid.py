"""The Web Mercator tile grid (EPSG:3857, XYZ): sizes, pixels and latitudes of tiles.

A vector tile is drawn 512 pixels wide by MapLibre, OpenLayers and QGIS alike, whatever its
4096-unit extent; "a pixel" of a tile here is one of those 512.
"""

from __future__ import annotations

import math

WORLD = 20037508.342789244  # half the width of the Web Mercator world, metres
TILE_PIXELS = 512
EXTENT = 4096  # units across a vector tile
BUFFER = 64  # units of the neighbouring tiles drawn, so that edges join
CELL_ZOOM = 19  # the counts are kept per tile of this zoom (about 76 m of Web Mercator)
CELLS_PER_SIDE = 16  # the aggregate layer's grid: 16 x 16 cells a tile (32 pixels each)
CELL_STEP = 4  # log2(CELLS_PER_SIDE): a tile of zoom z counts per tile of zoom z + 4


def tile_width(z: int) -> float:
    """Return the width of a tile of zoom `z`, in Web Mercator metres."""
    return 2 * WORLD / float(2**z)


def pixel(z: int) -> float:
    """Return the width of a pixel of a tile of zoom `z`, in Web Mercator metres."""
    return tile_width(z) / TILE_PIXELS


def latitude(z: int, y: float) -> float:
    """Return the latitude (degrees) of the row `y` (fractional) of zoom `z`."""
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / 2**z))))


def ground_pixel(z: int, y: int) -> float:
    """Return the ground width (metres) of a pixel at the middle of tile row `y` of zoom `z`:
    Web Mercator stretches distances by 1 / cos(latitude)."""
    return pixel(z) * math.cos(math.radians(latitude(z, y + 0.5)))


def cells(z: int, x: int, y: int) -> tuple[int, int, int, int, int]:
    """Return the count cells under tile z/x/y: (shift, x0, x1, y0, y1), where a cell x of
    zoom CELL_ZOOM belongs to the aggregate cell x >> shift, and x0..x1, y0..y1 bound them."""
    span = 2 ** (CELL_ZOOM - z)
    return (CELL_ZOOM - z - CELL_STEP, x * span, (x + 1) * span - 1, y * span, (y + 1) * span - 1)


def covering(z: int, west: float, south: float, east: float, north: float) -> list[tuple[int, int]]:
    """Return the (x, y) of the tiles of zoom `z` that meet a box in Web Mercator metres."""
    n = 2**z
    width = tile_width(z)

    def col(v: float) -> int:
        return int(min(n - 1, max(0, math.floor((v + WORLD) / width))))

    def row(v: float) -> int:
        return int(min(n - 1, max(0, math.floor((WORLD - v) / width))))

    return [
        (x, y) for x in range(col(west), col(east) + 1) for y in range(row(north), row(south) + 1)
    ]
