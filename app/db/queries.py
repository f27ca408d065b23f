"""Statements that read or write geometry."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import Connection, text

from app.config import STORAGE_SRID


def has_parcels(conn: Connection) -> bool:
    """Return whether the register holds any parcel."""
    return bool(conn.execute(text("SELECT EXISTS (SELECT 1 FROM parcel)")).scalar_one())


def insert_crosswalk(conn: Connection, csv_text: str) -> int:
    """Insert old commune codes (CSV old_code,old_name,ward_code,effective_on); return count."""
    rows = [
        {**row, "effective_on": row.get("effective_on") or None}
        for row in csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    ]
    conn.execute(
        text(
            "INSERT INTO commune_crosswalk (old_code, old_name, ward_code, effective_on)"
            " VALUES (:old_code, :old_name, :ward_code, CAST(:effective_on AS date))"
            " ON CONFLICT (old_code) DO UPDATE SET old_name = EXCLUDED.old_name,"
            " ward_code = EXCLUDED.ward_code, effective_on = EXCLUDED.effective_on"
        ),
        rows,
    )
    return len(rows)


def to_storage(conn: Connection, wkb: bytes, srid: int) -> tuple[bytes, float, str | None]:
    """Transform a geometry into the storage CRS in PostGIS (the registry's datum shift).

    Returns the EWKB, its planar area in m2, and why it is invalid after the transform (or None).
    """
    ewkb, area, reason = conn.execute(
        text(
            "SELECT ST_AsEWKB(g), ST_Area(g),"
            " CASE WHEN ST_IsValid(g) THEN NULL ELSE ST_IsValidReason(g) END"
            f" FROM (SELECT ST_Multi(ST_Transform(ST_GeomFromWKB(:wkb, :srid), {STORAGE_SRID}))"
            " AS g) t"
        ),
        {"wkb": wkb, "srid": srid},
    ).one()
    return bytes(ewkb), float(area), reason


def ward_containing(conn: Connection, ewkb: bytes) -> str | None:
    """Return the code of the ward that holds the geometry's interior point."""
    return conn.execute(
        text(
            "SELECT code FROM ward WHERE ST_Contains(boundary,"
            " ST_PointOnSurface(ST_GeomFromEWKB(:g))) ORDER BY code LIMIT 1"
        ),
        {"g": ewkb},
    ).scalar_one_or_none()


def geometry_geojson(conn: Connection, storage_geojson: dict[str, Any], srid: int) -> Any:
    """Return a storage-CRS GeoJSON geometry (from a snapshot) as GeoJSON in `srid`."""
    return conn.execute(
        text(
            "SELECT ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(:g),"
            f" {STORAGE_SRID}), :srid))::json"
        ),
        {"g": json.dumps(storage_geojson), "srid": srid},
    ).scalar_one()


def union_area_difference(conn: Connection, parent_id: int, children: list[bytes]) -> float:
    """Return the area (m2) of the symmetric difference between a parcel and its parts."""
    return float(
        conn.execute(
            text(
                "SELECT ST_Area(ST_SymDifference(p.geom, ST_Union(ST_GeomFromEWKB(c))))"
                " FROM parcel p, unnest(CAST(:children AS bytea[])) c WHERE p.id = :id"
                " GROUP BY p.geom"
            ),
            {"id": parent_id, "children": children},
        ).scalar_one()
    )


def overlap_area(conn: Connection, parts: list[bytes]) -> float:
    """Return the total area (m2) where the given geometries overlap one another."""
    return float(
        conn.execute(
            text(
                "WITH g AS (SELECT n, ST_GeomFromEWKB(c) AS geom"
                "           FROM unnest(CAST(:parts AS bytea[])) WITH ORDINALITY AS u(c, n))"
                " SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom))), 0)"
                " FROM g a JOIN g b ON a.n < b.n AND ST_Intersects(a.geom, b.geom)"
            ),
            {"parts": parts},
        ).scalar_one()
    )


def union_of_parcels(conn: Connection, parcel_ids: list[int]) -> bytes:
    """Return the union of parcels as storage-CRS EWKB multipolygon."""
    return bytes(
        conn.execute(
            text("SELECT ST_AsEWKB(ST_Multi(ST_Union(geom))) FROM parcel WHERE id = ANY(:ids)"),
            {"ids": parcel_ids},
        ).scalar_one()
    )


def overlapping_parcel(
    conn: Connection, ewkb: bytes, ignore: list[int], tolerance_m2: float
) -> tuple[int, float] | None:
    """Return (id, overlap m2) of the active parcel overlapping the geometry most, if over."""
    row = conn.execute(
        text(
            "SELECT id, a FROM (SELECT p.id, ST_Area(ST_Intersection(p.geom, g.geom)) AS a"
            " FROM parcel p, (SELECT ST_GeomFromEWKB(:g) AS geom) g"
            " WHERE ST_Intersects(p.geom, g.geom) AND p.retired_at IS NULL"
            " AND NOT p.id = ANY(:ignore)) o WHERE a > :tolerance ORDER BY a DESC LIMIT 1"
        ),
        {"g": ewkb, "ignore": ignore, "tolerance": tolerance_m2},
    ).one_or_none()
    return (int(row[0]), float(row[1])) if row else None
