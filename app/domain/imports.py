"""An import's terms: what the uploader says about the file, how strict the import is, and
what happened to each feature."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

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


@dataclass
class Issue:
    """What happened to one source feature (row -1: the file as a whole)."""

    row: int
    key: str | None
    kind: str  # rejected, repaired, warning, overlap
    reason: str
