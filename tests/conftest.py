"""Session fixtures: a throwaway PostGIS, migrated, with the samples loaded.

Set DATABASE_URL to run against an existing server instead: the tests then create (and drop)
their own database on it, so its role needs CREATEDB.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.orm import Session

from app.api.deps import get_read_session, get_session
from app.config import PROJECT_ROOT, Settings, to_sqlalchemy_url
from app.db import migrate
from app.domain import clock
from app.localdb import cluster as localdb
from app.main import create_app
from app.services import samples
from tests.support import CLOCK, free_port, fresh_database, live_server

SAMPLES = PROJECT_ROOT / "gis_samples"


@pytest.fixture(scope="session", autouse=True)
def pinned_clock() -> Iterator[None]:
    """Stop the registry's clock at the suite's instant (the databases' clocks stand there
    too: tests.support.fresh_database)."""
    with clock.pinned(CLOCK):
        yield


@pytest.fixture(scope="session")
def local_cluster() -> Iterator[localdb.Cluster | None]:
    """Yield the throwaway local cluster, or None when DATABASE_URL names a server."""
    if os.environ.get("DATABASE_URL"):
        yield None
        return
    # the throwaway cluster comes from the same code as `make run`'s
    home = Path(tempfile.mkdtemp(prefix="parcel-registry-test-"))
    cluster = localdb.Cluster(home=home, port=free_port())
    try:
        localdb.up(cluster)
        yield cluster
    finally:
        localdb.destroy(cluster)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def server_url(local_cluster: localdb.Cluster | None) -> str:
    """Return a URL of a PostGIS server the tests may create databases on."""
    return local_cluster.url() if local_cluster else os.environ["DATABASE_URL"]


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """Yield the URL of a fresh database, migrated to head, with the samples loaded."""
    with fresh_database(server_url, "registry_test") as url:
        migrate.upgrade(url)
        engine = create_engine(to_sqlalchemy_url(url))
        try:
            samples.load_if_empty(engine=engine, directory=SAMPLES)
        finally:
            engine.dispose()
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    """Return settings bound to the test database."""
    # one client address sends every anonymous request of the suite: no rate limit here
    # (tests/api/test_limits.py checks it); the counters' upkeep runs where a test calls it
    return Settings(  # type: ignore[call-arg]
        DATABASE_URL=database_url, anonymous_writes_limit=10**9, stats_upkeep=False
    )


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """Yield an engine on the test database."""
    engine = create_engine(to_sqlalchemy_url(database_url))
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """Yield a connection inside a transaction that is rolled back after the test."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            yield conn
        finally:
            transaction.rollback()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """Yield an ORM session joined to the test's rolled-back transaction."""
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        yield session


class _SessionHolder:
    current: Session | None = None


@pytest.fixture(scope="session")
def _holder() -> _SessionHolder:
    return _SessionHolder()


@pytest.fixture(scope="session")
def base_url(settings: Settings, _holder: _SessionHolder) -> Iterator[str]:
    """Yield the URL of the app served over real HTTP, its sessions bound to the test's."""
    app = create_app(settings)

    def test_session() -> Iterator[Session]:
        assert _holder.current is not None, "use the `client` fixture"
        yield _holder.current

    def test_read_session() -> Iterator[Session]:
        # a session of its own on the test's connection, as the service's read session is
        # one of its own: the page's endpoint may close it before the answer is sent
        assert _holder.current is not None, "use the `client` fixture"
        _holder.current.flush()
        connection = _holder.current.connection()
        with Session(bind=connection, join_transaction_mode="create_savepoint") as reader:
            yield reader

    app.dependency_overrides[get_session] = test_session
    app.dependency_overrides[get_read_session] = test_read_session
    with live_server(app) as url:
        yield url


@pytest.fixture
def client(base_url: str, session: Session, _holder: _SessionHolder) -> Iterator[httpx.Client]:
    """Yield an HTTP client of the live app; what the requests write is rolled back."""
    _holder.current = session
    with httpx.Client(base_url=base_url, timeout=30) as http:
        yield http
    _holder.current = None
