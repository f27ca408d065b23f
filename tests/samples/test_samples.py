"""gis_samples/: generated deterministically, plausible, and loaded by `make run`."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Connection, text

import pyogrio
import shapely

from app.config import PROJECT_ROOT
from app.ingest.vntext import decode_tcvn3

SAMPLES = PROJECT_ROOT / "gis_samples"
GENERATOR = SAMPLES / "generate.py"
FILES = ("wards.geojson", "commune_crosswalk.csv", "parcels.zip", "parcels_tcvn3.zip")


def _generate(out: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(out), *args], check=True, capture_output=True
    )


def test_committed_samples_are_what_the_generator_makes(tmp_path: Path) -> None:
    _generate(tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name


def test_wards_have_codes_vietnamese_names_and_tile_the_town() -> None:
    wards = pyogrio.read_dataframe(SAMPLES / "wards.geojson")
    assert wards.crs.to_epsg() == 9214
    assert len(wards) >= 12
    assert wards["code"].str.fullmatch(r"\d{5}").all()
    assert wards["code"].is_unique
    for name in wards["name"]:
        assert unicodedata.is_normalized("NFC", name)
    assert any(not name.isascii() for name in wards["name"])
    assert wards.geometry.is_valid.all()
    union_area = shapely.union_all(wards.geometry.values).area
    assert union_area == pytest.approx(wards.geometry.area.sum(), rel=1e-6)  # no overlaps
    assert 100e6 < union_area < 300e6  # a town of Việt Yên's size (about 171 km2)


def test_parcels_file_is_utf8_with_cpg_and_esri_prj() -> None:
    with zipfile.ZipFile(SAMPLES / "parcels.zip") as archive:
        assert archive.read("parcels.cpg").decode() == "UTF-8"
        prj = archive.read("parcels.prj").decode()
    assert "D_Vietnam_2000" in prj and 'Central_Meridian",107.0' in prj
    parcels = pyogrio.read_dataframe(SAMPLES / "parcels.zip")
    assert len(parcels) == 3000
    assert {"MAXA", "SHBANDO", "SHTHUA", "DIENTICH", "MALOAIDAT", "TENCHU", "DIACHI"} <= set(
        parcels.columns
    )
    assert parcels.duplicated(["MAXA", "SHBANDO", "SHTHUA"]).sum() == 0
    assert parcels.geometry.is_valid.all()
    assert any("ư" in address for address in parcels["DIACHI"])


def test_tcvn3_file_holds_the_same_text_in_tcvn3_without_cpg() -> None:
    with zipfile.ZipFile(SAMPLES / "parcels_tcvn3.zip") as archive:
        names = archive.namelist()
        dbf = archive.read("parcels.dbf")
    assert not any(n.lower().endswith(".cpg") for n in names)
    assert dbf[29] == 0  # no language driver id
    assert "§".encode("latin-1") in dbf or b"\xae" in dbf  # TCVN3's Đ or đ
    utf8 = pyogrio.read_dataframe(SAMPLES / "parcels.zip")
    # read the bytes 1:1 ("latin-1" spelled so would make pyogrio decode as UTF-8 instead)
    raw = pyogrio.read_dataframe(SAMPLES / "parcels_tcvn3.zip", encoding="ISO-8859-1")
    for column in ("TENCHU", "DIACHI"):
        decoded = [decode_tcvn3(value.encode("latin-1")) for value in raw[column]]
        assert decoded == list(utf8[column])


def test_any_size_on_demand_tiles_without_overlaps(tmp_path: Path) -> None:
    _generate(tmp_path, "--parcels", "20000")
    parcels = pyogrio.read_dataframe(tmp_path / "parcels.zip")
    assert len(parcels) == 20000
    geoms = parcels.geometry.values
    assert shapely.is_valid(geoms).all()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert np.all(overlap < 0.01)  # neighbours share edges, never area


def test_make_run_loads_every_sample_parcel_into_its_ward(connection: Connection) -> None:
    wards, parcels = connection.execute(
        text("SELECT (SELECT count(*) FROM ward), (SELECT count(*) FROM parcel)")
    ).one()
    assert (wards, parcels) == (17, 3000)
    misplaced = connection.execute(
        text(
            "SELECT count(*) FROM parcel p JOIN ward w ON w.code = p.ward_code "
            "WHERE NOT ST_Contains(w.boundary, ST_PointOnSurface(p.geom))"
        )
    ).scalar_one()
    assert misplaced == 0
    empty_wards = connection.execute(
        text(
            "SELECT count(*) FROM ward w WHERE NOT EXISTS "
            "(SELECT 1 FROM parcel p WHERE p.ward_code = w.code)"
        )
    ).scalar_one()
    assert empty_wards == 0


def test_loaded_parcels_keep_areas_uses_holders_and_a_first_version(
    connection: Connection,
) -> None:
    row = connection.execute(
        text(
            "SELECT count(*) FILTER (WHERE abs(area_m2 - ST_Area(geom)) > 0.01),"
            "       count(*) FILTER (WHERE extra ? 'TENCHU'),"
            "       count(*) FILTER (WHERE legal_area_m2 IS NULL),"
            "       (SELECT count(DISTINCT land_use_code) FROM parcel_land_use),"
            "       count(*) FILTER (WHERE (SELECT count(*) FROM parcel_land_use u"
            "                               WHERE u.parcel_id = p.id) <> 1),"
            "       count(*) FILTER (WHERE (SELECT count(*) FROM holder h"
            "                               WHERE h.parcel_id = p.id) <> 1),"
            "       count(*) FILTER (WHERE p.version <> 1 OR NOT EXISTS (SELECT 1 FROM"
            "                        parcel_version v WHERE v.parcel_id = p.id AND v.version = 1"
            "                        AND v.valid_to IS NULL))"
            " FROM parcel p"
        )
    ).one()
    assert tuple(row) == (0, 0, 0, 7, 0, 0, 0)
