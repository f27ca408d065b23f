"""Per-feature checks of an import: geometry type, emptiness, validity and repair, keys."""

from __future__ import annotations

import math
import struct
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import shapely
from shapely.validation import explain_validity

from app.domain.imports import Issue
from app.limits import MAX_VERTICES
from app.spatial.sanity import coordinate_problem, plausible_bounds

WKB_TYPES = {
    1: "Point",
    2: "LineString",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
    15: "PolyhedralSurface (MultiPatch)",
    16: "TIN (MultiPatch)",
    17: "Triangle",
}


@dataclass
class Checked:
    """The features that passed, as 2D WKB, with the issues found on the way."""

    rows: list[int]
    wkb: list[bytes]
    bounds: np.ndarray = field(default_factory=lambda: np.empty((0, 4)))
    issues: list[Issue] = field(default_factory=list)
    repaired: int = 0

    @property
    def rejected_rows(self) -> set[int]:
        """Return the source rows that were rejected."""
        return {i.row for i in self.issues if i.kind == "rejected"}


def wkb_type(data: bytes) -> str:
    """Return the geometry type named in a WKB header (ISO and EWKB codes, Z/M stripped)."""
    if len(data) < 5:
        return "truncated"
    order = "<" if data[0] == 1 else ">"
    (code,) = struct.unpack(f"{order}I", data[1:5])
    code &= 0x0FFFFFFF  # EWKB Z/M/SRID flags
    return WKB_TYPES.get(code % 1000, f"type {code}")


def check_geometries(
    wkb: list[bytes | None], keys: list[str | None], repair_tolerance: float
) -> Checked:
    """Return the polygonal features as valid 2D WKB; reject or repair the others.

    The checks run on whole arrays (shapely's vectorised functions); only the few invalid
    geometries are repaired one by one.

    Parameters
    ----------
    repair_tolerance
        The largest share of its area a repair may change (0.01 = 1%); beyond it, rejected.
    """
    rejected: dict[int, str] = {}
    candidates = _polygonal(wkb, rejected)
    rows = np.asarray(candidates, dtype=np.int64)
    geoms = shapely.from_wkb([wkb[r] for r in candidates], on_invalid="ignore")
    usable = _screen(geoms, rows, rejected)
    repaired = _repair_invalid(geoms, rows, usable, rejected, repair_tolerance)
    result = Checked(rows=rows[usable].tolist(), wkb=shapely.to_wkb(geoms[usable]).tolist())
    result.issues = [Issue(row, keys[row], "rejected", why) for row, why in rejected.items()]
    result.issues += [Issue(row, keys[row], "repaired", why) for row, why in repaired.items()]
    result.issues.sort(key=lambda issue: issue.row)
    result.repaired = len(repaired)
    result.bounds = shapely.bounds(geoms[usable])
    return result


def _polygonal(wkb: list[bytes | None], rejected: dict[int, str]) -> list[int]:
    """Return the rows whose WKB says polygon; note why each other row is rejected."""
    candidates: list[int] = []
    for row, data in enumerate(wkb):
        if data is None:
            rejected[row] = "null geometry"
        elif (kind := wkb_type(data)) not in ("Polygon", "MultiPolygon"):
            rejected[row] = f"{kind} geometry: a parcel is a polygon"
        else:
            candidates.append(row)
    return candidates


def _screen(geoms: Any, rows: Any, rejected: dict[int, str]) -> Any:
    """Return which geometries can be kept (made 2D in place), noting why the others cannot:
    unreadable, empty, too many vertices, coordinates that are not numbers."""
    unreadable = shapely.is_missing(geoms)
    empty = ~unreadable & shapely.is_empty(geoms)
    usable = ~unreadable & ~empty
    vertices = np.zeros(len(geoms), dtype=np.int64)
    vertices[usable] = shapely.get_num_coordinates(geoms[usable])
    too_many = vertices > MAX_VERTICES
    usable &= ~too_many
    if shapely.has_z(geoms[usable]).any():
        geoms[usable] = shapely.force_2d(geoms[usable])
    coords, owner = shapely.get_coordinates(geoms[usable], return_index=True)
    not_finite = np.zeros(len(geoms), dtype=bool)
    bad_owner = np.unique(owner[~np.isfinite(coords).all(axis=1)])
    not_finite[np.flatnonzero(usable)[bad_owner]] = True
    usable &= ~not_finite
    for i in np.flatnonzero(unreadable):
        rejected[int(rows[i])] = "unreadable geometry (corrupt WKB)"
    for i in np.flatnonzero(empty):
        rejected[int(rows[i])] = "empty geometry"
    for i in np.flatnonzero(too_many):
        rejected[int(rows[i])] = (
            f"{vertices[i]:,} vertices: a parcel may have at most {MAX_VERTICES:,}"
        )
    for i in np.flatnonzero(not_finite):
        rejected[int(rows[i])] = "coordinates that are not numbers"
    return usable


def _repair_invalid(
    geoms: Any, rows: Any, usable: Any, rejected: dict[int, str], tolerance: float
) -> dict[int, str]:
    """Repair the invalid usable geometries in place; return what was repaired, per row.

    One that cannot be repaired within `tolerance` is rejected and no longer usable."""
    invalid = np.zeros(len(geoms), dtype=bool)
    invalid[usable] = ~shapely.is_valid(geoms[usable])
    repaired: dict[int, str] = {}
    for i in np.flatnonzero(invalid):
        row = int(rows[i])
        reason = explain_validity(geoms[i])
        fixed = _repair(geoms[i], tolerance)
        if fixed is None:
            rejected[row] = f"invalid geometry that cannot be repaired: {reason}"
            usable[i] = False
        else:
            geoms[i] = fixed
            repaired[row] = f"repaired: {reason}"
    return repaired


def _repair(geom: Any, tolerance: float) -> Any | None:
    """Return a valid polygonal repair whose area is within tolerance, or None."""
    fixed = shapely.make_valid(geom)
    polygons = [g for g in shapely.get_parts(fixed) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons:
        return None
    fixed = shapely.union_all(polygons)
    before = abs(geom.area)
    if before == 0 or not math.isfinite(before):
        return None
    if abs(fixed.area - before) / before > tolerance:
        return None
    return fixed


def far_away(bounds: np.ndarray, srid: int) -> list[str | None]:
    """Return, per feature bounds, why its coordinates cannot be in Vietnam (None if fine)."""
    plausible = plausible_bounds(bounds, srid)
    return [
        None if ok else coordinate_problem((b[0], b[1], b[2], b[3]), srid)
        for ok, b in zip(plausible, bounds, strict=True)
    ]


def duplicate_keys(keys: list[str | None]) -> set[str]:
    """Return the keys that stand on more than one feature."""
    counts = Counter(k for k in keys if k is not None)
    return {k for k, n in counts.items() if n > 1}


def as_positive_int(value: Any) -> int | None:
    """Return a map sheet or parcel number as a positive int, or None when it is not one."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or number <= 0 or number != int(number) or number > 2**31 - 1:
        return None
    return int(number)
