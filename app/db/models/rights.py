"""Who holds a parcel and what became of its rights: holders, certificates, returned
dossiers, disputes, backlog reasons and citizens' complaints."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Identity,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, timestamptz
from app.domain.codes import (
    COMPLAINT_CHANNELS,
    COMPLAINT_STATUSES,
    DISPUTE_KINDS,
    HOLDER_KINDS,
    STAFF_BACKLOG_REASONS,
)


class Holder(Base):
    """A land user holding rights on a parcel: personal data."""

    __tablename__ = "holder"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcel.id"), nullable=False)
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    id_number: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (
        UniqueConstraint("parcel_id", "position"),
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in HOLDER_KINDS)})", name="kind_known"),
    )


class Certificate(Base):
    """A signed land-use-right certificate (GCN) and its hand-over."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcel.id"), nullable=False, index=True)
    serial: Mapped[str] = mapped_column(String(10), nullable=False, unique=True)
    register_no: Mapped[str] = mapped_column(String(32), nullable=False)
    signer: Mapped[str] = mapped_column(Text, nullable=False)
    signed_on: Mapped[date] = mapped_column(Date, nullable=False)
    custody_location: Mapped[str] = mapped_column(Text, nullable=False)
    issue_kind: Mapped[str] = mapped_column(String(8), nullable=False)
    replaces_serial: Mapped[str | None] = mapped_column(String(10))
    delivered_to: Mapped[str | None] = mapped_column(Text)
    delivered_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(
        timestamptz(), nullable=False, server_default=func.now()
    )

    __table_args__ = (
        CheckConstraint("issue_kind IN ('first', 'reissue')", name="kind_known"),
        CheckConstraint(
            "(issue_kind = 'reissue') = (replaces_serial IS NOT NULL)",
            name="reissue_names_old_serial",
        ),
        CheckConstraint(
            "(delivered_to IS NULL) = (delivered_on IS NULL)", name="delivery_complete"
        ),
    )


class DossierReturn(Base):
    """A dossier returned as incomplete, with the written notice and the missing items."""

    __tablename__ = "dossier_return"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcel.id"), nullable=False, index=True)
    notice_no: Mapped[str] = mapped_column(Text, nullable=False)
    notice_date: Mapped[date] = mapped_column(Date, nullable=False)
    missing_items: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    copied_to: Mapped[str | None] = mapped_column(Text)
    returned_by: Mapped[str] = mapped_column(Text, nullable=False)
    returned_at: Mapped[datetime] = mapped_column(
        timestamptz(), nullable=False, server_default=func.now()
    )

    __table_args__ = (
        CheckConstraint("cardinality(missing_items) > 0", name="names_missing_items"),
    )


class Dispute(Base):
    """A dispute over a parcel; while open, the parcel cannot be certified."""

    __tablename__ = "dispute"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcel.id"), nullable=False, index=True)
    opened_on: Mapped[date] = mapped_column(Date, nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    parties: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    status: Mapped[str] = mapped_column(String(8), nullable=False, server_default="open")
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_on: Mapped[date | None] = mapped_column(Date)
    opened_by: Mapped[str] = mapped_column(Text, nullable=False)
    resolved_by: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __table_args__ = (
        CheckConstraint("status IN ('open', 'resolved')", name="status_known"),
        CheckConstraint(
            f"kind IN ({', '.join(repr(k) for k in DISPUTE_KINDS)})", name="kind_known"
        ),
        CheckConstraint(
            "(status = 'resolved') = (resolution IS NOT NULL AND resolved_on IS NOT NULL)",
            name="resolved_with_resolution",
        ),
    )


class BacklogReason(Base):
    """A reason, set by staff, why a parcel is not certified yet."""

    __tablename__ = "backlog_reason"

    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcel.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(24), primary_key=True)
    note: Mapped[str | None] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(Text, nullable=False)
    set_at: Mapped[datetime] = mapped_column(
        timestamptz(), nullable=False, server_default=func.now()
    )

    __table_args__ = (
        CheckConstraint(
            f"reason IN ({', '.join(repr(r) for r in STAFF_BACKLOG_REASONS)})",
            name="staff_settable",
        ),
    )


class Complaint(Base):
    """A citizen's complaint about a parcel or dossier, from the hotline or elsewhere."""

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("parcel.id"))
    ward_code: Mapped[str | None] = mapped_column(ForeignKey("ward.code"))
    dossier_ref: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(12), nullable=False)
    reporter_name: Mapped[str | None] = mapped_column(Text)
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, server_default="received")
    response: Mapped[str | None] = mapped_column(Text)
    handled_by: Mapped[str | None] = mapped_column(Text)
    # the staff account (user name) in charge of answering it
    assigned_to: Mapped[str | None] = mapped_column(ForeignKey("staff_account.user_name"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    received_at: Mapped[datetime] = mapped_column(
        timestamptz(), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        timestamptz(), nullable=False, server_default=func.now()
    )

    __table_args__ = (
        CheckConstraint(
            f"status IN ({', '.join(repr(v) for v in COMPLAINT_STATUSES)})", name="status_known"
        ),
        CheckConstraint(
            f"channel IN ({', '.join(repr(v) for v in COMPLAINT_CHANNELS)})",
            name="channel_known",
        ),
        CheckConstraint("status <> 'resolved' OR response IS NOT NULL", name="resolved_answered"),
    )
