"""Set-based SQL of an import: COPY into staging, the checks, the overlaps (the write:
import_upsert).

Everything runs in the caller's transaction: an import is written whole or not at all.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, text

from app.config import STORAGE_SRID

STAGE_COLUMNS = (
    "source_row",
    "commune",
    "sheet_no",
    "parcel_no",
    "legal_area",
    "land_use",
    "holder",
    "address",
    "extra",
    "wkb",
)


WORK_SCHEMA = "import_work"
_WORK_TABLE = re.compile(r"\bimport_(stage|row|match|changed)\b")


def _sql(conn: Connection, statement: str) -> str:
    """Return the statement with the working tables named as this import's own."""
    import_id: int = conn.info["import_id"]
    return _WORK_TABLE.sub(lambda m: f"{WORK_SCHEMA}.{m[1]}_{import_id:d}", statement)


def execute(conn: Connection, statement: str, params: dict[str, Any] | None = None) -> Any:
    """Run a statement on this import's own working tables."""
    return conn.execute(text(_sql(conn, statement)), params or {})


def create_stage(conn: Connection, import_id: int) -> None:
    """Create the import's staging table, the one the rows are COPYed into.

    The working tables (stage, row, match, changed) are UNLOGGED tables in schema import_work,
    named after the import, not temporary tables: PostgreSQL gives parallel workers to queries
    on them (the overlap self-join, the reprojection). They are created inside the import's
    transaction, so a rollback or a crash leaves nothing behind, and `drop_work` removes them
    before a commit.
    """
    conn.info["import_id"] = import_id
    # JIT compiles each big statement for up to a second and wins nothing back here
    execute(conn, "SET LOCAL jit = off")
    execute(
        conn,
        "CREATE UNLOGGED TABLE import_stage (source_row int, commune text, sheet_no int,"
        " parcel_no int, legal_area numeric, land_use text, holder text, address text,"
        " extra jsonb, wkb bytea)",
    )


def drop_work(conn: Connection) -> None:
    """Drop the import's working tables (in its transaction, before it commits)."""
    execute(conn, "DROP TABLE IF EXISTS import_stage, import_row, import_match, import_changed")
    del conn.info["import_id"]


def _csv(values: Iterable[Any]) -> list[str]:
    """Return one CSV field per value: NULL as nothing, numbers bare, text quoted."""
    return [
        "" if v is None else '"' + v.replace('"', '""') + '"' if isinstance(v, str) else str(v)
        for v in values
    ]


def copy_rows(
    conn: Connection, columns: dict[str, Sequence[Any]], extra: Sequence[dict[str, Any]] | None
) -> None:
    """COPY rows into the staging table, built a column at a time (no per-row writer).

    `columns` holds STAGE_COLUMNS but extra and wkb as lists (text, numbers or None);
    `wkb` as bytes; `extra` the unknown fields per row, or None when the file has none.
    """
    fields = [_csv(columns[name]) for name in STAGE_COLUMNS[:8]]
    n = len(columns["wkb"])
    if extra is None:
        fields.append(["{}"] * n)
    else:
        fields.append(_csv(json.dumps(e, ensure_ascii=False, default=str) for e in extra))
    fields.append(["\\x" + w.hex() for w in columns["wkb"]])
    buffer = io.StringIO("\n".join(map(",".join, zip(*fields, strict=True))))
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cur = raw.cursor()
    try:
        cur.copy_expert(  # psycopg2 COPY
            _sql(
                conn, f"COPY import_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN WITH (FORMAT csv)"
            ),
            buffer,
        )
    finally:
        cur.close()


def staged_shapes(conn: Connection, rows: Iterable[int]) -> dict[int, bytes]:
    """Return the staged geometry (WKB, the file's CRS) of these source rows."""
    found = execute(
        conn,
        "SELECT source_row, wkb FROM import_stage WHERE source_row = ANY(:rows)",
        {"rows": list(rows)},
    )
    return {row: bytes(wkb) for row, wkb in found}


def drop_staged(conn: Connection, rows: Iterable[int]) -> None:
    """Leave these source rows out of the staging table."""
    execute(conn, "DELETE FROM import_stage WHERE source_row = ANY(:rows)", {"rows": list(rows)})


def prepare(conn: Connection, srid: int) -> None:
    """Transform staged geometry to the storage CRS and resolve ward and land-use codes."""
    execute(
        conn,
        (
            "CREATE UNLOGGED TABLE import_row AS"
            " SELECT s.source_row, s.commune, s.sheet_no, s.parcel_no, s.legal_area,"
            " upper(s.land_use) AS land_use, s.holder, s.address, s.extra, g.geom,"
            " w.code AS ward_code, coalesce(t.replaced_by, t.code) AS land_use_code,"
            " t.replaced_by IS NOT NULL AS land_use_old,"
            " EXISTS (SELECT 1 FROM ward x WHERE x.code = s.commune)"
            "   OR EXISTS (SELECT 1 FROM commune_crosswalk c WHERE c.old_code = s.commune)"
            "   AS commune_known"
            " FROM import_stage s"
            f" CROSS JOIN LATERAL (SELECT ST_Multi(ST_Transform(ST_GeomFromWKB(s.wkb, {srid:d}),"
            f" {STORAGE_SRID})) AS geom) g"
            " LEFT JOIN LATERAL (SELECT code FROM ward"
            "   WHERE ST_Contains(boundary, ST_PointOnSurface(g.geom)) ORDER BY code LIMIT 1) w"
            "   ON true"
            " LEFT JOIN land_use_type t ON t.code = upper(s.land_use)"
        ),
    )
    execute(conn, "CREATE INDEX ON import_row USING gist (geom)")
    execute(conn, "ANALYZE import_row")


def rejections(conn: Connection) -> list[tuple[int, str]]:
    """Return (source row, reason) of rows the register cannot take, and drop them."""
    rows = execute(
        conn,
        (
            "SELECT source_row, CASE"
            " WHEN NOT commune_known THEN 'unknown commune code ' || coalesce(commune, '(none)')"
            " WHEN ward_code IS NULL THEN 'outside every ward of the registry'"
            " WHEN land_use IS NULL THEN 'no land-use code'"
            " WHEN land_use_code IS NULL THEN 'unknown land-use code ' || land_use"
            " WHEN NOT ST_IsValid(geom)"
            "   THEN 'invalid after reprojection: ' || ST_IsValidReason(geom)"
            " WHEN EXISTS (SELECT 1 FROM parcel p WHERE p.retired_at IS NOT NULL"
            "   AND (p.survey_commune_code, p.sheet_no, p.parcel_no)"
            "     = (commune, sheet_no, parcel_no))"
            "   THEN 'the parcel with this key was retired'"
            " END AS reason FROM import_row"
        ),
    ).all()
    rejected = [(int(r[0]), str(r[1])) for r in rows if r[1] is not None]
    if rejected:
        execute(
            conn,
            ("DELETE FROM import_row WHERE source_row = ANY(:rows)"),
            {"rows": [r for r, _ in rejected]},
        )
    return rejected


def area_warnings(conn: Connection, tolerance: float) -> list[tuple[int, str]]:
    """Return rows whose declared area differs from the computed one by more than tolerance."""
    rows = execute(
        conn,
        (
            "SELECT source_row, legal_area, round(ST_Area(geom)::numeric, 1) FROM import_row"
            " WHERE legal_area IS NOT NULL AND legal_area > 0"
            " AND abs(legal_area - ST_Area(geom)) > :tol * ST_Area(geom)"
        ),
        {"tol": tolerance},
    ).all()
    return [
        (int(r[0]), f"declared area {r[1]} m2 differs from the computed {r[2]} m2") for r in rows
    ]


def land_use_notes(conn: Connection) -> list[tuple[int, str]]:
    """Return rows whose old land-use code was mapped to the current one."""
    rows = execute(
        conn, ("SELECT source_row, land_use, land_use_code FROM import_row WHERE land_use_old")
    ).all()
    return [(int(r[0]), f"old land-use code {r[1]} recorded as {r[2]}") for r in rows]


def overlaps(conn: Connection, tolerance_m2: float) -> list[tuple[int, int | None, str]]:
    """Return (row, other row or None, reason) for overlaps above the tolerance.

    Overlaps are between incoming features, and with registered parcels other than the ones
    the import replaces (same key).
    """
    within = execute(
        conn,
        (
            "SELECT a.source_row, b.source_row, b.commune, b.sheet_no, b.parcel_no,"
            " ST_Area(ST_Intersection(a.geom, b.geom)) AS area"
            " FROM import_row a JOIN import_row b"
            # neighbours share edges: ask DE-9IM whether the interiors meet in an area
            # before computing any intersection (30x faster than ST_Intersects here)
            "   ON a.source_row < b.source_row AND a.geom && b.geom"
            "   AND ST_Relate(a.geom, b.geom, '2********')"
            " WHERE ST_Area(ST_Intersection(a.geom, b.geom)) > :tol"
        ),
        {"tol": tolerance_m2},
    ).all()
    registered = execute(
        conn,
        (
            "SELECT s.source_row, p.id, p.survey_commune_code, p.sheet_no, p.parcel_no,"
            " ST_Area(ST_Intersection(s.geom, p.geom)) AS area"
            " FROM import_row s JOIN parcel p ON s.geom && p.geom"
            "  AND ST_Relate(s.geom, p.geom, '2********')"
            " WHERE p.retired_at IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM import_row r WHERE (r.commune, r.sheet_no,"
            "   r.parcel_no) = (p.survey_commune_code, p.sheet_no, p.parcel_no))"
            " AND ST_Area(ST_Intersection(s.geom, p.geom)) > :tol"
        ),
        {"tol": tolerance_m2},
    ).all()
    found: list[tuple[int, int | None, str]] = [
        (
            int(r[0]),
            int(r[1]),
            f"overlaps commune {r[2]}, sheet {r[3]}, parcel {r[4]} of the same file "
            f"(row {r[1] + 1}) by {r[5]:.2f} m2",
        )
        for r in within
    ]
    found += [
        (
            int(r[0]),
            None,
            f"overlaps registered parcel {r[1]} (commune {r[2]}, sheet {r[3]}, parcel {r[4]}) "
            f"by {r[5]:.2f} m2",
        )
        for r in registered
    ]
    return found


def drop_rows(conn: Connection, rows: Iterable[int]) -> None:
    """Leave these source rows out of what is written."""
    execute(conn, "DELETE FROM import_row WHERE source_row = ANY(:rows)", {"rows": list(rows)})
