"""Coverage statistics kept up to date by the database, targets, and frozen period snapshots.

Counters. Each parcel contributes to one key (ward, principal land-use group, status) a set of
measures: 1 parcel, its area, whether origin and time of use are confirmed, whether it is in
dispute, and, while not certified, its backlog reasons. Statement-level triggers on `parcel`
append the change of those contributions to `stat_delta`, in the writer's own transaction, so
the counters are exact whatever commits or rolls back. Appending never takes a lock another
writer waits for: a long import does not hold up a transition in the same ward. Returned
dossiers are counted from `dossier_return` under their notice date.

`stat_compact()` folds the appended rows into `stat_total` (one row per key) and `stat_day`
(the change per day and key, for as-of figures and weekly rates). Reads add what is still
pending in `stat_delta`, so figures are exact before and after compaction.

Days are Vietnam days (Asia/Ho_Chi_Minh). `stat_clock()` is now(), unless the transaction set
`registry.clock`: the sample loader does, to give the sample register a past.

A parcel's principal land-use group (`parcel.land_use_group`) is that of its residential use
if it has one (a house with a garden counts as residential land), else that of its largest use.
Triggers keep it, and `parcel.backlog_staff` (the staff-set backlog reasons), on the parcel row,
so a parcel's contribution depends on its own row only.

Targets: the town's default share certified per year (40% by the end of 2024, 100% by the end of
2025) and per-ward overrides. Snapshots: the figures at the end of each closed week and month
(the whole document: every ward and the town), which nothing may change afterwards.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_CERTIFIED = "r.status NOT IN ('signed', 'delivered')"
ANY_REASON = (
    "r.disputed OR NOT r.origin_confirmed OR NOT r.time_of_use_confirmed"
    " OR r.status IN ('returned', 'ineligible') OR cardinality(r.backlog_staff) > 0"
)

# (column, what one parcel row `r` contributes)
MEASURES: list[tuple[str, str]] = [
    ("parcels", "1"),
    ("area_m2", "r.area_m2"),
    ("origin_confirmed", "r.origin_confirmed::int"),
    ("time_of_use_confirmed", "r.time_of_use_confirmed::int"),
    ("confirmed", "(r.origin_confirmed AND r.time_of_use_confirmed)::int"),
    ("disputed", "r.disputed::int"),
    ("backlog_dispute", f"({NOT_CERTIFIED} AND r.disputed)::int"),
    ("backlog_origin_unconfirmed", f"({NOT_CERTIFIED} AND NOT r.origin_confirmed)::int"),
    (
        "backlog_time_of_use_unconfirmed",
        f"({NOT_CERTIFIED} AND NOT r.time_of_use_confirmed)::int",
    ),
    (
        "backlog_missing_documents",
        f"({NOT_CERTIFIED} AND (r.status = 'returned'"
        " OR 'missing_documents' = ANY(r.backlog_staff)))::int",
    ),
    ("backlog_ineligible", "(r.status = 'ineligible')::int"),
    (
        "backlog_planning_conflict",
        f"({NOT_CERTIFIED} AND 'planning_conflict' = ANY(r.backlog_staff))::int",
    ),
    (
        "backlog_unpaid_obligation",
        f"({NOT_CERTIFIED} AND 'unpaid_obligation' = ANY(r.backlog_staff))::int",
    ),
    (
        "backlog_holder_absent",
        f"({NOT_CERTIFIED} AND 'holder_absent' = ANY(r.backlog_staff))::int",
    ),
    ("backlog_other", f"({NOT_CERTIFIED} AND 'other' = ANY(r.backlog_staff))::int"),
    ("backlog_none", f"({NOT_CERTIFIED} AND NOT ({ANY_REASON}))::int"),
]
COLUMNS = [name for name, _ in MEASURES] + ["returns"]
KEY = ["ward_code", "land_use_group", "status"]
PARCEL_COLUMNS = (
    "ward_code, land_use_group, status, area_m2, origin_confirmed, time_of_use_confirmed,"
    " disputed, backlog_staff, retired_at"
)
DAY = "(stat_clock() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"


def _measure_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column(
            name,
            sa.Numeric(16, 2) if name == "area_m2" else sa.BigInteger(),
            nullable=False,
            server_default="0",
        )
        for name in COLUMNS
    ]


def _key_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("ward_code", sa.String(5), nullable=False),
        sa.Column("land_use_group", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    ]


def _contribution(source: str) -> str:
    """SELECT the signed change of the contributions of the rows of `source` (with `sign`)."""
    sums = ", ".join(f"sum(r.sign * {expr})" for _, expr in MEASURES)
    nonzero = " OR ".join(f"sum(r.sign * {expr}) <> 0" for _, expr in MEASURES)
    return (
        f"SELECT {DAY}, r.ward_code, coalesce(r.land_use_group, ''), r.status, {sums}"
        f" FROM ({source}) r WHERE r.retired_at IS NULL"
        " GROUP BY r.ward_code, coalesce(r.land_use_group, ''), r.status"
        f" HAVING {nonzero}"
    )


def _parcel_trigger_function() -> str:
    insert = f"INSERT INTO stat_delta (day, {', '.join(KEY)}, {', '.join(n for n, _ in MEASURES)})"
    added = _contribution(f"SELECT 1 AS sign, {PARCEL_COLUMNS} FROM new_rows")
    removed = _contribution(f"SELECT -1 AS sign, {PARCEL_COLUMNS} FROM old_rows")
    changed = _contribution(
        f"SELECT -1 AS sign, {PARCEL_COLUMNS} FROM old_rows"
        f" UNION ALL SELECT 1, {PARCEL_COLUMNS} FROM new_rows"
    )
    return f"""
    CREATE FUNCTION parcel_stat_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {insert} {added};
        ELSIF TG_OP = 'DELETE' THEN
            {insert} {removed};
        ELSE
            {insert} {changed};
        END IF;
        RETURN NULL;
    END
    $$
    """


RETURN_TRIGGER_FUNCTION = """
CREATE FUNCTION dossier_return_stat_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO stat_delta (day, ward_code, land_use_group, status, returns)
        SELECT r.notice_date, p.ward_code, coalesce(p.land_use_group, ''), 'returned', count(*)
        FROM new_rows r JOIN parcel p ON p.id = r.parcel_id
        GROUP BY r.notice_date, p.ward_code, coalesce(p.land_use_group, '');
    ELSE
        INSERT INTO stat_delta (day, ward_code, land_use_group, status, returns)
        SELECT r.notice_date, p.ward_code, coalesce(p.land_use_group, ''), 'returned', -count(*)
        FROM old_rows r JOIN parcel p ON p.id = r.parcel_id
        GROUP BY r.notice_date, p.ward_code, coalesce(p.land_use_group, '');
    END IF;
    RETURN NULL;
END
$$
"""

# the register emptied at once: so are its counters (snapshots stay)
TRUNCATE_FUNCTION = """
CREATE FUNCTION parcel_stat_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM stat_delta;
    DELETE FROM stat_total;
    DELETE FROM stat_day;
    RETURN NULL;
END
$$
"""

PRINCIPAL_GROUP = """
CREATE FUNCTION parcel_principal_group(parcel_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE parcel p SET land_use_group = g.group_code
    FROM (
        SELECT i.id, (
            SELECT t.group_code FROM parcel_land_use u
            JOIN land_use_type t ON t.code = u.land_use_code
            WHERE u.parcel_id = i.id
            ORDER BY t.group_code = 'OTC' DESC, u.area_m2 DESC, u.land_use_code
            LIMIT 1
        ) AS group_code
        FROM unnest(parcel_ids) AS i(id)
    ) g
    WHERE p.id = g.id AND p.land_use_group IS DISTINCT FROM g.group_code
$$
"""

LAND_USE_TRIGGER_FUNCTION = """
CREATE FUNCTION parcel_land_use_group_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM parcel_principal_group(ARRAY(SELECT DISTINCT parcel_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM parcel_principal_group(ARRAY(SELECT DISTINCT parcel_id FROM old_rows));
    ELSE
        PERFORM parcel_principal_group(ARRAY(
            SELECT parcel_id FROM old_rows UNION SELECT parcel_id FROM new_rows));
    END IF;
    RETURN NULL;
END
$$
"""

BACKLOG_TRIGGER_FUNCTION = """
CREATE FUNCTION backlog_reason_staff_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        ids := ARRAY(SELECT DISTINCT parcel_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        ids := ARRAY(SELECT DISTINCT parcel_id FROM old_rows);
    ELSE
        ids := ARRAY(SELECT parcel_id FROM old_rows UNION SELECT parcel_id FROM new_rows);
    END IF;
    UPDATE parcel p SET backlog_staff = s.reasons
    FROM (
        SELECT i.id, ARRAY(
            SELECT b.reason::text FROM backlog_reason b WHERE b.parcel_id = i.id ORDER BY b.reason
        ) AS reasons
        FROM unnest(ids) AS i(id)
    ) s
    WHERE p.id = s.id AND p.backlog_staff IS DISTINCT FROM s.reasons;
    RETURN NULL;
END
$$
"""

STAT_CLOCK = """
CREATE FUNCTION stat_clock() RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('registry.clock', true), '')::timestamptz, now())
$$
"""


def _compact_function() -> str:
    cols = ", ".join(COLUMNS)
    sums = ", ".join(f"sum({c})" for c in COLUMNS)
    key = ", ".join(KEY)

    def add(table: str) -> str:
        return ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COLUMNS)

    return f"""
    CREATE FUNCTION stat_compact() RETURNS bigint LANGUAGE plpgsql AS $$
    DECLARE
        folded bigint;
    BEGIN
        -- one compaction at a time; a second caller has nothing to do meanwhile
        IF NOT pg_try_advisory_xact_lock(hashtext('stat_compact')) THEN
            RETURN 0;
        END IF;
        WITH gone AS (DELETE FROM stat_delta RETURNING *),
        per_day AS (
            INSERT INTO stat_day (day, {key}, {cols})
            SELECT day, {key}, {sums} FROM gone GROUP BY day, {key}
            ON CONFLICT (day, {key}) DO UPDATE SET {add("stat_day")}
        ),
        per_key AS (
            INSERT INTO stat_total ({key}, {cols})
            SELECT {key}, {sums} FROM gone GROUP BY {key}
            ON CONFLICT ({key}) DO UPDATE SET {add("stat_total")}
        )
        SELECT count(*) INTO folded FROM gone;
        RETURN folded;
    END
    $$
    """


FROZEN = """
CREATE FUNCTION refuse_change_of_frozen_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows never change: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.add_column("parcel", sa.Column("land_use_group", sa.String(8)))
    op.add_column(
        "parcel",
        sa.Column(
            "backlog_staff", postgresql.ARRAY(sa.Text()), nullable=False, server_default="{}"
        ),
    )
    op.create_foreign_key(
        "fk_parcel_land_use_group_land_use_group",
        "parcel",
        "land_use_group",
        ["land_use_group"],
        ["code"],
    )
    op.execute(PRINCIPAL_GROUP)
    op.execute(
        "SELECT parcel_principal_group(ARRAY(SELECT DISTINCT parcel_id FROM parcel_land_use))"
    )
    op.execute(
        "UPDATE parcel p SET backlog_staff = ARRAY(SELECT b.reason::text FROM backlog_reason b"
        " WHERE b.parcel_id = p.id ORDER BY b.reason)"
        " WHERE EXISTS (SELECT 1 FROM backlog_reason b WHERE b.parcel_id = p.id)"
    )

    op.create_table(
        "stat_delta",
        sa.Column("day", sa.Date(), nullable=False),
        *_key_columns(),
        *_measure_columns(),
    )
    op.create_table(
        "stat_day",
        sa.Column("day", sa.Date(), nullable=False),
        *_key_columns(),
        *_measure_columns(),
        sa.PrimaryKeyConstraint("day", *KEY, name="pk_stat_day"),
    )
    op.create_table(
        "stat_total",
        *_key_columns(),
        *_measure_columns(),
        sa.PrimaryKeyConstraint(*KEY, name="pk_stat_total"),
    )
    op.execute(STAT_CLOCK)
    op.execute(_parcel_trigger_function())
    op.execute(RETURN_TRIGGER_FUNCTION)
    op.execute(TRUNCATE_FUNCTION)
    op.execute(LAND_USE_TRIGGER_FUNCTION)
    op.execute(BACKLOG_TRIGGER_FUNCTION)
    op.execute(_compact_function())
    for event, tables in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        suffix = event.lower()
        op.execute(
            f"CREATE TRIGGER parcel_stat_{suffix} AFTER {event} ON parcel"
            f" REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION parcel_stat_change()"
        )
        op.execute(
            f"CREATE TRIGGER parcel_land_use_group_{suffix} AFTER {event} ON parcel_land_use"
            f" REFERENCING {tables} FOR EACH STATEMENT"
            " EXECUTE FUNCTION parcel_land_use_group_change()"
        )
        op.execute(
            f"CREATE TRIGGER backlog_reason_staff_{suffix} AFTER {event} ON backlog_reason"
            f" REFERENCING {tables} FOR EACH STATEMENT"
            " EXECUTE FUNCTION backlog_reason_staff_change()"
        )
        if event != "UPDATE":  # a notice's date and parcel are not edited
            op.execute(
                f"CREATE TRIGGER dossier_return_stat_{suffix} AFTER {event} ON dossier_return"
                f" REFERENCING {tables} FOR EACH STATEMENT"
                " EXECUTE FUNCTION dossier_return_stat_change()"
            )
    op.execute(
        "CREATE TRIGGER parcel_stat_truncate AFTER TRUNCATE ON parcel"
        " FOR EACH STATEMENT EXECUTE FUNCTION parcel_stat_truncate()"
    )
    # what the register holds now counts from today
    op.execute(
        f"INSERT INTO stat_delta (day, {', '.join(KEY)}, {', '.join(n for n, _ in MEASURES)})"
        + _contribution(f"SELECT 1 AS sign, {PARCEL_COLUMNS} FROM parcel")
    )
    op.execute(
        "INSERT INTO stat_delta (day, ward_code, land_use_group, status, returns)"
        " SELECT r.notice_date, p.ward_code, coalesce(p.land_use_group, ''), 'returned',"
        " count(*) FROM dossier_return r JOIN parcel p ON p.id = r.parcel_id"
        " GROUP BY r.notice_date, p.ward_code, coalesce(p.land_use_group, '')"
    )
    op.execute("SELECT stat_compact()")

    op.create_table(
        "coverage_target",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("ward_code", sa.String(5), sa.ForeignKey("ward.code")),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("share", sa.Numeric(5, 4), nullable=False),
        sa.Column("set_by", sa.Text(), nullable=False),
        sa.Column(
            "set_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_coverage_target"),
        sa.CheckConstraint("share > 0 AND share <= 1", name="share_fraction"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_plausible"),
    )
    op.create_index(
        "ux_coverage_target_ward_year",
        "coverage_target",
        ["ward_code", "year"],
        unique=True,
        postgresql_where=sa.text("ward_code IS NOT NULL"),
    )
    op.create_index(
        "ux_coverage_target_town_year",
        "coverage_target",
        ["year"],
        unique=True,
        postgresql_where=sa.text("ward_code IS NULL"),
    )
    op.execute(
        "INSERT INTO coverage_target (ward_code, year, share, set_by) VALUES"
        " (NULL, 2024, 0.40, 'Directive 30 plan'), (NULL, 2025, 1.00, 'Directive 30 plan')"
    )

    # one row per closed week or month: the whole coverage document as of its last day
    op.create_table(
        "stat_snapshot",
        sa.Column("period", sa.String(5), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("figures", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "taken_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("clock_timestamp()"),
        ),
        sa.PrimaryKeyConstraint("period", "period_end", name="pk_stat_snapshot"),
        sa.CheckConstraint("period IN ('week', 'month')", name="period_known"),
    )
    op.execute(FROZEN)
    op.execute(
        "CREATE TRIGGER stat_snapshot_frozen BEFORE UPDATE OR DELETE ON stat_snapshot"
        " FOR EACH ROW EXECUTE FUNCTION refuse_change_of_frozen_rows()"
    )
    op.execute(
        "CREATE TRIGGER stat_snapshot_no_truncate BEFORE TRUNCATE ON stat_snapshot"
        " FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_frozen_rows()"
    )
    op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON stat_snapshot FROM parcel_registry_service")


def downgrade() -> None:
    op.drop_table("stat_snapshot")
    op.execute("DROP FUNCTION refuse_change_of_frozen_rows()")
    op.drop_table("coverage_target")
    op.execute("DROP TRIGGER parcel_stat_truncate ON parcel")
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER parcel_stat_{event} ON parcel")
        op.execute(f"DROP TRIGGER parcel_land_use_group_{event} ON parcel_land_use")
        op.execute(f"DROP TRIGGER backlog_reason_staff_{event} ON backlog_reason")
        if event != "update":
            op.execute(f"DROP TRIGGER dossier_return_stat_{event} ON dossier_return")
    for function in (
        "stat_compact()",
        "backlog_reason_staff_change()",
        "parcel_land_use_group_change()",
        "parcel_stat_truncate()",
        "dossier_return_stat_change()",
        "parcel_stat_change()",
        "stat_clock()",
        "parcel_principal_group(bigint[])",
    ):
        op.execute(f"DROP FUNCTION {function}")
    op.drop_table("stat_total")
    op.drop_table("stat_day")
    op.drop_table("stat_delta")
    op.drop_constraint("fk_parcel_land_use_group_land_use_group", "parcel", type_="foreignkey")
    op.drop_column("parcel", "backlog_staff")
    op.drop_column("parcel", "land_use_group")
