"""Statements that read or write geometry."""

from __future__ import annotations

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


def insert_parcels_in_wards(conn: Connection, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert parcels, each into the ward that holds its interior point; return how many.

    Rows carry survey_commune_code, sheet_no, parcel_no, wkb (storage CRS), legal_area_m2,
    land_use_code, address and extra (JSON text). A parcel outside every ward raises.
    """
    rows = list(rows)
    conn.execute(
        text(
            "CREATE TEMP TABLE parcel_stage ("
            " survey_commune_code text, sheet_no int, parcel_no int, wkb bytea,"
            " legal_area_m2 numeric, land_use_code text, address text, extra jsonb"
            ") ON COMMIT DROP"
        )
    )
    conn.execute(
        text(
            "INSERT INTO parcel_stage VALUES (:survey_commune_code, :sheet_no, :parcel_no,"
            " :wkb, :legal_area_m2, :land_use_code, :address, CAST(:extra AS jsonb))"
        ),
        rows,
    )
    inserted = conn.execute(
        text(
            "INSERT INTO parcel (survey_commune_code, ward_code, sheet_no, parcel_no, geom,"
            " area_m2, legal_area_m2, land_use_code, address, extra) "
            "SELECT s.survey_commune_code, w.code, s.sheet_no, s.parcel_no, s.geom,"
            " round(ST_Area(s.geom)::numeric, 2), s.legal_area_m2, s.land_use_code,"
            " s.address, s.extra "
            f"FROM (SELECT *, ST_Multi(ST_GeomFromWKB(wkb, {STORAGE_SRID})) AS geom"
            "       FROM parcel_stage) s "
            "JOIN LATERAL (SELECT code FROM ward"
            "              WHERE ST_Contains(boundary, ST_PointOnSurface(s.geom))"
            "              ORDER BY code LIMIT 1) w ON true"
        )
    ).rowcount
    if inserted != len(rows):
        raise ValueError(f"{len(rows) - inserted} sample parcels lie outside every ward")
    return inserted
