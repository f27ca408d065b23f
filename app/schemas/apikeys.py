"""API key bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.domain.permissions import Role
from app.schemas.parcels import StrictModel
from app.schemas.types import Name, WardCode


class ApiKeyIn(StrictModel):
    """A key to create."""

    name: Name = Field(examples=["Nguyễn Thị Lan, CN VPĐKĐĐ"])
    role: Role
    ward_code: WardCode | None = None


class ApiKeyOut(BaseModel):
    """A key's record (never the key itself)."""

    id: int
    name: str
    role: Role
    ward_code: str | None
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    """A new key: the key is shown this once."""

    key: str
