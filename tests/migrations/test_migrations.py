from __future__ import annotations

import psycopg2
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from geoalchemy2 import alembic_helpers

from app.config import to_sqlalchemy_url
from app.db import migrate
from app.db.base import Base
from tests.support import fresh_database

ZONES = range(9205, 9219)


def _tables(url: str) -> set[str]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row[0] for row in cur.fetchall()}


def _zone_rows(url: str) -> int:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM spatial_ref_sys WHERE srid BETWEEN 9205 AND 9218")
        return int(cur.fetchone()[0])


def test_upgrade_downgrade_to_base_and_upgrade_again(server_url: str) -> None:
    with fresh_database(server_url, "migrations") as url:
        migrate.upgrade(url)
        assert {"ward", "parcel", "alembic_version"} <= _tables(url)
        assert _zone_rows(url) == len(ZONES)

        migrate.downgrade(url, "base")
        assert _tables(url) & {"ward", "parcel"} == set()
        assert _zone_rows(url) == 0

        migrate.upgrade(url)
        assert {"ward", "parcel"} <= _tables(url)
        assert _zone_rows(url) == len(ZONES)


def test_each_revision_steps_down_and_up(server_url: str) -> None:
    with fresh_database(server_url, "migrations") as url:
        migrate.upgrade(url, "0001")
        assert "ward" not in _tables(url)
        migrate.upgrade(url, "0002")
        migrate.downgrade(url, "0001")
        assert "ward" not in _tables(url)
        assert _zone_rows(url) == len(ZONES)


@pytest.mark.usefixtures("database_url")
def test_models_match_the_migrated_schema(database_url: str) -> None:
    engine = create_engine(to_sqlalchemy_url(database_url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": alembic_helpers.include_object}
            )
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
