"""The monthly custody inventory of signed certificates not yet handed over.

Signed certificates wait in the registry's cabinets until their holders collect them; the
plan has them counted every month, so that none is ever lost. An inventory lists, when it
is started, every certificate in custody that day (of one ward, or of the town), exactly as
the undelivered report does; staff tick each one found; when it is closed, those not ticked
are recorded as missing. The result stays: who counted, when, what was found.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "custody_inventory",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("ward_code", sa.String(5)),
        sa.Column("taken_on", sa.Date, nullable=False),
        sa.Column("started_by", sa.Text, nullable=False),
        sa.Column(
            "started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("closed_by", sa.Text),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.PrimaryKeyConstraint("id", name="pk_custody_inventory"),
        sa.ForeignKeyConstraint(
            ["ward_code"], ["ward.code"], name="fk_custody_inventory_ward_code_ward"
        ),
        sa.CheckConstraint(
            "(closed_by IS NULL) = (closed_at IS NULL)", name="ck_custody_inventory_closed_whole"
        ),
    )
    # one inventory of a ward (or of the town) a day
    op.create_index(
        "uq_custody_inventory_day",
        "custody_inventory",
        ["taken_on", "ward_code"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.create_table(
        "custody_inventory_item",
        sa.Column("inventory_id", sa.BigInteger, nullable=False),
        sa.Column("certificate_id", sa.BigInteger, nullable=False),
        sa.Column("parcel_id", sa.BigInteger, nullable=False),
        sa.Column("ward_code", sa.String(5), nullable=False),
        sa.Column("serial", sa.String(10), nullable=False),
        sa.Column("register_no", sa.String(32), nullable=False),
        sa.Column("signed_on", sa.Date, nullable=False),
        sa.Column("custody_location", sa.Text, nullable=False),
        sa.Column("found", sa.Boolean),
        sa.Column("note", sa.Text),
        sa.Column("checked_by", sa.Text),
        sa.Column("checked_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("inventory_id", "certificate_id", name="pk_custody_inventory_item"),
        sa.ForeignKeyConstraint(
            ["inventory_id"],
            ["custody_inventory.id"],
            name="fk_custody_inventory_item_inventory_id_custody_inventory",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificate.id"],
            name="fk_custody_inventory_item_certificate_id_certificate",
        ),
        sa.ForeignKeyConstraint(
            ["parcel_id"], ["parcel.id"], name="fk_custody_inventory_item_parcel_id_parcel"
        ),
    )


def downgrade() -> None:
    op.drop_table("custody_inventory_item")
    op.drop_table("custody_inventory")
