"""Bodies of disputes over a parcel: opened, resolved, read."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.domain.codes import DisputeKind
from app.schemas.parcels import StrictModel
from app.schemas.types import TRIM, Day, Name, text


class DisputeIn(StrictModel):
    """A dispute over a parcel, as the commune records it."""

    opened_on: Day
    kind: DisputeKind
    description: Annotated[str, text(3, 2000), TRIM]
    parties: list[Name] = Field(
        default_factory=list, description="Who is in dispute: personal data, staff only."
    )


class DisputeResolveIn(StrictModel):
    """How and when a dispute was settled."""

    resolution: Annotated[str, text(3, 2000), TRIM]
    resolved_on: Day


class DisputeOut(BaseModel):
    """A dispute."""

    id: int
    parcel_id: int
    opened_on: date
    kind: DisputeKind
    description: str
    parties: list[str] | None = Field(description="Omitted (null) for callers without rights.")
    status: Literal["open", "resolved"]
    resolution: str | None
    resolved_on: date | None
    opened_by: str
    resolved_by: str | None
    version: int
