"""The import's rules, each with a real file built from the sample parcels.

CRS detection and reprojection (with the official VN-2000 datum shift), text encodings, field
names, per-feature checks and repairs, overlaps, modes, dry runs, versions and report counts.
"""

from __future__ import annotations

import unicodedata
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, text

import geopandas as gpd
import pyogrio
import shapely
from pyproj import Transformer
from shapely import affinity

from app.ingest.vntext import encode_cp1258, encode_tcvn3, encode_vni
from app.limits import MAX_VERTICES
from tests.services.conftest import SAMPLES, ImportRun

# ESRI-style .prj files as Vietnamese tools write them: loose names, no datum shift.
ESRI_TM3 = (
    'PROJCS["VN_2000_KT{name}_3deg",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]{towgs84}],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",{meridian}],PARAMETER["Scale_Factor",0.9999],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
PRJ_9214 = ESRI_TM3.format(name="107", meridian="107.0", towgs84="")
PRJ_VN2000_UTM48 = (
    'PROJCS["VN_2000_UTM_zone_48N",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",0.9996],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
PRJ_VN2000_GEOGRAPHIC = (
    'GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,'
    '298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)
PRJ_WGS84 = (
    'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)
# The registry's own definition of EPSG:9214 (Decision 05/2007, Position Vector signs), for
# building WGS 84 test data independently of PostGIS.
PROJ_9214 = (
    "+proj=tmerc +lat_0=0 +lon_0=107 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
    "+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,"
    "0.252906278 +units=m +no_defs"
)
# domain.md's test vector: VN-2000 geographic -> EPSG:9214 -> WGS 84
VN2000_LONLAT = (106.10, 21.27)
TM3_EN = (406602.443, 2353001.762)
WGS84_LONLAT = (106.1018851, 21.2690123)

PARCEL_TABLES = ("parcel", "parcel_version", "parcel_land_use", "holder")


# --- building files -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> gpd.GeoDataFrame:
    """Return eight neighbouring sample parcels (commune 07789, sheet 1, parcels 1-8)."""
    frame = pyogrio.read_dataframe(SAMPLES / "parcels.zip", max_features=8)
    frame = frame.set_crs(None, allow_override=True)
    assert list(frame["SHTHUA"]) == list(range(1, 9))
    return frame


def parcels(sample: gpd.GeoDataFrame, count: int = 6) -> gpd.GeoDataFrame:
    """Return a fresh copy of the first `count` sample parcels."""
    return sample.iloc[:count].copy().reset_index(drop=True)


def shapefile_zip(
    folder: Path,
    name: str,
    frame: gpd.GeoDataFrame,
    *,
    prj: str | None = PRJ_9214,
    legacy: bool = False,
    cpg: str | None = None,
    geometry_type: str | None = None,
) -> Path:
    """Write `frame` as a zipped shapefile, as a surveyor uploads it; return the zip.

    legacy: text columns already hold legacy bytes as Latin-1 characters; the DBF is written
    byte for byte, without .cpg and without a language driver id (as old tools leave it).
    cpg: the .cpg to write instead (the text is then written byte for byte too).
    """
    work = folder / f"{name}-files"
    work.mkdir(parents=True)
    shp = work / f"{name}.shp"
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=None)
    byte_for_byte = legacy or cpg is not None
    options: dict[str, Any] = {}
    if geometry_type is not None:
        options["geometry_type"] = geometry_type
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
        pyogrio.write_dataframe(
            frame,
            shp,
            driver="ESRI Shapefile",
            encoding="ISO-8859-1" if byte_for_byte else "UTF-8",
            **options,
        )
    if prj is not None:
        (work / f"{name}.prj").write_text(prj)
    else:
        (work / f"{name}.prj").unlink(missing_ok=True)
    (work / f"{name}.cpg").unlink(missing_ok=True)
    if byte_for_byte:
        dbf = work / f"{name}.dbf"
        header = bytearray(dbf.read_bytes())
        header[29] = 0  # no language driver id: the encoding is undeclared
        dbf.write_bytes(bytes(header))
    if cpg is not None:
        (work / f"{name}.cpg").write_text(cpg)
    elif not byte_for_byte:
        (work / f"{name}.cpg").write_text("UTF-8")
    target = folder / f"{name}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(work.iterdir()):
            archive.write(part, part.name)
    return target


def transformed(frame: gpd.GeoDataFrame, source: str, target: str) -> gpd.GeoDataFrame:
    """Return a copy with its geometry transformed by pyproj (independently of PostGIS)."""
    transformer = Transformer.from_crs(source, target, always_xy=True)
    out = frame.copy()
    out["geometry"] = [
        shapely.transform(g, lambda xy: _apply(transformer, xy)) for g in frame.geometry
    ]
    return out


def _apply(transformer: Transformer, xy: Any) -> Any:
    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def legacy_text(values: list[str], encode: Callable[[str], bytes]) -> list[str]:
    """Return the values as legacy bytes carried in Latin-1 characters (written 1:1)."""
    return [encode(v).decode("latin-1") for v in values]


# --- reading the register -----------------------------------------------------------------


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def counts(engine: Engine) -> dict[str, int]:
    """Return the row counts of the tables an import writes."""
    return {t: scalar(engine, f"SELECT count(*) FROM {t}") for t in PARCEL_TABLES}


def nothing_written(engine: Engine) -> bool:
    return all(n == 0 for n in counts(engine).values())


def stored_vs_original(engine: Engine, frame: gpd.GeoDataFrame) -> float:
    """Return the largest Hausdorff distance (m) between stored parcels and `frame` (EPSG:9214)."""
    worst = 0.0
    for row in frame.itertuples():
        distance = scalar(
            engine,
            "SELECT ST_HausdorffDistance(geom, ST_GeomFromText(:wkt, 9214)) FROM parcel"
            " WHERE survey_commune_code = :c AND sheet_no = :s AND parcel_no = :p",
            wkt=row.geometry.wkt,
            c=row.MAXA,
            s=int(row.SHBANDO),
            p=int(row.SHTHUA),
        )
        worst = max(worst, float(distance))
    return worst


def by_kind(issues: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [i for i in issues if i["kind"] == kind]


def assert_counts_add_up(report: dict[str, Any]) -> None:
    """Every feature read is inserted, updated, unchanged or rejected, exactly once."""
    assert report["read"] == (
        report["inserted"] + report["updated"] + report["unchanged"] + report["rejected"]
    ), report


# --- CRS ----------------------------------------------------------------------------------


def test_tm3_prj_is_detected_and_stored_as_is(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample)
    status, report, issues = run_import(shapefile_zip(tmp_path, "tm3", frame))
    assert status == "succeeded", issues
    assert report["crs"]["epsg"] == 9214
    assert "central meridian 107°" in report["crs"]["how"]
    assert stored_vs_original(register, frame) < 1e-6


def test_other_tm3_zone_is_detected_and_reprojected_without_datum_shift(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample)
    # the same parcels in zone 106-00 (EPSG:9211), with a .prj whose TOWGS84 carries the
    # rotation signs most copied online: the registry ignores it
    moved = transformed(frame, "EPSG:9214", "EPSG:9211")
    wrong_shift = (
        ",TOWGS84[-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,"
        "-0.00427372,0.252906278]"
    )
    prj = ESRI_TM3.format(name="106", meridian="106.0", towgs84=wrong_shift)
    status, report, issues = run_import(shapefile_zip(tmp_path, "zone106", moved, prj=prj))
    assert status == "succeeded", issues
    assert report["crs"]["epsg"] == 9211
    assert any("TOWGS84 datum shift is ignored" in i["reason"] for i in by_kind(issues, "warning"))
    assert stored_vs_original(register, frame) < 0.01


def test_wgs84_is_shifted_to_vn2000_with_the_official_parameters(
    run_import: ImportRun, register: Engine, tmp_path: Path
) -> None:
    # a small parcel whose first corner is domain.md's WGS 84 test point
    lon, lat = WGS84_LONLAT
    ring = [(lon, lat), (lon, lat + 1e-4), (lon + 1e-4, lat + 1e-4), (lon + 1e-4, lat)]
    ward = scalar(
        register,
        "SELECT code FROM ward WHERE ST_Contains(boundary, ST_SetSRID(ST_MakePoint(:e, :n), 9214))",
        e=TM3_EN[0],
        n=TM3_EN[1],
    )
    frame = gpd.GeoDataFrame(
        {"MAXA": [ward], "SHBANDO": [90], "SHTHUA": [1], "MALOAIDAT": ["ONT"]},
        geometry=[shapely.Polygon(ring)],
    )
    status, report, issues = run_import(shapefile_zip(tmp_path, "wgs84", frame, prj=PRJ_WGS84))
    assert status == "succeeded", issues
    assert report["crs"]["epsg"] == 4326
    # the corner lands on the test vector (to the 7-decimal rounding of the WGS 84 values) ...
    corner = scalar(
        register,
        "SELECT min(ST_Distance((d).geom, ST_SetSRID(ST_MakePoint(:e, :n), 9214)))"
        " FROM (SELECT ST_DumpPoints(geom) AS d FROM parcel) x",
        e=TM3_EN[0],
        n=TM3_EN[1],
    )
    assert corner < 0.01
    # ... and every vertex where PostGIS's own transform of the source puts it
    assert (
        scalar(
            register,
            "SELECT ST_HausdorffDistance(geom, ST_Transform(ST_GeomFromText(:wkt, 4326), 9214))"
            " FROM parcel",
            wkt=frame.geometry[0].wkt,
        )
        < 1e-6
    )


def test_wgs84_utm_stated_with_the_crs_option(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample)
    # built with pyproj from the registry's definition: an independent datum shift
    utm = transformed(frame, PROJ_9214, "EPSG:32648")
    status, report, issues = run_import(shapefile_zip(tmp_path, "utm", utm, prj=None), crs=32648)
    assert status == "succeeded", issues
    assert report["crs"] == {
        "epsg": 32648,
        "name": "WGS 84 / UTM zone 48N",
        "how": "EPSG:32648 as stated by the uploader",
    }
    # the commonly copied parameters with unflipped rotations would be ~0.76 m off
    assert stored_vs_original(register, frame) < 0.02


def test_geojson_takes_its_crs_from_the_file(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = transformed(parcels(sample, 3), PROJ_9214, "EPSG:4326")
    source = tmp_path / "parcels.geojson"
    pyogrio.write_dataframe(frame.set_crs(4326), source, driver="GeoJSON")
    status, report, issues = run_import(source)
    assert status == "succeeded", issues
    assert report["crs"]["epsg"] == 4326 and report["crs"]["how"] == "EPSG:4326 from the file"
    assert stored_vs_original(register, parcels(sample, 3)) < 0.02


def test_vn2000_utm_and_geographic_prj(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample, 3)
    utm = transformed(frame, "EPSG:9214", "EPSG:3405")
    status, report, issues = run_import(shapefile_zip(tmp_path, "vnutm", utm, prj=PRJ_VN2000_UTM48))
    assert status == "succeeded", issues
    assert report["crs"]["epsg"] == 3405
    assert stored_vs_original(register, frame) < 0.01

    # VN-2000 longitude/latitude: the test vector's VN-2000 point, no datum shift
    lon, lat = VN2000_LONLAT
    ring = [(lon, lat), (lon, lat + 1e-4), (lon + 1e-4, lat + 1e-4), (lon + 1e-4, lat)]
    ward = scalar(
        register,
        "SELECT code FROM ward WHERE ST_Contains(boundary, ST_SetSRID(ST_MakePoint(:e, :n), 9214))",
        e=TM3_EN[0],
        n=TM3_EN[1],
    )
    point = gpd.GeoDataFrame(
        {"MAXA": [ward], "SHBANDO": [91], "SHTHUA": [1], "MALOAIDAT": ["ONT"]},
        geometry=[shapely.Polygon(ring)],
    )
    status, report, issues = run_import(
        shapefile_zip(tmp_path, "vngeo", point, prj=PRJ_VN2000_GEOGRAPHIC)
    )
    assert status == "succeeded", issues
    assert report["crs"]["epsg"] == 4756
    corner = scalar(
        register,
        "SELECT min(ST_Distance((d).geom, ST_SetSRID(ST_MakePoint(:e, :n), 9214)))"
        " FROM (SELECT ST_DumpPoints(geom) AS d FROM parcel WHERE sheet_no = 91) x",
        e=TM3_EN[0],
        n=TM3_EN[1],
    )
    assert corner < 0.005


def test_crs_option_overrides_a_missing_or_wrong_prj(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample, 3)
    no_prj = shapefile_zip(tmp_path, "noprj", frame, prj=None)
    status, report, _ = run_import(no_prj)
    assert status == "failed" and report == {"refused": "crs-missing"}
    error = scalar(register, "SELECT error FROM import_job ORDER BY id DESC LIMIT 1")
    assert "crs option" in error and "9214" in error
    assert nothing_written(register)

    # a .prj that says WGS 84 on metre coordinates: refused with a hint, unless overridden
    wrong = shapefile_zip(tmp_path, "wrongprj", frame, prj=PRJ_WGS84)
    status, report, _ = run_import(wrong)
    assert status == "failed" and report == {"refused": "coordinates"}
    error = scalar(register, "SELECT error FROM import_job ORDER BY id DESC LIMIT 1")
    assert "look like metres, not degrees" in error
    assert nothing_written(register)

    for source in (no_prj, wrong):
        status, report, issues = run_import(source, crs=9214)
        assert status == "succeeded", issues
        assert report["crs"]["how"] == "EPSG:9214 as stated by the uploader"
    assert stored_vs_original(register, frame) < 1e-6
    assert scalar(register, "SELECT count(*) FROM parcel") == 3


@pytest.mark.parametrize(
    ("case", "hint"),
    [
        ("swapped", "look like northing, easting (Vietnamese lists call northing X): swap them"),
        ("degrees", "look like degrees, not metres: name EPSG:4326 or EPSG:4756"),
        ("no false easting", "lie outside Vietnam in"),
        ("lat/lon", "look like latitude, longitude: swap them"),
    ],
)
def test_coordinates_far_away_are_refused_with_a_hint(
    run_import: ImportRun,
    register: Engine,
    sample: gpd.GeoDataFrame,
    tmp_path: Path,
    case: str,
    hint: str,
) -> None:
    frame = parcels(sample, 3)
    prj = PRJ_9214
    if case == "swapped":
        frame["geometry"] = [shapely.transform(g, lambda xy: xy[:, ::-1]) for g in frame.geometry]
    elif case == "degrees":
        frame = transformed(frame, PROJ_9214, "EPSG:4326")
    elif case == "no false easting":
        frame["geometry"] = [affinity.translate(g, xoff=-500_000) for g in frame.geometry]
    else:
        frame = transformed(frame, PROJ_9214, "EPSG:4326")
        frame["geometry"] = [shapely.transform(g, lambda xy: xy[:, ::-1]) for g in frame.geometry]
        prj = PRJ_WGS84
    status, report, issues = run_import(shapefile_zip(tmp_path, "far", frame, prj=prj))
    assert status == "failed" and report == {"refused": "coordinates"}
    error = scalar(register, "SELECT error FROM import_job")
    assert error.startswith("The coordinates cannot be right in ") and hint in error
    assert issues == [] and nothing_written(register)


def test_a_stray_feature_is_rejected_not_the_file(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample)
    frame.loc[2, "geometry"] = shapely.transform(frame.geometry[2], lambda xy: xy[:, ::-1])
    status, report, issues = run_import(
        shapefile_zip(tmp_path, "stray", frame), mode="accept_valid"
    )
    assert status == "succeeded"
    [rejected] = by_kind(issues, "rejected")
    assert rejected["source_row"] == 3 and rejected["feature_key"] == "07789/1/3"
    assert rejected["reason"].startswith("far from the others: they look like northing, easting")
    assert report["inserted"] == 5 and report["rejected"] == 1
    assert scalar(register, "SELECT count(*) FROM parcel") == 5


def test_wrong_zone_inside_vietnam_rejects_every_feature_outside_the_wards(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    # 105-30 stated for 107-00 coordinates: 165 km west, still in Vietnam, outside every ward
    frame = parcels(sample, 3)
    status, report, issues = run_import(shapefile_zip(tmp_path, "zone", frame), crs=9209)
    assert status == "failed"
    assert [i["reason"] for i in by_kind(issues, "rejected")] == [
        "outside every ward of the registry"
    ] * 3
    assert report["rejected"] == 3 and nothing_written(register)


# --- text ---------------------------------------------------------------------------------

NAMES = ["Nguyễn Văn Đức", "Trần Thị Hương", "Lê Hữu Thắng"]
ADDRESSES = ["Thôn Đông, Xã Vân Trung", "Tổ dân phố Nội, Phường Nếnh", "Thôn Phúc Long"]
NOTES = ["Đất ở lâu dài", "Đang tranh chấp ranh giới", "Đã cấp giấy chứng nhận"]
SURVEYORS = ["Phạm Quang Vũ", "Đặng Thu Hằng", "Bùi Minh Khánh"]


def test_encodings_are_detected_per_column_and_stored_as_nfc(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample, 3)
    frame["TENCHU"] = legacy_text(NAMES, encode_tcvn3)
    frame["DIACHI"] = legacy_text(ADDRESSES, encode_vni)
    frame["GHICHU"] = legacy_text(NOTES, encode_cp1258)
    frame["NGUOIDO"] = legacy_text(SURVEYORS, lambda s: s.encode("utf-8"))
    status, report, issues = run_import(shapefile_zip(tmp_path, "legacy", frame, legacy=True))
    assert status == "succeeded", issues
    assert report["encoding"] == {
        "MAXA": "ascii",
        "SHBANDO": "none",
        "SHTHUA": "none",
        "DIENTICH": "none",
        "MALOAIDAT": "ascii",
        "TENCHU": "tcvn3",
        "DIACHI": "vni",
        "GHICHU": "cp1258",
        "NGUOIDO": "utf-8",
    }
    stored = rows(
        register,
        "SELECT h.name, p.address, p.extra->>'GHICHU', p.extra->>'NGUOIDO' FROM parcel p"
        " JOIN holder h ON h.parcel_id = p.id ORDER BY p.parcel_no",
    )
    assert [tuple(r) for r in stored] == list(zip(NAMES, ADDRESSES, NOTES, SURVEYORS, strict=True))
    for row in stored:
        assert all(unicodedata.is_normalized("NFC", value) for value in row)


def test_the_cpg_is_honoured(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample, 3)
    frame["TENCHU"] = legacy_text(NAMES, encode_cp1258)
    frame["DIACHI"] = legacy_text(ADDRESSES, encode_cp1258)
    status, report, issues = run_import(shapefile_zip(tmp_path, "cp", frame, cpg="ANSI 1258"))
    assert status == "succeeded", issues
    assert report["encoding"]["TENCHU"] == report["encoding"]["DIACHI"] == "cp1258"
    names = rows(
        register,
        "SELECT h.name FROM holder h JOIN parcel p ON p.id = h.parcel_id ORDER BY p.parcel_no",
    )
    assert [r[0] for r in names] == NAMES  # combining tone marks composed (NFC)

    # the .cpg wins over detection: TCVN3 bytes declared as Windows-1252 are read as 1252
    frame["TENCHU"] = legacy_text(NAMES, encode_tcvn3)
    status, report, _ = run_import(shapefile_zip(tmp_path, "cp1252", frame, cpg="1252"))
    assert status == "succeeded"
    assert report["encoding"]["TENCHU"] == "cp1252" and report["updated"] == 3
    names = rows(
        register,
        "SELECT h.name FROM holder h JOIN parcel p ON p.id = h.parcel_id ORDER BY p.parcel_no",
    )
    assert [r[0] for r in names] == [encode_tcvn3(n).decode("cp1252") for n in NAMES]


def test_a_cpg_in_another_spelling_or_over_other_bytes(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample, 3)
    frame["TENCHU"] = legacy_text(NAMES, lambda s: s.encode("utf-8"))
    frame["DIACHI"] = legacy_text(ADDRESSES, lambda s: s.encode("utf-8"))
    status, report, issues = run_import(shapefile_zip(tmp_path, "65001", frame, cpg="65001"))
    assert status == "succeeded" and issues == []
    assert report["encoding"]["TENCHU"] == "utf-8"
    names = "SELECT h.name FROM holder h JOIN parcel p ON p.id = h.parcel_id ORDER BY p.parcel_no"
    assert [r[0] for r in rows(register, names)] == NAMES

    # a .cpg that says UTF-8 over TCVN3 bytes: that column is decoded as detected, with a warning
    frame["TENCHU"] = legacy_text(list(reversed(NAMES)), encode_tcvn3)
    status, report, issues = run_import(shapefile_zip(tmp_path, "lying", frame, cpg="UTF-8"))
    assert status == "succeeded"
    assert report["encoding"]["TENCHU"] == "tcvn3" and report["encoding"]["DIACHI"] == "utf-8"
    assert [i["reason"] for i in issues] == [
        "the .cpg says UTF-8, but column TENCHU is not utf-8; read as tcvn3 (detected)"
    ]
    assert [r[0] for r in rows(register, names)] == list(reversed(NAMES))


# --- fields -------------------------------------------------------------------------------


def test_field_name_variants_extras_and_old_land_use_codes(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = pyogrio.read_dataframe(
        SAMPLES / "parcels.zip", where="MAXA = '07690'", max_features=4
    ).set_crs(None, allow_override=True)
    frame["MALOAIDAT"] = ["LUN", "BHK", "NHK", "LUC"]
    frame["GHICHU"] = ["đo lại 2024", None, "", "ranh giới rõ"]
    frame["NAMDO"] = [2019, 2020, 2021, 2022]
    frame = frame.rename(
        columns={
            "MAXA": "XAID",
            "SHBANDO": "SOTO",
            "SHTHUA": "SO_THUA",
            "DIENTICH": "DTICH",
            "MALOAIDAT": "KHLOAIDAT",
            "TENCHU": "HOTEN",
            "DIACHI": "DiaChi",
        }
    )
    status, report, issues = run_import(shapefile_zip(tmp_path, "variants", frame))
    assert status == "succeeded", issues
    assert report["fields"] == {
        "survey_commune_code": "XAID",
        "sheet_no": "SOTO",
        "parcel_no": "SO_THUA",
        "legal_area_m2": "DTICH",
        "land_use_code": "KHLOAIDAT",
        "holder_name": "HOTEN",
        "address": "DiaChi",
    }
    assert report["extra_fields"] == ["GHICHU", "NAMDO"]
    assert [(i["source_row"], i["reason"]) for i in by_kind(issues, "warning")] == [
        (1, "old land-use code LUN recorded as LUK"),
        (2, "old land-use code BHK recorded as HNK"),
        (3, "old land-use code NHK recorded as HNK"),
    ]
    assert report["warnings"] == 3
    stored = rows(
        register,
        "SELECT p.survey_commune_code, p.ward_code, u.land_use_code, p.extra FROM parcel p"
        " JOIN parcel_land_use u ON u.parcel_id = p.id ORDER BY p.parcel_no",
    )
    assert [tuple(r[:3]) for r in stored] == [
        ("07690", "07777", "LUK"),
        ("07690", "07777", "HNK"),
        ("07690", "07777", "HNK"),
        ("07690", "07777", "LUC"),
    ]
    assert [r[3] for r in stored] == [
        {"GHICHU": "đo lại 2024", "NAMDO": 2019},
        {"NAMDO": 2020},
        {"NAMDO": 2021},
        {"GHICHU": "ranh giới rõ", "NAMDO": 2022},
    ]


def test_a_numeric_commune_column_with_blanks_falls_back_to_the_stated_commune(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample, 3)
    frame["MAXA"] = [7789.0, float("nan"), 7789.0]  # a numeric column: zeros are restored
    source = shapefile_zip(tmp_path, "commune", frame)
    status, report, issues = run_import(source)
    assert status == "failed" and nothing_written(register)
    assert [(i["source_row"], i["reason"]) for i in issues] == [(2, "unknown commune code (none)")]
    status, report, issues = run_import(source, commune_code="07789")
    assert status == "succeeded", issues
    assert [r[0] for r in rows(register, "SELECT survey_commune_code FROM parcel")] == ["07789"] * 3


# --- per feature --------------------------------------------------------------------------


def test_only_polygons_are_parcels(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample, 7)
    g = list(frame.geometry)
    centre = g[3].representative_point()
    frame["geometry"] = [
        g[0],
        shapely.MultiPolygon([g[1]]),
        shapely.force_3d(g[2], 12.5),  # Z dropped
        centre,
        shapely.LineString([centre, g[4].representative_point()]),
        shapely.Polygon(),
        None,
    ]
    source = tmp_path / "mixed.gpkg"
    pyogrio.write_dataframe(
        gpd.GeoDataFrame(frame).set_crs(9214, allow_override=True), source, driver="GPKG"
    )
    status, report, issues = run_import(source, mode="accept_valid")
    assert status == "succeeded"
    assert sorted((i["source_row"], i["reason"]) for i in by_kind(issues, "rejected")) == [
        (4, "Point geometry: a parcel is a polygon"),
        (5, "LineString geometry: a parcel is a polygon"),
        (6, "empty geometry"),
        (7, "null geometry"),
    ]
    assert report["inserted"] == 3 and report["rejected"] == 4
    assert_counts_add_up(report)
    stored = rows(register, "SELECT ST_GeometryType(geom), ST_NDims(geom) FROM parcel")
    assert {tuple(r) for r in stored} == {("ST_MultiPolygon", 2)}
    assert stored_vs_original(register, frame.iloc[:2]) < 1e-6

    # the same in a shapefile: PolygonZ read as 2D (the parcels registered above, unchanged),
    # a null shape rejected
    frame = parcels(sample, 3)
    frame["geometry"] = [shapely.force_3d(g[0], 3.0), shapely.force_3d(g[1], 4.0), None]
    status, report, issues = run_import(
        shapefile_zip(tmp_path, "z", frame, geometry_type="Polygon Z"), mode="accept_valid"
    )
    assert [(i["source_row"], i["reason"]) for i in by_kind(issues, "rejected")] == [
        (3, "null geometry")
    ]
    assert report["unchanged"] == 2 and report["inserted"] == 0


def _square(centre: shapely.Point, size: float) -> shapely.Polygon:
    return shapely.box(
        centre.x - size / 2, centre.y - size / 2, centre.x + size / 2, centre.y + size / 2
    )


def _shapes(centre: shapely.Point) -> dict[str, shapely.Polygon]:
    """Return invalid shapes of about 8 m around `centre`."""
    x, y = centre.x - 4, centre.y - 4

    def at(coords: list[tuple[float, float]]) -> shapely.Polygon:
        return shapely.Polygon([(x + a, y + b) for a, b in coords])

    return {
        # a square with a spike out of its top edge and back
        "spike": at([(0, 0), (8, 0), (8, 8), (4, 8), (4, 12), (4, 8), (0, 8)]),
        # a ring that passes twice through (4, 8): an inverted hole touching the shell
        "self-touch": at([(0, 0), (8, 0), (8, 8), (4, 8), (6, 4), (2, 4), (4, 8), (0, 8)]),
        # two equal triangles crossing at (4, 4)
        "bowtie": at([(0, 0), (8, 8), (8, 0), (0, 8)]),
        # lobes of 16 and 0.25 m2: the ring's signed area is 15.75, the repair's 16.25 (3%)
        "lopsided bowtie": at([(0, 0), (0, 8), (4, 4), (4.5, 3.5), (4.5, 4.5), (4, 4)]),
    }


def test_a_million_vertex_ring_is_rejected_and_the_rest_imported(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample, 3)
    # the same parcel, its boundary densified to a million vertices
    frame.loc[1, "geometry"] = shapely.segmentize(frame.geometry[1], 0.00005)
    assert shapely.get_num_coordinates(frame.geometry[1]) > 1_000_000
    source = shapefile_zip(tmp_path, "dense", frame)
    status, report, issues = run_import(source, mode="accept_valid")
    assert status == "succeeded" and report["inserted"] == 2
    [rejected] = by_kind(issues, "rejected")
    assert rejected["source_row"] == 2
    assert rejected["reason"].endswith(f"vertices: a parcel may have at most {MAX_VERTICES:,}")
    assert scalar(register, "SELECT count(*) FROM parcel WHERE parcel_no = 2") == 0


def test_invalid_geometry_is_repaired_within_the_tolerance(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample, 5)
    shapes = list(_shapes(frame.geometry[0].representative_point()).items())
    for i, (_, shape) in enumerate(shapes):
        frame.loc[i, "geometry"] = shapely.affinity.translate(
            shape,
            frame.geometry[i].representative_point().x - shape.centroid.x,
            frame.geometry[i].representative_point().y - shape.centroid.y,
        )
    frame["DIENTICH"] = [float("nan")] * 4 + [frame.DIENTICH[4]]
    source = shapefile_zip(tmp_path, "invalid", frame)
    status, report, issues = run_import(source, mode="accept_valid")
    assert status == "succeeded"
    repaired = {i["source_row"]: i["reason"] for i in by_kind(issues, "repaired")}
    rejected = {i["source_row"]: i["reason"] for i in by_kind(issues, "rejected")}
    assert sorted(repaired) == [1, 2] and all(r.startswith("repaired: ") for r in repaired.values())
    assert sorted(rejected) == [3, 4]
    assert all(
        r.startswith("invalid geometry that cannot be repaired: ") for r in rejected.values()
    )
    assert report["repaired"] == 2 and report["rejected"] == 2 and report["inserted"] == 3
    stored = rows(
        register,
        "SELECT parcel_no, ST_IsValid(geom), round(ST_Area(geom)::numeric, 2) FROM parcel"
        " ORDER BY parcel_no",
    )
    assert [tuple(r[:2]) for r in stored] == [(1, True), (2, True), (5, True)]
    assert float(stored[0][2]) == 64.0 and float(stored[1][2]) == 56.0  # spike gone; notch kept

    # a looser tolerance lets the lopsided bowtie through (3% change), never the even one
    status, report, issues = run_import(source, mode="accept_valid", repair_tolerance=0.05)
    assert [i["source_row"] for i in by_kind(issues, "rejected")] == [3]
    assert report["repaired"] == 3 and report["inserted"] == 1 and report["unchanged"] == 3


def test_sheet_and_parcel_numbers_are_required_and_keys_unique(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample)
    frame["SHTHUA"] = frame["SHTHUA"].astype(float)
    frame.loc[0, "SHBANDO"] = 0
    frame.loc[1, "SHTHUA"] = float("nan")
    frame.loc[4, "SHTHUA"] = 3  # the same key as row 3
    status, report, issues = run_import(shapefile_zip(tmp_path, "keys", frame))
    assert status == "failed"
    assert [(i["source_row"], i["feature_key"], i["reason"]) for i in issues] == [
        (1, None, "no map sheet number"),
        (2, None, "no parcel number"),
        (3, "07789/1/3", "key 07789/1/3 appears more than once in the file"),
        (5, "07789/1/3", "key 07789/1/3 appears more than once in the file"),
    ]
    assert report["rejected"] == 4 and report["read"] == 6
    assert nothing_written(register)


def test_declared_area_far_from_the_computed_one_is_a_warning(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample, 3)
    area = shapely.area(frame.geometry.values)
    frame["DIENTICH"] = [round(area[0] * 1.10, 1), round(area[1] * 1.03, 1), round(area[2], 1)]
    status, report, issues = run_import(shapefile_zip(tmp_path, "area", frame))
    assert status == "succeeded"
    [warning] = by_kind(issues, "warning")
    assert warning["source_row"] == 1 and warning["feature_key"] == "07789/1/1"
    assert warning["reason"] == (
        f"declared area {frame.DIENTICH[0]} m2 differs from the computed {area[0]:.1f} m2"
    )
    assert report["warnings"] == 1 and report["inserted"] == 3

    # a declared area beyond what the register can hold is ignored, with a warning
    frame["DIENTICH"] = [1e13, frame.DIENTICH[1], frame.DIENTICH[2]]
    status, report, issues = run_import(shapefile_zip(tmp_path, "huge", frame))
    assert status == "succeeded"
    assert [(i["source_row"], i["reason"]) for i in issues] == [
        (1, "declared area 1e+13 m2 ignored")
    ]
    assert report["updated"] == 1
    assert scalar(register, "SELECT legal_area_m2 FROM parcel WHERE parcel_no = 1") is None


# --- topology -----------------------------------------------------------------------------


def test_overlaps_within_the_file(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample)
    inside = frame.geometry[0].representative_point()
    extra = frame.iloc[[0, 0]].copy()
    extra["SHTHUA"] = [50, 51]
    extra["DIENTICH"] = [16.0, 0.64]
    extra["geometry"] = [_square(inside, 4.0), _square(frame.geometry[2].centroid, 0.8)]
    frame = gpd.GeoDataFrame(
        [*frame.itertuples(index=False), *extra.itertuples(index=False)], columns=frame.columns
    )
    source = shapefile_zip(tmp_path, "overlap", frame)

    status, report, issues = run_import(source)
    assert status == "failed" and nothing_written(register)
    # 0.64 m2 is under the default 1 m2 tolerance
    assert [(i["source_row"], i["feature_key"], i["reason"]) for i in issues] == [
        (
            1,
            "07789/1/1",
            "overlaps commune 07789, sheet 1, parcel 50 of the same file (row 7) by 16.00 m2",
        )
    ]
    assert report["overlaps"] == 1 and report["rejected"] == 0

    status, report, issues = run_import(source, overlap_tolerance_m2=0.5, mode="accept_valid")
    assert status == "succeeded"
    overlaps = [(i["source_row"], i["reason"]) for i in by_kind(issues, "overlap")]
    assert overlaps == [
        (1, "overlaps commune 07789, sheet 1, parcel 50 of the same file (row 7) by 16.00 m2"),
        (3, "overlaps commune 07789, sheet 1, parcel 51 of the same file (row 8) by 0.64 m2"),
    ]
    assert sorted(i["source_row"] for i in by_kind(issues, "rejected")) == [1, 3, 7, 8]
    assert report["inserted"] == 4 and report["rejected"] == 4
    assert_counts_add_up(report)
    assert [r[0] for r in rows(register, "SELECT parcel_no FROM parcel ORDER BY 1")] == [
        2,
        4,
        5,
        6,
    ]


def test_overlaps_with_registered_parcels_but_not_the_ones_replaced(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    base = parcels(sample)
    status, _, _ = run_import(shapefile_zip(tmp_path, "base", base))
    assert status == "succeeded"
    first_id = scalar(register, "SELECT id FROM parcel WHERE parcel_no = 1")

    update = base.iloc[[1, 0]].copy().reset_index(drop=True)
    # parcel 2 shrunk inside its registered self (replaced: no overlap) ...
    update.loc[0, "geometry"] = affinity.scale(update.geometry[0], 0.9, 0.9)
    update.loc[0, "DIENTICH"] = round(update.geometry[0].area, 1)
    # ... and a new parcel 60 inside registered parcel 1, which the file does not replace
    update.loc[1, ["SHTHUA", "DIENTICH"]] = [60, 16.0]
    update.loc[1, "geometry"] = _square(base.geometry[0].representative_point(), 4.0)
    source = shapefile_zip(tmp_path, "update", update)

    before = counts(register)
    status, report, issues = run_import(source)
    assert status == "failed" and counts(register) == before
    assert [(i["source_row"], i["feature_key"], i["kind"], i["reason"]) for i in issues] == [
        (
            2,
            "07789/1/60",
            "overlap",
            f"overlaps registered parcel {first_id} (commune 07789, sheet 1, parcel 1) by 16.00 m2",
        )
    ]
    assert scalar(register, "SELECT version FROM parcel WHERE parcel_no = 2") == 1

    status, report, issues = run_import(source, mode="accept_valid")
    assert status == "succeeded"
    assert [i["source_row"] for i in by_kind(issues, "rejected")] == [2]
    assert report["updated"] == 1 and report["inserted"] == 0 and report["rejected"] == 1
    assert scalar(register, "SELECT version FROM parcel WHERE parcel_no = 2") == 2
    assert scalar(register, "SELECT count(*) FROM parcel") == 6


# --- modes, dry run, versions -------------------------------------------------------------


def test_all_or_nothing_reports_everything_and_writes_nothing(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample)
    frame.loc[1, "MALOAIDAT"] = "XYZ"
    frame.loc[2, "MALOAIDAT"] = "LUN"
    frame.loc[4, "MAXA"] = "99999"
    source = shapefile_zip(tmp_path, "aon", frame)
    status, report, issues = run_import(source)
    assert status == "failed" and nothing_written(register)
    assert [(i["source_row"], i["kind"], i["reason"]) for i in issues] == [
        (2, "rejected", "unknown land-use code XYZ"),
        (5, "rejected", "unknown commune code 99999"),
        (3, "warning", "old land-use code LUN recorded as LUK"),
    ]
    assert report["read"] == 6 and report["rejected"] == 2 and report["warnings"] == 1
    assert report["inserted"] == report["updated"] == report["unchanged"] == 0
    assert report["crs"]["epsg"] == 9214 and report["encoding"]["TENCHU"] == "utf-8"
    error = scalar(register, "SELECT error FROM import_job")
    assert error.startswith("all_or_nothing: 2 feature(s) rejected and 0 overlap(s)")

    status, report, issues = run_import(source, mode="accept_valid")
    assert status == "succeeded"
    assert report["inserted"] == 4 and report["rejected"] == 2
    assert_counts_add_up(report)
    assert scalar(register, "SELECT count(*) FROM parcel") == 4


def test_dry_run_counts_what_would_happen_and_writes_nothing(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample, 7)
    status, report, _ = run_import(shapefile_zip(tmp_path, "first", frame.iloc[:5]), dry_run=True)
    assert status == "succeeded"
    assert (report["dry_run"], report["inserted"], report["updated"]) == (True, 5, 0)
    assert nothing_written(register)

    run_import(shapefile_zip(tmp_path, "real", frame.iloc[:5]))
    before = counts(register)
    changed = frame.copy()
    changed.loc[0, "DIACHI"] = "Thôn Mới, Phường Vân Trung"
    status, report, _ = run_import(shapefile_zip(tmp_path, "second", changed), dry_run=True)
    assert status == "succeeded"
    assert (report["inserted"], report["updated"], report["unchanged"]) == (2, 1, 4)
    assert counts(register) == before
    assert scalar(register, "SELECT address FROM parcel WHERE parcel_no = 1") == frame.DIACHI[0]


def test_reimport_makes_versions_keeps_signed_status_and_is_idempotent(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample)
    first = shapefile_zip(tmp_path, "v1", frame)
    status, report, _ = run_import(first)
    assert status == "succeeded" and report["inserted"] == 6
    first_import = scalar(register, "SELECT max(id) FROM import_job")
    assert_current_versions_hold_the_register(register)

    # parcel 1's certificate is signed
    with register.begin() as conn:
        conn.execute(text("UPDATE parcel SET status = 'signed' WHERE parcel_no = 1"))
        conn.execute(
            text(
                "INSERT INTO certificate (parcel_id, serial, register_no, signer, signed_on,"
                " custody_location, issue_kind, recorded_by)"
                " SELECT id, 'AB123456', 'CH00001', 'Giám đốc', DATE '2025-03-01',"
                " 'Chi nhánh VPĐK', 'first', 'officer' FROM parcel WHERE parcel_no = 1"
            )
        )
        # as the service would have: the current version shows the signing
        conn.execute(
            text(
                "UPDATE parcel_version v SET snapshot = parcel_snapshot(v.parcel_id)"
                " FROM parcel p WHERE p.id = v.parcel_id AND p.parcel_no = 1"
            )
        )
    certificate = rows(register, "SELECT * FROM certificate")

    changed = frame.copy()
    changed.loc[0, "geometry"] = affinity.scale(frame.geometry[0], 0.95, 0.95)
    changed.loc[0, "DIENTICH"] = round(changed.geometry[0].area, 1)
    changed.loc[3, "DIACHI"] = "Thôn Mới, Phường Vân Trung"
    second = shapefile_zip(tmp_path, "v2", changed)
    status, report, issues = run_import(second)
    assert status == "succeeded", issues
    second_import = scalar(register, "SELECT max(id) FROM import_job")
    assert (report["inserted"], report["updated"], report["unchanged"]) == (0, 2, 4)

    # the signed parcel got its new geometry, kept its status and its certificate
    assert scalar(register, "SELECT status FROM parcel WHERE parcel_no = 1") == "signed"
    assert rows(register, "SELECT * FROM certificate") == certificate
    assert stored_vs_original(register, changed) < 1e-6

    versions = rows(
        register,
        "SELECT p.parcel_no, v.version, v.action, v.import_id, v.valid_to IS NULL, v.changes"
        " FROM parcel_version v JOIN parcel p ON p.id = v.parcel_id"
        " ORDER BY p.parcel_no, v.version",
    )
    assert [tuple(v[:5]) for v in versions if v[0] in (1, 4)] == [
        (1, 1, "import", first_import, False),
        (1, 2, "import_update", second_import, True),
        (4, 1, "import", first_import, False),
        (4, 2, "import_update", second_import, True),
    ]
    changes = {v[0]: v[5] for v in versions if v[1] == 2}
    assert changes[4] == {"address": {"old": frame.DIACHI[3], "new": "Thôn Mới, Phường Vân Trung"}}
    assert set(changes[1]) == {"geometry", "area_m2", "legal_area_m2", "land_uses"}
    assert changes[1]["legal_area_m2"] == {
        "old": float(frame.DIENTICH[0]),
        "new": float(changed.DIENTICH[0]),
    }
    assert all(v[5] == {} for v in versions if v[1] == 1)
    snapshot = scalar(
        register,
        "SELECT v.snapshot FROM parcel_version v JOIN parcel p ON p.id = v.parcel_id"
        " WHERE p.parcel_no = 1 AND v.valid_to IS NULL",
    )
    assert snapshot["status"] == "signed" and snapshot["certificate"]["serial"] == "AB123456"
    assert scalar(register, "SELECT count(*) FROM parcel_version WHERE import_id IS NULL") == 0
    assert scalar(register, "SELECT max(version) FROM parcel WHERE parcel_no IN (2, 3)") == 1

    assert_current_versions_hold_the_register(register)

    # the same file again: nothing changes
    before = counts(register)
    status, report, issues = run_import(second)
    assert status == "succeeded" and issues == []
    assert (report["inserted"], report["updated"], report["unchanged"]) == (0, 0, 6)
    assert counts(register) == before


def assert_current_versions_hold_the_register(register: Engine) -> None:
    """Each parcel's current version holds, to the character, the document parcel_snapshot()
    builds from the register now (the import builds new parcels' documents its own way)."""
    stale = rows(
        register,
        "SELECT v.parcel_id, v.snapshot::text, s.snapshot::text FROM parcel_version v"
        " JOIN parcel_snapshots(ARRAY(SELECT id FROM parcel)) s ON s.id = v.parcel_id"
        " WHERE v.valid_to IS NULL AND v.snapshot::text IS DISTINCT FROM s.snapshot::text",
    )
    assert stale == []
    assert scalar(register, "SELECT count(*) FROM parcel_version WHERE valid_to IS NULL") == (
        scalar(register, "SELECT count(*) FROM parcel")
    )


def test_report_counts_match_the_register(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    run_import(shapefile_zip(tmp_path, "base", parcels(sample, 4)))
    frame = parcels(sample, 8)
    frame.loc[0, "DIACHI"] = "Thôn Mới"  # updated
    frame.loc[5, "SHBANDO"] = 0  # rejected
    frame.loc[6, "geometry"] = _shapes(frame.geometry[6].representative_point())["spike"]
    frame.loc[6, "DIENTICH"] = 64.0  # repaired, inserted
    frame.loc[7, "DIENTICH"] = 500.0  # a warning, inserted
    frame.loc[1, "TENCHU"] = "Ngô Thị Yến"  # updated: a new holder
    status, report, issues = run_import(
        shapefile_zip(tmp_path, "mixed", frame), mode="accept_valid"
    )
    assert status == "succeeded"
    import_id = scalar(register, "SELECT max(id) FROM import_job")
    assert {k: report[k] for k in ("read", "inserted", "updated", "unchanged", "rejected")} == {
        "read": 8,
        "inserted": 3,
        "updated": 2,
        "unchanged": 2,
        "rejected": 1,
    }
    assert report["repaired"] == 1 and report["warnings"] == 1
    assert report["crs"]["epsg"] == 9214 and report["encoding"]["DIACHI"] == "utf-8"
    assert_counts_add_up(report)

    def versions(action: str) -> int:
        return int(
            scalar(
                register,
                "SELECT count(*) FROM parcel_version WHERE import_id = :id AND action = :a",
                id=import_id,
                a=action,
            )
        )

    assert versions("import") == report["inserted"]
    assert versions("import_update") == report["updated"]
    assert_current_versions_hold_the_register(register)
    assert scalar(register, "SELECT count(*) FROM parcel") == 4 + report["inserted"]
    issue_rows = rows(
        register,
        "SELECT kind, count(DISTINCT source_row) FROM import_issue WHERE import_id = :id"
        " GROUP BY kind ORDER BY kind",
        id=import_id,
    )
    assert {k: int(n) for k, n in issue_rows} == {
        "rejected": report["rejected"],
        "repaired": report["repaired"],
        "warning": report["warnings"],
    }
    assert (
        scalar(register, "SELECT progress_done FROM import_job WHERE id = :id", id=import_id) == 8
    )


def test_reimport_keeps_what_the_file_cannot_carry(
    run_import: ImportRun, register: Engine, sample: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    frame = parcels(sample, 3)
    run_import(shapefile_zip(tmp_path, "v1", frame))
    with register.begin() as conn:
        conn.execute(text("UPDATE holder SET id_number = '001234567890', kind = 'household'"))
        conn.execute(text("UPDATE parcel_land_use SET origin_codes = '{CNQ-CTT}'"))
    changed = frame.copy()
    changed["DIACHI"] = ["Thôn Mới 1", "Thôn Mới 2", "Thôn Mới 3"]
    changed.loc[0, "DIENTICH"] = 350.0  # the land use's area follows the declared area
    changed.loc[1, "TENCHU"] = "Ngô Thị Yến"  # a new holder replaces the old one
    changed.loc[2, "MALOAIDAT"] = "CLN"  # a new land use replaces the old one
    status, report, issues = run_import(shapefile_zip(tmp_path, "v2", changed))
    assert status == "succeeded" and report["updated"] == 3, issues
    holders = rows(
        register,
        "SELECT p.parcel_no, h.name, h.kind, h.id_number FROM holder h"
        " JOIN parcel p ON p.id = h.parcel_id ORDER BY p.parcel_no",
    )
    assert [tuple(h) for h in holders] == [
        (1, frame.TENCHU[0], "household", "001234567890"),
        (2, "Ngô Thị Yến", "individual", None),
        (3, frame.TENCHU[2], "household", "001234567890"),
    ]
    uses = rows(
        register,
        "SELECT p.parcel_no, u.land_use_code, u.area_m2, u.origin_codes FROM parcel_land_use u"
        " JOIN parcel p ON p.id = u.parcel_id ORDER BY p.parcel_no",
    )
    assert [(u[0], u[1], float(u[2]), u[3]) for u in uses] == [
        (1, frame.MALOAIDAT[0], 350.0, ["CNQ-CTT"]),
        (2, frame.MALOAIDAT[1], float(frame.DIENTICH[1]), ["CNQ-CTT"]),
        (3, "CLN", float(frame.DIENTICH[2]), []),
    ]
