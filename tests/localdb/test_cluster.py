"""The local PostGIS script: idempotent, keeps data across restarts, clear when it cannot run."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from app.localdb import cluster as localdb
from tests.support import free_port


@pytest.fixture(scope="module")
def cluster() -> Iterator[localdb.Cluster]:
    home = Path(tempfile.mkdtemp(prefix="parcel-registry-localdb-"))
    spec = localdb.Cluster(home=home, port=free_port())
    try:
        yield spec
    finally:
        localdb.destroy(spec)
        shutil.rmtree(home, ignore_errors=True)


def _query(url: str, statement: str) -> object:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(statement)
        return cur.fetchone()[0] if cur.description else None


def test_up_creates_the_database_with_postgis(cluster: localdb.Cluster) -> None:
    url = localdb.up(cluster)
    assert _query(url, "SELECT current_database()") == "parcel_registry"
    assert str(_query(url, "SELECT postgis_lib_version()")).startswith("3.")
    state = localdb.status(cluster)
    assert state.initialised and state.running and state.port == cluster.port


def test_up_again_is_a_no_op_on_the_running_cluster(cluster: localdb.Cluster) -> None:
    first = localdb.up(cluster)
    pid = localdb.status(cluster).pid
    assert localdb.up(cluster) == first
    assert localdb.status(cluster).pid == pid


def test_data_survives_down_and_up(cluster: localdb.Cluster) -> None:
    url = localdb.up(cluster)
    _query(url, "CREATE TABLE IF NOT EXISTS kept (v text); INSERT INTO kept VALUES ('Nếnh')")
    assert localdb.down(cluster) is True
    assert localdb.status(cluster).running is False
    assert localdb.down(cluster) is False  # already stopped
    url = localdb.up(cluster)
    assert _query(url, "SELECT string_agg(v, ',') FROM kept") == "Nếnh"


def test_password_file_is_private(cluster: localdb.Cluster) -> None:
    localdb.up(cluster)
    assert cluster.password_file.stat().st_mode & 0o077 == 0
    assert (cluster.data_dir.stat().st_mode & 0o077) == 0


def test_a_taken_port_is_reported_clearly() -> None:
    home = Path(tempfile.mkdtemp(prefix="parcel-registry-busy-"))
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        spec = localdb.Cluster(home=home, port=port)
        try:
            with pytest.raises(localdb.LocalDbError, match=f"port {port} .* taken"):
                localdb.up(spec)
            assert localdb.status(spec).running is False
        finally:
            localdb.destroy(spec)
            shutil.rmtree(home, ignore_errors=True)


def test_a_data_directory_of_another_user_is_refused(tmp_path: Path) -> None:
    # /usr belongs to root: neither the postgres user (when we are root) nor a normal user
    # may run a cluster there
    if os.geteuid() != 0 and Path("/usr").stat().st_uid == os.geteuid():
        pytest.skip("this user owns /usr")
    (tmp_path / "data").symlink_to("/usr")
    spec = localdb.Cluster(home=tmp_path, port=free_port())
    with pytest.raises(localdb.LocalDbError, match="belongs to root"):
        localdb.up(spec)


def test_a_home_the_server_user_cannot_reach_moves_out_and_is_linked(tmp_path: Path) -> None:
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    home = closed / ".pgdata"
    resolved = localdb.resolve_home(home)
    if os.geteuid() != 0:
        # a normal user runs the server itself: its own directories are always reachable
        assert resolved == home
        return
    assert home.is_symlink() and home.resolve() == resolved
    assert resolved.parent == localdb.FALLBACK_ROOT
    assert localdb.resolve_home(home) == resolved  # found again by the link
    spec = localdb.Cluster(home=resolved, port=free_port())
    try:
        assert _query(localdb.up(spec), "SELECT 1") == 1
    finally:
        localdb.destroy(spec)
