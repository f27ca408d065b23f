"""SQL of what the database server says about itself: PostGIS, the schema's revision."""

from __future__ import annotations

from sqlalchemy import Connection, text


def postgis_version(conn: Connection) -> str:
    """The PostGIS version (raises if PostGIS is not usable)."""
    return str(conn.execute(text("SELECT postgis_version()")).scalar_one())


def schema_revision(conn: Connection) -> str | None:
    """The Alembic revision the schema is at, or None before the first migration."""
    revision: str | None = conn.execute(
        text(
            "SELECT version_num FROM alembic_version "
            "WHERE to_regclass('alembic_version') IS NOT NULL"
        )
    ).scalar_one_or_none()
    return revision
