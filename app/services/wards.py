"""Wards and the crosswalk of old commune codes."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session

import shapely
from shapely import to_wkb

from app.db import code_lists, extents, queries
from app.db import wards as db_wards
from app.domain import patterns
from app.domain.permissions import Actor
from app.errors import FileRefused, InvalidInput
from app.ingest import source
from app.services import audit
from app.spatial.crs_detect import DetectedCrs

CODE_FIELDS = ("code", "MAXA", "ma_xa", "MaXa", "XAID")
NAME_FIELDS = ("name", "TENXA", "ten_xa", "TenXa", "ten")
KIND_FIELDS = ("kind", "LOAI", "loai")
WARD_CODE = re.compile(patterns.WARD_CODE)
MAX_WARDS = 10_000  # a province has about a hundred; a file of more is not a ward list
KINDS = {"xa": "xa", "xã": "xa", "phuong": "phuong", "phường": "phuong"}


def geojson(*, session: Session, code: str | None = None) -> dict[str, Any]:
    """Return the wards (or one ward) as a GeoJSON FeatureCollection in WGS84, built in SQL."""
    return {
        "type": "FeatureCollection",
        "features": db_wards.features(session.connection(), code=code),
    }


def names(*, session: Session) -> list[dict[str, str]]:
    """Return every ward's code, name and kind, by name: what a list or a choice needs."""
    return db_wards.names(session.connection())


def features(
    *,
    session: Session,
    srid: int,
    code: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    bbox_srid: int = 4326,
) -> list[dict[str, Any]]:
    """Return the wards as GeoJSON features in `srid`: all, one, or those a box touches."""
    return db_wards.features(
        session.connection(), srid=srid, code=code, bbox=bbox, bbox_srid=bbox_srid
    )


def extent(*, session: Session, layer: str) -> tuple[float, float, float, float] | None:
    """Return the WGS84 extent of the parcels ("parcel") or the wards ("ward")."""
    return extents.wgs84_extent(session.connection(), layer)


def _field(record: dict[str, Any], names: tuple[str, ...], what: str) -> Any:
    for name in names:
        if name in record and record[name] not in (None, ""):
            return record[name]
    raise InvalidInput(f"A ward has no {what} (looked for fields {', '.join(names)}).")


def _one_line(message: object) -> str:
    """Return a message on one line, as the command line prints it."""
    return " ".join(str(message).split())


def _database_says(exc: DBAPIError) -> str:
    """Return what the database said (message and detail), without the SQL and parameters."""
    diag = getattr(exc.orig, "diag", None)
    said: list[str] = [
        str(part)
        for part in (getattr(diag, "message_primary", None), getattr(diag, "message_detail", None))
        if part
    ]
    if not said:
        said = str(exc.orig).strip().splitlines()[:1] or [type(exc.orig).__name__]
    return _one_line(": ".join(part.rstrip(".") for part in said))


def _code(value: Any) -> str:
    """Return a ward code as five digits; files often carry it as a number (7795 or 7795.0)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    code = str(value).strip().zfill(5)
    if not WARD_CODE.fullmatch(code):
        raise InvalidInput(f"Ward code {value!r} is not five digits.")
    return code


def _boundary_problem(geometry: Any) -> str | None:
    """Return why a geometry cannot be a ward boundary, or None when it can."""
    if geometry is None or geometry.is_empty:
        return "it has no geometry"
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return f"its geometry is a {geometry.geom_type}, not a polygon"
    if not shapely.is_valid(geometry):
        return f"its boundary is not valid ({shapely.is_valid_reason(geometry)})"
    return None


@dataclass(frozen=True)
class WardsImported:
    """What a ward import wrote and how it read the file."""

    count: int
    crs: DetectedCrs
    encodings: dict[str, str]


def _read(path: Path, crs: int | None) -> tuple[DetectedCrs, dict[str, str], list[Any]]:
    """Return the file's CRS, its columns' encodings and its (record, geometry) pairs, read
    as every import reads (app.ingest.source); raise InvalidInput when the file is refused."""
    with tempfile.TemporaryDirectory(prefix="ward-import-") as workdir:
        try:
            dataset, total = source.open_dataset(path, Path(workdir), max_features=MAX_WARDS)
            if total == 0:
                raise FileRefused("the file holds no wards")
            chunk = next(source.chunks(dataset, MAX_WARDS))  # the whole file: at most MAX_WARDS
            detected = source.detect_crs(dataset, chunk.crs_wkt, crs)
            geometries = [None if wkb is None else shapely.from_wkb(wkb) for wkb in chunk.wkb]
            records = [
                ({name: values[i] for name, values in chunk.columns.items()}, geometry)
                for i, geometry in enumerate(geometries)
            ]
            source.check_coordinates(
                [g.bounds for g in geometries if g is not None and not g.is_empty], detected
            )
        except FileRefused as exc:
            raise InvalidInput(f"{path.name}: {exc}") from None
    return detected, chunk.encodings, records


def import_file(
    *, session: Session, actor: Actor, path: Path, crs: int | None = None
) -> WardsImported:
    """Insert or update the wards of a GeoJSON, GeoPackage or zipped shapefile, its CRS found
    (or stated: `crs`, an EPSG code) and its text decoded as for parcels; return what it did."""
    detected, encodings, read = _read(path, crs)
    count = 0
    for record, geometry in read:
        code = _code(_field(record, CODE_FIELDS, "code"))
        name = str(_field(record, NAME_FIELDS, "name")).strip()
        kind = KINDS.get(str(_field(record, KIND_FIELDS, "kind")).strip().lower())
        if kind is None:
            raise InvalidInput(f"Ward {code}: kind must be xã or phường.")
        problem = _boundary_problem(geometry)
        if problem is not None:
            raise InvalidInput(f"Ward {code} cannot be imported: {problem}.")
        try:
            with session.begin_nested():
                db_wards.upsert(
                    session.connection(),
                    code=code,
                    name=name,
                    kind=kind,
                    wkb=to_wkb(geometry),
                    srid=detected.epsg,
                )
        except DBAPIError as exc:
            # e.g. a boundary that becomes invalid once transformed
            raise InvalidInput(f"Ward {code} cannot be stored: {_database_says(exc)}.") from None
        audit.record(
            session,
            actor=actor,
            action="ward.import",
            target_type="ward",
            target_id=code,
            ward_code=code,
            after={"name": name, "kind": kind, "file": path.name, "crs": detected.epsg},
        )
        count += 1
    return WardsImported(count=count, crs=detected, encodings=encodings)


CROSSWALK_COLUMNS = ("old_code", "old_name", "ward_code")


def import_crosswalk(*, session: Session, actor: Actor, data: bytes) -> int:
    """Load old_code,old_name,ward_code[,effective_on] rows from a CSV file (its text decoded
    as every import decodes it: UTF-8 or a legacy Vietnamese encoding); return how many."""
    csv_text, _ = source.decode_table(data)
    reader = csv.DictReader(io.StringIO(csv_text))
    header = reader.fieldnames or []
    missing = [c for c in CROSSWALK_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            f"The crosswalk CSV needs the columns {', '.join(CROSSWALK_COLUMNS)}[,effective_on];"
            f" it has {', '.join(header) or 'none'}."
        )
    if not any(reader):
        return 0  # a header and no rows
    try:
        with session.begin_nested():
            count = queries.insert_crosswalk(session.connection(), csv_text)
            audit.record(
                session,
                actor=actor,
                action="crosswalk.import",
                target_type="commune_crosswalk",
                after={"rows": count},
            )
            return count
    except DBAPIError as exc:
        raise InvalidInput(f"The crosswalk CSV is not usable: {_database_says(exc)}.") from None
    except (KeyError, ValueError, StatementError) as exc:
        raise InvalidInput(f"The crosswalk CSV is not usable: {_one_line(exc)}") from None


def land_use_types(*, session: Session) -> Any:
    """Return the land-use code list with group names, current codes first."""
    return code_lists.land_use_types(session.connection())


def land_origin_types(*, session: Session) -> Any:
    """Return the land-origin code list."""
    return code_lists.land_origin_types(session.connection())
