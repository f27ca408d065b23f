"""What the audit endpoint returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditEventOut(BaseModel):
    """One write: who, when, which request, what, and the values before and after."""

    id: int
    at: datetime
    actor: str = Field(description="The key's name and role, as recorded.")
    role: str | None
    key_id: int | None
    request_id: str | None = Field(description="The X-Request-ID of the request that wrote.")
    action: str
    target_type: str
    target_id: str | None
    ward_code: str | None
    parcel_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditPage(BaseModel):
    """A page of audit events, oldest first."""

    events: list[AuditEventOut]
    next: str | None = Field(description="The next page's URL, absent on the last page.")
