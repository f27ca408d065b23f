"""Kill PostgreSQL, or the API process, in the middle of an import: all of it or none of it.

Each test runs its own PostGIS cluster (the shared test server is never killed) and the
service as a subprocess, as `make run` starts it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from app.domain.permissions import Role
from app.localdb import cluster as localdb
from tests.faults import Service, kill_postgres, killable_service
from tests.services.conftest import prepare_register

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


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with killable_service(
        tmp_path, Role.SURVEYOR, prepare_register, PARCELS_IMPORT_STALE_AFTER_S="3"
    ) as svc:
        yield svc


def _upload(service: Service, path: Path) -> int:
    with path.open("rb") as f:
        response = service.call(
            "POST", "/imports", files={"file": (path.name, f, "application/zip")}
        )
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


def test_postgres_killed_mid_import_leaves_nothing_and_retry_completes(
    service: Service, big_file: Path
) -> None:
    import_id = _upload(service, big_file)
    service.wait_for(import_id, "running", in_phase="writing")
    kill_postgres(service.cluster)
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
    service.wait_for(import_id, "running", in_phase="writing")
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
