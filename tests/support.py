"""Helpers shared by the tests: free ports, throwaway databases, a live HTTP server."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import uvicorn
from fastapi import FastAPI
from psycopg2 import sql

from app.domain import clock
from app.domain.permissions import Actor, Role, command_line

# who the audit log names for what tests set up directly through the services
SETUP: Actor = command_line("test setup")

# The instant the suite runs at, whatever the real day: the registry's clock and the counters'
# clock of every test database stand still there. PARCELS_TEST_CLOCK moves it (an ISO time
# with its offset), to run the suite as on a Sunday, a month end or New Year's Eve.
CLOCK: datetime = datetime.fromisoformat(
    os.environ.get("PARCELS_TEST_CLOCK") or "2026-12-06T10:30:00+07:00"
)
if CLOCK.tzinfo is None:
    raise SystemExit("PARCELS_TEST_CLOCK needs its UTC offset, e.g. 2026-12-31T16:00:00+07:00")
TODAY: date = CLOCK.astimezone(clock.LOCAL_TZ).date()


def free_port() -> int:
    """Return a TCP port on the loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_database(url: str, database: str) -> str:
    """Return `url` pointing at another database of the same server."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


@contextmanager
def fresh_database(
    server_url: str, prefix: str = "test", at: datetime | None = CLOCK
) -> Iterator[str]:
    """Create an empty database on the server, yield its URL, drop it afterwards.

    Its counters' clock (`registry.clock`) stands at `at` for every session (None: wall time).
    """
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(with_database(server_url, "postgres"))
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            if at is not None:
                cur.execute(
                    sql.SQL("ALTER DATABASE {} SET registry.clock = {}").format(
                        sql.Identifier(name), sql.Literal(at.isoformat())
                    )
                )
        yield with_database(server_url, name)
    finally:
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve `app` with uvicorn on a loopback port in a thread; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def committed_register(
    server_url: str, service_url: Callable[[str], str] | None, roles: Iterable[Role]
) -> Iterator[tuple[str, str, dict[str, dict[str, str]]]]:
    """Yield (owner URL, service URL, Bearer headers per role) of a fresh, migrated database
    with the samples loaded, whose writes commit (apps under test get their own engine).

    `service_url` gives the service role's URL of a database name (None: use the owner's).
    """
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from app.config import PROJECT_ROOT, to_sqlalchemy_url
    from app.db import migrate
    from app.services import apikeys, samples

    with fresh_database(server_url, "committed") as url:
        migrate.upgrade(url)
        engine = create_engine(to_sqlalchemy_url(url))
        try:
            samples.load_if_empty(engine=engine, directory=PROJECT_ROOT / "gis_samples")
            headers = {}
            with Session(engine) as session, session.begin():
                for role in roles:
                    ward = "07795" if role is Role.WARD_OFFICER else None
                    _, key = apikeys.create(
                        session=session, actor=SETUP, name=f"t {role}", role=role, ward_code=ward
                    )
                    headers[role.value] = {"Authorization": f"Bearer {key}"}
        finally:
            engine.dispose()
        database = urlsplit(url).path.lstrip("/")
        yield url, service_url(database) if service_url else url, headers


def ensure_tool(command: str, package: str) -> str:
    """Return the path of a command-line tool, installing its Debian package when missing
    (as root, or through password-less sudo); fail the test with the apt line otherwise."""
    import os
    import shutil
    import subprocess

    import pytest

    found = shutil.which(command)
    if found:
        return found
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
        if subprocess.run(prefix + step, capture_output=True, env=env).returncode != 0:
            pytest.fail(f"{command} is missing: install it with 'sudo apt-get install {package}'")
    found = shutil.which(command)
    assert found is not None
    return found
