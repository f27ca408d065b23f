"""`parcel-registry serve`, as `make run` calls it: local PostGIS or DATABASE_URL, then HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg2

from app.db import migrate
from app.localdb import cluster as localdb
from tests.support import free_port, fresh_database

CLI = str(Path(sys.executable).parent / "parcel-registry")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCELS_")}
    env.pop("DATABASE_URL", None)
    env.update(extra)
    return env


@contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    """Run `parcel-registry serve` until /health answers; stop it with SIGINT afterwards."""
    port = env["PORT"]
    proc = subprocess.Popen(
        [CLI, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"serve exited {proc.returncode}: {proc.stdout.read()}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve did not answer /health in time"
            time.sleep(0.3)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _scalar(url: str, statement: str) -> object:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(statement)
        return cur.fetchone()[0]


def test_serve_sets_up_local_postgis_and_keeps_data_across_restarts(tmp_path: Path) -> None:
    home = tmp_path / "pg"
    env = _env(PARCELS_PG_HOME=str(home), PARCELS_PG_PORT=str(free_port()), PORT=str(free_port()))
    try:
        with serving(env) as url:
            health = httpx.get(f"{url}/health").json()
            assert health["status"] == "ok" and health["schema_revision"] == migrate.head_revision()
            assert httpx.get(f"{url}/docs").status_code == 200
            db_url = subprocess.run(
                [CLI, "db", "url"], env=env, capture_output=True, text=True, check=True
            ).stdout.strip()
            assert _scalar(db_url, "SELECT count(*) FROM parcel") == 3000
            # with weeks of the certification drive behind them, counted by the statistics
            summary = httpx.get(f"{url}/stats/summary").json()
            certified = _scalar(
                db_url, "SELECT count(*) FROM parcel WHERE status IN ('signed', 'delivered')"
            )
            assert summary["certified"] == certified > 300
            assert summary["in_custody"] > 0 and summary["open_disputes"] > 0
            assert summary["returned_total"] > 0 and summary["weekly_rate"] > 0
            _scalar(db_url, "UPDATE parcel SET address = 'sửa tay' WHERE id = 1 RETURNING id")
            # the service connects as its own role, not as the tables' owner
            assert db_url.startswith(f"postgresql://{localdb.SERVICE_USER}:")
            users = _scalar(
                db_url,
                "SELECT array_agg(DISTINCT usename) FROM pg_stat_activity"
                " WHERE application_name = 'parcel-registry'",
            )
            assert users == [localdb.SERVICE_USER]

        stopped = subprocess.run([CLI, "db", "down"], env=env, capture_output=True, text=True)
        assert stopped.returncode == 0 and "stopped" in stopped.stdout
        status = subprocess.run([CLI, "db", "status"], env=env, capture_output=True, text=True)
        assert status.returncode == 3 and "stopped" in status.stdout

        with serving(env):
            # the same data: not reloaded, not lost
            assert _scalar(db_url, "SELECT count(*) FROM parcel") == 3000
            assert _scalar(db_url, "SELECT address FROM parcel WHERE id = 1") == "sửa tay"
    finally:
        spec = localdb.Cluster(home=localdb.resolve_home(home), port=int(env["PARCELS_PG_PORT"]))
        localdb.destroy(spec)


def test_serve_migrates_and_serves_database_url_instead(server_url: str, tmp_path: Path) -> None:
    home = tmp_path / "unused-pg"
    with fresh_database(server_url, "serve_external") as external:
        env = _env(DATABASE_URL=external, PARCELS_PG_HOME=str(home), PORT=str(free_port()))
        with serving(env) as url:
            assert httpx.get(f"{url}/health").json()["schema_revision"] == migrate.head_revision()
            assert _scalar(external, "SELECT count(*) FROM parcel") == 3000
    assert not home.exists()  # no local cluster was made


def test_db_commands_refuse_when_database_url_is_set(tmp_path: Path) -> None:
    env = _env(DATABASE_URL="postgresql://u:p@127.0.0.1:1/x", PARCELS_PG_HOME=str(tmp_path))
    result = subprocess.run([CLI, "db", "up"], env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert "DATABASE_URL is set" in result.stderr
