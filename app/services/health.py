"""Database reachability checks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from app.db import server_info
from app.errors import DatabaseUnavailable


@dataclass(frozen=True)
class DatabaseProbe:
    """What a successful probe of the database found."""

    postgis_version: str
    schema_revision: str | None


def probe_database(*, engine: Engine) -> DatabaseProbe:
    """Return the PostGIS version and schema revision; raise DatabaseUnavailable if down."""
    try:
        with engine.connect() as conn:
            postgis = server_info.postgis_version(conn)
            revision = server_info.schema_revision(conn)
    except OperationalError as exc:
        raise DatabaseUnavailable(
            "The registry cannot reach its PostgreSQL database; check that it runs "
            "(parcel-registry db status) and that DATABASE_URL is right."
        ) from exc
    except DBAPIError as exc:
        raise DatabaseUnavailable(
            "The database answered but PostGIS is not usable in it; run the migrations "
            "(parcel-registry migrate)."
        ) from exc
    return DatabaseProbe(postgis_version=str(postgis), schema_revision=revision)
