"""Bodies of the custody inventory's endpoints."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.schemas.parcels import StrictModel
from app.schemas.types import Day, WardCode


class InventoryIn(StrictModel):
    """An inventory to start: of one ward, or of the whole town (no ward)."""

    ward_code: WardCode | None = None
    taken_on: Day = Field(description="The day counted (today or a past day).")


class InventoryCheckIn(StrictModel):
    """One certificate as the count found it."""

    found: bool
    note: Annotated[str | None, Field(max_length=500)] = None
