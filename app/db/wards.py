"""SQL of wards as GeoJSON: one feature builder for the API's, the OGC API's and the map's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from app.config import STORAGE_SRID
from app.db.parcel_features import BBOX_AREA, bbox_params

# one ward (w) as a GeoJSON Feature, its boundary in :srid
FEATURE = """json_build_object(
    'type', 'Feature',
    'id', w.code,
    'geometry', ST_AsGeoJSON(ST_Transform(w.boundary, :srid), 9, 0)::json,
    'properties', json_build_object(
        'code', w.code, 'name', w.name, 'kind', w.kind,
        'area_m2', round(ST_Area(w.boundary)::numeric, 0),
        'old_communes', coalesce((
            SELECT json_agg(json_build_object('code', x.old_code, 'name', x.old_name)
                            ORDER BY x.old_code)
            FROM commune_crosswalk x WHERE x.ward_code = w.code), '[]')))"""


def features(
    conn: Connection,
    *,
    srid: int = 4326,
    code: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    bbox_srid: int = 4326,
) -> list[dict[str, Any]]:
    """Return the wards as GeoJSON features in `srid`, by code: all, one, or those a box
    (in `bbox_srid`) touches."""
    clauses = ["true"]
    params: dict[str, Any] = {"srid": srid}
    if code is not None:
        clauses.append("w.code = :code")
        params["code"] = code
    if bbox is not None:
        clauses.append(f"ST_Intersects(w.boundary, {BBOX_AREA})")
        params.update(bbox_params(bbox, bbox_srid))
    found: list[dict[str, Any]] = conn.execute(
        text(
            f"SELECT coalesce(json_agg({FEATURE} ORDER BY w.code), '[]')"
            f" FROM ward w WHERE {' AND '.join(clauses)}"
        ),
        params,
    ).scalar_one()
    return found


def boundaries(conn: Connection, digits: int) -> dict[str, str]:
    """Return each ward's boundary as GeoJSON geometry text in WGS84, `digits` decimals."""
    rows = conn.execute(
        text("SELECT code, ST_AsGeoJSON(ST_Transform(boundary, 4326), :digits) FROM ward"),
        {"digits": digits},
    ).all()
    return {str(code): str(geometry) for code, geometry in rows}


def upsert(conn: Connection, *, code: str, name: str, kind: str, wkb: bytes, srid: int) -> None:
    """Add a ward, or replace its name, kind and boundary (given in `srid`)."""
    conn.execute(
        text(
            "INSERT INTO ward (code, name, kind, boundary) VALUES (:code, :name,"
            f" :kind, ST_Multi(ST_Transform(ST_GeomFromWKB(:wkb, :srid),"
            f" {STORAGE_SRID}))) ON CONFLICT (code) DO UPDATE SET"
            " name = EXCLUDED.name, kind = EXCLUDED.kind,"
            " boundary = EXCLUDED.boundary"
        ),
        {"code": code, "name": name, "kind": kind, "wkb": wkb, "srid": srid},
    )


def names(conn: Connection) -> list[dict[str, str]]:
    """Every ward's code, name and kind, ordered by name (in the database's collation)."""
    rows = conn.execute(text("SELECT code, name, kind FROM ward ORDER BY name, code"))
    return [dict(row._mapping) for row in rows]
