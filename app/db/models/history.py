"""What the register remembers: parcel versions, lineage of splits and merges, the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, timestamptz


class ParcelVersion(Base):
    """One version of a parcel: its full snapshot, who made it, and what changed."""

    __tablename__ = "parcel_version"

    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcel.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    valid_from: Mapped[datetime] = mapped_column(timestamptz(), nullable=False)
    valid_to: Mapped[datetime | None] = mapped_column(timestamptz())
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_job.id"))

    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="period"),
        Index(
            "ix_parcel_version_current",
            "parcel_id",
            unique=True,
            postgresql_where=text("valid_to IS NULL"),
        ),
    )


class ParcelLineage(Base):
    """A parent-child link made by a split or a merge."""

    __tablename__ = "parcel_lineage"

    parent_id: Mapped[int] = mapped_column(ForeignKey("parcel.id"), primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("parcel.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    recorded_by: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(
        timestamptz(), nullable=False, server_default=func.now()
    )

    __table_args__ = (CheckConstraint("kind IN ('split', 'merge')", name="kind_known"),)


class AuditEvent(Base):
    """One write through the service: who, when, which request, what, before and after.

    Append-only: the database refuses UPDATE, DELETE and TRUNCATE (revision 0007).
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(
        timestamptz(), nullable=False, server_default=text("clock_timestamp()")
    )
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str | None] = mapped_column(String(32))
    key_id: Mapped[int | None] = mapped_column(BigInteger)
    account_id: Mapped[int | None] = mapped_column(BigInteger)
    request_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48), nullable=False)
    target_type: Mapped[str] = mapped_column(String(32), nullable=False)
    target_id: Mapped[str | None] = mapped_column(Text)
    ward_code: Mapped[str | None] = mapped_column(String(5))
    parcel_id: Mapped[int | None] = mapped_column(BigInteger)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)

    __table_args__ = (
        Index("ix_audit_event_at", "at"),
        Index("ix_audit_event_actor_at", "actor", "at"),
        Index("ix_audit_event_parcel_id_at", "parcel_id", "at"),
        Index("ix_audit_event_ward_code_at", "ward_code", "at"),
    )
