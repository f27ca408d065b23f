"""The register: land uses, holders, certificates, returns, disputes, complaints, versions, keys.

Land uses move from a single column on parcel into parcel_land_use (one or more per parcel,
each with its area and land-origin codes). Every change to a parcel is kept in parcel_version
as a full snapshot with the previous values of what changed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
NOW = sa.text("now()")

# The whole parcel as one JSON document: what a version keeps and what reads return.
# Geometry stays in the storage CRS at full precision; readers transform it.
SNAPSHOT_FUNCTION = """
CREATE FUNCTION parcel_snapshot(p_id bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
SELECT jsonb_build_object(
    'id', p.id,
    'survey_commune_code', p.survey_commune_code,
    'ward_code', p.ward_code,
    'sheet_no', p.sheet_no,
    'parcel_no', p.parcel_no,
    'status', p.status,
    'area_m2', p.area_m2,
    'legal_area_m2', p.legal_area_m2,
    'address', p.address,
    'land_uses', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
                   'code', u.land_use_code, 'area_m2', u.area_m2,
                   'origin_codes', to_jsonb(u.origin_codes))
               ORDER BY u.area_m2 DESC, u.land_use_code)
        FROM parcel_land_use u WHERE u.parcel_id = p.id), '[]'::jsonb),
    'land_use_since', p.land_use_since,
    'origin_confirmed', p.origin_confirmed,
    'time_of_use_confirmed', p.time_of_use_confirmed,
    'confirmation', CASE WHEN p.confirmed_by IS NULL THEN NULL ELSE jsonb_build_object(
        'by', p.confirmed_by, 'on', p.confirmed_on, 'document', p.confirmation_document) END,
    'disputed', p.disputed,
    'disputes', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
                   'id', d.id, 'kind', d.kind, 'status', d.status,
                   'opened_on', d.opened_on, 'resolved_on', d.resolved_on) ORDER BY d.id)
        FROM dispute d WHERE d.parcel_id = p.id), '[]'::jsonb),
    'holders', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
                   'name', h.name, 'kind', h.kind, 'id_number', h.id_number) ORDER BY h.position)
        FROM holder h WHERE h.parcel_id = p.id), '[]'::jsonb),
    'certificate', (
        SELECT jsonb_build_object(
                   'serial', c.serial, 'register_no', c.register_no, 'signer', c.signer,
                   'signed_on', c.signed_on, 'custody_location', c.custody_location,
                   'issue_kind', c.issue_kind, 'replaces_serial', c.replaces_serial,
                   'delivered_to', c.delivered_to, 'delivered_on', c.delivered_on)
        FROM certificate c WHERE c.parcel_id = p.id ORDER BY c.id DESC LIMIT 1),
    'backlog_reasons', coalesce((
        SELECT jsonb_agg(jsonb_build_object('reason', b.reason, 'note', b.note)
                         ORDER BY b.reason)
        FROM backlog_reason b WHERE b.parcel_id = p.id), '[]'::jsonb),
    'retired_at', p.retired_at,
    'retired_reason', p.retired_reason,
    'extra', p.extra,
    'geometry', ST_AsGeoJSON(p.geom)::jsonb
)
FROM parcel p WHERE p.id = p_id
$$
"""


def _parcel_fk(table: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["parcel_id"], ["parcel.id"], name=f"fk_{table}_parcel_id_parcel", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "commune_crosswalk",
        sa.Column("old_code", sa.String(5), nullable=False),
        sa.Column("old_name", sa.Text(), nullable=False),
        sa.Column("ward_code", sa.String(5), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("old_code", name="pk_commune_crosswalk"),
        sa.ForeignKeyConstraint(
            ["ward_code"], ["ward.code"], name="fk_commune_crosswalk_ward_code_ward"
        ),
        sa.CheckConstraint("old_code ~ '^[0-9]{5}$'", name="ck_commune_crosswalk_code_five_digits"),
    )

    # parcel: life-cycle flags, origin confirmation, retirement, optimistic version
    op.add_column("parcel", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.add_column(
        "parcel", sa.Column("disputed", sa.Boolean(), nullable=False, server_default="false")
    )
    op.add_column("parcel", sa.Column("land_use_since", sa.Date()))
    op.add_column(
        "parcel",
        sa.Column("origin_confirmed", sa.Boolean(), nullable=False, server_default="false"),
    )
    op.add_column(
        "parcel",
        sa.Column("time_of_use_confirmed", sa.Boolean(), nullable=False, server_default="false"),
    )
    op.add_column("parcel", sa.Column("confirmed_by", sa.Text()))
    op.add_column("parcel", sa.Column("confirmed_on", sa.Date()))
    op.add_column("parcel", sa.Column("confirmation_document", sa.Text()))
    op.add_column("parcel", sa.Column("retired_at", TZ))
    op.add_column("parcel", sa.Column("retired_reason", sa.Text()))
    op.add_column("parcel", sa.Column("updated_at", TZ, nullable=False, server_default=NOW))
    op.create_check_constraint(
        "ck_parcel_retired_with_reason",
        "parcel",
        "(retired_at IS NULL) = (retired_reason IS NULL)",
    )
    op.create_index("ix_parcel_status", "parcel", ["status"])

    op.create_table(
        "parcel_land_use",
        sa.Column("parcel_id", sa.BigInteger(), nullable=False),
        sa.Column("land_use_code", sa.String(8), nullable=False),
        sa.Column("area_m2", sa.Numeric(14, 2), nullable=False),
        sa.Column(
            "origin_codes",
            postgresql.ARRAY(sa.String(16)),
            nullable=False,
            server_default="{}",
        ),
        sa.PrimaryKeyConstraint("parcel_id", "land_use_code", name="pk_parcel_land_use"),
        _parcel_fk("parcel_land_use"),
        sa.ForeignKeyConstraint(
            ["land_use_code"],
            ["land_use_type.code"],
            name="fk_parcel_land_use_land_use_code_land_use_type",
        ),
        sa.CheckConstraint("area_m2 > 0", name="ck_parcel_land_use_area_positive"),
    )
    op.create_index("ix_parcel_land_use_land_use_code", "parcel_land_use", ["land_use_code"])
    # carry the single land use of revision 0002 over, with the whole parcel's area;
    # an old code maps to the current one
    op.execute(
        "INSERT INTO parcel_land_use (parcel_id, land_use_code, area_m2) "
        "SELECT p.id, coalesce(t.replaced_by, t.code), p.area_m2 FROM parcel p "
        "JOIN land_use_type t ON t.code = p.land_use_code WHERE p.area_m2 > 0"
    )
    op.drop_column("parcel", "land_use_code")

    op.create_table(
        "holder",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("parcel_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("id_number", sa.String(20)),
        sa.PrimaryKeyConstraint("id", name="pk_holder"),
        _parcel_fk("holder"),
        sa.UniqueConstraint("parcel_id", "position", name="uq_holder_parcel_id_position"),
        sa.CheckConstraint(
            "kind IN ('individual', 'household', 'couple', 'organisation', 'community')",
            name="ck_holder_kind_known",
        ),
    )

    op.create_table(
        "certificate",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("parcel_id", sa.BigInteger(), nullable=False),
        sa.Column("serial", sa.String(10), nullable=False),
        sa.Column("register_no", sa.String(32), nullable=False),
        sa.Column("signer", sa.Text(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("custody_location", sa.Text(), nullable=False),
        sa.Column("issue_kind", sa.String(8), nullable=False),
        sa.Column("replaces_serial", sa.String(10)),
        sa.Column("delivered_to", sa.Text()),
        sa.Column("delivered_on", sa.Date()),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("id", name="pk_certificate"),
        _parcel_fk("certificate"),
        sa.UniqueConstraint("serial", name="uq_certificate_serial"),
        sa.CheckConstraint("issue_kind IN ('first', 'reissue')", name="ck_certificate_kind_known"),
        sa.CheckConstraint(
            "(issue_kind = 'reissue') = (replaces_serial IS NOT NULL)",
            name="ck_certificate_reissue_names_old_serial",
        ),
        sa.CheckConstraint(
            "(delivered_to IS NULL) = (delivered_on IS NULL)",
            name="ck_certificate_delivery_complete",
        ),
    )
    op.create_index("ix_certificate_parcel_id", "certificate", ["parcel_id"])

    op.create_table(
        "dossier_return",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("parcel_id", sa.BigInteger(), nullable=False),
        sa.Column("notice_no", sa.Text(), nullable=False),
        sa.Column("notice_date", sa.Date(), nullable=False),
        sa.Column("missing_items", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("copied_to", sa.Text()),
        sa.Column("returned_by", sa.Text(), nullable=False),
        sa.Column("returned_at", TZ, nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("id", name="pk_dossier_return"),
        _parcel_fk("dossier_return"),
        sa.CheckConstraint(
            "cardinality(missing_items) > 0", name="ck_dossier_return_names_missing_items"
        ),
    )
    op.create_index("ix_dossier_return_parcel_id", "dossier_return", ["parcel_id"])

    op.create_table(
        "dispute",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("parcel_id", sa.BigInteger(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("parties", postgresql.ARRAY(sa.Text()), nullable=False, server_default="{}"),
        sa.Column("status", sa.String(8), nullable=False, server_default="open"),
        sa.Column("resolution", sa.Text()),
        sa.Column("resolved_on", sa.Date()),
        sa.Column("opened_by", sa.Text(), nullable=False),
        sa.Column("resolved_by", sa.Text()),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.PrimaryKeyConstraint("id", name="pk_dispute"),
        _parcel_fk("dispute"),
        sa.CheckConstraint("status IN ('open', 'resolved')", name="ck_dispute_status_known"),
        sa.CheckConstraint(
            "kind IN ('boundary', 'ownership', 'inheritance', 'encroachment', 'other')",
            name="ck_dispute_kind_known",
        ),
        sa.CheckConstraint(
            "(status = 'resolved') = (resolution IS NOT NULL AND resolved_on IS NOT NULL)",
            name="ck_dispute_resolved_with_resolution",
        ),
    )
    op.create_index("ix_dispute_parcel_id", "dispute", ["parcel_id"])

    op.create_table(
        "backlog_reason",
        sa.Column("parcel_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(24), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("set_by", sa.Text(), nullable=False),
        sa.Column("set_at", TZ, nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("parcel_id", "reason", name="pk_backlog_reason"),
        _parcel_fk("backlog_reason"),
        sa.CheckConstraint(
            "reason IN ('planning_conflict', 'unpaid_obligation', 'missing_documents',"
            " 'holder_absent', 'other')",
            name="ck_backlog_reason_staff_settable",
        ),
    )

    op.create_table(
        "complaint",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("parcel_id", sa.BigInteger()),
        sa.Column("ward_code", sa.String(5)),
        sa.Column("dossier_ref", sa.Text()),
        sa.Column("channel", sa.String(12), nullable=False),
        sa.Column("reporter_name", sa.Text()),
        sa.Column("reporter_phone", sa.String(20)),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="received"),
        sa.Column("response", sa.Text()),
        sa.Column("handled_by", sa.Text()),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("received_at", TZ, nullable=False, server_default=NOW),
        sa.Column("updated_at", TZ, nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("id", name="pk_complaint"),
        _parcel_fk("complaint"),
        sa.ForeignKeyConstraint(["ward_code"], ["ward.code"], name="fk_complaint_ward_code_ward"),
        sa.CheckConstraint(
            "status IN ('received', 'in_progress', 'resolved')", name="ck_complaint_status_known"
        ),
        sa.CheckConstraint(
            "channel IN ('hotline', 'web', 'in_person', 'letter')",
            name="ck_complaint_channel_known",
        ),
        sa.CheckConstraint(
            "status <> 'resolved' OR response IS NOT NULL", name="ck_complaint_resolved_answered"
        ),
    )

    op.create_table(
        "parcel_version",
        sa.Column("parcel_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("valid_from", TZ, nullable=False),
        sa.Column("valid_to", TZ),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("parcel_id", "version", name="pk_parcel_version"),
        _parcel_fk("parcel_version"),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name="ck_parcel_version_period"
        ),
    )
    op.create_index(
        "ix_parcel_version_current",
        "parcel_version",
        ["parcel_id"],
        unique=True,
        postgresql_where=sa.text("valid_to IS NULL"),
    )

    op.create_table(
        "parcel_lineage",
        sa.Column("parent_id", sa.BigInteger(), nullable=False),
        sa.Column("child_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("parent_id", "child_id", name="pk_parcel_lineage"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["parcel.id"], name="fk_parcel_lineage_parent_id_parcel"
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["parcel.id"], name="fk_parcel_lineage_child_id_parcel"
        ),
        sa.CheckConstraint("kind IN ('split', 'merge')", name="ck_parcel_lineage_kind_known"),
    )

    op.execute(SNAPSHOT_FUNCTION)
    # parcels that predate this revision get their first version now
    op.execute(
        "INSERT INTO parcel_version (parcel_id, version, valid_from, actor, action, changes,"
        " snapshot) SELECT id, 1, created_at, 'migration', 'create', '{}',"
        " parcel_snapshot(id) FROM parcel"
    )

    op.create_table(
        "api_key",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("ward_code", sa.String(5)),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False, server_default=NOW),
        sa.Column("revoked_at", TZ),
        sa.PrimaryKeyConstraint("id", name="pk_api_key"),
        sa.UniqueConstraint("key_hash", name="uq_api_key_key_hash"),
        sa.ForeignKeyConstraint(["ward_code"], ["ward.code"], name="fk_api_key_ward_code_ward"),
        sa.CheckConstraint(
            "role IN ('admin', 'registry_officer', 'surveyor', 'ward_officer', 'gis_viewer')",
            name="ck_api_key_role_known",
        ),
        sa.CheckConstraint(
            "(role = 'ward_officer') = (ward_code IS NOT NULL)",
            name="ck_api_key_ward_officer_has_ward",
        ),
    )


def downgrade() -> None:
    op.drop_table("api_key")
    op.execute("DROP FUNCTION parcel_snapshot(bigint)")
    for table in (
        "parcel_lineage",
        "parcel_version",
        "complaint",
        "backlog_reason",
        "dispute",
        "dossier_return",
        "certificate",
        "holder",
    ):
        op.drop_table(table)
    op.add_column("parcel", sa.Column("land_use_code", sa.String(8)))
    # the largest land use becomes the single code again
    op.execute(
        "UPDATE parcel p SET land_use_code = ("
        " SELECT land_use_code FROM parcel_land_use u WHERE u.parcel_id = p.id"
        " ORDER BY area_m2 DESC, land_use_code LIMIT 1)"
    )
    op.drop_table("parcel_land_use")
    op.drop_index("ix_parcel_status", table_name="parcel")
    op.drop_constraint("ck_parcel_retired_with_reason", "parcel", type_="check")
    for column in (
        "updated_at",
        "retired_reason",
        "retired_at",
        "confirmation_document",
        "confirmed_on",
        "confirmed_by",
        "time_of_use_confirmed",
        "origin_confirmed",
        "land_use_since",
        "disputed",
        "version",
    ):
        op.drop_column("parcel", column)
    op.drop_table("commune_crosswalk")
