"""An import's progress names its phase, and every change of it is announced.

`progress_phase` says what a running import is doing (reading the file, checking it against
the register, finding overlaps, writing); the worker writes it, with the counts, at each
chunk and each change of phase, and sends `NOTIFY import_progress` with the import's id, so
that a page following the import is told at once instead of asking again and again.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PHASES = "'queued', 'reading', 'checking', 'overlaps', 'writing', 'done'"


def upgrade() -> None:
    op.add_column("import_job", sa.Column("progress_phase", sa.String(16)))
    op.create_check_constraint(
        "ck_import_job_phase_known", "import_job", f"progress_phase IN ({PHASES})"
    )
    op.create_index("ix_import_job_uploader_id", "import_job", ["uploader", "id"])


def downgrade() -> None:
    op.drop_index("ix_import_job_uploader_id", table_name="import_job")
    op.drop_constraint("ck_import_job_phase_known", "import_job", type_="check")
    op.drop_column("import_job", "progress_phase")
