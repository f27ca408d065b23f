"""An import's terms: what the uploader says about the file, how strict the import is, and
what happened to each feature."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

from app.errors import InvalidFieldMap

Mode = Literal["all_or_nothing", "accept_valid"]


@dataclass(frozen=True)
class ImportOptions:
    """What the uploader says about the file and how strict the import is."""

    crs: int | None = None
    field_map: dict[str, str] = field(default_factory=dict)
    commune_code: str | None = None
    mode: Mode = "all_or_nothing"
    dry_run: bool = False
    overlap_tolerance_m2: float = 1.0
    repair_tolerance: float = 0.01
    area_warning_tolerance: float = 0.05


def parse_field_map(text: str | None) -> dict[str, str]:
    """Return the field map an uploader sends as JSON text (field -> column); empty for none."""
    if not text:
        return {}
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidFieldMap(f"field_map is not JSON: {exc}") from None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise InvalidFieldMap(
            'field_map must be a JSON object of strings, e.g. {"sheet_no": "SOTO"}.'
        )
    return mapping


@dataclass
class Issue:
    """What happened to one source feature (row -1: the file as a whole)."""

    row: int
    key: str | None
    kind: str  # rejected, repaired, warning, overlap
    reason: str
    # the feature's geometry as WKB in the storage CRS, to draw it on a map (None: no
    # geometry, or none that can be drawn)
    shape: bytes | None = field(default=None, repr=False, compare=False)
