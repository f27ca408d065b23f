"""SQL of the extents of the register's layers."""

from __future__ import annotations

from sqlalchemy import Connection, text


def wgs84_extent(conn: Connection, table: str) -> tuple[float, float, float, float] | None:
    """Return the WGS84 extent of the parcels ("parcel") or the wards ("ward"), or None when
    the table is empty."""
    column = {"parcel": "geom", "ward": "boundary"}[table]
    row = conn.execute(
        text(
            f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM"
            f" (SELECT ST_Extent(ST_Transform({column}, 4326)) AS e FROM {table}) t"
        )
    ).one()
    if row[0] is None:
        return None
    return float(row[0]), float(row[1]), float(row[2]), float(row[3])
