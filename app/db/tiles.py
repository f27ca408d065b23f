"""Vector tiles (MVT) built by PostGIS: ST_AsMVT over the features in a Web Mercator tile."""

from __future__ import annotations

from sqlalchemy import Connection, text

from app.config import STORAGE_SRID
from app.domain.lifecycle import CERTIFIED

EXTENT = 4096
BUFFER = 64  # pixels of the neighbouring tiles drawn, so that edges join
_CERTIFIED = ", ".join(repr(s) for s in sorted(CERTIFIED))

# the tile's envelope in the storage CRS, widened by the buffer, for the index
_BOUNDS = (
    "WITH bounds AS (SELECT ST_TileEnvelope(:z, :x, :y) AS merc,"
    f" ST_Transform(ST_Expand(ST_TileEnvelope(:z, :x, :y),"
    f" (ST_XMax(ST_TileEnvelope(:z, :x, :y)) - ST_XMin(ST_TileEnvelope(:z, :x, :y)))"
    f" * {BUFFER * 2} / {EXTENT}), {STORAGE_SRID}) AS storage)"
)


def parcels(conn: Connection, z: int, x: int, y: int, cap: int) -> bytes:
    """Return the parcels tile (at most `cap` features): status and land use as properties."""
    row = conn.execute(
        text(
            _BOUNDS + ", features AS ("
            " SELECT p.id, p.status, p.ward_code,"
            f" p.status IN ({_CERTIFIED}) AS certified, p.disputed,"
            " (SELECT u.land_use_code FROM parcel_land_use u WHERE u.parcel_id = p.id"
            "  ORDER BY u.area_m2 DESC, u.land_use_code LIMIT 1) AS land_use,"
            f" ST_AsMVTGeom(ST_Transform(p.geom, 3857), b.merc, {EXTENT}, {BUFFER}, true)"
            "  AS geom"
            " FROM parcel p, bounds b"
            " WHERE p.geom && b.storage AND p.retired_at IS NULL"
            " ORDER BY p.id LIMIT :cap)"
            f" SELECT ST_AsMVT(features, 'parcels', {EXTENT}, 'geom', 'id') FROM features"
            " WHERE geom IS NOT NULL"
        ),
        {"z": z, "x": x, "y": y, "cap": cap},
    ).scalar_one()
    return bytes(row or b"")


def wards(conn: Connection, z: int, x: int, y: int) -> bytes:
    """Return the wards tile: code, name and kind as properties."""
    row = conn.execute(
        text(
            _BOUNDS + ", features AS ("
            " SELECT w.code, w.name, w.kind,"
            f" ST_AsMVTGeom(ST_Transform(w.boundary, 3857), b.merc, {EXTENT}, {BUFFER}, true)"
            "  AS geom"
            " FROM ward w, bounds b WHERE w.boundary && b.storage)"
            f" SELECT ST_AsMVT(features, 'wards', {EXTENT}, 'geom') FROM features"
            " WHERE geom IS NOT NULL"
        ),
        {"z": z, "x": x, "y": y},
    ).scalar_one()
    return bytes(row or b"")
