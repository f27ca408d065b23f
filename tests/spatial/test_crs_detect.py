"""A .prj's CRS is identified from its parameters as a supported EPSG code, or refused (pure)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from pyproj import CRS, Transformer

from app.spatial import crs as crs_codes
from app.spatial.crs_detect import (
    NAMES,
    SUPPORTED_EPSG,
    TM3_ZONES,
    UNSUPPORTED_TM3_ZONES,
    CrsUnknown,
    detect_from_epsg,
    detect_from_wkt,
)

SAMPLE_ZIP = Path(__file__).resolve().parents[2] / "gis_samples" / "parcels.zip"

# Written out from the EPSG registry independently of the module's table; the first test checks
# it against pyproj, the others use it as the expected answer.
ZONE_MERIDIANS = {
    9205: 103.0,
    9206: 104.0,
    9207: 104.5,
    9208: 104.75,
    9209: 105.5,
    9210: 105.75,
    9211: 106.0,
    9212: 106.25,
    9213: 106.5,
    9214: 107.0,
    9215: 107.25,
    9216: 107.5,
    9217: 108.25,
    9218: 108.5,
}

# Việt Yên, Bắc Giang, in VN-2000 geographic coordinates (lon, lat), and its EPSG:9214 easting
# and northing from the shared domain notes (pyproj with PROJ 9).
VIET_YEN = (106.10, 21.27)
VIET_YEN_9214 = (406_602.443, 2_353_001.762)

_GCS_VN_2000 = (
    'GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)

# ESRI-style .prj files as Vietnamese surveying tools write them: loose names, no datum shift.
ESRI_KT108_15 = (
    'PROJCS["VN_2000_KT108-15_3deg",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",108.25],PARAMETER["Scale_Factor",0.9999],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
ESRI_TRA_VINH = (
    'PROJCS["VN_2000_Tra_Vinh_3deg",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",106.0],PARAMETER["Scale_Factor",0.9999],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
ESRI_105DO45 = (
    'PROJCS["VN_2000_105do45",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",105.75],PARAMETER["Scale_Factor",0.9999],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
ESRI_UTM_48N = (
    'PROJCS["VN_2000_UTM_zone_48N",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",0.9996],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


def esri_tm(
    name: str = "VN_2000_test",
    *,
    meridian: float = 107.0,
    scale: float = 0.9999,
    easting: float = 500000.0,
    northing: float = 0.0,
    origin: float = 0.0,
    datum: str = "D_Vietnam_2000",
    unit: str = 'UNIT["Meter",1.0]',
) -> str:
    return (
        f'PROJCS["{name}",GEOGCS["GCS_test",DATUM["{datum}",'
        'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
        'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
        f'PARAMETER["False_Easting",{easting}],PARAMETER["False_Northing",{northing}],'
        f'PARAMETER["Central_Meridian",{meridian}],PARAMETER["Scale_Factor",{scale}],'
        f'PARAMETER["Latitude_Of_Origin",{origin}],{unit}]'
    )


def tm3_wkt1_with_towgs84(towgs84: str) -> str:
    return (
        'PROJCS["VN-2000 / TM-3 107-00",GEOGCS["VN-2000",DATUM["Vietnam_2000",'
        f'SPHEROID["WGS 84",6378137,298.257223563],TOWGS84[{towgs84}]],PRIMEM["Greenwich",0],'
        'UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
        'PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",107],'
        'PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",500000],'
        'PARAMETER["false_northing",0],UNIT["metre",1]]'
    )


# The official shift in PROJ's Position Vector convention, and the widely copied string that
# keeps the Coordinate Frame rotation signs (0.76 m off around Việt Yên).
TOWGS84_POSITION_VECTOR = (
    "-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"
)
TOWGS84_WRONG_SIGNS = (
    "-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278"
)


def project(target: int | str) -> tuple[float, float]:
    """Project Việt Yên from VN-2000 geographic to an EPSG code or a WKT with pyproj."""
    crs = CRS.from_epsg(target) if isinstance(target, int) else CRS.from_wkt(target)
    x, y = Transformer.from_crs(CRS.from_epsg(4756), crs, always_xy=True).transform(*VIET_YEN)
    return float(x), float(y)


def sample_prj() -> str:
    with zipfile.ZipFile(SAMPLE_ZIP) as archive:
        return archive.read("parcels.prj").decode("ascii")


# --- the tables agree with the EPSG database ------------------------------------------------


@pytest.mark.parametrize(("code", "meridian"), sorted(ZONE_MERIDIANS.items()))
def test_zone_table_matches_epsg(code: int, meridian: float) -> None:
    crs = CRS.from_epsg(code)
    conversion = crs.coordinate_operation
    assert conversion is not None and conversion.method_code == "9807"
    params = {p.code: float(p.value) for p in conversion.params}
    assert params == {
        "8801": 0.0,
        "8802": meridian,
        "8805": 0.9999,
        "8806": 500000.0,
        "8807": 0.0,
    }
    assert crs.datum is not None and crs.datum.name == "Vietnam 2000"
    assert TM3_ZONES[meridian] == code


def test_module_tables_match_epsg() -> None:
    assert set(TM3_ZONES.values()) == set(ZONE_MERIDIANS) == set(crs_codes.VN2000_TM3)
    assert SUPPORTED_EPSG == {*ZONE_MERIDIANS, 3405, 3406, 4756, 4326, 32648, 32649}
    assert crs_codes.SUPPORTED <= SUPPORTED_EPSG
    for code in SUPPORTED_EPSG:
        assert NAMES[code] == CRS.from_epsg(code).name
    for meridian, code in UNSUPPORTED_TM3_ZONES.items():
        conversion = CRS.from_epsg(code).coordinate_operation
        assert conversion is not None
        params = {p.code: float(p.value) for p in conversion.params}
        assert (params["8802"], params["8805"], params["8806"]) == (meridian, 0.9999, 500000.0)


# --- ESRI .prj files from Vietnamese tools ----------------------------------------------------


@pytest.mark.parametrize(
    ("wkt", "epsg", "meridian_text"),
    [
        (ESRI_KT108_15, 9217, "108°15'"),
        # Trà Vinh in the name, but central meridian 106°00' in the parameters: zone 106-00.
        (ESRI_TRA_VINH, 9211, "106°"),
        (ESRI_105DO45, 9210, "105°45'"),
        (ESRI_UTM_48N, 3405, "105°"),
    ],
)
def test_esri_prj_from_vietnamese_tools(wkt: str, epsg: int, meridian_text: str) -> None:
    detected = detect_from_wkt(wkt)
    assert detected.epsg == epsg
    assert detected.name == CRS.from_epsg(epsg).name
    assert f"central meridian {meridian_text}," in detected.how
    assert detected.warnings == ()


@pytest.mark.parametrize(
    ("wkt", "epsg"),
    [(ESRI_KT108_15, 9217), (ESRI_TRA_VINH, 9211), (ESRI_105DO45, 9210), (ESRI_UTM_48N, 3405)],
)
def test_detected_code_projects_like_the_file_and_the_expected_code(wkt: str, epsg: int) -> None:
    detected = project(detect_from_wkt(wkt).epsg)
    assert detected == pytest.approx(project(epsg), abs=1e-3)
    # the file's own parameters (PROJ resolves D_Vietnam_2000 to VN-2000) land on the same spot
    assert detected == pytest.approx(project(wkt), abs=1e-3)


def test_sample_prj_is_bac_giang_zone_and_pins_the_test_vector() -> None:
    detected = detect_from_wkt(sample_prj())
    assert detected.epsg == 9214
    assert detected.name == "VN-2000 / TM-3 107-00"
    assert detected.warnings == ()
    assert project(detected.epsg) == pytest.approx(VIET_YEN_9214, abs=1e-3)
    assert project(detected.epsg) == pytest.approx(project(9214), abs=1e-3)


def test_byte_order_mark_and_newline_are_tolerated() -> None:
    assert detect_from_wkt("\ufeff" + sample_prj() + "\r\n").epsg == 9214


def test_vn2000_datum_name_pyproj_does_not_know_is_recognised() -> None:
    detected = detect_from_wkt(esri_tm(datum="VN2000_Hanoi_datum"))
    assert (detected.epsg, detected.warnings) == (9214, ())


# --- every zone in every WKT dialect ----------------------------------------------------------


@pytest.mark.parametrize("dialect", ["WKT1_GDAL", "WKT1_ESRI", "WKT2_2015", "WKT2_2019"])
@pytest.mark.parametrize("code", sorted(ZONE_MERIDIANS))
def test_every_zone_round_trips(code: int, dialect: str) -> None:
    detected = detect_from_wkt(CRS.from_epsg(code).to_wkt(dialect))
    assert detected.epsg == code
    assert detected.warnings == ()


@pytest.mark.parametrize("dialect", ["WKT1_GDAL", "WKT1_ESRI", "WKT2_2019"])
@pytest.mark.parametrize("code", [4326, 4756, 3405, 3406, 32648, 32649])
def test_geographic_and_utm_round_trip(code: int, dialect: str) -> None:
    detected = detect_from_wkt(CRS.from_epsg(code).to_wkt(dialect))
    assert detected.epsg == code
    assert detected.name == CRS.from_epsg(code).name
    assert detected.warnings == ()


def test_compound_crs_uses_its_horizontal_part() -> None:
    detected = detect_from_wkt(CRS.from_user_input("EPSG:9214+5773").to_wkt("WKT2_2019"))
    assert detected.epsg == 9214
    assert len(detected.warnings) == 1 and "EGM96 height" in detected.warnings[0]


# --- datum shifts in the file are ignored ------------------------------------------------------


@pytest.mark.parametrize("towgs84", [TOWGS84_POSITION_VECTOR, TOWGS84_WRONG_SIGNS])
def test_towgs84_is_ignored_with_a_warning(towgs84: str) -> None:
    wkt = tm3_wkt1_with_towgs84(towgs84)
    assert CRS.from_wkt(wkt).is_bound
    detected = detect_from_wkt(wkt)
    assert detected.epsg == 9214
    assert len(detected.warnings) == 1
    assert "TOWGS84" in detected.warnings[0] and "ignored" in detected.warnings[0]
    assert "official VN-2000" in detected.warnings[0]


def test_proj4_export_with_towgs84_and_no_datum_name() -> None:
    proj4 = (
        "+proj=tmerc +lat_0=0 +lon_0=107 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
        f"+towgs84={TOWGS84_POSITION_VECTOR} +units=m +no_defs"
    )
    detected = detect_from_wkt(CRS.from_proj4(proj4).to_wkt("WKT1_GDAL"))
    assert detected.epsg == 9214
    assert any("TOWGS84" in w for w in detected.warnings)
    assert any("assumed to be VN-2000" in w for w in detected.warnings)


def test_towgs84_on_wgs84_utm_is_ignored_too() -> None:
    wkt = CRS.from_epsg(32648).to_wkt("WKT1_GDAL")
    wkt = wkt.replace('AUTHORITY["EPSG","6326"]', 'TOWGS84[0,0,0,0,0,0,0],AUTHORITY["EPSG","6326"]')
    assert CRS.from_wkt(wkt).is_bound
    detected = detect_from_wkt(wkt)
    assert detected.epsg == 32648
    assert detected.warnings and "TOWGS84" in detected.warnings[0]


# --- mislabelled files: parameters win ---------------------------------------------------------


def test_wgs84_labelled_tm3_zone_is_vn2000_with_a_warning() -> None:
    detected = detect_from_wkt(esri_tm("WGS_1984_TM_107", datum="D_WGS_1984"))
    assert detected.epsg == 9214
    assert len(detected.warnings) == 1
    assert "assumed to be VN-2000" in detected.warnings[0]


def test_unnamed_datum_tm3_zone_is_vn2000_with_a_warning() -> None:
    proj4 = "+proj=tmerc +lat_0=0 +lon_0=107 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +units=m"
    detected = detect_from_wkt(CRS.from_proj4(proj4).to_wkt("WKT1_ESRI"))
    assert detected.epsg == 9214
    assert any("assumed to be VN-2000" in w for w in detected.warnings)


def test_name_and_parameters_disagree_parameters_win() -> None:
    detected = detect_from_wkt(esri_tm("VN_2000_KT107_3deg", meridian=105.5))
    assert detected.epsg == 9209
    assert len(detected.warnings) == 1
    assert "disagree" in detected.warnings[0] and "105°30'" in detected.warnings[0]


def test_name_says_utm_but_parameters_are_a_tm3_zone() -> None:
    detected = detect_from_wkt(esri_tm("VN_2000_UTM_zone_48N", meridian=105.5))
    assert detected.epsg == 9209
    assert any("not UTM" in w for w in detected.warnings)


def test_declared_authority_code_does_not_decide() -> None:
    wkt = CRS.from_epsg(9214).to_wkt("WKT1_GDAL")
    wkt = wkt.replace('PARAMETER["central_meridian",107]', 'PARAMETER["central_meridian",105.5]')
    detected = detect_from_wkt(wkt)
    assert detected.epsg == 9209
    assert any("declares EPSG:9214" in w for w in detected.warnings)


def test_utm_named_vn2000_with_wgs84_datum_follows_the_datum_with_a_warning() -> None:
    detected = detect_from_wkt(
        esri_tm("VN_2000_UTM_zone_48N", meridian=105, scale=0.9996, datum="D_WGS_1984")
    )
    assert detected.epsg == 32648
    assert any("state the VN-2000 EPSG code" in w for w in detected.warnings)


# --- refusals -----------------------------------------------------------------------------------

FEET = 'UNIT["Foot_US",0.3048006096012192]'


@pytest.mark.parametrize(
    ("wkt", "found"),
    [
        (CRS.from_epsg(3857).to_wkt("WKT1_ESRI"), "Pseudo Mercator"),
        (CRS.from_epsg(3857).to_wkt("WKT1_GDAL"), "Pseudo Mercator"),
        (CRS.from_epsg(3148).to_wkt("WKT1_GDAL"), "Everest 1830"),
        (CRS.from_epsg(3148).to_wkt("WKT1_ESRI"), "Everest 1830"),
        (CRS.from_epsg(4147).to_wkt("WKT1_GDAL"), "Krassowsky 1940"),
        (esri_tm(meridian=105.0), "central meridian 105° (it is EPSG:5897"),
        (esri_tm(meridian=108.0), "central meridian 108° (it is EPSG:5898"),
        (esri_tm(meridian=105.0), "EPSG:9209 (105°30')"),
        (esri_tm(meridian=106.12), "central meridian 106.12°"),
        (esri_tm(easting=1640416.667, unit=FEET), "foot"),
        (esri_tm(northing=10000000.0), "false northing 10000000"),
        (esri_tm(easting=0.0), "false easting 0"),
        (esri_tm(origin=21.0), "latitude of origin 21°"),
        (esri_tm(scale=0.9998), "scale factor 0.9998"),
        (esri_tm(datum="D_Hanoi_1972"), "'Hanoi 1972'"),
        (esri_tm(meridian=105.0, scale=0.9996, datum="D_unknown"), "neither VN-2000"),
        (esri_tm(meridian=99.0, scale=0.9996), "zone 47"),
        (CRS.from_epsg(32748).to_wkt("WKT1_GDAL"), "false northing 10000000"),
        (CRS.from_proj4("+proj=longlat +ellps=WGS84").to_wkt("WKT1_GDAL"), "neither VN-2000"),
        (CRS.from_epsg(2193).to_wkt("WKT1_GDAL"), "GRS 1980"),
        (
            'LOCAL_CS["site",LOCAL_DATUM["site",0],UNIT["metre",1],AXIS["X",EAST],AXIS["Y",NORTH]]',
            "engineering CRS",
        ),
    ],
)
def test_unidentifiable_crs_is_refused_with_what_was_found(wkt: str, found: str) -> None:
    with pytest.raises(CrsUnknown) as caught:
        detect_from_wkt(wkt)
    message = str(caught.value)
    assert found in message
    assert "state the EPSG code" in message


@pytest.mark.parametrize(
    "text",
    [
        "<html><head><title>404 Not Found</title></head><body>Not Found</body></html>",
        "",
        "   \r\n",
        bytes(range(256)).decode("latin-1"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe".decode("utf-8", "surrogateescape"),
        'SPHEROID["WGS_1984",6378137.0,298.257223563]',
        "+proj=tmerc +lon_0=107 +k=0.9999 +x_0=500000 +ellps=WGS84",
        "EPSG:9214",
    ],
)
def test_garbage_is_not_a_crs_wkt(text: str) -> None:
    with pytest.raises(CrsUnknown) as caught:
        detect_from_wkt(text)
    assert "not a CRS WKT" in str(caught.value)
    assert "state the EPSG code" in str(caught.value)


# --- codes stated by the uploader ---------------------------------------------------------------


@pytest.mark.parametrize("code", sorted({*ZONE_MERIDIANS, 3405, 3406, 4756, 4326, 32648, 32649}))
def test_supported_epsg_codes_are_accepted(code: int) -> None:
    detected = detect_from_epsg(code)
    assert detected.epsg == code
    assert detected.name == CRS.from_epsg(code).name
    assert detected.warnings == ()
    assert f"EPSG:{code}" in detected.how


@pytest.mark.parametrize("code", [3857, 5897, 4147, 0, -1, 99999999])
def test_unsupported_epsg_codes_are_refused(code: int) -> None:
    with pytest.raises(CrsUnknown) as caught:
        detect_from_epsg(code)
    assert f"EPSG:{code}" in str(caught.value)
    assert "9205-9218" in str(caught.value)


def test_refusal_names_the_stated_crs() -> None:
    with pytest.raises(CrsUnknown, match="Pseudo-Mercator"):
        detect_from_epsg(3857)


def test_bool_is_not_an_epsg_code() -> None:
    with pytest.raises(CrsUnknown):
        detect_from_epsg(True)
