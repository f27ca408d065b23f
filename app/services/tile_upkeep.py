"""Upkeep of the map's tiles: the parcel counts folded, old changes forgotten, and the
low-zoom tiles of the areas just written built again before anyone asks (warming).

Tiles are exact without it (a read checks every change and adds the pending counts); it
keeps reads fast, the change log short, and after a large import the first look at the
town's map quick. It runs in the background loop: an import's answer never waits for it.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db import tile_cache
from app.services import tiles
from app.spatial.tile_grid import covering

WARM_ZOOMS = range(tiles.PARCELS_MIN_ZOOM, 14)  # z10 to z13: a few tiles cover a town
WARM_LIMIT = 64  # tiles built a round, at most


def run_once(engine: Engine) -> int:
    """Fold the counts, note and forget changes, warm the low zooms; return tiles built."""
    with Session(engine) as session, session.begin():
        conn = session.connection()
        tile_cache.compact(conn)
        seen = tile_cache.newly_seen(conn)
        tile_cache.forget(conn)
    wanted: dict[str, set[tuple[int, int, int]]] = {}
    for layer, box in seen:
        for z in WARM_ZOOMS:
            wanted.setdefault(layer, set()).update((z, x, y) for x, y in covering(z, *box))
    built = 0
    for layer, wanted_tiles in wanted.items():
        ordered = sorted(wanted_tiles)[:WARM_LIMIT]
        with Session(engine) as session, session.begin():
            conn = session.connection()
            for z, x, y in set(ordered) - tile_cache.fresh(conn, layer, ordered):
                tiles.build(conn, layer, z, x, y)
                built += 1
    return built
