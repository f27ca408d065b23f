"""Staff accounts and their sessions, for the workbench; audit events name the account.

An account carries the role and ward an API key would (one permission table), an argon2id
password hash, and what sign-in keeps: failures in a row, the lock, the last sign-in. A
session keeps the SHA-256 of its cookie's token and the CSRF token of its pages. Accounts
are disabled, never deleted: the audit trail names them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = "'admin', 'registry_officer', 'surveyor', 'ward_officer', 'gis_viewer', 'inspector'"


def upgrade() -> None:
    op.create_table(
        "staff_account",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("ward_code", sa.String(5)),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True)),
        sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_failure_at", sa.DateTime(timezone=True)),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_staff_account"),
        sa.UniqueConstraint("user_name", name="uq_staff_account_user_name"),
        sa.ForeignKeyConstraint(
            ["ward_code"], ["ward.code"], name="fk_staff_account_ward_code_ward"
        ),
        sa.CheckConstraint(
            "user_name ~ '^[a-z][a-z0-9._-]{2,63}$'", name="ck_staff_account_user_name_form"
        ),
        sa.CheckConstraint(f"role IN ({ROLES})", name="ck_staff_account_role_known"),
        sa.CheckConstraint(
            "(role = 'ward_officer') = (ward_code IS NOT NULL)",
            name="ck_staff_account_ward_of_ward_officer",
        ),
    )
    op.create_table(
        "staff_session",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_staff_session"),
        sa.UniqueConstraint("token_hash", name="uq_staff_session_token_hash"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["staff_account.id"],
            name="fk_staff_session_account_id_staff_account",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_staff_session_account_id", "staff_session", ["account_id"])
    op.add_column("audit_event", sa.Column("account_id", sa.BigInteger()))


def downgrade() -> None:
    op.drop_column("audit_event", "account_id")
    op.drop_index("ix_staff_session_account_id", table_name="staff_session")
    op.drop_table("staff_session")
    op.drop_table("staff_account")
