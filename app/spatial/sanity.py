"""Catch coordinates that cannot be right for a Vietnamese cadastre before any transform."""

from __future__ import annotations

import math

import numpy as np

from app.spatial import crs as crs_codes

# Vietnam, generously: longitude 102-110 E, latitude 8-24 N (with the offshore islands
# 8-24 N still; the registry's wards lie far inside this box).
LON_RANGE = (101.0, 118.0)
LAT_RANGE = (7.0, 24.5)
# In a VN-2000 TM-3 or UTM zone: easting around 500 km, northing 0.7-2.7 Mm.
EASTING_RANGE = (100_000.0, 900_000.0)
NORTHING_RANGE = (700_000.0, 2_800_000.0)


def _inside(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def plausible_bounds(bounds: np.ndarray, srid: int) -> np.ndarray:
    """Return, per row of (minx, miny, maxx, maxy), whether coordinate_problem finds nothing."""
    geographic = srid in (crs_codes.WGS84, crs_codes.VN2000_GEOGRAPHIC)
    xs, ys = (LON_RANGE, LAT_RANGE) if geographic else (EASTING_RANGE, NORTHING_RANGE)
    with np.errstate(invalid="ignore"):
        return (
            (bounds[:, 0] >= xs[0])
            & (bounds[:, 2] <= xs[1])
            & (bounds[:, 0] <= xs[1])
            & (bounds[:, 2] >= xs[0])
            & (bounds[:, 1] >= ys[0])
            & (bounds[:, 3] <= ys[1])
            & (bounds[:, 1] <= ys[1])
            & (bounds[:, 3] >= ys[0])
        )


def coordinate_problem(bounds: tuple[float, float, float, float], srid: int) -> str | None:
    """Return why coordinates with these bounds cannot be a Vietnamese parcel, or None.

    The reason reads after "the coordinates cannot be right: ".

    Parameters
    ----------
    bounds
        (minx, miny, maxx, maxy) in the CRS `srid`, x being easting or longitude.
    srid
        The EPSG code the coordinates claim to be in.
    """
    if not all(math.isfinite(v) for v in bounds):
        return "they are not finite numbers"
    minx, miny, maxx, maxy = bounds
    name = crs_codes.uri(srid)
    if srid in (crs_codes.WGS84, crs_codes.VN2000_GEOGRAPHIC):
        if _inside(minx, LON_RANGE) and _inside(maxx, LON_RANGE):
            if _inside(miny, LAT_RANGE) and _inside(maxy, LAT_RANGE):
                return None
        if _inside(minx, LAT_RANGE) and _inside(maxx, LAT_RANGE) and _inside(miny, LON_RANGE):
            return f"they look like latitude, longitude: swap them (x is longitude in {name})"
        if max(abs(minx), abs(maxx), abs(miny), abs(maxy)) > 1000:
            return f"they look like metres, not degrees: name their projected CRS, not {name}"
        return f"they lie outside Vietnam in {name} (is it the right zone?)"
    if _inside(minx, EASTING_RANGE) and _inside(maxx, EASTING_RANGE):
        if _inside(miny, NORTHING_RANGE) and _inside(maxy, NORTHING_RANGE):
            return None
    if (
        _inside(minx, NORTHING_RANGE)
        and _inside(maxx, NORTHING_RANGE)
        and _inside(miny, EASTING_RANGE)
    ):
        return "they look like northing, easting (Vietnamese lists call northing X): swap them"
    if max(abs(minx), abs(maxx), abs(miny), abs(maxy)) <= 180:
        return f"they look like degrees, not metres: name EPSG:4326 or EPSG:4756, not {name}"
    return f"they lie outside Vietnam in {name} (is it the right zone?)"
