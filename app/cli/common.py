"""What the commands share: the errors they report, the database they use, who they act as."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import PostgresDsn
from sqlalchemy.orm import Session

from app.config import Settings
from app.domain.permissions import Actor, command_line
from app.localdb import cluster as localdb


class CliError(Exception):
    """A command failed for a reason the user can act on."""


def local_cluster(settings: Settings) -> localdb.Cluster:
    """Return the local cluster the settings describe, its home resolved for this user."""
    return localdb.Cluster(home=localdb.resolve_home(settings.pg_home), port=settings.pg_port)


def with_database(settings: Settings) -> Settings:
    """Return settings whose database URLs are set, starting the local PostGIS if needed.

    On the local cluster the service connects as its own role and migrations as the owner.
    """
    if settings.database_url is not None:
        return settings
    cluster = local_cluster(settings)
    localdb.up(cluster)
    return settings.model_copy(
        update={
            "database_url": PostgresDsn(cluster.service_url()),
            "migration_database_url": PostgresDsn(cluster.url()),
        }
    )


def cli_actor() -> Actor:
    """Return who the audit log names for a command: the OS user running it."""
    import getpass

    return command_line(getpass.getuser())


@contextmanager
def session_scope(settings: Settings) -> Iterator[Session]:
    """Yield a session in one committed transaction on the migrated database."""
    from app.db import migrate
    from app.db.session import make_engine, make_sessionmaker

    settings = with_database(settings)
    migrate.upgrade(settings.migration_url())
    engine = make_engine(settings)
    try:
        with make_sessionmaker(engine).begin() as session:
            yield session
    finally:
        engine.dispose()
