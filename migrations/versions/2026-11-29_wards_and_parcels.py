"""Wards and parcels, stored in VN-2000 / TM-3 107-00 (EPSG:9214).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from geoalchemy2 import Geometry

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = (
    "'unregistered', 'registered', 'in_review', 'returned', "
    "'eligible', 'ineligible', 'signed', 'delivered'"
)


def upgrade() -> None:
    op.create_table(
        "ward",
        sa.Column("code", sa.String(5), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column(
            "boundary",
            Geometry("MULTIPOLYGON", srid=9214, spatial_index=False),
            nullable=False,
        ),
        sa.CheckConstraint("code ~ '^[0-9]{5}$'", name="ck_ward_code_five_digits"),
        sa.CheckConstraint("kind IN ('xa', 'phuong')", name="ck_ward_kind_known"),
        sa.CheckConstraint("ST_IsValid(boundary)", name="ck_ward_boundary_valid"),
        sa.PrimaryKeyConstraint("code", name="pk_ward"),
    )
    op.create_index("ix_ward_boundary", "ward", ["boundary"], postgresql_using="gist")

    op.create_table(
        "parcel",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("survey_commune_code", sa.String(5), nullable=False),
        sa.Column("ward_code", sa.String(5), nullable=False),
        sa.Column("sheet_no", sa.Integer(), nullable=False),
        sa.Column("parcel_no", sa.Integer(), nullable=False),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=9214, spatial_index=False), nullable=False),
        sa.Column("area_m2", sa.Numeric(14, 2), nullable=False),
        sa.Column("legal_area_m2", sa.Numeric(14, 2)),
        sa.Column("land_use_code", sa.String(8)),
        sa.Column("address", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False, server_default="unregistered"),
        sa.Column(
            "extra",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            server_default="{}",
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.PrimaryKeyConstraint("id", name="pk_parcel"),
        sa.ForeignKeyConstraint(["ward_code"], ["ward.code"], name="fk_parcel_ward_code_ward"),
        sa.UniqueConstraint(
            "survey_commune_code",
            "sheet_no",
            "parcel_no",
            name="uq_parcel_survey_commune_code_sheet_no_parcel_no",
        ),
        sa.CheckConstraint("sheet_no > 0 AND parcel_no > 0", name="ck_parcel_numbers_positive"),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="ck_parcel_geom_valid"
        ),
        sa.CheckConstraint(f"status IN ({STATUSES})", name="ck_parcel_status_known"),
    )
    op.create_index("ix_parcel_geom", "parcel", ["geom"], postgresql_using="gist")
    op.create_index("ix_parcel_ward_code", "parcel", ["ward_code"])


def downgrade() -> None:
    op.drop_table("parcel")
    op.drop_table("ward")
