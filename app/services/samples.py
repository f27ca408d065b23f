"""Load gis_samples/ into an empty register: wards and crosswalk, then the parcels through
the same import as surveyors' uploads."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from app.db import queries
from app.db import samples as samples_sql
from app.domain import clock
from app.domain.imports import ImportOptions
from app.domain.permissions import Actor, Role
from app.services import imports, sample_history, wards

logger = logging.getLogger(__name__)

LOADER = Actor(name="gis_samples loader", role=Role.SURVEYOR)


@dataclass(frozen=True)
class Loaded:
    """How many wards and parcels a load wrote."""

    wards: int
    parcels: int
    events: int = 0


def load_wards(engine: Engine, directory: Path) -> int:
    """Import the sample wards and the commune crosswalk, as `parcel-registry wards import`
    does, when there are no wards yet; return how many wards."""
    with Session(engine) as session, session.begin():
        if samples_sql.has_wards(session.connection()):
            return 0
        count = wards.import_file(
            session=session, actor=LOADER, path=directory / "wards.geojson"
        ).count
        crosswalk = directory / "commune_crosswalk.csv"
        if crosswalk.exists():
            wards.import_crosswalk(session=session, actor=LOADER, data=crosswalk.read_bytes())
    return count


def _import_parcels(engine: Engine, source: Path) -> int:
    """Import the sample parcels as a surveyor's upload would be; return how many (on the
    counters' clock of the engine's connections)."""
    with tempfile.TemporaryDirectory(prefix="parcel-samples-") as spool_dir:
        finished = imports.import_now(
            engine, source, spool_dir=Path(spool_dir), uploader=LOADER, options=ImportOptions()
        )
    if finished.status != "succeeded" or finished.report is None:
        raise RuntimeError(
            f"the sample parcels did not import (import {finished.import_id}): {finished.error}"
        )
    return int(finished.report["inserted"])


def _clocked(engine: Engine, day: date) -> Engine:
    """Return an engine like `engine` whose connections set the counters' clock to `day`."""
    return create_engine(
        engine.url,
        connect_args={"options": f"-c registry.clock={day}T08:00:00+07:00"},
        poolclass=NullPool,
    )


def load_if_empty(*, engine: Engine, directory: Path, history_weeks: int = 0) -> Loaded | None:
    """Load the sample wards and parcels; None when the register already has parcels.

    With `history_weeks`, the parcels are surveyed that many weeks ago and the drive since is
    played on them (app.services.sample_history).
    """
    with engine.connect() as conn:
        if queries.has_parcels(conn):
            return None
    wards = load_wards(engine, directory)
    today = clock.today()
    start = today - timedelta(weeks=history_weeks)
    surveyed = _clocked(engine, start) if history_weeks else engine
    try:
        parcels = _import_parcels(surveyed, directory / "parcels.zip")
    finally:
        if surveyed is not engine:
            surveyed.dispose()
    events = 0
    if history_weeks:
        logger.info("playing %d weeks of the certification drive on the samples", history_weeks)
        events = sample_history.make(engine, start=start, today=today)
    logger.info(
        "loaded %d wards and %d parcels from %s (%d events of history)",
        wards,
        parcels,
        directory,
        events,
    )
    return Loaded(wards=wards, parcels=parcels, events=events)
