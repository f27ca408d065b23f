"""A complaint is assigned to the staff account that will answer it.

Complaints from the hotline were answered by whoever picked them up; the plan asks that each
be followed to its answer. `assigned_to` names the workbench account (its user name) now in
charge of it; NULL while nobody is.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("complaint", sa.Column("assigned_to", sa.String(64)))
    op.create_foreign_key(
        "fk_complaint_assigned_to_staff_account",
        "complaint",
        "staff_account",
        ["assigned_to"],
        ["user_name"],
    )


def downgrade() -> None:
    op.drop_constraint("fk_complaint_assigned_to_staff_account", "complaint", type_="foreignkey")
    op.drop_column("complaint", "assigned_to")
