"""Statements that read or write geometry."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, text

from app.config import STORAGE_SRID


def register_is_empty(conn: Connection) -> bool:
    """Return whether the register holds no ward and no parcel yet."""
    return not conn.execute(
        text("SELECT EXISTS (SELECT 1 FROM ward) OR EXISTS (SELECT 1 FROM parcel)")
    ).scalar_one()


def insert_wards(conn: Connection, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert wards (code, name, kind, wkb in the storage CRS); return how many."""
    rows = list(rows)
    conn.execute(
        text(
            "INSERT INTO ward (code, name, kind, boundary) "
            f"VALUES (:code, :name, :kind, ST_Multi(ST_GeomFromWKB(:wkb, {STORAGE_SRID})))"
        ),
        rows,
    )
    return len(rows)


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


def insert_parcels_in_wards(conn: Connection, rows: Iterable[Mapping[str, Any]], actor: str) -> int:
    """Insert parcels, each into the ward that holds its interior point; return how many.

    Rows carry survey_commune_code, sheet_no, parcel_no, wkb (storage CRS), legal_area_m2,
    land_use_code, holder_name, address and extra (JSON text). Each parcel gets its land use,
    its holder and its first version. A parcel outside every ward raises.
    """
    rows = list(rows)
    conn.execute(
        text(
            "CREATE TEMP TABLE parcel_stage ("
            " survey_commune_code text, sheet_no int, parcel_no int, wkb bytea,"
            " legal_area_m2 numeric, land_use_code text, holder_name text, address text,"
            " extra jsonb) ON COMMIT DROP"
        )
    )
    conn.execute(
        text(
            "INSERT INTO parcel_stage VALUES (:survey_commune_code, :sheet_no, :parcel_no,"
            " :wkb, :legal_area_m2, :land_use_code, :holder_name, :address,"
            " CAST(:extra AS jsonb))"
        ),
        rows,
    )
    inserted = conn.execute(
        text(
            "INSERT INTO parcel (survey_commune_code, ward_code, sheet_no, parcel_no, geom,"
            " area_m2, legal_area_m2, address, extra) "
            "SELECT s.survey_commune_code, w.code, s.sheet_no, s.parcel_no, s.geom,"
            " round(ST_Area(s.geom)::numeric, 2), s.legal_area_m2, s.address, s.extra "
            f"FROM (SELECT *, ST_Multi(ST_GeomFromWKB(wkb, {STORAGE_SRID})) AS geom"
            "       FROM parcel_stage) s "
            "JOIN LATERAL (SELECT code FROM ward"
            "              WHERE ST_Contains(boundary, ST_PointOnSurface(s.geom))"
            "              ORDER BY code LIMIT 1) w ON true"
        )
    ).rowcount
    if inserted != len(rows):
        raise ValueError(f"{len(rows) - inserted} sample parcels lie outside every ward")
    keyed = (
        "FROM parcel_stage s JOIN parcel p ON (p.survey_commune_code, p.sheet_no, p.parcel_no)"
        " = (s.survey_commune_code, s.sheet_no, s.parcel_no)"
    )
    conn.execute(
        text(
            "INSERT INTO parcel_land_use (parcel_id, land_use_code, area_m2) "
            "SELECT p.id, coalesce(t.replaced_by, t.code), coalesce(s.legal_area_m2, p.area_m2) "
            f"{keyed} JOIN land_use_type t ON t.code = s.land_use_code"
        )
    )
    conn.execute(
        text(
            "INSERT INTO holder (parcel_id, position, name, kind) "
            f"SELECT p.id, 1, s.holder_name, 'individual' {keyed} WHERE s.holder_name <> ''"
        )
    )
    conn.execute(
        text(
            "INSERT INTO parcel_version (parcel_id, version, valid_from, actor, action, changes,"
            f" snapshot) SELECT p.id, 1, now(), :actor, 'create', '{{}}', parcel_snapshot(p.id)"
            f" {keyed}"
        ),
        {"actor": actor},
    )
    return inserted


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
