"""The VN-2000 zones the first revision defines, checked through PostGIS itself."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from pyproj import CRS

# Test vector (domain notes; pyproj with PROJ 9): VN-2000 geographic 106.10 E, 21.27 N
# -> EPSG:9214 E 406602.443, N 2353001.762 -> WGS84 106.1018851 E, 21.2690123 N.
VN2000_LON, VN2000_LAT = 106.10, 21.27
TM3_E, TM3_N = 406602.443, 2353001.762
WGS84_LON, WGS84_LAT = 106.1018851, 21.2690123
# 1e-7 degree is about 1 cm: the unflipped towgs84 signs found online land 0.76 m off
DEG_TOLERANCE = 1e-7


def test_vn2000_geographic_to_tm3_107(connection: Connection) -> None:
    e, n = connection.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM ST_Transform("
            " ST_SetSRID(ST_MakePoint(:lon, :lat), 4756), 9214) p"
        ),
        {"lon": VN2000_LON, "lat": VN2000_LAT},
    ).one()
    assert e == pytest.approx(TM3_E, abs=0.002)
    assert n == pytest.approx(TM3_N, abs=0.002)


def test_tm3_107_to_wgs84_applies_the_official_datum_shift(connection: Connection) -> None:
    lon, lat = connection.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM ST_Transform("
            " ST_SetSRID(ST_MakePoint(:e, :n), 9214), 4326) p"
        ),
        {"e": TM3_E, "n": TM3_N},
    ).one()
    assert lon == pytest.approx(WGS84_LON, abs=DEG_TOLERANCE)
    assert lat == pytest.approx(WGS84_LAT, abs=DEG_TOLERANCE)


@pytest.mark.parametrize("srid", range(9205, 9219))
def test_every_zone_agrees_through_its_epsg_code_wkt_and_proj4(
    connection: Connection, srid: int
) -> None:
    """Whichever definition a PostGIS or a client reads, the point lands on the same spot."""
    srtext, proj4 = connection.execute(
        text("SELECT srtext, proj4text FROM spatial_ref_sys WHERE srid = :srid"), {"srid": srid}
    ).one()
    defined = CRS.from_wkt(srtext)
    assert defined.is_bound  # the WKT carries its TOWGS84: a client reading it shifts right
    params = {p.name: p.value for p in defined.source_crs.coordinate_operation.params}
    expected = {p.name: p.value for p in CRS.from_epsg(srid).coordinate_operation.params}
    assert params == pytest.approx(expected)
    # a point 20 km east of the zone's central meridian, at Việt Yên's latitude
    via = connection.execute(
        text(
            "WITH p AS (SELECT ST_SetSRID(ST_MakePoint(520000, 2353000), :srid) g) "
            "SELECT ST_AsText(ST_Transform(g, 4326)),"
            "       ST_AsText(ST_Transform(ST_SetSRID(g, 0), :proj4, 4326)),"
            "       ST_AsText(ST_Transform(ST_SetSRID(g, 0), :srtext, 4326)) FROM p"
        ),
        {"srid": srid, "proj4": proj4, "srtext": srtext},
    ).one()
    coords = [tuple(map(float, wkt[6:-1].split())) for wkt in via]
    for lon, lat in coords[1:]:
        assert lon == pytest.approx(coords[0][0], abs=DEG_TOLERANCE)
        assert lat == pytest.approx(coords[0][1], abs=DEG_TOLERANCE)


def test_the_commonly_copied_unflipped_string_would_fail_this_check(
    connection: Connection,
) -> None:
    """The tolerance above is tight enough to catch the sign error seen in the wild."""
    wrong = (
        "+proj=tmerc +lat_0=0 +lon_0=107 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
        "+towgs84=-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,"
        "-0.00427372,0.252906278 +units=m +no_defs"
    )
    lon, lat = connection.execute(
        text("SELECT ST_X(p), ST_Y(p) FROM ST_Transform( ST_MakePoint(:e, :n), :proj4, 4326) p"),
        {"e": TM3_E, "n": TM3_N, "proj4": wrong},
    ).one()
    assert abs(lon - WGS84_LON) > DEG_TOLERANCE or abs(lat - WGS84_LAT) > DEG_TOLERANCE
