"""The audit log, and the database role the service runs as.

Every write through the service leaves an audit event: who (actor, role, key), when, which
request, what action on which target, and the values before and after. The log is append-only:
a trigger refuses UPDATE, DELETE and TRUNCATE for everyone, and the service's role is granted
SELECT and INSERT on it only.

The service does not own the tables. It logs in as a member of the group role
`parcel_registry_service`, which this revision creates (when missing) and grants what the
service needs: read and write on the register, read only on the code lists and on the schema
version. Tables that later revisions create get the same grants by default. Imports stage their
rows in schema `import_work`, where the service may create its working tables.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERVICE_ROLE = "parcel_registry_service"
ROLES_BEFORE = "'admin', 'registry_officer', 'surveyor', 'ward_officer', 'gis_viewer'"
READ_ONLY = ("alembic_version", "land_use_group", "land_use_type", "land_origin_type")

APPEND_ONLY = """
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def _api_key_roles(roles: str) -> None:
    # the name revision 0004 gave it (the naming convention applied twice)
    name = "ck_api_key_ck_api_key_role_known"
    op.execute(f"ALTER TABLE api_key DROP CONSTRAINT {name}")
    op.execute(f"ALTER TABLE api_key ADD CONSTRAINT {name} CHECK (role IN ({roles}))")


def upgrade() -> None:
    # inspectors read the audit log (and the register, holders included); they write nothing
    _api_key_roles(ROLES_BEFORE + ", 'inspector'")
    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("clock_timestamp()"),
        ),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("role", sa.String(32)),
        sa.Column("key_id", sa.BigInteger()),
        sa.Column("request_id", sa.String(64)),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("target_type", sa.String(32), nullable=False),
        sa.Column("target_id", sa.Text()),
        sa.Column("ward_code", sa.String(5)),
        sa.Column("parcel_id", sa.BigInteger()),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text())),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text())),
        sa.PrimaryKeyConstraint("id", name="pk_audit_event"),
    )
    op.create_index("ix_audit_event_at", "audit_event", ["at"])
    op.create_index("ix_audit_event_actor_at", "audit_event", ["actor", "at"])
    op.create_index("ix_audit_event_parcel_id_at", "audit_event", ["parcel_id", "at"])
    op.create_index("ix_audit_event_ward_code_at", "audit_event", ["ward_code", "at"])
    op.execute(APPEND_ONLY)
    op.execute(
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event"
        " FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
    )

    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{SERVICE_ROLE}') THEN
                CREATE ROLE {SERVICE_ROLE} NOLOGIN;
            END IF;
        END $$
        """
    )
    op.execute("CREATE SCHEMA import_work")
    op.execute(f"GRANT USAGE, CREATE ON SCHEMA import_work TO {SERVICE_ROLE}")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {SERVICE_ROLE}")
    op.execute(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {SERVICE_ROLE}"
    )
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {SERVICE_ROLE}")
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
        f" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {SERVICE_ROLE}"
    )
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
        f" GRANT USAGE, SELECT ON SEQUENCES TO {SERVICE_ROLE}"
    )
    for table in READ_ONLY:
        op.execute(f"REVOKE INSERT, UPDATE, DELETE ON {table} FROM {SERVICE_ROLE}")
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM {SERVICE_ROLE}")


def downgrade() -> None:
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
        f" REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {SERVICE_ROLE}"
    )
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
        f" REVOKE USAGE, SELECT ON SEQUENCES FROM {SERVICE_ROLE}"
    )
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {SERVICE_ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {SERVICE_ROLE}")
    op.execute(f"REVOKE ALL ON SCHEMA public FROM {SERVICE_ROLE}")
    op.execute("DROP SCHEMA import_work CASCADE")
    # the role is the cluster's, shared by its databases: it stays
    op.drop_table("audit_event")
    op.execute("DROP FUNCTION audit_event_append_only()")
    op.execute("DELETE FROM api_key WHERE role = 'inspector'")
    _api_key_roles(ROLES_BEFORE)
