"""A surveyor's file with something of everything the desk shows: good parcels, features
that are no parcels (rejected) and one drawn over another (an overlap)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

from tests.services.conftest import SAMPLES


def mixed_upload(folder: Path) -> Path:
    """Write the file (a GeoPackage in EPSG:9214) and return its path.

    Rows (1-based, as reports count them): 1-4 good; 5 a point and 6 nothing (rejected); 7
    the outline of row 1 again under another number (an overlap with row 1).
    """
    frame = pyogrio.read_dataframe(SAMPLES / "parcels.zip", max_features=7)
    geometries = list(frame.geometry)
    geometries[4] = geometries[4].representative_point()
    geometries[5] = None
    geometries[6] = shapely.Polygon(geometries[0].exterior)
    frame["geometry"] = geometries
    target = folder / "mixed.gpkg"
    pyogrio.write_dataframe(
        gpd.GeoDataFrame(frame).set_crs(9214, allow_override=True), target, driver="GPKG"
    )
    return target
