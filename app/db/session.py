"""Engine and sessions: one transaction per request."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings


def make_engine(settings: Settings) -> Engine:
    """Return an engine for the configured database, failing fast when it is down."""
    limits = [
        f"-c {name}={value}"
        for name, value in (
            ("statement_timeout", settings.db_statement_timeout_ms),
            ("lock_timeout", settings.db_lock_timeout_ms),
        )
        if value is not None
    ]
    return create_engine(
        settings.sqlalchemy_url(),
        pool_size=settings.db_pool_size,
        # the connection used last comes first: its backend has the plans, the catalog and
        # PostGIS's coordinate transformations cached (first use in a backend costs tens of
        # ms); first-in-first-out would send each request to the coldest one
        pool_use_lifo=True,
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": settings.db_connect_timeout_s,
            "application_name": "parcel-registry",
            **({"options": " ".join(limits)} if limits else {}),
        },
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to the engine."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session inside one transaction: committed on success, rolled back on error."""
    with factory.begin() as session:
        yield session


def read_session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session in one read-only REPEATABLE READ transaction, rolled back at the end.

    For reads that may span several statements (a count and a page, a page fetched in
    batches from a server-side cursor): all see the same snapshot. The isolation level and
    read-only flag ride on the BEGIN (no extra round trip) and are reset when the connection
    returns to the pool.
    """
    with factory() as session:
        session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
        yield session
