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

_URI = re.compile(
    r"(?:https?://www\.opengis\.net/def/crs/EPSG/0/|EPSG:{1,2}|urn:ogc:def:crs:EPSG::)?(\d+)",
    re.IGNORECASE,
)
_CRS84 = {"crs84", "http://www.opengis.net/def/crs/ogc/1.3/crs84", "urn:ogc:def:crs:ogc:1.3:crs84"}


def parse_crs(value: str | int) -> int:
    """Return the EPSG code of a CRS given as a code, EPSG:n, or an OGC URI.

    Raises ValueError naming the supported CRSs when it is not one of them.
    """
    text = str(value).strip()
    if text.lower() in _CRS84:
        return WGS84
    match = _URI.fullmatch(text)
    code = int(match.group(1)) if match else -1
    if code not in SUPPORTED:
        raise ValueError(
            f"unsupported CRS {text!r}: use EPSG:4326 (WGS84), EPSG:4756 (VN-2000), "
            "EPSG:9205-9218 (VN-2000 TM-3 zones), EPSG:3405/3406 (VN-2000 UTM) or "
            "EPSG:32648/32649 (WGS 84 UTM)"
        )
    return code


def uri(code: int) -> str:
    """Return the OGC URI of an EPSG code (CRS84 for WGS84 in lon/lat order)."""
    if code == WGS84:
        return "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    return f"http://www.opengis.net/def/crs/EPSG/0/{code}"
