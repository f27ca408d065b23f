"""Every importer reads a file the same way: the same .prj variants give the same CRS (or the
same refusal) to a parcel import and to a ward import, the same stated CRS overrides them, and
the text of a ward list or a crosswalk is decoded as a parcel file's is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

import geopandas as gpd
from pyproj import CRS
from shapely.geometry import box

from app.domain.permissions import Actor, Role
from app.errors import InvalidInput
from app.ingest.vntext import encode_cp1258, encode_tcvn3, encode_vni
from app.services import wards
from app.spatial.crs_detect import TM3_ZONES
from tests.services.conftest import ImportRun
from tests.services.test_import_rules import (
    ESRI_TM3,
    PRJ_VN2000_UTM48,
    PRJ_WGS84,
    PROJ_9214,
    legacy_text,
    parcels,
    sample,  # noqa: F401 (a fixture)
    scalar,
    shapefile_zip,
    stored_vs_original,
    transformed,
)
from tests.spatial.test_crs_detect import (
    TOWGS84_POSITION_VECTOR,
    TOWGS84_WRONG_SIGNS,
    tm3_wkt1_with_towgs84,
)

ADMIN = Actor(name="test admin", role=Role.ADMIN)
PRJ_VN2000_UTM49 = PRJ_VN2000_UTM48.replace("48N", "49N").replace(
    '"Central_Meridian",105.0', '"Central_Meridian",111.0'
)
GARBAGE = "this is not a projection"


def _meridian_name(meridian: float) -> str:
    degrees, minutes = divmod(round(meridian * 60), 60)
    return f"{degrees}-{minutes:02d}"


# (name, .prj text, the EPSG code it must be read as, or the words of the refusal)
VARIANTS: list[tuple[str, str, int | str]] = [
    *(
        (
            f"esri-tm3-{code}",
            ESRI_TM3.format(name=_meridian_name(m), meridian=repr(m), towgs84=""),
            code,
        )
        for m, code in sorted(TM3_ZONES.items())
    ),
    ("wkt1-towgs84", tm3_wkt1_with_towgs84(TOWGS84_POSITION_VECTOR), 9214),
    ("wkt1-towgs84-copied-signs", tm3_wkt1_with_towgs84(TOWGS84_WRONG_SIGNS), 9214),
    ("epsg-names-9214", CRS.from_epsg(9214).to_wkt("WKT1_GDAL"), 9214),
    ("epsg-names-9209", CRS.from_epsg(9209).to_wkt("WKT1_GDAL"), 9209),
    ("epsg-names-3405", CRS.from_epsg(3405).to_wkt("WKT1_GDAL"), 3405),
    ("vn2000-utm-48n", PRJ_VN2000_UTM48, 3405),
    # read as zone 49N, whose coordinates at the town (west of the zone) cannot be right
    ("vn2000-utm-49n", PRJ_VN2000_UTM49, "cannot be right in VN-2000 / UTM zone 49N"),
    ("wgs84", PRJ_WGS84, 4326),
    ("wgs84-epsg-names", CRS.from_epsg(4326).to_wkt("WKT1_GDAL"), 4326),
    ("garbage", GARBAGE, "its .prj is no CRS"),
    ("garbage-half-a-wkt", 'PROJCS["VN_2000_KT107_3deg",GEOGCS[', "its .prj is no CRS"),
]
IDS = [v[0] for v in VARIANTS]


def _in(frame: gpd.GeoDataFrame, epsg: int | str) -> gpd.GeoDataFrame:
    """The frame (EPSG:9214) carried into `epsg` by pyproj, as the surveyor's tool wrote it."""
    if isinstance(epsg, str):
        epsg = 3406 if "49N" in epsg else 9214
    if epsg == 9214:
        return frame
    # VN-2000 to VN-2000 needs no datum shift; to WGS 84, the registry's own shift
    source = PROJ_9214 if epsg == 4326 else "EPSG:9214"
    return transformed(frame, source, f"EPSG:{epsg}")


@pytest.fixture
def ward_frame(register: Engine) -> gpd.GeoDataFrame:
    """A new ward (99901) inside the sample ward 07795, 400 m square, in EPSG:9214."""
    x, y = (
        register.connect()
        .execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM ward, ST_PointOnSurface(boundary) p"
                " WHERE code = '07795'"
            )
        )
        .one()
    )
    return gpd.GeoDataFrame(
        {"code": ["99901"], "name": ["Thử nghiệm"], "kind": ["phường"]},
        geometry=[box(x - 200, y - 200, x + 200, y + 200)],
    )


@pytest.fixture
def ward_session(register: Engine) -> Iterator[Session]:
    """A session on the register whose writes are rolled back."""
    with Session(register) as session:
        session.begin()
        try:
            yield session
        finally:
            session.rollback()


def _import_wards(
    session: Session, path: Path, crs: int | None = None
) -> wards.WardsImported | InvalidInput:
    try:
        with session.begin_nested():
            return wards.import_file(session=session, actor=ADMIN, path=path, crs=crs)
    except InvalidInput as exc:
        return exc


def _ward_offset(session: Session, frame: gpd.GeoDataFrame) -> float:
    return float(
        session.execute(
            text(
                "SELECT ST_HausdorffDistance(boundary, ST_GeomFromText(:wkt, 9214)) FROM ward"
                " WHERE code = '99901'"
            ),
            {"wkt": frame.geometry[0].wkt},
        ).scalar_one()
    )


def _last_error(register: Engine) -> str:
    return str(scalar(register, "SELECT error FROM import_job ORDER BY id DESC LIMIT 1"))


@pytest.mark.parametrize(("name", "prj", "epsg"), VARIANTS, ids=IDS)
def test_parcels_and_wards_read_a_prj_alike(
    run_import: ImportRun,
    register: Engine,
    ward_session: Session,
    sample: gpd.GeoDataFrame,  # noqa: F811
    ward_frame: gpd.GeoDataFrame,
    tmp_path: Path,
    name: str,
    prj: str,
    epsg: int | str,
) -> None:
    frame = parcels(sample, 3)
    # the same file name for both: the refusals name it
    status, report, issues = run_import(
        shapefile_zip(tmp_path / "parcels", "survey", _in(frame, epsg), prj=prj)
    )
    ward_file = shapefile_zip(tmp_path / "wards", "survey", _in(ward_frame, epsg), prj=prj)
    ward = _import_wards(ward_session, ward_file)
    if isinstance(epsg, str):
        assert status == "failed"
        assert isinstance(ward, InvalidInput)
        parcel_says = _last_error(register)
        assert epsg in parcel_says
        assert ward.detail == f"{ward_file.name}: {parcel_says}"
        return
    assert status == "succeeded", _last_error(register)
    assert isinstance(ward, wards.WardsImported), ward
    assert report["crs"]["epsg"] == ward.crs.epsg == epsg
    assert report["crs"]["how"] == ward.crs.how
    # both land where the surveyor's tool put them (the registry's datum shift for WGS 84)
    tolerance = 0.02 if epsg == 4326 else 0.005
    assert stored_vs_original(register, frame) < tolerance
    assert _ward_offset(ward_session, ward_frame) < tolerance


@pytest.mark.parametrize("prj", [GARBAGE, None], ids=["garbage", "no-prj"])
def test_a_stated_crs_overrides_the_file_for_every_importer(
    run_import: ImportRun,
    register: Engine,
    ward_session: Session,
    sample: gpd.GeoDataFrame,  # noqa: F811
    ward_frame: gpd.GeoDataFrame,
    tmp_path: Path,
    prj: str | None,
) -> None:
    frame = parcels(sample, 3)
    zone = transformed(frame, "EPSG:9214", "EPSG:9211")
    status, report, issues = run_import(shapefile_zip(tmp_path, "parcels", zone, prj=prj), crs=9211)
    ward_zone = transformed(ward_frame, "EPSG:9214", "EPSG:9211")
    ward = _import_wards(
        ward_session, shapefile_zip(tmp_path, "wards", ward_zone, prj=prj), crs=9211
    )
    assert status == "succeeded", issues
    assert isinstance(ward, wards.WardsImported), ward
    assert report["crs"]["epsg"] == ward.crs.epsg == 9211
    assert report["crs"]["how"] == ward.crs.how
    assert stored_vs_original(register, frame) < 0.005
    assert _ward_offset(ward_session, ward_frame) < 0.005


def test_without_a_prj_every_importer_asks_for_the_crs(
    run_import: ImportRun,
    register: Engine,
    ward_session: Session,
    sample: gpd.GeoDataFrame,  # noqa: F811
    ward_frame: gpd.GeoDataFrame,
    tmp_path: Path,
) -> None:
    status, _, _ = run_import(
        shapefile_zip(tmp_path / "parcels", "survey", parcels(sample, 2), prj=None)
    )
    ward_file = shapefile_zip(tmp_path / "wards", "survey", ward_frame, prj=None)
    ward = _import_wards(ward_session, ward_file)
    assert status == "failed" and isinstance(ward, InvalidInput)
    assert ward.detail == f"{ward_file.name}: {_last_error(register)}"
    assert "says nothing about its CRS" in ward.detail


@pytest.mark.parametrize(
    "encode", [encode_tcvn3, encode_vni, encode_cp1258], ids=["tcvn3", "vni", "cp1258"]
)
def test_a_ward_list_in_a_legacy_encoding_is_decoded_as_parcels_are(
    ward_session: Session, ward_frame: gpd.GeoDataFrame, tmp_path: Path, encode: object
) -> None:
    legacy = ward_frame.copy()
    names = ["Phường Nếnh thử nghiệm"]
    legacy["name"] = legacy_text(names, encode)  # type: ignore[arg-type]
    legacy["kind"] = legacy_text(["phường"], encode)  # type: ignore[arg-type]
    ward = _import_wards(ward_session, shapefile_zip(tmp_path, "wards", legacy, legacy=True))
    assert isinstance(ward, wards.WardsImported), ward
    stored = ward_session.execute(text("SELECT name, kind FROM ward WHERE code = '99901'")).one()
    assert tuple(stored) == (names[0], "phuong")


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.encode("utf-8"),
        lambda s: b"\xef\xbb\xbf" + s.encode("utf-8"),
        encode_tcvn3,
        encode_vni,
        encode_cp1258,
    ],
    ids=["utf-8", "utf-8-bom", "tcvn3", "vni", "cp1258"],
)
def test_a_crosswalk_is_decoded_as_parcels_are(ward_session: Session, encode: object) -> None:
    rows = (
        "old_code,old_name,ward_code\n99801,Xã Việt Tiến cũ,07795\n99802,Thị trấn Bích Động,07777\n"
    )
    data = encode(rows)  # type: ignore[operator]
    count = wards.import_crosswalk(session=ward_session, actor=ADMIN, data=data)
    assert count == 2
    stored = dict(
        ward_session.execute(
            text("SELECT old_code, old_name FROM commune_crosswalk WHERE old_code LIKE '998%'")
        ).all()
    )
    assert stored == {"99801": "Xã Việt Tiến cũ", "99802": "Thị trấn Bích Động"}
