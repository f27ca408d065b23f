"""The sample files through the import: every parcel lands; a second upload changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from tests.services.conftest import SAMPLES, ImportRun


def test_sample_shapefile_imports_whole_then_again_changes_nothing(
    run_import: ImportRun, register: Engine
) -> None:
    status, report, issues = run_import(SAMPLES / "parcels.zip")
    assert status == "succeeded", (report, issues[:5])
    assert report["read"] == report["inserted"] == 3000
    assert report["rejected"] == 0 and report["updated"] == 0
    assert report["crs"]["epsg"] == 9214
    assert report["encoding"]["TENCHU"] == "utf-8"

    status, report, _ = run_import(SAMPLES / "parcels.zip")
    assert status == "succeeded"
    assert report["unchanged"] == 3000 and report["inserted"] == report["updated"] == 0

    with register.connect() as conn:
        versions = conn.execute(text("SELECT count(*), max(version) FROM parcel_version")).one()
    assert tuple(versions) == (3000, 1)


def test_tcvn3_copy_decodes_to_the_same_register(run_import: ImportRun, register: Engine) -> None:
    run_import(SAMPLES / "parcels.zip")
    status, report, _ = run_import(SAMPLES / "parcels_tcvn3.zip")
    assert status == "succeeded"
    assert report["encoding"]["TENCHU"] == "tcvn3" and report["encoding"]["DIACHI"] == "tcvn3"
    assert report["unchanged"] == 3000  # same names, once decoded


def test_read_in_chunks_the_result_is_the_same(
    run_import: ImportRun, register: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files are read, checked and staged a chunk at a time; nothing depends on the cut."""
    from app.services import import_run

    monkeypatch.setattr(import_run, "CHUNK", 700)  # 3000 parcels: five chunks, the last short
    status, report, _ = run_import(SAMPLES / "parcels_tcvn3.zip")
    assert status == "succeeded" and report["inserted"] == 3000
    assert report["encoding"]["TENCHU"] == "tcvn3"
    with register.connect() as conn:
        names = conn.execute(
            text("SELECT count(*) FROM holder WHERE name ~ '[ắằẳẵặấầẩẫậđ]'")
        ).scalar_one()
    assert names > 0  # decoded in every chunk, not only the first
    status, report, _ = run_import(SAMPLES / "parcels.zip")
    assert report["unchanged"] == 3000
