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

from app.spatial.sanity import coordinate_problem

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
class Issue:
    """What happened to one source feature."""

    row: int
    key: str | None
    kind: str  # rejected, repaired, warning, overlap
    reason: str


@dataclass
class Checked:
    """The features that passed, as 2D WKB, with the issues found on the way."""

    rows: list[int]
    wkb: list[bytes]
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

    Parameters
    ----------
    repair_tolerance
        The largest share of its area a repair may change (0.01 = 1%); beyond it, rejected.
    """
    result = Checked(rows=[], wkb=[])
    candidates: list[int] = []
    for row, data in enumerate(wkb):
        if data is None:
            result.issues.append(Issue(row, keys[row], "rejected", "null geometry"))
        elif (kind := wkb_type(data)) not in ("Polygon", "MultiPolygon"):
            result.issues.append(
                Issue(row, keys[row], "rejected", f"{kind} geometry: a parcel is a polygon")
            )
        else:
            candidates.append(row)
    geoms = shapely.from_wkb([wkb[r] for r in candidates], on_invalid="ignore")
    for row, geom in zip(candidates, geoms, strict=True):
        key = keys[row]
        if geom is None:
            result.issues.append(Issue(row, key, "rejected", "unreadable geometry (corrupt WKB)"))
            continue
        if geom.is_empty:
            result.issues.append(Issue(row, key, "rejected", "empty geometry"))
            continue
        geom = shapely.force_2d(geom)
        coords = shapely.get_coordinates(geom)
        if not np.isfinite(coords).all():
            result.issues.append(Issue(row, key, "rejected", "coordinates that are not numbers"))
            continue
        if not geom.is_valid:
            reason = explain_validity(geom)
            repaired = _repair(geom, repair_tolerance)
            if repaired is None:
                result.issues.append(
                    Issue(
                        row, key, "rejected", f"invalid geometry that cannot be repaired: {reason}"
                    )
                )
                continue
            geom = repaired
            result.repaired += 1
            result.issues.append(Issue(row, key, "repaired", f"repaired: {reason}"))
        result.rows.append(row)
        result.wkb.append(shapely.to_wkb(geom))
    return result


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
    return [coordinate_problem((b[0], b[1], b[2], b[3]), srid) for b in bounds]


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
