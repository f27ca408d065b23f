"""Bodies of the hotline's complaints: submitted by anyone, handled by staff."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.domain.codes import ComplaintChannel, ComplaintStatus
from app.schemas.parcels import StrictModel
from app.schemas.types import TRIM, Phone, WardCode, text


class ComplaintIn(StrictModel):
    """A complaint from a citizen, by the hotline or otherwise."""

    parcel_id: int | None = Field(None, gt=0)
    ward_code: WardCode | None = None
    dossier_ref: str | None = Field(None, max_length=100)
    channel: ComplaintChannel = "web"
    reporter_name: str | None = Field(None, max_length=200, examples=["Ngô Văn Sơn"])
    reporter_phone: Phone | None = Field(None, examples=["0912 345 678"])
    content: Annotated[str, text(5, 5000), TRIM] = Field(
        examples=["Hồ sơ nộp từ tháng 3 nhưng chưa nhận được giấy chứng nhận."],
    )


class ComplaintUpdate(StrictModel):
    """Staff handling of a complaint."""

    status: ComplaintStatus
    # a blank response would let a complaint count as answered without an answer
    response: Annotated[str, text(1, 5000), TRIM] | None = None
    assigned_to: str | None = Field(
        None,
        max_length=64,
        description="The user name of the staff account that will answer it; null (sent) "
        "takes it off anyone; absent leaves it as it is.",
    )


class ComplaintOut(BaseModel):
    """A complaint and its handling."""

    id: int
    parcel_id: int | None
    sheet_no: int | None = Field(description="The parcel's map sheet, if it names a parcel.")
    parcel_no: int | None = Field(description="The parcel's number on its sheet.")
    ward_code: str | None
    dossier_ref: str | None
    channel: str
    reporter_name: str | None
    reporter_phone: str | None
    content: str
    status: ComplaintStatus
    response: str | None
    handled_by: str | None
    assigned_to: str | None
    age_days: int = Field(description="Days since it was received (Vietnam's calendar).")
    received_at: datetime
    updated_at: datetime
    version: int


class ComplaintReceipt(BaseModel):
    """What the person who complained gets back: a number to quote."""

    id: int
    status: Literal["received"]
    received_at: datetime


class AssigneeOut(BaseModel):
    """A staff account a complaint may be handed to."""

    user_name: str
    display_name: str
    role: str
    ward_code: str | None
