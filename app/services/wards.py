"""Wards and the crosswalk of old commune codes."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

import pyogrio
from shapely import to_wkb

from app.config import STORAGE_SRID
from app.db import queries
from app.errors import InvalidInput

WARDS_GEOJSON_SQL = text(
    """
    SELECT json_build_object(
        'type', 'FeatureCollection',
        'features', coalesce(json_agg(json_build_object(
            'type', 'Feature',
            'id', code,
            'geometry', ST_AsGeoJSON(ST_Transform(boundary, 4326))::json,
            'properties', json_build_object(
                'code', code, 'name', name, 'kind', kind,
                'area_m2', round(ST_Area(boundary)::numeric, 0),
                'old_communes', coalesce((
                    SELECT json_agg(json_build_object('code', x.old_code, 'name', x.old_name)
                                    ORDER BY x.old_code)
                    FROM commune_crosswalk x WHERE x.ward_code = ward.code), '[]'))
        ) ORDER BY code), '[]'))
    FROM ward WHERE CAST(:code AS text) IS NULL OR code = :code
    """
)

CODE_FIELDS = ("code", "MAXA", "ma_xa", "MaXa", "XAID")
NAME_FIELDS = ("name", "TENXA", "ten_xa", "TenXa", "ten")
KIND_FIELDS = ("kind", "LOAI", "loai")
KINDS = {"xa": "xa", "xã": "xa", "phuong": "phuong", "phường": "phuong"}


def geojson(*, session: Session, code: str | None = None) -> Any:
    """Return the wards (or one ward) as a GeoJSON FeatureCollection in WGS84, built in SQL."""
    return session.execute(WARDS_GEOJSON_SQL, {"code": code}).scalar_one()


def _field(record: dict[str, Any], names: tuple[str, ...], what: str) -> Any:
    for name in names:
        if name in record and record[name] not in (None, ""):
            return record[name]
    raise InvalidInput(f"A ward has no {what} (looked for fields {', '.join(names)}).")


def import_file(*, session: Session, path: Path) -> int:
    """Insert or update the wards of a GeoJSON, GeoPackage or zipped shapefile; return count."""
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InvalidInput(f"{path.name} cannot be read as a vector file: {exc}") from None
    if frame.crs is None:
        raise InvalidInput(f"{path.name} has no CRS; give the wards in a file that declares it.")
    srid = frame.crs.to_epsg() or 0
    if srid == 0:
        raise InvalidInput(f"{path.name}'s CRS is not an EPSG CRS the registry knows.")
    count = 0
    for record, wkb in zip(
        frame.drop(columns="geometry").to_dict("records"),
        to_wkb(frame.geometry.values),
        strict=True,
    ):
        code = str(_field(record, CODE_FIELDS, "code")).zfill(5)
        name = unicodedata.normalize("NFC", str(_field(record, NAME_FIELDS, "name")))
        kind = KINDS.get(str(_field(record, KIND_FIELDS, "kind")).strip().lower())
        if kind is None:
            raise InvalidInput(f"Ward {code}: kind must be xã or phường.")
        session.execute(
            text(
                "INSERT INTO ward (code, name, kind, boundary) VALUES (:code, :name, :kind,"
                f" ST_Multi(ST_Transform(ST_GeomFromWKB(:wkb, :srid), {STORAGE_SRID})))"
                " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name,"
                " kind = EXCLUDED.kind, boundary = EXCLUDED.boundary"
            ),
            {"code": code, "name": name, "kind": kind, "wkb": wkb, "srid": srid},
        )
        count += 1
    return count


def import_crosswalk(*, session: Session, csv_text: str) -> int:
    """Load old_code,old_name,ward_code[,effective_on] rows; return how many."""
    try:
        return queries.insert_crosswalk(session.connection(), csv_text)
    except (KeyError, ValueError, DBAPIError) as exc:
        raise InvalidInput(f"The crosswalk CSV is not usable: {exc}") from None


def land_use_types(*, session: Session) -> Any:
    """Return the land-use code list with group names, current codes first."""
    return session.execute(
        text(
            "SELECT coalesce(json_agg(json_build_object('code', t.code, 'name', t.name,"
            " 'group', t.group_code, 'group_name', g.name, 'is_current', t.is_current,"
            " 'replaced_by', t.replaced_by) ORDER BY NOT t.is_current, g.sort_order, t.code),"
            " '[]') FROM land_use_type t JOIN land_use_group g ON g.code = t.group_code"
        )
    ).scalar_one()


def land_origin_types(*, session: Session) -> Any:
    """Return the land-origin code list."""
    return session.execute(
        text(
            "SELECT coalesce(json_agg(json_build_object('code', code, 'name', name)"
            " ORDER BY sort_order), '[]') FROM land_origin_type"
        )
    ).scalar_one()
