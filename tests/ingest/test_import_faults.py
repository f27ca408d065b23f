"""Kill PostgreSQL, or the API process, in the middle of an import: all of it or none of it.

Each test runs its own PostGIS cluster (the shared test server is never killed) and the
service as a subprocess, as `make run` starts it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app.config import PROJECT_ROOT, to_sqlalchemy_url
from app.domain.permissions import Role
from app.localdb import cluster as localdb
from app.services import apikeys
from tests.ingest.conftest import prepare_register
from tests.support import SETUP, free_port

CLI = str(Path(sys.executable).parent / "parcel-registry")
PARCELS = 40_000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("big")
    subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "gis_samples" / "generate.py"),
            "--parcels",
            str(PARCELS),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out / "parcels.zip"


@dataclass
class Service:
    cluster: localdb.Cluster
    url: str
    env: dict[str, str]
    base: str
    key: str
    proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [CLI, "serve", "--no-samples"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert self.proc.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.2)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.key}"}
        deadline = time.monotonic() + 60
        while True:  # the service may be reconnecting to a restarted database
            try:
                response = httpx.request(
                    method, f"{self.base}{path}", headers=headers, timeout=30, **kwargs
                )
                if response.status_code != 503:
                    return response
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"{method} {path} kept failing"
            time.sleep(0.3)

    def wait_for(
        self, import_id: int, *statuses: str, running_past: int | None = None
    ) -> dict[str, Any]:
        deadline = time.monotonic() + 180
        while True:
            body: dict[str, Any] = self.call("GET", f"/imports/{import_id}").json()
            if body["status"] in statuses:
                if running_past is None or (body["progress"]["done"] or 0) > running_past:
                    return body
            assert time.monotonic() < deadline, body
            time.sleep(0.1)

    def count(self, table: str) -> int:
        engine = create_engine(to_sqlalchemy_url(self.url))
        try:
            with engine.connect() as conn:
                return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
        finally:
            engine.dispose()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    home = Path(tempfile.mkdtemp(prefix="parcel-registry-faults-"))
    cluster = localdb.Cluster(home=home, port=free_port())
    url = localdb.up(cluster)
    prepare_register(url)
    engine = create_engine(to_sqlalchemy_url(url))
    with Session(engine) as session, session.begin():
        _, key = apikeys.create(session=session, actor=SETUP, name="surveyor", role=Role.SURVEYOR)
    engine.dispose()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCELS_")}
    env.update(
        DATABASE_URL=url,
        PORT=str(port),
        PARCELS_UPLOAD_DIR=str(tmp_path / "uploads"),
        PARCELS_IMPORT_STALE_AFTER_S="3",
    )
    svc = Service(cluster=cluster, url=url, env=env, base=f"http://127.0.0.1:{port}", key=key)
    try:
        svc.start()
        yield svc
    finally:
        svc.stop()
        localdb.destroy(cluster)
        shutil.rmtree(home, ignore_errors=True)


def _upload(service: Service, path: Path) -> int:
    with path.open("rb") as f:
        response = service.call(
            "POST", "/imports", files={"file": (path.name, f, "application/zip")}
        )
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


def _kill_postgres(cluster: localdb.Cluster) -> None:
    """SIGKILL the postmaster and every backend of the cluster."""
    postmaster = int((cluster.data_dir / "postmaster.pid").read_text().splitlines()[0])
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True)
    for pid in [postmaster, *map(int, children.stdout.split())]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 20
    while localdb.status(cluster).running:
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_postgres_killed_mid_import_leaves_nothing_and_retry_completes(
    service: Service, big_file: Path
) -> None:
    import_id = _upload(service, big_file)
    service.wait_for(import_id, "running", running_past=PARCELS // 4)
    _kill_postgres(service.cluster)
    time.sleep(0.5)
    localdb.up(service.cluster)  # crash recovery

    failed = service.wait_for(import_id, "failed")
    assert failed["error"]
    assert service.count("parcel") == 0 and service.count("parcel_version") == 0

    assert service.call("POST", f"/imports/{import_id}/retry").status_code == 202
    done = service.wait_for(import_id, "succeeded", "failed")
    assert done["status"] == "succeeded", done
    assert done["report"]["inserted"] == PARCELS and done["attempts"] == 2
    assert service.count("parcel") == PARCELS


def test_api_killed_mid_import_is_marked_failed_on_restart_and_retried(
    service: Service, big_file: Path
) -> None:
    import_id = _upload(service, big_file)
    service.wait_for(import_id, "running", running_past=PARCELS // 4)
    service.kill()
    time.sleep(3.5)  # longer than the stale-heartbeat limit
    assert service.count("parcel") == 0  # its transaction died with it

    service.start()
    failed = service.wait_for(import_id, "failed")
    assert "interrupted" in failed["error"]
    assert service.call("POST", f"/imports/{import_id}/retry").status_code == 202
    done = service.wait_for(import_id, "succeeded", "failed")
    assert done["status"] == "succeeded", done
    assert service.count("parcel") == PARCELS
    assert service.count("parcel_version") == PARCELS
