"""Tell what a file is by its content, not its name: the signatures and small sidecar texts.

An upload's kind is read from its first bytes (zip, SQLite/GeoPackage, shapefile, JSON); a
GeoJSON is checked to be a FeatureCollection or Feature; a .prj must hold WKT and a .cpg a
code-page name, because surveyors' folders hold HTML pages and other files saved under
those names.
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

__all__ = [
    "CPG_MAX",
    "EMPTY_ZIP_MAGIC",
    "PRJ_MAX",
    "SHAPE_MAGIC",
    "SQLITE_MAGIC",
    "ZIP_MAGIC",
    "code_page",
    "geojson_problem",
    "is_wkt1",
    "starts_like_json",
    "starts_with",
    "wkt",
]

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"  # an end-of-directory record and nothing before it
SQLITE_MAGIC = b"SQLite format 3\x00"
SHAPE_MAGIC = b"\x00\x00\x27\x0a"  # file code 9994, big-endian, in .shp and .shx headers

# A .prj is a few hundred bytes of WKT (WKT2 with a BOUNDCRS, a few KiB); a .cpg one short word.
PRJ_MAX = 64 * 1024
CPG_MAX = 40
# GeoJSON up to this size is parsed to check it; larger files are only sniffed, because
# json.loads needs several times the file size in memory and GDAL streams it anyway.
JSON_PARSE_MAX = 16 * 1024**2
_JSON_SNIFF = 1024**2

_WKT_START = re.compile(
    r"(PROJCS|GEOGCS|GEOCCS|COMPD_CS|VERT_CS|LOCAL_CS|FITTED_CS|"
    r"PROJCRS|PROJECTEDCRS|GEOGCRS|GEOGRAPHICCRS|GEODCRS|GEODETICCRS|BASEGEOGCRS|"
    r"COMPOUNDCRS|BOUNDCRS|VERTCRS|VERTICALCRS|ENGCRS|ENGINEERINGCRS)\s*[\[(]",
    re.IGNORECASE,
)
# GDAL's shapefile driver reads only WKT1 (ESRI or OGC) from a .prj: with WKT2 it finds no CRS
_WKT1_START = re.compile(r"(PROJCS|GEOGCS|GEOCCS|COMPD_CS|VERT_CS|LOCAL_CS|FITTED_CS)\b", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CODE_PAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._:()-]*")
_GEOJSON_TYPES = ("FeatureCollection", "Feature")
_GEOJSON_TYPE_NEAR_START = re.compile(rb'"type"\s*:\s*"(FeatureCollection|Feature)"')


def starts_with(path: Path, magic: bytes) -> bool:
    """Return whether the file begins with the signature `magic`."""
    with path.open("rb") as file:
        return file.read(len(magic)) == magic


def starts_like_json(path: Path) -> bool:
    """Return whether the first non-whitespace byte is "{" (after a UTF-8 BOM, if any)."""
    with path.open("rb") as file:
        head = file.read(_JSON_SNIFF)
    return head.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n").startswith(b"{")


def geojson_problem(path: Path) -> str | None:
    """Return why the file is not a GeoJSON FeatureCollection or Feature; None when it is."""
    if not starts_like_json(path):
        return "it does not start with a JSON object"
    if path.stat().st_size > JSON_PARSE_MAX:
        with path.open("rb") as file:
            head = file.read(_JSON_SNIFF)
        if _GEOJSON_TYPE_NEAR_START.search(head):
            return None
        return 'no "type": "FeatureCollection" is found near its start'
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    # RecursionError: deeply nested arrays, a cheap crafted input for the C scanner
    except (ValueError, RecursionError):
        return "it is not valid UTF-8 JSON"
    if not isinstance(document, dict) or document.get("type") not in _GEOJSON_TYPES:
        return 'it is not a GeoJSON "FeatureCollection" or "Feature"'
    return None


def wkt(raw: bytes | None) -> str | None:
    """Return the .prj's WKT text when it looks like one, else None."""
    if raw is None:
        return None
    try:
        # Notepad saves with a BOM; GDAL's WKT parser does not expect one
        text = raw.decode("utf-8").removeprefix("\ufeff").strip()
    except UnicodeDecodeError:
        return None
    if not _WKT_START.match(text) or _CONTROL.search(text) or text[-1:] not in ("]", ")"):
        return None
    return text


def is_wkt1(text: str) -> bool:
    """Return whether WKT text is WKT1 (ESRI or OGC), the only kind a .prj is read as."""
    return _WKT1_START.match(text) is not None


def code_page(raw: bytes | None) -> str | None:
    """Return the .cpg's code-page name (e.g. "UTF-8", "ANSI 1250"), or None if it is not one."""
    if raw is None:
        return None
    raw = raw.removeprefix(codecs.BOM_UTF8)
    if len(raw) > CPG_MAX or not raw.isascii():
        return None
    text = raw.decode("ascii").strip()
    return text if _CODE_PAGE.fullmatch(text) else None
