"""ORM tables. The schema itself is made only by the Alembic revisions in migrations/."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geoalchemy2 import Geometry, WKBElement

from app.config import STORAGE_SRID
from app.db.base import Base
from app.domain.codes import (
    COMPLAINT_CHANNELS,
    COMPLAINT_STATUSES,
    DISPUTE_KINDS,
    HOLDER_KINDS,
    IMPORT_STATUSES,
    ROLES,
    STAFF_BACKLOG_REASONS,
)
from app.domain.lifecycle import STATUSES


class Ward(Base):
    """A commune or ward (xã/phường): the unit that Directive 30 targets are set for."""

    __tablename__ = "ward"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    boundary: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=STORAGE_SRID, spatial_index=False), nullable=False
    )

    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{5}$'", name="code_five_digits"),
        CheckConstraint("kind IN ('xa', 'phuong')", name="kind_known"),
        CheckConstraint("ST_IsValid(boundary)", name="boundary_valid"),
        Index("ix_ward_boundary", "boundary", postgresql_using="gist"),
    )


class Parcel(Base):
    """A land parcel (thửa đất), keyed by survey-time commune, map sheet and parcel number."""

    __tablename__ = "parcel"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    survey_commune_code: Mapped[str] = mapped_column(String(5), nullable=False)
    ward_code: Mapped[str] = mapped_column(ForeignKey("ward.code"), nullable=False, index=True)
    sheet_no: Mapped[int] = mapped_column(Integer, nullable=False)
    parcel_no: Mapped[int] = mapped_column(Integer, nullable=False)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=STORAGE_SRID, spatial_index=False), nullable=False
    )
    area_m2: Mapped[float] = mapped_column(Numeric(14, 2), nullable=False)
    legal_area_m2: Mapped[float | None] = mapped_column(Numeric(14, 2))
    address: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default="unregistered", index=True
    )
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    disputed: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    land_use_since: Mapped[date | None] = mapped_column(Date)
    origin_confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    time_of_use_confirmed: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default="false"
    )
    confirmed_by: Mapped[str | None] = mapped_column(Text)
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    confirmation_document: Mapped[str | None] = mapped_column(Text)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    # kept by triggers for the coverage counters (revision 0009): the group of the principal
    # land use, and the staff-set backlog reasons
    land_use_group: Mapped[str | None] = mapped_column(ForeignKey("land_use_group.code"))
    backlog_staff: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default="{}"
    )

    __table_args__ = (
        UniqueConstraint("survey_commune_code", "sheet_no", "parcel_no"),
        CheckConstraint("sheet_no > 0 AND parcel_no > 0", name="numbers_positive"),
        CheckConstraint(
            "(retired_at IS NULL) = (retired_reason IS NULL)", name="retired_with_reason"
        ),
        Index("ix_parcel_geom", "geom", postgresql_using="gist"),
        CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="geom_valid"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="status_known"),
    )


def _tz() -> DateTime:
    return DateTime(timezone=True)


class CommuneCrosswalk(Base):
    """An old commune code (at survey time) and the current ward it now belongs to."""

    __tablename__ = "commune_crosswalk"

    old_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    old_name: Mapped[str] = mapped_column(Text, nullable=False)
    ward_code: Mapped[str] = mapped_column(ForeignKey("ward.code"), nullable=False)
    effective_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (CheckConstraint("old_code ~ '^[0-9]{5}$'", name="code_five_digits"),)


class LandUseGroup(Base):
    """A group of land uses for statistics (agricultural, residential, ...)."""

    __tablename__ = "land_use_group"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False)


class LandUseType(Base):
    """A land-use code of the national list; old codes point to their replacement."""

    __tablename__ = "land_use_type"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    group_code: Mapped[str] = mapped_column(ForeignKey("land_use_group.code"), nullable=False)
    is_current: Mapped[bool] = mapped_column(Boolean, nullable=False)
    replaced_by: Mapped[str | None] = mapped_column(ForeignKey("land_use_type.code"))

    __table_args__ = (
        CheckConstraint("is_current OR replaced_by IS NOT NULL", name="legacy_has_replacement"),
        CheckConstraint("replaced_by IS NULL OR NOT is_current", name="current_not_replaced"),
    )


class LandOriginType(Base):
    """A land-origin code (nguồn gốc sử dụng đất)."""

    __tablename__ = "land_origin_type"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False)


class ParcelLandUse(Base):
    """One land use of a parcel, with its area and land-origin codes."""

    __tablename__ = "parcel_land_use"

    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcel.id"), primary_key=True)
    land_use_code: Mapped[str] = mapped_column(
        ForeignKey("land_use_type.code"), primary_key=True, index=True
    )
    area_m2: Mapped[float] = mapped_column(Numeric(14, 2), nullable=False)
    origin_codes: Mapped[list[str]] = mapped_column(
        ARRAY(String(16)), nullable=False, server_default="{}"
    )

    __table_args__ = (CheckConstraint("area_m2 > 0", name="area_positive"),)


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
    recorded_at: Mapped[datetime] = mapped_column(_tz(), nullable=False, server_default=func.now())

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
    returned_at: Mapped[datetime] = mapped_column(_tz(), nullable=False, server_default=func.now())

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
    set_at: Mapped[datetime] = mapped_column(_tz(), nullable=False, server_default=func.now())

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
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    received_at: Mapped[datetime] = mapped_column(_tz(), nullable=False, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(_tz(), nullable=False, server_default=func.now())

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


class ParcelVersion(Base):
    """One version of a parcel: its full snapshot, who made it, and what changed."""

    __tablename__ = "parcel_version"

    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcel.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    valid_from: Mapped[datetime] = mapped_column(_tz(), nullable=False)
    valid_to: Mapped[datetime | None] = mapped_column(_tz())
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
    recorded_at: Mapped[datetime] = mapped_column(_tz(), nullable=False, server_default=func.now())

    __table_args__ = (CheckConstraint("kind IN ('split', 'merge')", name="kind_known"),)


class ApiKey(Base):
    """An API key: only its SHA-256 is stored."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    ward_code: Mapped[str | None] = mapped_column(ForeignKey("ward.code"))
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(_tz(), nullable=False, server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(_tz())

    __table_args__ = (
        CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role_known"),
        CheckConstraint(
            "(role = 'ward_officer') = (ward_code IS NOT NULL)", name="ward_officer_has_ward"
        ),
    )


class ImportJob(Base):
    """An uploaded file and what importing it did."""

    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    status: Mapped[str] = mapped_column(
        String(12), nullable=False, server_default="queued", index=True
    )
    file_name: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    spool_path: Mapped[str] = mapped_column(Text, nullable=False)
    uploader: Mapped[str] = mapped_column(Text, nullable=False)
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = mapped_column(_tz(), nullable=False, server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(_tz())
    finished_at: Mapped[datetime | None] = mapped_column(_tz())
    heartbeat_at: Mapped[datetime | None] = mapped_column(_tz())
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    progress_done: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    progress_total: Mapped[int | None] = mapped_column(Integer)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(
            f"status IN ({', '.join(repr(v) for v in IMPORT_STATUSES)})", name="status_known"
        ),
    )


class ImportIssue(Base):
    """Something an import did with one feature: rejected, repaired, a warning, an overlap."""

    __tablename__ = "import_issue"

    import_id: Mapped[int] = mapped_column(ForeignKey("import_job.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_row: Mapped[int | None] = mapped_column(Integer)
    feature_key: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)

    __table_args__ = (
        CheckConstraint(
            "kind IN ('rejected', 'repaired', 'warning', 'overlap')", name="kind_known"
        ),
    )


class AuditEvent(Base):
    """One write through the service: who, when, which request, what, before and after.

    Append-only: the database refuses UPDATE, DELETE and TRUNCATE (revision 0007).
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(
        _tz(), nullable=False, server_default=text("clock_timestamp()")
    )
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str | None] = mapped_column(String(32))
    key_id: Mapped[int | None] = mapped_column(BigInteger)
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


class IdempotentRequest(Base):
    """The answer to a write sent with an Idempotency-Key, kept for the client's retries."""

    __tablename__ = "idempotent_request"

    key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id"), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    method: Mapped[str] = mapped_column(String(8), nullable=False)
    path: Mapped[str] = mapped_column(Text, nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    media_type: Mapped[str] = mapped_column(Text, nullable=False)
    headers: Mapped[dict[str, str]] = mapped_column(JSONB, nullable=False)
    body: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(_tz(), nullable=False, server_default=func.now())

    __table_args__ = (Index("ix_idempotent_request_created_at", "created_at"),)


# -- coverage counters (revision 0009): written by triggers and stat_compact(), read by SQL ---

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
    set_at: Mapped[datetime] = mapped_column(_tz(), nullable=False, server_default=func.now())

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
        _tz(), nullable=False, server_default=text("clock_timestamp()")
    )

    __table_args__ = (CheckConstraint("period IN ('week', 'month')", name="period_known"),)
