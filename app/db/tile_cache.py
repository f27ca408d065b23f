"""The tile cache: tiles stored with the snapshot they were built from, fresh while no
committed write over their area was invisible to that snapshot (revision 0017).

A write records the area it touched in `tile_change` with its transaction id (triggers). A
read takes a cached tile only if every committed change over the tile's area was visible
when it was built; otherwise the tile is built again, from the reader's own snapshot, and
stored in the same statement. The upkeep forgets a change once no cached tile and no
running build can still miss it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from app.spatial.tile_grid import BUFFER, EXTENT, tile_width

# a tile build is stopped past this; a change is forgotten well after it (GRACE)
BUILD_TIMEOUT = "60s"
GRACE = "5 minutes"

# a change of the reader's own transaction is not in any snapshot: it makes its area stale
_FRESH = (
    "NOT EXISTS (SELECT 1 FROM tile_change t WHERE t.layer = c.layer AND t.area && c.envelope"
    " AND (NOT pg_visible_in_snapshot(t.xid::text::xid8, c.snapshot::pg_snapshot)"
    " OR t.xid = pg_current_xact_id_if_assigned()::text::bigint))"
)


def read(conn: Connection, layer: str, z: int, x: int, y: int) -> bytes | None:
    """Return the cached tile if it is fresh, else None."""
    row = conn.execute(
        text(
            "SELECT c.body FROM tile_cache c"
            f" WHERE c.layer = :layer AND c.z = :z AND c.x = :x AND c.y = :y AND {_FRESH}"
        ),
        {"layer": layer, "z": z, "x": x, "y": y},
    ).first()
    return None if row is None else bytes(row[0])


def build(
    conn: Connection, layer: str, z: int, x: int, y: int, select: tuple[str, dict[str, Any]]
) -> bytes:
    """Build the tile with `select` (one bytea), store it with this statement's snapshot,
    and return it."""
    sql, params = select
    # a tile is a short query: compiling it (JIT) would cost more than it saves
    conn.execute(text(f"SET LOCAL statement_timeout = '{BUILD_TIMEOUT}'; SET LOCAL jit = off"))
    body = conn.execute(
        text(
            f"WITH tile AS (SELECT ({sql}) AS body),"
            " stored AS (INSERT INTO tile_cache (layer, z, x, y, body, snapshot, envelope)"
            " SELECT :layer, :z, :x, :y, body, pg_current_snapshot()::text,"
            " ST_Expand(ST_TileEnvelope(:z, :x, :y), :margin) FROM tile"
            " ON CONFLICT (layer, z, x, y) DO UPDATE SET body = excluded.body,"
            " snapshot = excluded.snapshot, envelope = excluded.envelope, built_at = now())"
            " SELECT body FROM tile"
        ),
        {**params, "layer": layer, "margin": tile_width(z) * BUFFER / EXTENT},
    ).scalar_one()
    return bytes(body or b"")


def compact(conn: Connection) -> int:
    """Fold the pending parcel-count deltas into the counts; return how many."""
    return int(conn.execute(text("SELECT tile_compact()")).scalar_one())


def newly_seen(conn: Connection) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Mark the committed changes not seen before; return their layers and boxes (metres)."""
    rows = conn.execute(
        text(
            "UPDATE tile_change SET seen_at = now() WHERE seen_at IS NULL"
            " RETURNING layer, ST_XMin(area), ST_YMin(area), ST_XMax(area), ST_YMax(area)"
        )
    ).all()
    return [(r[0], (r[1], r[2], r[3], r[4])) for r in rows]


def forget(conn: Connection) -> int:
    """Drop the cached tiles that old changes made stale, then those changes: every build
    that could miss one ended long ago (BUILD_TIMEOUT). Return the changes forgotten."""
    old = f"t.seen_at < now() - interval '{GRACE}'"
    conn.execute(
        text(
            "DELETE FROM tile_cache c USING tile_change t"
            f" WHERE {old} AND t.layer = c.layer AND t.area && c.envelope"
            " AND NOT pg_visible_in_snapshot(t.xid::text::xid8, c.snapshot::pg_snapshot)"
        )
    )
    return conn.execute(text(f"DELETE FROM tile_change t WHERE {old}")).rowcount


def fresh(
    conn: Connection, layer: str, tiles: list[tuple[int, int, int]]
) -> set[tuple[int, int, int]]:
    """Return which of `tiles` (z, x, y) are cached and fresh."""
    if not tiles:
        return set()
    rows = conn.execute(
        text(
            "SELECT c.z, c.x, c.y FROM tile_cache c"
            " JOIN unnest(CAST(:zs AS smallint[]), CAST(:xs AS int[]), CAST(:ys AS int[]))"
            " AS w(z, x, y) ON (c.z, c.x, c.y) = (w.z, w.x, w.y)"
            f" WHERE c.layer = :layer AND {_FRESH}"
        ),
        {
            "layer": layer,
            "zs": [t[0] for t in tiles],
            "xs": [t[1] for t in tiles],
            "ys": [t[2] for t in tiles],
        },
    ).all()
    return {(r[0], r[1], r[2]) for r in rows}
