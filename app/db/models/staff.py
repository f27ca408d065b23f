"""Staff accounts of the workbench and their signed-in sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, timestamptz
from app.domain.codes import ROLES
from app.domain.patterns import USER_NAME


class StaffAccount(Base):
    """A person who signs in to the workbench: a user name, a password hash (argon2id), and
    the role and ward an API key would carry. Disabled, never deleted: history names it."""

    __tablename__ = "staff_account"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    ward_code: Mapped[str | None] = mapped_column(ForeignKey("ward.code"))
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(timestamptz(), nullable=False)
    created_by: Mapped[str] = mapped_column(Text, nullable=False)
    password_changed_at: Mapped[datetime] = mapped_column(timestamptz(), nullable=False)
    disabled_at: Mapped[datetime | None] = mapped_column(timestamptz())
    failed_attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    last_failure_at: Mapped[datetime | None] = mapped_column(timestamptz())
    locked_until: Mapped[datetime | None] = mapped_column(timestamptz())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(timestamptz())

    __table_args__ = (
        CheckConstraint(f"user_name ~ '^{USER_NAME}$'", name="user_name_form"),
        CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role_known"),
        CheckConstraint(
            "(role = 'ward_officer') = (ward_code IS NOT NULL)", name="ward_of_ward_officer"
        ),
    )


class StaffSession(Base):
    """One sign-in: the cookie's token (kept as SHA-256 only) and the page's CSRF token."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("staff_account.id", ondelete="CASCADE"), nullable=False
    )
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    started_at: Mapped[datetime] = mapped_column(timestamptz(), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(timestamptz(), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(timestamptz())

    __table_args__ = (Index("ix_staff_session_account_id", "account_id"),)
