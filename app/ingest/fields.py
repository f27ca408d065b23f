"""Recognise the attribute columns Vietnamese cadastral tools write, under their many names."""

from __future__ import annotations

from dataclasses import dataclass

# Canonical field -> the names seen in Famis/ViLIS/TMV.Map exports and national database styles
# (compared without case; DBF cuts names at 10 characters, so cut forms are listed too).
VARIANTS: dict[str, tuple[str, ...]] = {
    "survey_commune_code": ("MAXA", "XAID", "MA_XA", "MADVHC", "MADONVIHANHCHINH"),
    "sheet_no": (
        "SHBANDO",
        "SOHIEUTOBANDO",
        "SOHIEUTOBA",
        "SHTOBD",
        "SOTO",
        "TOBD",
        "SOBANDO",
        "SO_TO",
        "TOBANDO",
    ),
    "parcel_no": ("SHTHUA", "SOTHUTUTHUA", "SOTHUTUTHU", "SO_THUA", "SOTHUA", "THUA"),
    "legal_area_m2": ("DIENTICHPL", "DIENTICH", "DTICH", "DIEN_TICH", "DT"),
    "land_use_code": (
        "MALOAIDAT",
        "KHLOAIDAT",
        "KYHIEUMUCDICHSUDUNG",
        "KYHIEUMUCD",
        "MDSD",
        "LOAIDAT",
        "MUCDICHSD",
    ),
    "holder_name": ("TENCHU", "HOTEN", "TENCHUSDD", "TENCHUSUDU", "CHUSUDUNG", "TEN_CHU"),
    "address": ("DIACHI", "DIA_CHI", "DIACHITHUA"),
    "certificate_issued": ("DACAPGCN", "DA_CAP_GCN"),
}
REQUIRED = ("sheet_no", "parcel_no")


class FieldMappingError(ValueError):
    """A required column is missing, or a stated mapping names a column the file lacks."""


@dataclass(frozen=True)
class FieldMapping:
    """Which source column feeds each canonical field; the rest are kept as extras."""

    columns: dict[str, str]
    extra: tuple[str, ...]


def map_fields(columns: list[str], stated: dict[str, str] | None = None) -> FieldMapping:
    """Return the mapping of a file's columns, the uploader's statements first.

    Raises FieldMappingError when a stated column is absent or a required field is not found.
    """
    by_upper = {c.upper(): c for c in columns}
    mapping: dict[str, str] = {}
    for field, column in (stated or {}).items():
        if field not in VARIANTS:
            raise FieldMappingError(
                f"unknown field {field!r} in the mapping; fields are {', '.join(VARIANTS)}"
            )
        if column.upper() not in by_upper:
            raise FieldMappingError(
                f"the mapping names column {column!r}, but the file has {', '.join(columns)}"
            )
        mapping[field] = by_upper[column.upper()]
    for field, names in VARIANTS.items():
        if field in mapping:
            continue
        used = set(mapping.values())
        found = next(
            (by_upper[n] for n in names if n in by_upper and by_upper[n] not in used), None
        )
        if found is not None:
            mapping[field] = found
    missing = [f for f in REQUIRED if f not in mapping]
    if missing:
        raise FieldMappingError(
            f"no column for {', '.join(missing)} among {', '.join(columns)}; name it in the "
            f'field mapping, e.g. {{"sheet_no": "SOTO", "parcel_no": "SOTHUA"}}'
        )
    used = set(mapping.values())
    return FieldMapping(columns=mapping, extra=tuple(c for c in columns if c not in used))
