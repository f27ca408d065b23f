"""The service's own bookkeeping: API keys, import jobs and their issues, idempotent requests."""

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
    LargeBinary,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geoalchemy2 import Geometry

from app.config import STORAGE_SRID
from app.db.base import Base, timestamptz
from app.domain.codes import (
    IMPORT_PHASES,
    IMPORT_STATUSES,
    ROLES,
)


class ApiKey(Base):
    """An API key: only its SHA-256 is stored."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    ward_code: Mapped[str | None] = mapped_column(ForeignKey("ward.code"))
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(
        timestamptz(), nullable=False, server_default=func.now()
    )
    revoked_at: Mapped[datetime | None] = mapped_column(timestamptz())

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
    created_at: Mapped[datetime] = mapped_column(
        timestamptz(), nullable=False, server_default=func.now()
    )
    started_at: Mapped[datetime | None] = mapped_column(timestamptz())
    finished_at: Mapped[datetime | None] = mapped_column(timestamptz())
    heartbeat_at: Mapped[datetime | None] = mapped_column(timestamptz())
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    progress_done: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    progress_total: Mapped[int | None] = mapped_column(Integer)
    progress_phase: Mapped[str | None] = mapped_column(String(16))
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(
            f"status IN ({', '.join(repr(v) for v in IMPORT_STATUSES)})", name="status_known"
        ),
        CheckConstraint(
            f"progress_phase IN ({', '.join(repr(v) for v in IMPORT_PHASES)})", name="phase_known"
        ),
        Index("ix_import_job_uploader_id", "uploader", "id"),
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
    # the feature as the file had it (valid or not), in the storage CRS, to draw it
    geom: Mapped[Any] = mapped_column(
        Geometry("GEOMETRY", srid=STORAGE_SRID, spatial_index=False), nullable=True
    )
    # the same in Web Mercator, indexed, for the map's vector tiles
    merc: Mapped[Any] = mapped_column(
        Geometry("GEOMETRY", srid=3857, spatial_index=False), nullable=True
    )

    __table_args__ = (
        CheckConstraint(
            "kind IN ('rejected', 'repaired', 'warning', 'overlap')", name="kind_known"
        ),
        Index("ix_import_issue_merc", "merc", postgresql_using="gist"),
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
    created_at: Mapped[datetime] = mapped_column(
        timestamptz(), nullable=False, server_default=func.now()
    )

    __table_args__ = (Index("ix_idempotent_request_created_at", "created_at"),)
