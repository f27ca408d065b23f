"""Set up, start, stop and inspect a project-local PostgreSQL + PostGIS cluster.

The cluster lives in a state directory (``.pgdata/`` in the clone by default)::

    .pgdata/data/          the cluster (initdb)
    .pgdata/password       the password of the cluster's superuser, 0600
    .pgdata/service_password  the password of the role the service runs as, 0600
    .pgdata/postgres.log   the server log

PostgreSQL refuses to run as root, so under root the server runs as the unprivileged
``postgres`` OS user. That user must be able to reach the state directory; when the clone sits
under a directory it cannot enter (``/root`` is 0700), the state directory moves to
``/var/tmp/parcel-registry/<hash of the clone's path>/`` and ``.pgdata`` becomes a symlink to it,
so that ``db down`` still finds the cluster by its data directory.
"""

from __future__ import annotations

import errno
import logging
import os
import pwd
import secrets
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg2
from psycopg2 import sql

from app.localdb.os_user import (
    FALLBACK_ROOT,
    LocalDbError,
    resolve_home,
    run,
    runtime_user,
)
from app.localdb.packages import PgInstall, ensure_postgis

__all__ = [
    "FALLBACK_ROOT",
    "SERVICE_USER",
    "Cluster",
    "LocalDbError",
    "Status",
    "destroy",
    "down",
    "resolve_home",
    "status",
    "up",
]

logger = logging.getLogger(__name__)

SUPERUSER = "registry"
# The service logs in as SERVICE_USER, a member of the group role the migrations grant to
# (revision 0007): it owns nothing, cannot rewrite the audit log, and has these limits.
SERVICE_USER = "registry_app"
SERVICE_GROUP = "parcel_registry_service"
SERVICE_LIMITS = {
    "statement_timeout": "30s",
    "lock_timeout": "5s",
    "temp_file_limit": "4GB",
    "idle_in_transaction_session_timeout": "5min",
}


@dataclass(frozen=True)
class Cluster:
    """A local cluster: where it lives, which port it listens on, which database it serves."""

    home: Path
    port: int
    database: str = "parcel_registry"
    host: str = "127.0.0.1"

    @property
    def data_dir(self) -> Path:
        """Return the cluster's data directory."""
        return self.home / "data"

    @property
    def password_file(self) -> Path:
        """Return the file holding the superuser's password."""
        return self.home / "password"

    @property
    def log_file(self) -> Path:
        """Return the server log."""
        return self.home / "postgres.log"

    @property
    def service_password_file(self) -> Path:
        """Return the file holding the service role's password."""
        return self.home / "service_password"

    def url(self, database: str | None = None) -> str:
        """Return the superuser's URL for a database of this cluster (default: the registry's).

        Migrations and administration use it; the service uses `service_url`.
        """
        password = self.password_file.read_text().strip()
        return (
            f"postgresql://{SUPERUSER}:{quote(password, safe='')}@{self.host}:{self.port}"
            f"/{database or self.database}"
        )

    def service_url(self, database: str | None = None) -> str:
        """Return the URL the service connects with: its own role, not the tables' owner."""
        password = self.service_password_file.read_text().strip()
        return (
            f"postgresql://{SERVICE_USER}:{quote(password, safe='')}@{self.host}:{self.port}"
            f"/{database or self.database}"
        )


@dataclass(frozen=True)
class Status:
    """What `db status` reports."""

    initialised: bool
    running: bool
    pid: int | None
    port: int | None
    home: Path


# -- state -----------------------------------------------------------------------------------


def _check_owner(cluster: Cluster, user: pwd.struct_passwd | None) -> None:
    """Refuse a data directory that belongs to another OS user, with a clear message."""
    if not cluster.data_dir.exists():
        return
    owner_uid = cluster.data_dir.stat().st_uid
    expected_uid = user.pw_uid if user is not None else os.geteuid()
    if owner_uid != expected_uid:
        try:
            owner = pwd.getpwuid(owner_uid).pw_name
        except KeyError:
            owner = f"uid {owner_uid}"
        runner = user.pw_name if user is not None else pwd.getpwuid(expected_uid).pw_name
        raise LocalDbError(
            f"the data directory {cluster.data_dir} belongs to {owner}, but the server would run "
            f"as {runner}; run as {owner}, or remove {cluster.home} to start a fresh cluster"
        )


def _pid(cluster: Cluster) -> tuple[int, int] | None:
    """Return (pid, port) of the server running on this data directory, if any."""
    pidfile = cluster.data_dir / "postmaster.pid"
    try:
        lines = pidfile.read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, IndexError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, owned by the runtime user
    return pid, port


def _port_in_use(host: str, port: int) -> bool:
    """Return whether something already listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def status(cluster: Cluster) -> Status:
    """Return whether the cluster exists and runs."""
    running = _pid(cluster)
    return Status(
        initialised=(cluster.data_dir / "PG_VERSION").exists(),
        running=running is not None,
        pid=running[0] if running else None,
        port=running[1] if running else None,
        home=cluster.home,
    )


# -- life cycle ------------------------------------------------------------------------------


def _initdb(cluster: Cluster, pg: PgInstall, user: pwd.struct_passwd | None) -> None:
    """Create the cluster with a random superuser password; only the loopback is served."""
    cluster.home.mkdir(parents=True, exist_ok=True)
    cluster.home.chmod(0o700)
    password = secrets.token_urlsafe(24)
    cluster.password_file.write_text(password + "\n")
    cluster.password_file.chmod(0o600)
    if user is not None:
        for path in (cluster.home, cluster.password_file):
            os.chown(path, user.pw_uid, user.pw_gid)
    run(
        [
            str(pg.bindir / "initdb"),
            "--pgdata",
            str(cluster.data_dir),
            "--username",
            SUPERUSER,
            "--pwfile",
            str(cluster.password_file),
            "--auth",
            "scram-sha-256",
            "--encoding",
            "UTF8",
            "--locale",
            "C.UTF-8",
        ],
        user=user,
    )
    # TCP on the loopback only: a Unix socket path would have to fit in 107 bytes,
    # which a deep clone path does not.
    with (cluster.data_dir / "postgresql.conf").open("a") as conf:
        conf.write(
            "\n# parcel-registry local cluster\n"
            f"listen_addresses = '{cluster.host}'\n"
            "unix_socket_directories = ''\n"
            "max_connections = 100\n"
            "shared_buffers = '256MB'\n"
            "work_mem = '32MB'\n"
            "maintenance_work_mem = '256MB'\n"
            "log_min_duration_statement = 2000\n"
        )


def _start(cluster: Cluster, pg: PgInstall, user: pwd.struct_passwd | None) -> None:
    """Start the server on the cluster's port, waiting until it accepts connections."""
    if _port_in_use(cluster.host, cluster.port):
        raise LocalDbError(
            f"port {cluster.port} on {cluster.host} is taken by another process; stop it or "
            f"choose another port with PARCELS_PG_PORT"
        )
    if user is not None and not cluster.log_file.exists():
        cluster.log_file.touch(0o600)
        os.chown(cluster.log_file, user.pw_uid, user.pw_gid)
    result = run(
        [
            str(pg.bindir / "pg_ctl"),
            "--pgdata",
            str(cluster.data_dir),
            "--log",
            str(cluster.log_file),
            "--options",
            f"-p {cluster.port}",
            "--wait",
            "--timeout",
            "60",
            "start",
        ],
        user=user,
        check=False,
    )
    if result.returncode != 0:
        tail = cluster.log_file.read_text(errors="replace").splitlines()[-8:]
        raise LocalDbError(
            "PostgreSQL did not start; last lines of "
            f"{cluster.log_file}:\n" + "\n".join(tail or [result.stderr.strip()])
        )


def _ensure_database(cluster: Cluster) -> None:
    """Create the registry database and the postgis extension when missing."""
    conn = psycopg2.connect(cluster.url("postgres"), connect_timeout=10)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (cluster.database,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cluster.database)))
    finally:
        conn.close()
    conn = psycopg2.connect(cluster.url(), connect_timeout=10)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    finally:
        conn.close()


def _ensure_service_role(cluster: Cluster) -> None:
    """Create the service's login role (and its group, if no migration made it yet)."""
    if not cluster.service_password_file.exists():
        cluster.service_password_file.write_text(secrets.token_urlsafe(24) + "\n")
        cluster.service_password_file.chmod(0o600)
    password = cluster.service_password_file.read_text().strip()
    conn = psycopg2.connect(cluster.url("postgres"), connect_timeout=10)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            for role, login in ((SERVICE_GROUP, False), (SERVICE_USER, True)):
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
                if cur.fetchone() is None:
                    cur.execute(
                        sql.SQL("CREATE ROLE {} " + ("LOGIN" if login else "NOLOGIN")).format(
                            sql.Identifier(role)
                        )
                    )
            user = sql.Identifier(SERVICE_USER)
            cur.execute(sql.SQL("ALTER ROLE {} PASSWORD %s").format(user), (password,))
            cur.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(SERVICE_GROUP), user))
            for name, value in SERVICE_LIMITS.items():
                cur.execute(
                    sql.SQL("ALTER ROLE {} SET {} = %s").format(user, sql.Identifier(name)),
                    (value,),
                )
    finally:
        conn.close()


def up(cluster: Cluster) -> str:
    """Install, initialise and start the cluster as needed; return the registry's URL.

    Idempotent: a running cluster is left as it is.
    """
    pg = ensure_postgis()
    user = runtime_user()
    _check_owner(cluster, user)
    if cluster.home.exists() and not cluster.password_file.exists() and cluster.data_dir.exists():
        raise LocalDbError(
            f"{cluster.data_dir} exists but {cluster.password_file} is missing; "
            f"remove {cluster.home} to start a fresh cluster"
        )
    if not (cluster.data_dir / "PG_VERSION").exists():
        if cluster.data_dir.exists() and any(cluster.data_dir.iterdir()):
            raise LocalDbError(
                f"{cluster.data_dir} is not empty but holds no cluster; remove it and retry"
            )
        logger.info("initialising a PostgreSQL %s cluster in %s", pg.version, cluster.data_dir)
        _initdb(cluster, pg, user)
    running = _pid(cluster)
    if running is None:
        _start(cluster, pg, user)
    elif running[1] != cluster.port:
        raise LocalDbError(
            f"the cluster in {cluster.data_dir} already runs on port {running[1]}, "
            f"not {cluster.port}; stop it first (parcel-registry db down)"
        )
    _ensure_database(cluster)
    _ensure_service_role(cluster)
    return cluster.url()


def down(cluster: Cluster) -> bool:
    """Stop the cluster if it runs; return whether it was running."""
    if _pid(cluster) is None:
        return False
    pg = ensure_postgis(install=False)
    run(
        [str(pg.bindir / "pg_ctl"), "--pgdata", str(cluster.data_dir), "--mode", "fast", "stop"],
        user=runtime_user(),
    )
    return True


def destroy(cluster: Cluster) -> None:
    """Stop the cluster and delete its state directory (throwaway test clusters)."""
    down(cluster)
    shutil.rmtree(cluster.home, ignore_errors=True)
