"""A chunk of a parcel file, read and checked as the register takes it: keys, geometries,
declared areas, places. Pure file work: what to stage, and what was wrong with each row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.domain.imports import ImportOptions, Issue
from app.errors import FileRefused
from app.ingest import checks, reader, source
from app.ingest.fields import FieldMapping
from app.spatial import crs_detect

# parcel.legal_area_m2 is numeric(14, 2): a declared area from here on cannot be stored
MAX_AREA_M2 = 1e12


def key_of(commune: str | None, sheet: int | None, number: int | None) -> str | None:
    """Return a parcel's key, commune/sheet/number, or None without sheet or number."""
    if sheet is None or number is None:
        return None
    return f"{commune or '?'}/{sheet}/{number}"


def attributes(
    features: reader.Features, mapping: FieldMapping, options: ImportOptions
) -> dict[str, list[Any]]:
    """Return the registry's columns of a chunk, read through the field mapping; raise
    FileRefused when the file has no commune and the uploader named none."""
    n = len(features)
    cols = mapping.columns

    def column(name: str) -> list[Any]:
        return features.columns[cols[name]] if name in cols else [None] * n

    commune = column("survey_commune_code")
    if "survey_commune_code" not in cols:
        if options.commune_code is None:
            raise FileRefused(
                "The file has no commune column (MAXA, XAID, ...); state the commune code at "
                "survey time with the commune_code option.",
                slug="commune-missing",
            )
        commune = [options.commune_code] * n
    else:
        commune = [
            # a blank in a numeric DBF column reads as NaN
            (str(int(c)).zfill(5) if np.isfinite(c) else options.commune_code)
            if isinstance(c, int | float) and not isinstance(c, bool)
            else (str(c).strip().zfill(5) if c not in (None, "") else options.commune_code)
            for c in commune
        ]
    area = column("legal_area_m2")
    return {
        "commune": commune,
        "sheet": [checks.as_positive_int(v) for v in column("sheet_no")],
        "parcel": [checks.as_positive_int(v) for v in column("parcel_no")],
        "legal_area": [
            round(float(v), 2)
            if isinstance(v, int | float) and v and np.isfinite(v) and 0 < v < MAX_AREA_M2
            else None
            for v in area
        ],
        "land_use": [
            str(v).strip() if v not in (None, "") else None for v in column("land_use_code")
        ],
        "holder": [str(v) if v not in (None, "") else None for v in column("holder_name")],
        "address": [str(v) if v not in (None, "") else None for v in column("address")],
    }


def extras(features: reader.Features, mapping: FieldMapping, row: int) -> dict[str, Any]:
    """Return the unmapped columns of a row that hold a value, as plain Python values."""
    extra: dict[str, Any] = {}
    for name in mapping.extra:
        value = features.columns[name][row]
        if isinstance(value, float) and not np.isfinite(value):
            value = None
        if value is not None:
            extra[name] = value.item() if isinstance(value, np.generic) else value
    return extra


@dataclass
class CheckedChunk:
    """A chunk's keys, what was wrong with its rows, and the rows good enough to stage."""

    keys: list[str | None]
    issues: list[Issue]
    rows: dict[str, Sequence[Any]]  # the columns of the staging table, good rows only
    extras: list[dict[str, Any]] | None
    repaired: int
    # the source geometry (WKB, the file's CRS) of each row rejected here, to draw it
    shapes: dict[int, bytes]


def check_chunk(
    chunk: reader.Features,
    offset: int,
    mapping: FieldMapping,
    options: ImportOptions,
    detected: crs_detect.DetectedCrs,
    first: bool,
) -> CheckedChunk:
    """Check one chunk (rows numbered from `offset`): its keys, geometries, declared areas
    and places; return what to stage and what was wrong."""
    attrs = attributes(chunk, mapping, options)
    keys = [
        key_of(c, s, p)
        for c, s, p in zip(attrs["commune"], attrs["sheet"], attrs["parcel"], strict=True)
    ]
    checked = checks.check_geometries(chunk.wkb, keys, options.repair_tolerance)
    issues = [Issue(i.row + offset, i.key, i.kind, i.reason) for i in checked.issues]
    bad = set(checked.rejected_rows)
    for row, key in enumerate(keys):
        if key is None and row not in bad:
            which = "map sheet number" if attrs["sheet"][row] is None else "parcel number"
            issues.append(Issue(row + offset, None, "rejected", f"no {which}"))
            bad.add(row)
    issues += _ignored_areas(chunk, mapping, keys, offset)
    if checked.wkb:
        if first:
            source.check_coordinates(checked.bounds, detected)
        far = checks.far_away(checked.bounds, detected.epsg)
        for row, reason in zip(checked.rows, far, strict=True):
            if reason is not None and row not in bad:
                issues.append(
                    Issue(row + offset, keys[row], "rejected", f"far from the others: {reason}")
                )
                bad.add(row)
    keep = [
        (row, wkb) for row, wkb in zip(checked.rows, checked.wkb, strict=True) if row not in bad
    ]
    rows = [row for row, _ in keep]
    columns: dict[str, Sequence[Any]] = {
        "source_row": [row + offset for row in rows],
        "commune": [attrs["commune"][row] for row in rows],
        "sheet_no": [attrs["sheet"][row] for row in rows],
        "parcel_no": [attrs["parcel"][row] for row in rows],
        "legal_area": [attrs["legal_area"][row] for row in rows],
        "land_use": [attrs["land_use"][row] for row in rows],
        "holder": [attrs["holder"][row] for row in rows],
        "address": [attrs["address"][row] for row in rows],
        "wkb": [wkb for _, wkb in keep],
    }
    extra = [extras(chunk, mapping, row) for row in rows] if mapping.extra else None
    shapes = {row + offset: wkb for row in bad if (wkb := chunk.wkb[row]) is not None}
    return CheckedChunk(keys, issues, columns, extra, checked.repaired, shapes)


def _ignored_areas(
    chunk: reader.Features, mapping: FieldMapping, keys: list[str | None], offset: int
) -> list[Issue]:
    if "legal_area_m2" not in mapping.columns:
        return []
    return [
        Issue(row + offset, keys[row], "warning", f"declared area {declared:g} m2 ignored")
        for row, declared in enumerate(chunk.columns[mapping.columns["legal_area_m2"]])
        if isinstance(declared, int | float) and declared >= MAX_AREA_M2
    ]
