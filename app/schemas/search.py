"""The body of POST /parcels/search."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, field_validator, model_validator

import shapely
from shapely.geometry import shape

from app.errors import InvalidBBox, InvalidGeometry, InvalidInput
from app.limits import MAX_PAGE_SIZE
from app.schemas.parcels import StrictModel
from app.schemas.types import CrsValue, LandUseCode, PropertyName, SortKey, StatusName, WardCode
from app.spatial import crs as crs_codes
from app.spatial.bbox import to_bbox


class ParcelSearchIn(StrictModel):
    """Which parcels: an area (GeoJSON `geometry` or `wkt`) and any of the other filters."""

    # the document says what _one_area enforces: not a geometry and a WKT both
    model_config = ConfigDict(
        json_schema_extra={
            "not": {
                "required": ["geometry", "wkt"],
                "properties": {"geometry": {"type": "object"}, "wkt": {"type": "string"}},
            }
        }
    )

    geometry: dict[str, Any] | None = Field(
        None,
        description="A GeoJSON Polygon or MultiPolygon in `geometry_crs`.",
        examples=[
            {
                "type": "Polygon",
                "coordinates": [
                    [[106.08, 21.26], [106.12, 21.26], [106.12, 21.29], [106.08, 21.26]]
                ],
            }
        ],
    )
    wkt: str | None = Field(None, max_length=2_000_000, description="Or the area as WKT.")
    geometry_crs: CrsValue = 4326
    bbox: tuple[float, float, float, float] | None = None
    bbox_crs: CrsValue = 4326
    ward: list[WardCode] = Field(default_factory=list, max_length=100)
    sheet: list[Annotated[int, Field(ge=1, le=999_999_999)]] = Field(
        default_factory=list, max_length=1000
    )
    status: list[StatusName] = Field(
        default_factory=list, max_length=20, description="Certificate statuses, any of."
    )
    certified: bool | None = None
    registered: bool | None = None
    land_use: list[LandUseCode] = Field(default_factory=list, max_length=100)
    disputed: bool | None = None
    origin_confirmed: bool | None = None
    properties: list[PropertyName] | None = Field(None, max_length=40)
    crs: CrsValue = 4326
    sortby: SortKey = "id"
    limit: int = Field(100, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(None, max_length=200)
    count: bool = False

    @field_validator("bbox")
    @classmethod
    def _a_box(cls, value: tuple[float, float, float, float] | None) -> Any:
        if value is None:
            return None
        try:
            return to_bbox(value)
        except ValueError as exc:
            # not a ValueError, which pydantic would report as the generic validation-error
            raise InvalidBBox(str(exc)) from None

    @model_validator(mode="after")
    def _one_area(self) -> ParcelSearchIn:
        if self.geometry is not None and self.wkt is not None:
            raise ValueError("give the area as geometry or as wkt, not both")
        return self

    def area(self) -> Any | None:
        """Return the area as a shapely geometry, or None; raise InvalidInput if unreadable."""
        try:
            if self.geometry is not None:
                return shape(self.geometry)
            if self.wkt is not None:
                return shapely.from_wkt(self.wkt)
        except (
            KeyError,
            TypeError,
            ValueError,
            AttributeError,
            shapely.errors.GEOSException,
        ) as exc:
            raise InvalidGeometry(f"The area cannot be read: {exc}") from None
        return None

    @staticmethod
    def parsed_crs(value: str | int) -> int:
        """Return a CRS field as an EPSG code; raise InvalidInput for one the registry lacks."""
        try:
            return crs_codes.parse_crs(value)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
