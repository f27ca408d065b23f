"""Imports of surveyors' files: the job, what it found per feature, and its versions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)

# What changed between two snapshots, as {field: {"old": ..., "new": ...}}: the same shape the
# service's versions.diff() writes, for versions made in bulk by imports.
JSONB_CHANGES = """
CREATE FUNCTION jsonb_changes(old jsonb, new jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
SELECT coalesce(jsonb_object_agg(k, jsonb_build_object('old', old -> k, 'new', new -> k)), '{}')
FROM (SELECT jsonb_object_keys(old) AS k UNION SELECT jsonb_object_keys(new)) keys
WHERE (old -> k) IS DISTINCT FROM (new -> k)
$$
"""


def upgrade() -> None:
    op.create_table(
        "import_job",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="queued"),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("spool_path", sa.Text(), nullable=False),
        sa.Column("uploader", sa.Text(), nullable=False),
        sa.Column("options", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.text("now()")),
        sa.Column("started_at", TZ),
        sa.Column("finished_at", TZ),
        sa.Column("heartbeat_at", TZ),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("progress_done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("progress_total", sa.Integer()),
        sa.Column("report", postgresql.JSONB(astext_type=sa.Text())),
        sa.Column("error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_import_job"),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed')",
            name="ck_import_job_status_known",
        ),
    )
    op.create_index("ix_import_job_status", "import_job", ["status"])

    op.create_table(
        "import_issue",
        sa.Column("import_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer()),
        sa.Column("feature_key", sa.Text()),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("import_id", "seq", name="pk_import_issue"),
        sa.ForeignKeyConstraint(
            ["import_id"], ["import_job.id"], name="fk_import_issue_import_id_import_job"
        ),
        sa.CheckConstraint(
            "kind IN ('rejected', 'repaired', 'warning', 'overlap')",
            name="ck_import_issue_kind_known",
        ),
    )

    op.execute(JSONB_CHANGES)
    op.add_column("parcel_version", sa.Column("import_id", sa.BigInteger()))
    op.create_foreign_key(
        "fk_parcel_version_import_id_import_job",
        "parcel_version",
        "import_job",
        ["import_id"],
        ["id"],
    )


def downgrade() -> None:
    op.drop_constraint(
        "fk_parcel_version_import_id_import_job", "parcel_version", type_="foreignkey"
    )
    op.drop_column("parcel_version", "import_id")
    op.execute("DROP FUNCTION jsonb_changes(jsonb, jsonb)")
    op.drop_table("import_issue")
    op.drop_index("ix_import_job_status", table_name="import_job")
    op.drop_table("import_job")
