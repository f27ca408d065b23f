"""API key bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.domain.permissions import Role
from app.schemas.parcels import StrictModel


class ApiKeyIn(StrictModel):
    """A key to create."""

    name: str = Field(min_length=1, max_length=200, examples=["Nguyễn Thị Lan, CN VPĐKĐĐ"])
    role: Role
    ward_code: str | None = Field(None, pattern=r"^[0-9]{5}$")


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
