"""Parse and check incoming parcel geometry."""

from __future__ import annotations

import math
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

from app.errors import InvalidGeometry
from app.limits import MAX_VERTICES


def parse_parcel_geometry(geojson: dict[str, Any]) -> shapely.MultiPolygon:
    """Return a GeoJSON geometry as a valid, non-empty 2D MultiPolygon, or raise.

    Z and M values are dropped; anything but a polygon or multipolygon is refused.
    """
    try:
        geom = shape(geojson)
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as exc:
        raise InvalidGeometry(f"The geometry is not valid GeoJSON: {exc}") from None
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise InvalidGeometry(f"A parcel is a Polygon or MultiPolygon, not a {geom.geom_type}.")
    if geom.is_empty:
        raise InvalidGeometry("The geometry is empty.")
    vertices = shapely.get_num_coordinates(geom)
    if vertices > MAX_VERTICES:
        raise InvalidGeometry(
            f"The geometry has {vertices:,} vertices; a parcel may have at most {MAX_VERTICES:,}."
        )
    coords = shapely.get_coordinates(geom)
    if not all(math.isfinite(v) for v in coords.ravel()):
        raise InvalidGeometry("The geometry has coordinates that are not finite numbers.")
    geom = shapely.force_2d(geom)
    if not geom.is_valid:
        raise InvalidGeometry(
            f"The geometry is not valid: {explain_validity(geom)}; fix the ring and send it again."
        )
    if geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    return shapely.normalize(geom)
