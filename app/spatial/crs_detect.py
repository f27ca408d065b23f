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
from dataclasses import dataclass

from pyproj import CRS
from pyproj.exceptions import CRSError

from app.spatial import crs as crs_codes
from app.spatial.crs_clues import (
    ANGLE_TOLERANCE,
    DEGREE,
    LENGTH_TOLERANCE,
    SCALE_TOLERANCE,
    WGS84_INVERSE_FLATTENING,
    WGS84_SEMI_MAJOR,
    CrsUnknown,
    Datum,
    datum_kind,
    datum_name,
    declared_epsg,
    describe,
    dm,
    epsg_label,
    excerpt,
    name_datum_warning,
    name_zone_warning,
    nearest,
    squash,
    unknown,
)
from app.spatial.vn_zones import (
    FALSE_EASTING,
    NAMES,
    SUPPORTED_EPSG,
    TM3_SCALE,
    TM3_ZONES,
    UNSUPPORTED_TM3_ZONES,
    UTM_SCALE,
    UTM_ZONES,
    VN2000_CODES,
)

__all__ = [
    "NAMES",
    "SUPPORTED_EPSG",
    "TM3_ZONES",
    "UNSUPPORTED_TM3_ZONES",
    "CrsUnknown",
    "DetectedCrs",
    "detect_from_epsg",
    "detect_from_wkt",
]


@dataclass(frozen=True)
class DetectedCrs:
    """A CRS the registry supports, identified from a .prj or stated by the uploader."""

    epsg: int
    name: str
    how: str
    warnings: tuple[str, ...] = ()


def detect_from_wkt(wkt: str) -> DetectedCrs:
    """Return the supported CRS a .prj (ESRI/OGC WKT1 or WKT2) describes, or raise CrsUnknown."""
    # Windows tools may write a byte-order mark and a trailing newline.
    text = wkt.lstrip("\ufeff").strip()
    if not text:
        raise unknown("the .prj is empty, so it is not a CRS WKT")
    try:
        parsed = CRS.from_wkt(text)
    except (CRSError, ValueError) as exc:
        # ValueError covers text pyproj cannot even encode (undecodable bytes kept as surrogates).
        raise unknown(f"the .prj is not a CRS WKT (it starts {excerpt(text)})") from exc

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
            raise unknown(f"the .prj is a datum shift without a source CRS ({excerpt(text)})")
        parsed = source

    if parsed.is_projected:
        epsg, how = _projected(parsed, warnings)
    elif parsed.is_geographic:
        epsg, how = _geographic(parsed, warnings)
    else:
        raise unknown(
            f"the .prj describes {describe(parsed)}, not a geographic or projected 2-D CRS"
        )

    if bound:
        shift = (
            "the official VN-2000 datum shift (EPSG:6960, Decision 05/2007/QĐ-BTNMT)"
            if epsg in VN2000_CODES
            else f"its own definition of EPSG:{epsg}"
        )
        warnings.insert(
            0, f"the .prj's TOWGS84 datum shift is ignored: the registry applies {shift}"
        )
    declared = declared_epsg(parsed.to_json_dict())
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
        raise unknown(f"EPSG:{code}{epsg_label(code)} is not a CRS the registry supports")
    return DetectedCrs(epsg=code, name=NAMES[code], how=f"EPSG:{code} as stated by the uploader")


def _check_common(crs: CRS) -> None:
    """Raise unless the CRS is on the WGS 84 ellipsoid with the Greenwich prime meridian."""
    ellipsoid = crs.ellipsoid
    if ellipsoid is None:
        raise unknown(f"the .prj describes {describe(crs)} without an ellipsoid")
    semi_major = ellipsoid.semi_major_metre
    inverse_flattening = ellipsoid.inverse_flattening
    if not (
        math.isclose(semi_major, WGS84_SEMI_MAJOR, abs_tol=LENGTH_TOLERANCE)
        and math.isclose(inverse_flattening, WGS84_INVERSE_FLATTENING, abs_tol=1e-7)
    ):
        raise unknown(
            f"the .prj describes {describe(crs)} on the {ellipsoid.name} ellipsoid "
            f"(a = {semi_major:.3f} m, 1/f = {inverse_flattening:.12g}); VN-2000 and WGS 84 both "
            f"use the WGS 84 ellipsoid (a = 6378137 m, 1/f = 298.257223563)"
        )
    meridian = crs.prime_meridian
    if meridian is not None:
        # pyproj's stub types this factor as str; at run time it is a float
        longitude = meridian.longitude * float(meridian.unit_conversion_factor) / DEGREE
        if not math.isclose(longitude, 0.0, abs_tol=ANGLE_TOLERANCE):
            raise unknown(
                f"the .prj describes {describe(crs)} with the prime meridian {meridian.name} "
                f"({longitude:.10g}° from Greenwich)"
            )


def _geographic(crs: CRS, warnings: list[str]) -> tuple[int, str]:
    _check_common(crs)
    if len(crs.axis_info) != 2:
        raise unknown(f"the .prj describes {describe(crs)} with {len(crs.axis_info)} axes")
    for axis in crs.axis_info:
        if not math.isclose(axis.unit_conversion_factor, DEGREE, rel_tol=1e-9):
            raise unknown(f"the .prj describes {describe(crs)} in {axis.unit_name}, not degrees")
    kind = datum_kind(crs)
    datum = datum_name(crs)
    if kind is Datum.VN2000:
        epsg = crs_codes.VN2000_GEOGRAPHIC
    elif kind is Datum.WGS84:
        epsg = crs_codes.WGS84
    else:
        # Unlike a TM-3 zone, longitude/latitude gives no hint which datum is meant, and the two
        # differ by about 220 m in northern Vietnam.
        raise unknown(
            f"the .prj describes longitude/latitude on the WGS 84 ellipsoid with datum {datum}, "
            "which is neither VN-2000 (EPSG:4756) nor WGS 84 (EPSG:4326); the two are about "
            "220 m apart in Vietnam"
        )
    name_datum_warning(crs, kind, epsg, warnings)
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
    """Return the EPSG code and how it was found of a projected CRS: a TM-3 or UTM zone."""
    _check_common(crs)
    meridian, scale = _transverse_mercator(crs)
    kind = datum_kind(crs)
    datum = datum_name(crs)
    if math.isclose(scale, TM3_SCALE, abs_tol=SCALE_TOLERANCE):
        epsg = _tm3(meridian, kind, datum, warnings)
        how = (
            f"VN-2000 TM-3 zone from the .prj parameters (central meridian {dm(meridian)}, "
            f"k {TM3_SCALE})"
        )
        name_zone_warning(crs.name, meridian, utm=False, warnings=warnings)
    elif math.isclose(scale, UTM_SCALE, abs_tol=SCALE_TOLERANCE):
        epsg, zone = _utm(meridian, kind, datum)
        how = (
            f"{kind.value} UTM zone {zone} from the .prj parameters (central meridian "
            f"{dm(meridian)}, k {UTM_SCALE}, datum {datum})"
        )
        name_zone_warning(crs.name, meridian, utm=True, warnings=warnings)
        name_datum_warning(crs, kind, epsg, warnings)
    else:
        raise unknown(
            f"the .prj describes a Transverse Mercator with scale factor {scale:.10g} on central "
            f"meridian {dm(meridian)}; VN-2000 TM-3 zones use 0.9999 and UTM zones 0.9996"
        )
    return epsg, how


def _transverse_mercator(crs: CRS) -> tuple[float, float]:
    """Return (central meridian in degrees, scale) of a Transverse Mercator in metres starting
    at the equator with false easting 500000 m; raise CrsUnknown for anything else."""
    for axis in crs.axis_info:
        # a factor of exactly 1 is the metre, whatever the WKT calls it ("Meter", "metre", "m")
        if axis.unit_conversion_factor != 1.0:
            raise unknown(
                f"the .prj describes {describe(crs)} in {axis.unit_name} "
                f"({axis.unit_conversion_factor:g} m), not metres"
            )
    conversion = crs.coordinate_operation
    if conversion is None:
        raise unknown(f"the .prj describes {describe(crs)} without a projection")
    if conversion.method_code != "9807" and squash(conversion.method_name) != (
        "transversemercator"
    ):
        raise unknown(
            f"the .prj describes {describe(crs)}, a {conversion.method_name} projection; the "
            "registry reads only Transverse Mercator (VN-2000 TM-3 and UTM zones)"
        )
    values: dict[str, float] = {}
    for param in conversion.params:
        for code, squashed in _PARAMETERS.items():
            if param.code == code or squash(param.name) == squashed:
                # Angles to degrees, lengths to metres, whatever unit the WKT wrote them in.
                factor = param.unit_conversion_factor
                if param.unit_category == "angular":
                    factor /= DEGREE
                try:
                    # pyproj's stub types values as str: file-name parameters are
                    values[code] = float(param.value) * factor
                except (TypeError, ValueError):
                    continue
    missing = [name for code, name in _PARAMETERS.items() if code not in values]
    if missing:
        raise unknown(
            f"the .prj describes {describe(crs)} without the parameters {', '.join(missing)}"
        )
    origin_latitude, meridian = values["8801"], values["8802"]
    scale, easting, northing = values["8805"], values["8806"], values["8807"]
    if not math.isclose(origin_latitude, 0.0, abs_tol=ANGLE_TOLERANCE):
        raise unknown(
            f"the .prj describes a Transverse Mercator with latitude of origin "
            f"{origin_latitude:.10g}°; VN-2000 and UTM zones start at the equator (0°)"
        )
    if not math.isclose(northing, 0.0, abs_tol=LENGTH_TOLERANCE):
        raise unknown(
            f"the .prj describes a Transverse Mercator with false northing {northing:.10g} m; "
            "the VN-2000 and northern UTM zones use 0"
        )
    if not math.isclose(easting, FALSE_EASTING, abs_tol=LENGTH_TOLERANCE):
        raise unknown(
            f"the .prj describes a Transverse Mercator with false easting {easting:.10g} m; "
            "the VN-2000 and UTM zones use 500000 m"
        )
    return meridian, scale


def _tm3(meridian: float, kind: Datum, datum: str, warnings: list[str]) -> int:
    key = nearest(meridian, TM3_ZONES)
    if key is None:
        other = nearest(meridian, UNSUPPORTED_TM3_ZONES)
        hint = (
            f" (it is EPSG:{UNSUPPORTED_TM3_ZONES[other]}, a VN-2000 zone the registry does "
            "not define)"
            if other is not None
            else ""
        )
        raise unknown(
            f"the .prj describes a 3-degree Transverse Mercator (k 0.9999) on central meridian "
            f"{dm(meridian)}{hint}, which is not one of the registry's VN-2000 TM-3 zones: "
            + ", ".join(f"EPSG:{code} ({dm(cm)})" for cm, code in TM3_ZONES.items())
        )
    if kind is Datum.OTHER:
        raise unknown(
            f"the .prj describes a VN-2000-like TM-3 zone (central meridian {dm(meridian)}, "
            f"k 0.9999) but names its datum {datum}, which is neither VN-2000 nor WGS 84"
        )
    if kind is not Datum.VN2000:
        # Vietnamese tools often label VN-2000 zones "WGS 84" (the ellipsoid's name) or leave the
        # datum unnamed; no other datum uses these 3-degree zones, so the zone identifies VN-2000.
        label = f"names its datum {datum}" if kind is Datum.WGS84 else "does not name its datum"
        warnings.append(
            f"the .prj {label}; a TM-3 zone with central meridian {dm(meridian)} and k 0.9999 "
            "is VN-2000, so the datum was assumed to be VN-2000"
        )
    return TM3_ZONES[key]


def _utm(meridian: float, kind: Datum, datum: str) -> tuple[int, str]:
    key = nearest(meridian, UTM_ZONES)
    if key is None:
        number = (meridian + 183) / 6
        which = f" (zone {number:.0f})" if math.isclose(number, round(number), abs_tol=1e-9) else ""
        raise unknown(
            f"the .prj describes a UTM projection (k 0.9996) on central meridian "
            f"{dm(meridian)}{which}; the registry holds UTM zones 48N (105°) and 49N (111°) only"
        )
    zone, vn2000, wgs84 = UTM_ZONES[key]
    if kind is Datum.VN2000:
        return vn2000, zone
    if kind is Datum.WGS84:
        return wgs84, zone
    # VN-2000 and WGS 84 UTM coordinates differ by about 220 m: the zone alone cannot tell them.
    raise unknown(
        f"the .prj describes UTM on central meridian {dm(meridian)} with datum {datum}, "
        f"which is neither VN-2000 (EPSG:{vn2000}) nor WGS 84 (EPSG:{wgs84}); the two are about "
        "220 m apart in Vietnam"
    )
