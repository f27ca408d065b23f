"""Which parcels a query asks for, as the API's filters state them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ParcelFilter:
    """Which parcels: every field given must hold (lists: any of their values)."""

    bbox: tuple[float, float, float, float] | None = None
    bbox_srid: int = 4326
    area_wkb: bytes | None = None  # a polygon, in area_srid
    area_srid: int = 4326
    wards: list[str] = field(default_factory=list)
    sheets: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    certified: bool | None = None
    registered: bool | None = None
    land_uses: list[str] = field(default_factory=list)
    disputed: bool | None = None
    origin_confirmed: bool | None = None
    # a CQL2 filter already translated (app.db.cql2): WHERE fragment and its parameters
    expression: tuple[str, dict[str, Any]] | None = None
