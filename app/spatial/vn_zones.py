"""The VN-2000 and UTM zones the registry holds, with the EPSG code and name of each."""

from __future__ import annotations

from app.spatial import crs as crs_codes

# Central meridian (degrees) of each VN-2000 / TM-3 zone the database defines, k0 0.9999, false
# easting 500000 (EPSG:9205-9218). The tests check every entry against pyproj's EPSG database.
TM3_ZONES: dict[float, int] = {
    103.0: 9205,
    104.0: 9206,
    104.5: 9207,
    104.75: 9208,
    105.5: 9209,
    105.75: 9210,
    106.0: 9211,
    106.25: 9212,
    106.5: 9213,
    107.0: 9214,
    107.25: 9215,
    107.5: 9216,
    108.25: 9217,
    108.5: 9218,
}

# VN-2000 TM-3 zones EPSG defines but the registry does not: named in the error so the uploader
# (or whoever adds the zone) knows what the data is in.
UNSUPPORTED_TM3_ZONES: dict[float, int] = {102.0: 5896, 105.0: 5897, 107.75: 5899, 108.0: 5898}

# UTM central meridian -> (zone, VN-2000 EPSG code, WGS 84 EPSG code)
UTM_ZONES: dict[float, tuple[str, int, int]] = {
    105.0: ("48N", 3405, 32648),
    111.0: ("49N", 3406, 32649),
}

TM3_SCALE = 0.9999
UTM_SCALE = 0.9996
FALSE_EASTING = 500_000.0


def _tm3_name(meridian: float) -> str:
    degrees, minutes = divmod(round(meridian * 60), 60)
    return f"VN-2000 / TM-3 {degrees}-{minutes:02d}"


# The EPSG names of every code this module may return (the tests compare them with pyproj's).
NAMES: dict[int, str] = {
    **{code: _tm3_name(meridian) for meridian, code in TM3_ZONES.items()},
    3405: "VN-2000 / UTM zone 48N",
    3406: "VN-2000 / UTM zone 49N",
    crs_codes.VN2000_GEOGRAPHIC: "VN-2000",
    crs_codes.WGS84: "WGS 84",
    32648: "WGS 84 / UTM zone 48N",
    32649: "WGS 84 / UTM zone 49N",
}
SUPPORTED_EPSG = frozenset(NAMES)

VN2000_CODES = frozenset({*TM3_ZONES.values(), 3405, 3406, crs_codes.VN2000_GEOGRAPHIC})

ACCEPTED = (
    "EPSG:9205-9218 (VN-2000 / TM-3 zones), 3405/3406 (VN-2000 / UTM 48N/49N), "
    "4756 (VN-2000 geographic), 4326 (WGS 84 geographic), 32648/32649 (WGS 84 / UTM 48N/49N)"
)
