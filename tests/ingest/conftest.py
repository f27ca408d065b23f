"""Fixtures of the upload tests: a two-parcel dataset as shapefile parts, GeoPackage and
GeoJSON, and a work directory."""

from __future__ import annotations

from pathlib import Path

import pytest

import geopandas as gpd
import pyogrio
from shapely.geometry import Polygon

from app import config
from tests.ingest.uploads import SHAPEFILE_EXTS


@pytest.fixture(scope="session")
def frame() -> gpd.GeoDataFrame:
    """Two parcels in the storage CRS, with a Vietnamese holder name."""
    square = Polygon([(0, 0), (20, 0), (20, 30), (0, 30)])
    return gpd.GeoDataFrame(
        {"SHTHUA": [1, 2], "TENCHU": ["Nguyễn Văn An", "Trần Thị Bình"]},
        geometry=[
            Polygon([(x + 430_000, y + 2_350_000) for x, y in square.exterior.coords]),
            Polygon([(x + 430_030, y + 2_350_000) for x, y in square.exterior.coords]),
        ],
        crs=f"EPSG:{config.STORAGE_SRID}",
    )


@pytest.fixture(scope="session")
def parts(frame: gpd.GeoDataFrame, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The files of a two-parcel shapefile, by extension (.shp .shx .dbf .prj .cpg)."""
    folder = tmp_path_factory.mktemp("shapefile")
    pyogrio.write_dataframe(frame, folder / "parcels.shp", encoding="UTF-8")
    files = {path.suffix: path.read_bytes() for path in folder.iterdir()}
    assert set(files) == set(SHAPEFILE_EXTS)
    return files


@pytest.fixture(scope="session")
def gpkg(frame: gpd.GeoDataFrame, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("gpkg") / "parcels.gpkg"
    pyogrio.write_dataframe(frame, path, driver="GPKG")
    return path.read_bytes()


@pytest.fixture(scope="session")
def geojson(frame: gpd.GeoDataFrame) -> bytes:
    return frame.to_crs(4326).to_json().encode()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path
