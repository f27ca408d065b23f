"""Parcel tiles at every zoom: counts per grid cell, a tile cache, and what each write touches.

Below zoom 16 a tile of a dense town holds tens of thousands of parcels, too many to draw or
to send. The generalised tiles draw only the parcels big enough to see, and an aggregate
layer counts all of them per grid cell. Those counts are kept here, per cell of the zoom-19
grid (about 76 m of Web Mercator), status, dispute and principal land-use group, the way the
coverage counters are: statement triggers on `parcel` append signed deltas to
`parcel_cell_delta`, which `tile_compact()` folds into `parcel_cell_count`. The cell of a
parcel is the one holding the centroid of its Web Mercator shape.

Tiles are cached in `tile_cache` with the snapshot they were built from. Every write that
changes what a tile draws (a parcel's shape, status, dispute, ward, numbers or land uses; a
ward's boundary or name) records the area it touched in `tile_change`, with its transaction
id, from the same statement triggers, whatever code path made the write. A cached tile is
fresh while no committed change over its area was invisible to its snapshot: a reader checks
that when it reads, so a tile built from rows a concurrent write was replacing is never
served after that write commits, and no write waits for a reader.

Partial indexes on the parcels big enough to see at zooms 14, 13 and 12 let those tiles
read only them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from geoalchemy2 import Geometry

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORLD = 20037508.342789244  # half the Web Mercator world's width, metres
CELL = 2 * WORLD / 2**19  # the counts' cell: a zoom-19 tile
CHANGE_GROUP = 2 * WORLD / 2**14  # the changes of one statement, one area per zoom-14 tile
# ground areas (m2) of the parcels drawn from zooms 14, 13 and 12 anywhere in Vietnam
# (app.services.tiles draws a parcel when it covers 16 pixels of a 512-pixel tile)
SEEN_FROM = {14: 300, 13: 1200, 12: 4800}

# the cell of a parcel's row `r`
CELL_OF = (
    f"floor((ST_X(c) + {WORLD}) / {CELL})::int AS cx,"
    f" floor(({WORLD} - ST_Y(c)) / {CELL})::int AS cy"
)
# the drawn facts of a parcel: a change to one of them changes its tiles
DRAWN = "status, disputed, ward_code, land_use_group, sheet_no, parcel_no, retired_at IS NULL, geom"


def _changes(layer: str, shapes: str) -> str:
    """INSERT the areas of `shapes` (a query of one geometry column `g`) into tile_change."""
    return (
        "INSERT INTO tile_change (layer, xid, area)"
        f" SELECT '{layer}', pg_current_xact_id()::text::bigint,"
        " ST_Expand(ST_SetSRID(ST_Extent(b)::geometry, 3857), 1)"
        f" FROM (SELECT ST_Transform(ST_Envelope(s.g), 3857) AS b FROM ({shapes}) s) t"
        f" GROUP BY floor(ST_XMin(b) / {CHANGE_GROUP}), floor(ST_YMin(b) / {CHANGE_GROUP});"
    )


def _deltas(source: str) -> str:
    """INSERT the signed counts of `source` (rows with `sign` and parcel columns)."""
    return (
        "INSERT INTO parcel_cell_delta (cx, cy, status, disputed, land_use_group, n)"
        " SELECT cx, cy, status, disputed, land_use_group, sum(sign) FROM ("
        f" SELECT r.sign, r.status, r.disputed, coalesce(r.land_use_group, '') AS land_use_group,"
        f" {CELL_OF} FROM ({source}) r,"
        " LATERAL (SELECT ST_Centroid(ST_Transform(r.geom, 3857)) AS c) p"
        " WHERE r.retired_at IS NULL) d"
        " GROUP BY cx, cy, status, disputed, land_use_group HAVING sum(sign) <> 0;"
    )


COLUMNS = "status, disputed, land_use_group, retired_at, geom"
# the rows of an UPDATE whose drawn facts changed, old and new side by side (one join)
CHANGED = (
    "SELECT"
    f" {', '.join(f'o.{c} AS old_{c}, n.{c} AS new_{c}' for c in COLUMNS.split(', '))}"
    " FROM old_rows o JOIN new_rows n ON n.id = o.id"
    f" WHERE ({', '.join('o.' + c for c in DRAWN.split(', '))})"
    f" IS DISTINCT FROM ({', '.join('n.' + c for c in DRAWN.split(', '))})"
)
PARCEL_INSERTED = _changes("parcels", "SELECT geom AS g FROM new_rows") + _deltas(
    f"SELECT 1 AS sign, {COLUMNS} FROM new_rows"
)
PARCEL_DELETED = _changes("parcels", "SELECT geom AS g FROM old_rows") + _deltas(
    f"SELECT -1 AS sign, {COLUMNS} FROM old_rows"
)
_SIDES = ", ".join(COLUMNS.split(", "))
PARCEL_UPDATED = _changes(
    "parcels",
    f"SELECT v.g FROM ({CHANGED}) c, LATERAL (VALUES (c.old_geom), (c.new_geom)) v(g)",
) + _deltas(
    f"SELECT v.* FROM ({CHANGED}) c, LATERAL (VALUES"
    f" (-1, {', '.join('c.old_' + col for col in COLUMNS.split(', '))}),"
    f" (1, {', '.join('c.new_' + col for col in COLUMNS.split(', '))}))"
    f" v(sign, {_SIDES})"
)
PARCEL_FUNCTION = f"""
CREATE FUNCTION parcel_tile_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {PARCEL_INSERTED}
    ELSIF TG_OP = 'DELETE' THEN
        {PARCEL_DELETED}
    ELSE
        {PARCEL_UPDATED}
    END IF;
    RETURN NULL;
END
$$
"""

# a land use changed: the tiles of its parcel (they show its principal land use)
OF_PARCELS = "SELECT geom AS g FROM parcel WHERE id IN (SELECT parcel_id FROM {rows})"
LAND_USE_FUNCTION = f"""
CREATE FUNCTION parcel_land_use_tile_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_changes("parcels", OF_PARCELS.format(rows="new_rows"))}
    ELSE
        {_changes("parcels", OF_PARCELS.format(rows="old_rows"))}
    END IF;
    RETURN NULL;
END
$$
"""

WARD_FUNCTION = f"""
CREATE FUNCTION ward_tile_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {_changes("wards", "SELECT boundary AS g FROM old_rows")}
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {_changes("wards", "SELECT boundary AS g FROM new_rows")}
    END IF;
    RETURN NULL;
END
$$
"""

# the register emptied at once: so are its counts and its cached tiles
TRUNCATE_FUNCTION = """
CREATE FUNCTION parcel_tile_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM parcel_cell_delta;
    DELETE FROM parcel_cell_count;
    DELETE FROM tile_cache WHERE layer = 'parcels';
    RETURN NULL;
END
$$
"""

COMPACT_FUNCTION = """
CREATE FUNCTION tile_compact() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    folded bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('tile_compact')) THEN
        RETURN 0;
    END IF;
    WITH gone AS (DELETE FROM parcel_cell_delta RETURNING *),
    summed AS (
        INSERT INTO parcel_cell_count AS c (cx, cy, status, disputed, land_use_group, n)
        SELECT cx, cy, status, disputed, land_use_group, sum(n) FROM gone
        GROUP BY cx, cy, status, disputed, land_use_group
        ON CONFLICT (cx, cy, status, disputed, land_use_group) DO UPDATE SET n = c.n + excluded.n
    )
    SELECT count(*) INTO folded FROM gone;
    DELETE FROM parcel_cell_count WHERE n = 0;
    RETURN folded;
END
$$
"""

EVENTS = (
    ("INSERT", "NEW TABLE AS new_rows"),
    ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("DELETE", "OLD TABLE AS old_rows"),
)
TRIGGERS = (
    ("parcel_tile", "parcel", "parcel_tile_change"),
    ("parcel_land_use_tile", "parcel_land_use", "parcel_land_use_tile_change"),
    ("ward_tile", "ward", "ward_tile_change"),
)


def _cell_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("cx", sa.Integer, nullable=False),
        sa.Column("cy", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("disputed", sa.Boolean, nullable=False),
        sa.Column("land_use_group", sa.String(8), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "parcel_cell_count",
        *_cell_columns(),
        sa.PrimaryKeyConstraint(
            "cx", "cy", "status", "disputed", "land_use_group", name="pk_parcel_cell_count"
        ),
    )
    op.create_table("parcel_cell_delta", *_cell_columns())
    op.create_index("ix_parcel_cell_delta_cell", "parcel_cell_delta", ["cx", "cy"])
    op.create_table(
        "tile_cache",
        sa.Column("layer", sa.String(8), nullable=False),
        sa.Column("z", sa.SmallInteger, nullable=False),
        sa.Column("x", sa.Integer, nullable=False),
        sa.Column("y", sa.Integer, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("snapshot", sa.Text, nullable=False),
        sa.Column("envelope", Geometry("POLYGON", srid=3857, spatial_index=False), nullable=False),
        sa.Column(
            "built_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("layer", "z", "x", "y", name="pk_tile_cache"),
    )
    op.create_index("ix_tile_cache_envelope", "tile_cache", ["envelope"], postgresql_using="gist")
    op.create_table(
        "tile_change",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("layer", sa.String(8), nullable=False),
        sa.Column("xid", sa.BigInteger, nullable=False),
        sa.Column("area", Geometry("POLYGON", srid=3857, spatial_index=False), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_tile_change_area", "tile_change", ["area"], postgresql_using="gist")
    for zoom, area in SEEN_FROM.items():
        op.create_index(
            f"ix_parcel_geom_z{zoom}",
            "parcel",
            ["geom"],
            postgresql_using="gist",
            postgresql_where=sa.text(f"retired_at IS NULL AND area_m2 >= {area}"),
        )
    op.execute(PARCEL_FUNCTION)
    op.execute(LAND_USE_FUNCTION)
    op.execute(WARD_FUNCTION)
    op.execute(TRUNCATE_FUNCTION)
    op.execute(COMPACT_FUNCTION)
    for name, table, function in TRIGGERS:
        for event, tables in EVENTS:
            op.execute(
                f"CREATE TRIGGER {name}_{event.lower()} AFTER {event} ON {table}"
                f" REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
    op.execute(
        "CREATE TRIGGER parcel_tile_truncate AFTER TRUNCATE ON parcel"
        " FOR EACH STATEMENT EXECUTE FUNCTION parcel_tile_truncate()"
    )
    # the register as it stands
    op.execute(_deltas(f"SELECT 1 AS sign, {COLUMNS} FROM parcel").rstrip(";"))
    op.execute("SELECT tile_compact()")


def downgrade() -> None:
    op.execute("DROP TRIGGER parcel_tile_truncate ON parcel")
    for name, table, _ in TRIGGERS:
        for event, _tables in EVENTS:
            op.execute(f"DROP TRIGGER {name}_{event.lower()} ON {table}")
    for function in (
        "parcel_tile_change",
        "parcel_land_use_tile_change",
        "ward_tile_change",
        "parcel_tile_truncate",
        "tile_compact",
    ):
        op.execute(f"DROP FUNCTION {function}()")
    for zoom in SEEN_FROM:
        op.drop_index(f"ix_parcel_geom_z{zoom}", table_name="parcel")
    op.drop_table("tile_change")
    op.drop_table("tile_cache")
    op.drop_table("parcel_cell_delta")
    op.drop_table("parcel_cell_count")
