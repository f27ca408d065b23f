"""A service run as `make run` runs it, on a cluster of its own that tests may kill."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from app.config import to_sqlalchemy_url
from app.domain.permissions import Role
from app.localdb import cluster as localdb
from app.services import apikeys
from tests.support import SETUP, free_port

CLI = str(Path(sys.executable).parent / "parcel-registry")


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
        self, import_id: int, *statuses: str, in_phase: str | None = None
    ) -> dict[str, Any]:
        deadline = time.monotonic() + 180
        while True:
            body: dict[str, Any] = self.call("GET", f"/imports/{import_id}").json()
            if body["status"] in statuses:
                if in_phase is None or body["progress"]["phase"] == in_phase:
                    return body
            assert time.monotonic() < deadline, body
            time.sleep(0.1)

    def count(self, table: str) -> int:
        return int(self.scalar(f"SELECT count(*) FROM {table}"))

    def execute(self, statement: str) -> None:
        """Run a statement as the tables' owner, committed."""
        engine = create_engine(to_sqlalchemy_url(self.url))
        try:
            with engine.begin() as conn:
                conn.execute(text(statement))
        finally:
            engine.dispose()

    def scalar(self, statement: str) -> Any:
        """Return the first value of a query run as the tables' owner."""
        engine = create_engine(to_sqlalchemy_url(self.url))
        try:
            with engine.connect() as conn:
                return conn.execute(text(statement)).scalar_one()
        finally:
            engine.dispose()


@contextmanager
def killable_service(
    tmp_path: Path, role: Role, prepare: Callable[[str], None], **env: str
) -> Iterator[Service]:
    """Yield a started service (a subprocess) on a cluster of its own, with a key of `role`.

    `prepare(owner_url)` migrates and fills the database before the service starts. The
    service connects as its own database role, migrations as the owner.
    """
    home = Path(tempfile.mkdtemp(prefix="parcel-registry-faults-"))
    cluster = localdb.Cluster(home=home, port=free_port())
    url = localdb.up(cluster)
    prepare(url)
    engine: Engine = create_engine(to_sqlalchemy_url(url))
    with Session(engine) as session, session.begin():
        _, key = apikeys.create(session=session, actor=SETUP, name=role.value, role=role)
    engine.dispose()
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PARCELS_")}
    environment.update(
        DATABASE_URL=cluster.service_url(),
        MIGRATION_DATABASE_URL=url,
        PORT=str(port),
        PARCELS_UPLOAD_DIR=str(tmp_path / "uploads"),
        **env,
    )
    svc = Service(
        cluster=cluster, url=url, env=environment, base=f"http://127.0.0.1:{port}", key=key
    )
    try:
        svc.start()
        yield svc
    finally:
        svc.stop()
        localdb.destroy(cluster)
        shutil.rmtree(home, ignore_errors=True)


def kill_postgres(cluster: localdb.Cluster) -> None:
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
