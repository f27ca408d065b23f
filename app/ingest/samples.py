"""Load gis_samples/ (wards and the UTF-8 parcel shapefile) into an empty register."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

import geopandas as gpd
import pyogrio
from shapely import to_wkb

from app.config import STORAGE_SRID
from app.db import queries

logger = logging.getLogger(__name__)

# attribute columns of the sample shapefile, as Vietnamese cadastral tools name them
PARCEL_FIELDS = {
    "MAXA": "survey_commune_code",
    "SHBANDO": "sheet_no",
    "SHTHUA": "parcel_no",
    "DIENTICH": "legal_area_m2",
    "MALOAIDAT": "land_use_code",
    "TENCHU": "holder_name",
    "DIACHI": "address",
}


@dataclass(frozen=True)
class Loaded:
    """How many wards and parcels a load wrote."""

    wards: int
    parcels: int


def read_storage(path: Path) -> gpd.GeoDataFrame:
    """Return the file's features in the storage CRS."""
    frame = pyogrio.read_dataframe(path)
    if frame.crs is None:
        raise ValueError(f"{path} has no CRS")
    if frame.crs.to_epsg() != STORAGE_SRID:
        frame = frame.to_crs(epsg=STORAGE_SRID)
    return frame


def _parcel_row(record: dict[str, Any], wkb: bytes) -> dict[str, Any]:
    row: dict[str, Any] = {column: record[field] for field, column in PARCEL_FIELDS.items()}
    row["sheet_no"] = int(row["sheet_no"])
    row["parcel_no"] = int(row["parcel_no"])
    row["wkb"] = wkb
    # holder names go to the holders (personal data), never into the free attributes
    extra = {k: v for k, v in record.items() if k not in PARCEL_FIELDS}
    row["extra"] = json.dumps(extra, ensure_ascii=False, default=str)
    return row


def load_if_empty(*, engine: Engine, directory: Path) -> Loaded | None:
    """Load wards.geojson and parcels.zip from `directory`; None when the register has data."""
    with engine.begin() as conn:
        if not queries.register_is_empty(conn):
            return None
        wards = read_storage(directory / "wards.geojson")
        ward_count = queries.insert_wards(
            conn,
            (
                {"code": r.code, "name": r.name, "kind": r.kind, "wkb": wkb}
                for r, wkb in zip(wards.itertuples(), to_wkb(wards.geometry.values), strict=True)
            ),
        )
        crosswalk = directory / "commune_crosswalk.csv"
        if crosswalk.exists():
            queries.insert_crosswalk(conn, crosswalk.read_text(encoding="utf-8"))
        parcels = read_storage(directory / "parcels.zip")
        records = parcels.drop(columns="geometry").to_dict("records")
        parcel_count = queries.insert_parcels_in_wards(
            conn,
            (
                _parcel_row(rec, wkb)
                for rec, wkb in zip(records, to_wkb(parcels.geometry.values), strict=True)
            ),
            actor="gis_samples (loader)",
        )
    logger.info("loaded %d wards and %d parcels from %s", ward_count, parcel_count, directory)
    return Loaded(wards=ward_count, parcels=parcel_count)
