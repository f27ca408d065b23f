"""Fixtures for import tests: an empty register with wards, on a database that commits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from app.config import PROJECT_ROOT, to_sqlalchemy_url
from app.db import migrate
from app.domain.imports import ImportOptions
from app.domain.permissions import Actor, Role
from app.services import imports, samples
from tests.support import fresh_database

SAMPLES = PROJECT_ROOT / "gis_samples"


def prepare_register(url: str) -> None:
    """Migrate the database at `url` and load the sample wards and crosswalk (no parcels)."""
    migrate.upgrade(url)
    engine = create_engine(to_sqlalchemy_url(url))
    try:
        samples.load_wards(engine, SAMPLES)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def register_url(server_url: str) -> Iterator[str]:
    """Yield the URL of a migrated database with the sample wards and no parcels."""
    with fresh_database(server_url, "imports") as url:
        prepare_register(url)
        yield url


@pytest.fixture
def register(register_url: str) -> Iterator[Engine]:
    """Yield an engine on the register, emptied of parcels and imports after the test."""
    engine = create_engine(to_sqlalchemy_url(register_url))
    yield engine
    with engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE parcel, parcel_land_use, holder, parcel_version, certificate,"
                " dossier_return, dispute, backlog_reason, complaint, parcel_lineage,"
                " import_issue, import_job RESTART IDENTITY CASCADE"
            )
        )
    engine.dispose()


ImportRun = Callable[..., tuple[str, dict, list]]


@pytest.fixture
def run_import(register: Engine, tmp_path: Path) -> ImportRun:
    """Return a function that imports a file through the job machinery and returns
    (status, report, issues as dicts)."""

    def run(source: Path, **options: object) -> tuple[str, dict, list]:
        finished = imports.import_now(
            register,
            source,
            spool_dir=tmp_path / "spool",
            uploader=Actor(name="test surveyor", role=Role.SURVEYOR),
            options=ImportOptions(**options),  # type: ignore[arg-type]
        )
        status, report, import_id = finished.status, finished.report, finished.import_id
        with register.connect() as conn:
            issues = [
                dict(r._mapping)
                for r in conn.execute(
                    text(
                        "SELECT source_row, feature_key, kind, reason FROM import_issue"
                        " WHERE import_id = :id ORDER BY seq"
                    ),
                    {"id": import_id},
                )
            ]
        return status, report or {}, issues

    return run
