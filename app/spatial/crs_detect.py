"""Identify the CRS of uploaded coordinates from a .prj's projection parameters, or an EPSG code.

Vietnamese surveying tools write ESRI-style .prj files that name the zone loosely ("VN_2000_
KT108-15_3deg", "VN_2000_105do45"), sometimes name the datum WGS 84 when it is VN-2000, and carry
either no datum shift or one with either rotation sign convention. So the zone is decided here from
the parameters alone (ellipsoid, datum, method, central meridian, scale, false origin, unit) and
reported as an EPSG code; the registry then applies its own definition of that code, with the
official VN-2000 datum shift, and never a shift taken from the file.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pyproj import CRS
from pyproj.exceptions import CRSError

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

# Tolerances: tight enough that a different zone or ellipsoid never passes (GRS 1980's 1/f differs
# from WGS 84's by 1.5e-6; 1e-7 degree of central meridian is about 1 cm), loose enough for the
# rounding of values written with 15-17 significant digits or converted through radians.
_ANGLE_TOLERANCE = 1e-7  # degrees
_SCALE_TOLERANCE = 1e-9
_LENGTH_TOLERANCE = 1e-3  # metres
_WGS84_SEMI_MAJOR = 6_378_137.0
_WGS84_INVERSE_FLATTENING = 298.257223563
_DEGREE = math.pi / 180

_ACCEPTED = (
    "EPSG:9205-9218 (VN-2000 / TM-3 zones), 3405/3406 (VN-2000 / UTM 48N/49N), "
    "4756 (VN-2000 geographic), 4326 (WGS 84 geographic), 32648/32649 (WGS 84 / UTM 48N/49N)"
)


@dataclass(frozen=True)
class DetectedCrs:
    """A CRS the registry supports, identified from a .prj or stated by the uploader."""

    epsg: int
    name: str
    how: str
    warnings: tuple[str, ...] = ()


class CrsUnknown(Exception):
    """The CRS cannot be identified; str(exc) says what was found and asks for the EPSG code."""


def detect_from_wkt(wkt: str) -> DetectedCrs:
    """Return the supported CRS a .prj (ESRI/OGC WKT1 or WKT2) describes, or raise CrsUnknown."""
    # Windows tools may write a byte-order mark and a trailing newline.
    text = wkt.lstrip("\ufeff").strip()
    if not text:
        raise _unknown("the .prj is empty, so it is not a CRS WKT")
    try:
        parsed = CRS.from_wkt(text)
    except (CRSError, ValueError) as exc:
        # ValueError covers text pyproj cannot even encode (undecodable bytes kept as surrogates).
        raise _unknown(f"the .prj is not a CRS WKT (it starts {_excerpt(text)})") from exc

    warnings: list[str] = []
    if parsed.is_compound and parsed.sub_crs_list:
        # A shapefile's x/y are in the horizontal part; the registry does not keep heights.
        horizontal, *vertical = parsed.sub_crs_list
        names = ", ".join(repr(part.name) for part in vertical)
        warnings.append(f"the .prj's vertical part {names} is ignored: only x/y are read")
        parsed = horizontal
    bound = parsed.is_bound
    if bound:
        # A WKT1 with TOWGS84 reads as a BoundCRS. Only its source CRS says where the coordinates
        # are; the shift itself is untrustworthy (either rotation sign convention is in the wild).
        source = parsed.source_crs
        if source is None:
            raise _unknown(f"the .prj is a datum shift without a source CRS ({_excerpt(text)})")
        parsed = source

    if parsed.is_projected:
        epsg, how = _projected(parsed, warnings)
    elif parsed.is_geographic:
        epsg, how = _geographic(parsed, warnings)
    else:
        raise _unknown(
            f"the .prj describes {_describe(parsed)}, not a geographic or projected 2-D CRS"
        )

    if bound:
        shift = (
            "the official VN-2000 datum shift (EPSG:6960, Decision 05/2007/QĐ-BTNMT)"
            if epsg in _VN2000_CODES
            else f"its own definition of EPSG:{epsg}"
        )
        warnings.insert(
            0, f"the .prj's TOWGS84 datum shift is ignored: the registry applies {shift}"
        )
    declared = _declared_epsg(parsed.to_json_dict())
    if declared is not None and declared != epsg:
        warnings.append(
            f"the .prj declares EPSG:{declared}, but its parameters are those of EPSG:{epsg}: "
            "the parameters were followed"
        )
    return DetectedCrs(epsg=epsg, name=NAMES[epsg], how=how, warnings=tuple(warnings))


def detect_from_epsg(code: int) -> DetectedCrs:
    """Return the DetectedCrs for an EPSG code an uploader states; CrsUnknown if unsupported."""
    # bool is an int subclass; True must not pass for EPSG:1.
    if isinstance(code, bool) or code not in SUPPORTED_EPSG:
        raise _unknown(f"EPSG:{code}{_epsg_label(code)} is not a CRS the registry supports")
    return DetectedCrs(epsg=code, name=NAMES[code], how=f"EPSG:{code} as stated by the uploader")


_VN2000_CODES = frozenset({*TM3_ZONES.values(), 3405, 3406, crs_codes.VN2000_GEOGRAPHIC})


class _Datum(Enum):
    VN2000 = "VN-2000"
    WGS84 = "WGS 84"
    UNNAMED = "unnamed"
    OTHER = "other"


# Datum names tools write when they know only the ellipsoid (PROJ itself says "Unknown based on
# WGS 84 ellipsoid", which also contains "wgs84": so these are checked before the WGS 84 names).
_UNNAMED_MARKS = ("unknown", "notspecified", "unspecified", "unnamed", "undefined", "userdefined")


def _squash(name: str) -> str:
    return re.sub(r"[_\-\s]", "", name).lower()


def _datum_kind(crs: CRS) -> _Datum:
    datum = crs.datum
    if datum is None:
        return _Datum.UNNAMED
    name = _squash(datum.name)
    code = _declared_epsg(datum.to_json_dict())
    if code == 6756 or "vietnam2000" in name or "vn2000" in name:
        return _Datum.VN2000
    if name in ("", "none", "d") or any(mark in name for mark in _UNNAMED_MARKS):
        return _Datum.UNNAMED
    if code == 6326 or any(
        mark in name for mark in ("wgs84", "wgs1984", "worldgeodeticsystem1984")
    ):
        return _Datum.WGS84
    return _Datum.OTHER


def _check_common(crs: CRS) -> None:
    """Raise unless the CRS is on the WGS 84 ellipsoid with the Greenwich prime meridian."""
    ellipsoid = crs.ellipsoid
    if ellipsoid is None:
        raise _unknown(f"the .prj describes {_describe(crs)} without an ellipsoid")
    semi_major = ellipsoid.semi_major_metre
    inverse_flattening = ellipsoid.inverse_flattening
    if not (
        math.isclose(semi_major, _WGS84_SEMI_MAJOR, abs_tol=_LENGTH_TOLERANCE)
        and math.isclose(inverse_flattening, _WGS84_INVERSE_FLATTENING, abs_tol=1e-7)
    ):
        raise _unknown(
            f"the .prj describes {_describe(crs)} on the {ellipsoid.name} ellipsoid "
            f"(a = {semi_major:.3f} m, 1/f = {inverse_flattening:.12g}); VN-2000 and WGS 84 both "
            f"use the WGS 84 ellipsoid (a = 6378137 m, 1/f = 298.257223563)"
        )
    meridian = crs.prime_meridian
    if meridian is not None:
        # pyproj's stub types this factor as str; at run time it is a float
        longitude = meridian.longitude * float(meridian.unit_conversion_factor) / _DEGREE
        if not math.isclose(longitude, 0.0, abs_tol=_ANGLE_TOLERANCE):
            raise _unknown(
                f"the .prj describes {_describe(crs)} with the prime meridian {meridian.name} "
                f"({longitude:.10g}° from Greenwich)"
            )


def _geographic(crs: CRS, warnings: list[str]) -> tuple[int, str]:
    _check_common(crs)
    if len(crs.axis_info) != 2:
        raise _unknown(f"the .prj describes {_describe(crs)} with {len(crs.axis_info)} axes")
    for axis in crs.axis_info:
        if not math.isclose(axis.unit_conversion_factor, _DEGREE, rel_tol=1e-9):
            raise _unknown(f"the .prj describes {_describe(crs)} in {axis.unit_name}, not degrees")
    kind = _datum_kind(crs)
    datum = _datum_name(crs)
    if kind is _Datum.VN2000:
        epsg = crs_codes.VN2000_GEOGRAPHIC
    elif kind is _Datum.WGS84:
        epsg = crs_codes.WGS84
    else:
        # Unlike a TM-3 zone, longitude/latitude gives no hint which datum is meant, and the two
        # differ by about 220 m in northern Vietnam.
        raise _unknown(
            f"the .prj describes longitude/latitude on the WGS 84 ellipsoid with datum {datum}, "
            "which is neither VN-2000 (EPSG:4756) nor WGS 84 (EPSG:4326); the two are about "
            "220 m apart in Vietnam"
        )
    _name_datum_warning(crs, kind, epsg, warnings)
    return epsg, (
        f"{kind.value} geographic coordinates from the .prj (longitude/latitude in degrees, "
        f"datum {datum})"
    )


# EPSG parameter code -> its name squashed, for a WKT whose parameters pyproj left without codes.
_PARAMETERS = {
    "8801": "latitudeofnaturalorigin",
    "8802": "longitudeofnaturalorigin",
    "8805": "scalefactoratnaturalorigin",
    "8806": "falseeasting",
    "8807": "falsenorthing",
}


def _projected(crs: CRS, warnings: list[str]) -> tuple[int, str]:
    _check_common(crs)
    for axis in crs.axis_info:
        # a factor of exactly 1 is the metre, whatever the WKT calls it ("Meter", "metre", "m")
        if axis.unit_conversion_factor != 1.0:
            raise _unknown(
                f"the .prj describes {_describe(crs)} in {axis.unit_name} "
                f"({axis.unit_conversion_factor:g} m), not metres"
            )
    conversion = crs.coordinate_operation
    if conversion is None:
        raise _unknown(f"the .prj describes {_describe(crs)} without a projection")
    if conversion.method_code != "9807" and _squash(conversion.method_name) != (
        "transversemercator"
    ):
        raise _unknown(
            f"the .prj describes {_describe(crs)}, a {conversion.method_name} projection; the "
            "registry reads only Transverse Mercator (VN-2000 TM-3 and UTM zones)"
        )
    values: dict[str, float] = {}
    for param in conversion.params:
        for code, squashed in _PARAMETERS.items():
            if param.code == code or _squash(param.name) == squashed:
                # Angles to degrees, lengths to metres, whatever unit the WKT wrote them in.
                factor = param.unit_conversion_factor
                if param.unit_category == "angular":
                    factor /= _DEGREE
                try:
                    # pyproj's stub types values as str: file-name parameters are
                    values[code] = float(param.value) * factor
                except (TypeError, ValueError):
                    continue
    missing = [name for code, name in _PARAMETERS.items() if code not in values]
    if missing:
        raise _unknown(
            f"the .prj describes {_describe(crs)} without the parameters {', '.join(missing)}"
        )
    origin_latitude, meridian = values["8801"], values["8802"]
    scale, easting, northing = values["8805"], values["8806"], values["8807"]
    if not math.isclose(origin_latitude, 0.0, abs_tol=_ANGLE_TOLERANCE):
        raise _unknown(
            f"the .prj describes a Transverse Mercator with latitude of origin "
            f"{origin_latitude:.10g}°; VN-2000 and UTM zones start at the equator (0°)"
        )
    if not math.isclose(northing, 0.0, abs_tol=_LENGTH_TOLERANCE):
        raise _unknown(
            f"the .prj describes a Transverse Mercator with false northing {northing:.10g} m; "
            "the VN-2000 and northern UTM zones use 0"
        )
    if not math.isclose(easting, FALSE_EASTING, abs_tol=_LENGTH_TOLERANCE):
        raise _unknown(
            f"the .prj describes a Transverse Mercator with false easting {easting:.10g} m; "
            "the VN-2000 and UTM zones use 500000 m"
        )

    kind = _datum_kind(crs)
    datum = _datum_name(crs)
    if math.isclose(scale, TM3_SCALE, abs_tol=_SCALE_TOLERANCE):
        epsg = _tm3(meridian, kind, datum, warnings)
        how = (
            f"VN-2000 TM-3 zone from the .prj parameters (central meridian {_dm(meridian)}, "
            f"k {TM3_SCALE})"
        )
        _name_zone_warning(crs.name, meridian, utm=False, warnings=warnings)
    elif math.isclose(scale, UTM_SCALE, abs_tol=_SCALE_TOLERANCE):
        epsg, zone = _utm(meridian, kind, datum)
        how = (
            f"{kind.value} UTM zone {zone} from the .prj parameters (central meridian "
            f"{_dm(meridian)}, k {UTM_SCALE}, datum {datum})"
        )
        _name_zone_warning(crs.name, meridian, utm=True, warnings=warnings)
        _name_datum_warning(crs, kind, epsg, warnings)
    else:
        raise _unknown(
            f"the .prj describes a Transverse Mercator with scale factor {scale:.10g} on central "
            f"meridian {_dm(meridian)}; VN-2000 TM-3 zones use 0.9999 and UTM zones 0.9996"
        )
    return epsg, how


def _tm3(meridian: float, kind: _Datum, datum: str, warnings: list[str]) -> int:
    key = _nearest(meridian, TM3_ZONES)
    if key is None:
        other = _nearest(meridian, UNSUPPORTED_TM3_ZONES)
        hint = (
            f" (it is EPSG:{UNSUPPORTED_TM3_ZONES[other]}, a VN-2000 zone the registry does "
            "not define)"
            if other is not None
            else ""
        )
        raise _unknown(
            f"the .prj describes a 3-degree Transverse Mercator (k 0.9999) on central meridian "
            f"{_dm(meridian)}{hint}, which is not one of the registry's VN-2000 TM-3 zones: "
            + ", ".join(f"EPSG:{code} ({_dm(cm)})" for cm, code in TM3_ZONES.items())
        )
    if kind is _Datum.OTHER:
        raise _unknown(
            f"the .prj describes a VN-2000-like TM-3 zone (central meridian {_dm(meridian)}, "
            f"k 0.9999) but names its datum {datum}, which is neither VN-2000 nor WGS 84"
        )
    if kind is not _Datum.VN2000:
        # Vietnamese tools often label VN-2000 zones "WGS 84" (the ellipsoid's name) or leave the
        # datum unnamed; no other datum uses these 3-degree zones, so the zone identifies VN-2000.
        label = f"names its datum {datum}" if kind is _Datum.WGS84 else "does not name its datum"
        warnings.append(
            f"the .prj {label}; a TM-3 zone with central meridian {_dm(meridian)} and k 0.9999 "
            "is VN-2000, so the datum was assumed to be VN-2000"
        )
    return TM3_ZONES[key]


def _utm(meridian: float, kind: _Datum, datum: str) -> tuple[int, str]:
    key = _nearest(meridian, UTM_ZONES)
    if key is None:
        number = (meridian + 183) / 6
        which = f" (zone {number:.0f})" if math.isclose(number, round(number), abs_tol=1e-9) else ""
        raise _unknown(
            f"the .prj describes a UTM projection (k 0.9996) on central meridian "
            f"{_dm(meridian)}{which}; the registry holds UTM zones 48N (105°) and 49N (111°) only"
        )
    zone, vn2000, wgs84 = UTM_ZONES[key]
    if kind is _Datum.VN2000:
        return vn2000, zone
    if kind is _Datum.WGS84:
        return wgs84, zone
    # VN-2000 and WGS 84 UTM coordinates differ by about 220 m: the zone alone cannot tell them.
    raise _unknown(
        f"the .prj describes UTM on central meridian {_dm(meridian)} with datum {datum}, "
        f"which is neither VN-2000 (EPSG:{vn2000}) nor WGS 84 (EPSG:{wgs84}); the two are about "
        "220 m apart in Vietnam"
    )


# Zone hints in CRS names: "UTM_zone_48N", "UTM48"; "KT107_3deg", "KT108-15", "105do45",
# "TM-3 107-00", "105.75". Used only to warn, never to decide.
_UTM_IN_NAME = re.compile(r"utm[\s_-]*(?:zone[\s_-]*)?(\d{1,2})(?!\d)", re.IGNORECASE)
_MERIDIAN_IN_NAME = re.compile(
    r"(?<![\d.])(1[01]\d)(?:\.(\d+)|(?:do|d|°|-|_|\s)?([0-5]\d))?(?![\d.])", re.IGNORECASE
)


def _name_zone_warning(name: str, meridian: float, *, utm: bool, warnings: list[str]) -> None:
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
    if meridians and not any(
        math.isclose(m, meridian, abs_tol=_ANGLE_TOLERANCE) for m in meridians
    ):
        problems.append(f"its central meridian is {_dm(meridian)}")
    squashed = _squash(name)
    if named_utm and not utm:
        problems.append("its scale factor 0.9999 is a 3-degree zone, not UTM")
    elif utm and ("3deg" in squashed or "tm3" in squashed):
        problems.append("its scale factor 0.9996 is UTM, not a 3-degree zone")
    if problems:
        warnings.append(
            f"the .prj's name {name!r} and its parameters disagree ({'; '.join(problems)}): "
            "the parameters were followed"
        )


def _name_datum_warning(crs: CRS, kind: _Datum, epsg: int, warnings: list[str]) -> None:
    """Warn when a CRS name says VN-2000 and the datum WGS 84, or the other way round."""
    names = [crs.name] + ([crs.geodetic_crs.name] if crs.geodetic_crs is not None else [])
    squashed = " ".join(_squash(name) for name in names)
    says_vn2000 = "vn2000" in squashed or "vietnam2000" in squashed
    says_wgs84 = "wgs84" in squashed or "wgs1984" in squashed
    if kind is _Datum.WGS84 and says_vn2000:
        warnings.append(
            f"the .prj is named {crs.name!r} but its datum is WGS 84, so EPSG:{epsg} (WGS 84) was "
            "chosen: if the coordinates are VN-2000, state the VN-2000 EPSG code instead"
        )
    elif kind is _Datum.VN2000 and says_wgs84 and not says_vn2000:
        warnings.append(
            f"the .prj is named {crs.name!r} but its datum is VN-2000, so EPSG:{epsg} (VN-2000) "
            "was chosen: if the coordinates are WGS 84, state the WGS 84 EPSG code instead"
        )


def _nearest(meridian: float, table: dict[float, Any]) -> float | None:
    """Return the key of `table` equal to `meridian` within the angle tolerance, or None."""
    for key in table:
        if math.isclose(key, meridian, abs_tol=_ANGLE_TOLERANCE):
            return key
    return None


def _declared_epsg(json: dict[str, Any]) -> int | None:
    """Return the EPSG code a PROJJSON object carries as its identifier, if any."""
    ids = json.get("ids") or ([json["id"]] if "id" in json else [])
    for ident in ids:
        if str(ident.get("authority", "")).upper() == "EPSG":
            try:
                return int(ident["code"])
            except (KeyError, TypeError, ValueError):
                return None
    return None


def _datum_name(crs: CRS) -> str:
    datum = crs.datum
    return repr(datum.name) if datum is not None and datum.name else "(none)"


def _describe(crs: CRS) -> str:
    kind = crs.type_name.lower().replace("crs", "CRS")
    return f"the {kind} {crs.name!r}"


def _dm(meridian: float) -> str:
    """Format degrees as surveyors write central meridians: 107°, 105°30'."""
    total = meridian * 60
    if math.isclose(total, round(total), abs_tol=1e-6):
        degrees, minutes = divmod(round(total), 60)
        return f"{degrees}°" if minutes == 0 else f"{degrees}°{minutes:02d}'"
    return f"{meridian:.10g}°"


def _excerpt(text: str) -> str:
    return repr(text[:40] + ("..." if len(text) > 40 else ""))


def _epsg_label(code: int) -> str:
    """Return " (its name)" for an EPSG code pyproj knows, to make the refusal self-explaining."""
    try:
        return f" ({CRS.from_epsg(code).name})"
    except (CRSError, ValueError, TypeError, OverflowError):
        return ""


def _unknown(found: str) -> CrsUnknown:
    return CrsUnknown(
        f"cannot identify the coordinate reference system: {found}. "
        f"Please state the EPSG code of the coordinates; the registry accepts {_ACCEPTED}"
    )
