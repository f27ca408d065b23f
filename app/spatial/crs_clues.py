"""What a parsed CRS definition says of itself: its datum, its names, its identifiers, and
the warnings when its name and its parameters disagree; and how a refusal is worded."""

from __future__ import annotations

import math
import re
from enum import Enum
from typing import Any

from pyproj import CRS
from pyproj.exceptions import CRSError

from app.spatial.vn_zones import ACCEPTED

# Tolerances: tight enough that a different zone or ellipsoid never passes (GRS 1980's 1/f differs
# from WGS 84's by 1.5e-6; 1e-7 degree of central meridian is about 1 cm), loose enough for the
# rounding of values written with 15-17 significant digits or converted through radians.
ANGLE_TOLERANCE = 1e-7  # degrees
SCALE_TOLERANCE = 1e-9
LENGTH_TOLERANCE = 1e-3  # metres
WGS84_SEMI_MAJOR = 6_378_137.0
WGS84_INVERSE_FLATTENING = 298.257223563
DEGREE = math.pi / 180


class CrsUnknown(Exception):
    """The CRS cannot be identified; str(exc) says what was found and asks for the EPSG code."""


class Datum(Enum):
    """The datum a definition names, as far as the registry tells them apart."""

    VN2000 = "VN-2000"
    WGS84 = "WGS 84"
    UNNAMED = "unnamed"
    OTHER = "other"


# Datum names tools write when they know only the ellipsoid (PROJ itself says "Unknown based on
# WGS 84 ellipsoid", which also contains "wgs84": so these are checked before the WGS 84 names).
_UNNAMED_MARKS = ("unknown", "notspecified", "unspecified", "unnamed", "undefined", "userdefined")


def squash(name: str) -> str:
    """Return a name lower-cased without spaces, underscores or hyphens, for comparing."""
    return re.sub(r"[_\-\s]", "", name).lower()


def datum_kind(crs: CRS) -> Datum:
    """Return which datum the CRS names, by EPSG code or by the spellings tools write."""
    datum = crs.datum
    if datum is None:
        return Datum.UNNAMED
    name = squash(datum.name)
    code = declared_epsg(datum.to_json_dict())
    if code == 6756 or "vietnam2000" in name or "vn2000" in name:
        return Datum.VN2000
    if name in ("", "none", "d") or any(mark in name for mark in _UNNAMED_MARKS):
        return Datum.UNNAMED
    if code == 6326 or any(
        mark in name for mark in ("wgs84", "wgs1984", "worldgeodeticsystem1984")
    ):
        return Datum.WGS84
    return Datum.OTHER


# Zone hints in CRS names: "UTM_zone_48N", "UTM48"; "KT107_3deg", "KT108-15", "105do45",
# "TM-3 107-00", "105.75". Used only to warn, never to decide.
_UTM_IN_NAME = re.compile(r"utm[\s_-]*(?:zone[\s_-]*)?(\d{1,2})(?!\d)", re.IGNORECASE)
_MERIDIAN_IN_NAME = re.compile(
    r"(?<![\d.])(1[01]\d)(?:\.(\d+)|(?:do|d|°|-|_|\s)?([0-5]\d))?(?![\d.])", re.IGNORECASE
)


def name_zone_warning(name: str, meridian: float, *, utm: bool, warnings: list[str]) -> None:
    """Warn when the CRS name suggests another zone than its parameters."""
    named_utm = [int(zone) for zone in _UTM_IN_NAME.findall(name)]
    meridians = [6.0 * zone - 183.0 for zone in named_utm]
    for match in _MERIDIAN_IN_NAME.finditer(name):
        degrees, decimals, minutes = match.groups()
        if decimals:
            meridians.append(float(f"{degrees}.{decimals}"))
            # "105.30" may mean 105°30' as well
            if len(decimals) == 2 and int(decimals) < 60:
                meridians.append(int(degrees) + int(decimals) / 60)
        else:
            meridians.append(int(degrees) + int(minutes or 0) / 60)
    problems = []
    if meridians and not any(math.isclose(m, meridian, abs_tol=ANGLE_TOLERANCE) for m in meridians):
        problems.append(f"its central meridian is {dm(meridian)}")
    squashed = squash(name)
    if named_utm and not utm:
        problems.append("its scale factor 0.9999 is a 3-degree zone, not UTM")
    elif utm and ("3deg" in squashed or "tm3" in squashed):
        problems.append("its scale factor 0.9996 is UTM, not a 3-degree zone")
    if problems:
        warnings.append(
            f"the .prj's name {name!r} and its parameters disagree ({'; '.join(problems)}): "
            "the parameters were followed"
        )


def name_datum_warning(crs: CRS, kind: Datum, epsg: int, warnings: list[str]) -> None:
    """Warn when a CRS name says VN-2000 and the datum WGS 84, or the other way round."""
    names = [crs.name] + ([crs.geodetic_crs.name] if crs.geodetic_crs is not None else [])
    squashed = " ".join(squash(name) for name in names)
    says_vn2000 = "vn2000" in squashed or "vietnam2000" in squashed
    says_wgs84 = "wgs84" in squashed or "wgs1984" in squashed
    if kind is Datum.WGS84 and says_vn2000:
        warnings.append(
            f"the .prj is named {crs.name!r} but its datum is WGS 84, so EPSG:{epsg} (WGS 84) was "
            "chosen: if the coordinates are VN-2000, state the VN-2000 EPSG code instead"
        )
    elif kind is Datum.VN2000 and says_wgs84 and not says_vn2000:
        warnings.append(
            f"the .prj is named {crs.name!r} but its datum is VN-2000, so EPSG:{epsg} (VN-2000) "
            "was chosen: if the coordinates are WGS 84, state the WGS 84 EPSG code instead"
        )


def nearest(meridian: float, table: dict[float, Any]) -> float | None:
    """Return the key of `table` equal to `meridian` within the angle tolerance, or None."""
    for key in table:
        if math.isclose(key, meridian, abs_tol=ANGLE_TOLERANCE):
            return key
    return None


def declared_epsg(json: dict[str, Any]) -> int | None:
    """Return the EPSG code a PROJJSON object carries as its identifier, if any."""
    ids = json.get("ids") or ([json["id"]] if "id" in json else [])
    for ident in ids:
        if str(ident.get("authority", "")).upper() == "EPSG":
            try:
                return int(ident["code"])
            except (KeyError, TypeError, ValueError):
                return None
    return None


def datum_name(crs: CRS) -> str:
    """Return the datum's name as the .prj writes it, quoted, for messages."""
    datum = crs.datum
    return repr(datum.name) if datum is not None and datum.name else "(none)"


def describe(crs: CRS) -> str:
    """Return "the projected CRS 'name'" (or geographic, ...), for messages."""
    kind = crs.type_name.lower().replace("crs", "CRS")
    return f"the {kind} {crs.name!r}"


def dm(meridian: float) -> str:
    """Format degrees as surveyors write central meridians: 107°, 105°30'."""
    total = meridian * 60
    if math.isclose(total, round(total), abs_tol=1e-6):
        degrees, minutes = divmod(round(total), 60)
        return f"{degrees}°" if minutes == 0 else f"{degrees}°{minutes:02d}'"
    return f"{meridian:.10g}°"


def excerpt(text: str) -> str:
    """Return the start of a text, quoted, for messages."""
    return repr(text[:40] + ("..." if len(text) > 40 else ""))


def epsg_label(code: int) -> str:
    """Return " (its name)" for an EPSG code pyproj knows, to make the refusal self-explaining."""
    try:
        return f" ({CRS.from_epsg(code).name})"
    except (CRSError, ValueError, TypeError, OverflowError):
        return ""


def unknown(found: str) -> CrsUnknown:
    """Return the refusal saying what was found and asking for the EPSG code."""
    return CrsUnknown(
        f"cannot identify the coordinate reference system: {found}. "
        f"Please state the EPSG code of the coordinates; the registry accepts {ACCEPTED}"
    )
