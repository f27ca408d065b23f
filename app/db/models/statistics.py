"""The counters kept for the coverage statistics, the targets and the frozen snapshots."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Identity,
    Index,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, timestamptz

# coverage counters (revision 0009): written by triggers and stat_compact(), read by SQL
COUNTER_MEASURES = (
    "parcels",
    "area_m2",
    "origin_confirmed",
    "time_of_use_confirmed",
    "confirmed",
    "disputed",
    "backlog_dispute",
    "backlog_origin_unconfirmed",
    "backlog_time_of_use_unconfirmed",
    "backlog_missing_documents",
    "backlog_ineligible",
    "backlog_planning_conflict",
    "backlog_unpaid_obligation",
    "backlog_holder_absent",
    "backlog_other",
    "backlog_none",
    "returns",
)


def _counter_columns(*, day: bool, key: bool) -> list[Column[Any]]:
    columns: list[Column[Any]] = []
    if day:
        columns.append(Column("day", Date, primary_key=key, nullable=False))
    for name, size in (("ward_code", 5), ("land_use_group", 8), ("status", 16)):
        columns.append(Column(name, String(size), primary_key=key, nullable=False))
    for name in COUNTER_MEASURES:
        kind = Numeric(16, 2) if name == "area_m2" else BigInteger
        columns.append(Column(name, kind, nullable=False, server_default="0"))
    return columns


# what triggers appended since the last compaction
stat_delta = Table("stat_delta", Base.metadata, *_counter_columns(day=True, key=False))
# the change per Vietnam day and key
stat_day = Table("stat_day", Base.metadata, *_counter_columns(day=True, key=True))
# one row per ward, principal land-use group and status
stat_total = Table("stat_total", Base.metadata, *_counter_columns(day=False, key=True))


class CoverageTarget(Base):
    """The share of parcels to have certified by the end of a year: the town's (no ward) or
    one ward's own."""

    __tablename__ = "coverage_target"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    ward_code: Mapped[str | None] = mapped_column(ForeignKey("ward.code"))
    year: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    share: Mapped[float] = mapped_column(Numeric(5, 4), nullable=False)
    set_by: Mapped[str] = mapped_column(Text, nullable=False)
    set_at: Mapped[datetime] = mapped_column(
        timestamptz(), nullable=False, server_default=func.now()
    )

    __table_args__ = (
        CheckConstraint("share > 0 AND share <= 1", name="share_fraction"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_plausible"),
        Index(
            "ux_coverage_target_ward_year",
            "ward_code",
            "year",
            unique=True,
            postgresql_where=text("ward_code IS NOT NULL"),
        ),
        Index(
            "ux_coverage_target_town_year",
            "year",
            unique=True,
            postgresql_where=text("ward_code IS NULL"),
        ),
    )


class StatSnapshot(Base):
    """The coverage document at the end of a closed week or month; never changes."""

    __tablename__ = "stat_snapshot"

    period: Mapped[str] = mapped_column(String(5), primary_key=True)
    period_end: Mapped[date] = mapped_column(Date, primary_key=True)
    figures: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    taken_at: Mapped[datetime] = mapped_column(
        timestamptz(), nullable=False, server_default=text("clock_timestamp()")
    )

    __table_args__ = (CheckConstraint("period IN ('week', 'month')", name="period_known"),)
