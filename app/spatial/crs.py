"""The coordinate reference systems the registry reads and writes."""

from __future__ import annotations

import re

WGS84 = 4326
STORAGE = 9214  # VN-2000 / TM-3 107-00
VN2000_TM3 = range(9205, 9219)
VN2000_GEOGRAPHIC = 4756
VN2000_UTM = (3405, 3406)
WGS84_UTM = (32648, 32649)
SUPPORTED = frozenset({WGS84, VN2000_GEOGRAPHIC, *VN2000_TM3, *VN2000_UTM, *WGS84_UTM})

_CODES = "|".join(str(code) for code in sorted(SUPPORTED))
_EPSG_PREFIX = r"EPSG::?|urn:ogc:def:crs:EPSG::|https?://www\.opengis\.net/def/crs/EPSG/0/"
_CRS84 = r"CRS84|urn:ogc:def:crs:OGC:1\.3:CRS84|https?://www\.opengis\.net/def/crs/OGC/1\.3/CRS84"
# Every spelling parse_crs takes, as the OpenAPI document declares it (no flags: exact case)
PATTERN = rf"^(?:(?:{_EPSG_PREFIX})?(?:{_CODES})|{_CRS84})$"
_SPELLING = re.compile(PATTERN)
# declared in OpenAPI; enforced by parse_crs, whose refusal names the codes to use
DECLARED: dict[str, object] = {"pattern": PATTERN}
USAGE = (
    "use EPSG:4326 (WGS84), EPSG:4756 (VN-2000), EPSG:9205-9218 (VN-2000 TM-3 zones), "
    "EPSG:3405/3406 (VN-2000 UTM) or EPSG:32648/32649 (WGS 84 UTM)"
)


def parse_crs(value: str | int) -> int:
    """Return the EPSG code of a CRS given as a code, EPSG:n, or an OGC URI (CRS84 included).

    Raises ValueError naming the supported CRSs when it is not one of them.
    """
    if isinstance(value, int):
        if value in SUPPORTED:
            return value
        raise ValueError(f"unsupported CRS {value}: {USAGE}")
    if not _SPELLING.fullmatch(value):
        raise ValueError(f"unsupported CRS {value!r}: {USAGE}")
    if value.endswith("CRS84"):
        return WGS84
    return int(re.findall(r"\d+", value)[-1])  # the spelling checked: its last number


def uri(code: int) -> str:
    """Return the OGC URI of an EPSG code (CRS84 for WGS84 in lon/lat order)."""
    if code == WGS84:
        return "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    return f"http://www.opengis.net/def/crs/EPSG/0/{code}"
