"""Geometries kept only to be drawn (an import's rejects, say): reprojected as they are,
valid or not, and left out when there is nothing sensible to draw."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

import shapely
from pyproj import Transformer

# a geometry with more vertices than this is not drawn (the import refuses it anyway)
MAX_DRAWN_VERTICES = 100_000


def reproject(shapes: Mapping[int, bytes], source_srid: int, target_srid: int) -> dict[int, bytes]:
    """Return each shape (WKB, keyed by anything) as 2D WKB in `target_srid`.

    Invalid geometries are kept as they are, for the map to show what was wrong; shapes
    that cannot be parsed, are empty, are too large to draw or land outside the target CRS's
    numbers are left out.
    """
    keys = list(shapes)
    geoms = shapely.from_wkb([shapes[k] for k in keys], on_invalid="ignore")
    drawable = [
        i
        for i, geom in enumerate(geoms)
        if geom is not None
        and not geom.is_empty
        and shapely.get_num_coordinates(geom) <= MAX_DRAWN_VERTICES
    ]
    if not drawable:
        return {}
    picked = shapely.force_2d(geoms[drawable])
    if source_srid != target_srid:
        transformer = Transformer.from_crs(source_srid, target_srid, always_xy=True)

        def move(xy: np.ndarray) -> np.ndarray:
            x, y = transformer.transform(xy[:, 0], xy[:, 1], errcheck=False)
            return np.column_stack((x, y))

        picked = shapely.transform(picked, move)
    bounds = shapely.bounds(picked)
    ok = np.isfinite(bounds).all(axis=1) & _on_the_globe(bounds, target_srid)
    wkb = shapely.to_wkb(picked)
    return {keys[i]: bytes(w) for i, w, good in zip(drawable, wkb, ok, strict=True) if good}


def _on_the_globe(bounds: np.ndarray, srid: int) -> np.ndarray:
    """Whether each box's corners, in `srid`, are places of the Earth (a map in WGS 84 or
    Web Mercator can show them): lon/lat finite and in range."""
    to_wgs84 = Transformer.from_crs(srid, 4326, always_xy=True)
    inside = np.ones(len(bounds), dtype=bool)
    for xs, ys in ((0, 1), (2, 3), (0, 3), (2, 1)):
        with np.errstate(invalid="ignore"):
            lon, lat = to_wgs84.transform(bounds[:, xs], bounds[:, ys], errcheck=False)
            inside &= np.isfinite(lon) & np.isfinite(lat)
            inside &= (np.abs(lon) <= 180) & (np.abs(lat) <= 85)
    return inside
