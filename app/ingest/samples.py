"""Load gis_samples/ into an empty register: wards and crosswalk, then the parcels through
the same import as surveyors' uploads."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

import geopandas as gpd
import pyogrio
from shapely import to_wkb

from app.config import STORAGE_SRID
from app.db import queries
from app.domain.permissions import Actor, Role
from app.ingest import jobs
from app.ingest.pipeline import ImportOptions

logger = logging.getLogger(__name__)

LOADER = Actor(name="gis_samples loader", role=Role.SURVEYOR)


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


def _load_wards(engine: Engine, directory: Path) -> int:
    """Insert the sample wards and the commune crosswalk when there are no wards yet."""
    with engine.begin() as conn:
        if conn.execute(text("SELECT EXISTS (SELECT 1 FROM ward)")).scalar_one():
            return 0
        wards = read_storage(directory / "wards.geojson")
        count = queries.insert_wards(
            conn,
            (
                {"code": r.code, "name": r.name, "kind": r.kind, "wkb": wkb}
                for r, wkb in zip(wards.itertuples(), to_wkb(wards.geometry.values), strict=True)
            ),
        )
        crosswalk = directory / "commune_crosswalk.csv"
        if crosswalk.exists():
            queries.insert_crosswalk(conn, crosswalk.read_text(encoding="utf-8"))
    return count


def _import_parcels(engine: Engine, source: Path) -> int:
    """Import the sample parcels as a surveyor's upload would be; return how many."""
    with tempfile.TemporaryDirectory(prefix="parcel-samples-") as spool_dir:
        with source.open("rb") as stream:
            path, sha256, size = jobs.spool(stream, Path(spool_dir), 2**31)
        with Session(engine) as session, session.begin():
            job = jobs.submit(
                session=session,
                path=path,
                sha256=sha256,
                size=size,
                file_name=source.name,
                uploader=LOADER,
                options=ImportOptions(),
            )
            import_id = job.id
        jobs.claim(engine, import_id)
        status = jobs.run_claimed(engine, import_id)
    with engine.connect() as conn:
        report, error = conn.execute(
            text("SELECT report, error FROM import_job WHERE id = :id"), {"id": import_id}
        ).one()
    if status != "succeeded":
        raise RuntimeError(f"the sample parcels did not import (import {import_id}): {error}")
    return int(report["inserted"])


def load_if_empty(*, engine: Engine, directory: Path) -> Loaded | None:
    """Load the sample wards and parcels; None when the register already has parcels."""
    with engine.connect() as conn:
        if queries.has_parcels(conn):
            return None
    wards = _load_wards(engine, directory)
    parcels = _import_parcels(engine, directory / "parcels.zip")
    logger.info("loaded %d wards and %d parcels from %s", wards, parcels, directory)
    return Loaded(wards=wards, parcels=parcels)
