"""Parcel bodies. Input models forbid unknown fields: no client sets a status, ward or author."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.domain import clock
from app.domain.codes import BacklogReason, HolderKind
from app.errors import DayOutOfRange
from app.schemas.types import (
    TRIM,
    AreaM2,
    CrsValue,
    Day,
    LandUseCode,
    Name,
    ParcelIdKey,
    Reason,
    WardCode,
    text,
)


class StrictModel(BaseModel):
    """A body that refuses fields it does not know."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LandUseIn(StrictModel):
    """One land use of a parcel."""

    code: LandUseCode = Field(examples=["ONT"])
    area_m2: AreaM2 | None = Field(
        None,
        description="Area of this use; may be left out when the parcel has a single use.",
    )
    origin_codes: list[str] = Field(default_factory=list, examples=[["CNQ-CTT"]])


class HolderIn(StrictModel):
    """A land user: personal data, shown only to staff."""

    name: Name = Field(examples=["Nguyễn Văn Hùng"])
    kind: HolderKind = "individual"
    id_number: str | None = Field(
        None,
        pattern=r"^[0-9]{9}$|^[0-9]{12}$|^[A-Z0-9-]{6,20}$",
        description="CCCD (12 digits), old CMND (9 digits), or an organisation's code.",
        examples=["024090001234"],
    )


class GeometryIn(BaseModel):
    """A GeoJSON Polygon or MultiPolygon."""

    model_config = ConfigDict(extra="allow")

    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[Any] = Field(min_length=1)


class ParcelIn(StrictModel):
    """A new parcel."""

    survey_commune_code: WardCode = Field(
        description="Commune code at survey time (an old code is fine: see the crosswalk).",
        examples=["07795"],
    )
    sheet_no: int = Field(gt=0, examples=[12])
    parcel_no: int = Field(gt=0, examples=[345])
    geometry: GeometryIn
    crs: CrsValue = Field(
        4326,
        description="CRS of the geometry: EPSG:4326 (default), or a VN-2000 code such as 9214.",
    )
    legal_area_m2: AreaM2 | None = None
    land_uses: list[LandUseIn] = Field(min_length=1)
    address: str | None = Field(None, max_length=500)
    holders: list[HolderIn] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)


class ParcelPatch(StrictModel):
    """Changes to a parcel; fields left out stay as they are."""

    geometry: GeometryIn | None = None
    crs: CrsValue = 4326
    sheet_no: int | None = Field(None, gt=0)
    parcel_no: int | None = Field(None, gt=0)
    legal_area_m2: AreaM2 | None = None
    land_uses: list[LandUseIn] | None = Field(None, min_length=1)
    address: str | None = Field(None, max_length=500)
    holders: list[HolderIn] | None = None
    extra: dict[str, Any] | None = None


class RetireIn(StrictModel):
    """Why a parcel leaves the register (it is never deleted)."""

    reason: Reason


class SplitPart(StrictModel):
    """One parcel made by a split."""

    parcel_no: int = Field(gt=0)
    sheet_no: int | None = Field(None, gt=0, description="Defaults to the parent's sheet.")
    geometry: GeometryIn
    land_uses: list[LandUseIn] = Field(min_length=1)
    legal_area_m2: AreaM2 | None = None
    address: str | None = None


class SplitIn(StrictModel):
    """Split a parcel into parts that cover it exactly."""

    crs: CrsValue = 4326
    parts: list[SplitPart] = Field(min_length=2)
    reason: Reason = "split"


def _keys_are_parcel_ids(schema: dict[str, Any]) -> None:
    # pydantic states constrained keys as patternProperties, which lets other keys through;
    # propertyNames says what the API takes: parcel ids only, each with its version
    (pattern,) = schema.pop("patternProperties")
    schema["propertyNames"] = {"pattern": pattern}
    schema["additionalProperties"] = {"type": "integer"}


class MergeIn(StrictModel):
    """Merge parcels into one; their union is the new parcel's geometry."""

    parcels: dict[ParcelIdKey, int] = Field(
        description="Parcel id -> the version (ETag) the client read; at least two.",
        min_length=2,
        examples=[{"101": 3, "102": 1}],
        json_schema_extra=_keys_are_parcel_ids,
    )
    parcel_no: int = Field(gt=0)
    sheet_no: int | None = Field(None, gt=0)
    land_uses: list[LandUseIn] = Field(min_length=1)
    address: str | None = None
    reason: Reason = "merge"

    @property
    def versions(self) -> dict[int, int]:
        """Parcel id -> the version the client read."""
        return {int(parcel_id): version for parcel_id, version in self.parcels.items()}


class OriginLandUse(StrictModel):
    """The confirmed origin codes of one of the parcel's land uses."""

    code: LandUseCode = Field(examples=["ONT"])
    origin_codes: list[str] = Field(min_length=1)


class OriginConfirmationIn(StrictModel):
    """The commune's confirmation of land origin and time of use."""

    origin_confirmed: bool
    time_of_use_confirmed: bool
    land_use_since: Day | None = Field(
        None, description="Since when the land has been used.", examples=["1993-07-15"]
    )
    land_uses: list[OriginLandUse] = Field(default_factory=list)
    confirmed_on: Day = Field(examples=["2025-02-10"])
    document: Annotated[str, text(1, 200), TRIM] = Field(
        description="Number of the commune's written confirmation.",
        examples=["45/XN-UBND"],
    )

    @field_validator("land_use_since")
    @classmethod
    def _not_in_future(cls, value: date | None) -> date | None:
        if value is not None and value > clock.today():
            # a rule of the calendar, not of the document: its own problem, not a 422 of pydantic
            raise DayOutOfRange(f"land_use_since ({value}) lies in the future.")
        return value


class BacklogReasonIn(StrictModel):
    """A reason, set by staff, why the parcel is not certified yet."""

    reason: BacklogReason
    note: str | None = Field(None, max_length=500)


class BacklogIn(StrictModel):
    """The full set of staff-set backlog reasons (replaces the previous set)."""

    reasons: list[BacklogReasonIn]


class VersionOut(BaseModel):
    """One version of a parcel in its history."""

    version: int
    valid_from: datetime
    valid_to: datetime | None
    actor: str
    action: str
    changes: dict[str, Any] = Field(
        description="Each changed field with its previous ('old') and new value."
    )
