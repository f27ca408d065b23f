"""Set-based SQL of an import: COPY into staging, checks, overlaps, upsert with versions.

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


def _execute(conn: Connection, statement: str, params: dict[str, Any] | None = None) -> Any:
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
    _execute(conn, "SET LOCAL jit = off")
    _execute(
        conn,
        "CREATE UNLOGGED TABLE import_stage (source_row int, commune text, sheet_no int,"
        " parcel_no int, legal_area numeric, land_use text, holder text, address text,"
        " extra jsonb, wkb bytea)",
    )


def drop_work(conn: Connection) -> None:
    """Drop the import's working tables (in its transaction, before it commits)."""
    _execute(conn, "DROP TABLE IF EXISTS import_stage, import_row, import_match, import_changed")
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


def drop_staged(conn: Connection, rows: Iterable[int]) -> None:
    """Leave these source rows out of the staging table."""
    _execute(conn, "DELETE FROM import_stage WHERE source_row = ANY(:rows)", {"rows": list(rows)})


def prepare(conn: Connection, srid: int) -> None:
    """Transform staged geometry to the storage CRS and resolve ward and land-use codes."""
    _execute(
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
    _execute(conn, "CREATE INDEX ON import_row USING gist (geom)")
    _execute(conn, "ANALYZE import_row")


def rejections(conn: Connection) -> list[tuple[int, str]]:
    """Return (source row, reason) of rows the register cannot take, and drop them."""
    rows = _execute(
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
        _execute(
            conn,
            ("DELETE FROM import_row WHERE source_row = ANY(:rows)"),
            {"rows": [r for r, _ in rejected]},
        )
    return rejected


def area_warnings(conn: Connection, tolerance: float) -> list[tuple[int, str]]:
    """Return rows whose declared area differs from the computed one by more than tolerance."""
    rows = _execute(
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
    rows = _execute(
        conn, ("SELECT source_row, land_use, land_use_code FROM import_row WHERE land_use_old")
    ).all()
    return [(int(r[0]), f"old land-use code {r[1]} recorded as {r[2]}") for r in rows]


def overlaps(conn: Connection, tolerance_m2: float) -> list[tuple[int, int | None, str]]:
    """Return (row, other row or None, reason) for overlaps above the tolerance.

    Overlaps are between incoming features, and with registered parcels other than the ones
    the import replaces (same key).
    """
    within = _execute(
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
    registered = _execute(
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
    _execute(conn, "DELETE FROM import_row WHERE source_row = ANY(:rows)", {"rows": list(rows)})


def upsert(conn: Connection, *, import_id: int, actor: str, has_holder: bool) -> dict[str, int]:
    """Insert new parcels, update changed ones with a new version, leave the same ones be.

    Statuses are never touched: a parcel whose certificate is signed keeps it.
    """
    _execute(
        conn,
        (
            "CREATE UNLOGGED TABLE import_match AS"
            " SELECT m.*, m.attributes_same AND m.land_use_same AND m.holder_same AS unchanged,"
            # new parcels get their ids here, so that no pass over the rows has to fetch them
            " coalesce(m.old_id, nextval(pg_get_serial_sequence('parcel', 'id'))) AS parcel_id"
            " FROM (SELECT r.*, p.id AS old_id,"
            " ARRAY(SELECT u.land_use_code FROM parcel_land_use u WHERE u.parcel_id = p.id)"
            "  = ARRAY[r.land_use_code] AS land_use_same,"
            " NOT :has_holder OR ARRAY(SELECT h.name FROM holder h"
            "  WHERE h.parcel_id = p.id ORDER BY h.position)"
            "  = CASE WHEN r.holder IS NULL THEN '{}'::text[] ELSE ARRAY[r.holder] END"
            "  AS holder_same,"
            " p.id IS NOT NULL AND p.geom = r.geom"
            "  AND p.legal_area_m2 IS NOT DISTINCT FROM r.legal_area"
            "  AND p.address IS NOT DISTINCT FROM r.address"
            "  AND p.extra = r.extra AS attributes_same"
            " FROM import_row r LEFT JOIN parcel p"
            "  ON (p.survey_commune_code, p.sheet_no, p.parcel_no) = (r.commune, r.sheet_no,"
            "  r.parcel_no) AND p.retired_at IS NULL) m"
        ),
        {"has_holder": has_holder},
    )
    row = _execute(
        conn,
        (
            "SELECT count(*) FILTER (WHERE unchanged),"
            " count(*) FILTER (WHERE old_id IS NOT NULL AND NOT unchanged),"
            " count(*) FILTER (WHERE old_id IS NULL) FROM import_match"
        ),
    ).one()
    counts = {"unchanged": int(row[0]), "updated": int(row[1]), "inserted": int(row[2])}
    # new parcels, at version 1
    _execute(
        conn,
        (
            "INSERT INTO parcel (id, survey_commune_code, ward_code, sheet_no, parcel_no, geom,"
            " area_m2, legal_area_m2, address, extra, version, land_use_group)"
            " SELECT m.parcel_id, m.commune, m.ward_code, m.sheet_no, m.parcel_no, m.geom,"
            " round(ST_Area(m.geom)::numeric, 2), m.legal_area, m.address, m.extra, 1,"
            # the group its one land use gives it: the trigger on land uses then finds it set
            " t.group_code FROM import_match m"
            " LEFT JOIN land_use_type t ON t.code = m.land_use_code WHERE m.old_id IS NULL"
        ),
    )
    _execute(
        conn,
        (
            "CREATE UNLOGGED TABLE import_changed AS"
            " SELECT m.*, (m.old_id IS NULL) AS is_new, v.version AS old_version,"
            " v.snapshot AS old_snapshot FROM import_match m"
            " LEFT JOIN parcel_version v ON v.parcel_id = m.parcel_id AND v.valid_to IS NULL"
            " WHERE NOT m.unchanged"
        ),
    )
    # changed parcels: new geometry and attributes; status and certificate stay
    _execute(
        conn,
        (
            "UPDATE parcel p SET geom = c.geom, ward_code = c.ward_code,"
            " area_m2 = round(ST_Area(c.geom)::numeric, 2), legal_area_m2 = c.legal_area,"
            " address = c.address, extra = c.extra"
            " FROM import_changed c WHERE p.id = c.parcel_id AND NOT c.is_new"
        ),
    )
    # land uses and holders are replaced only when the file says otherwise: what the file
    # cannot carry (origin codes, ID numbers, holder kinds) survives a change of address
    _execute(
        conn,
        (
            "DELETE FROM parcel_land_use u USING import_changed c WHERE u.parcel_id = c.parcel_id"
            " AND NOT c.land_use_same;"
            " INSERT INTO parcel_land_use (parcel_id, land_use_code, area_m2)"
            " SELECT c.parcel_id, c.land_use_code,"
            "  coalesce(c.legal_area, round(ST_Area(c.geom)::numeric, 2))"
            " FROM import_changed c WHERE NOT c.land_use_same;"
            " UPDATE parcel_land_use u"
            " SET area_m2 = coalesce(c.legal_area, round(ST_Area(c.geom)::numeric, 2))"
            " FROM import_changed c WHERE u.parcel_id = c.parcel_id AND c.land_use_same"
        ),
    )
    if has_holder:
        _execute(
            conn,
            (
                "DELETE FROM holder h USING import_changed c WHERE h.parcel_id = c.parcel_id"
                " AND NOT c.holder_same;"
                " INSERT INTO holder (parcel_id, position, name, kind)"
                " SELECT parcel_id, 1, holder, 'individual' FROM import_changed"
                " WHERE holder IS NOT NULL AND NOT holder_same"
            ),
        )
    # versions: close the current one, add the next with what changed
    _execute(
        conn,
        (
            "UPDATE parcel_version v SET valid_to = clock_timestamp() FROM import_changed c"
            " WHERE v.parcel_id = c.parcel_id AND v.valid_to IS NULL"
        ),
        {"actor": actor, "import_id": import_id},
    )
    # the first version of a new parcel: its children are the file's land use and holder
    # and nothing else (its id is new), so its document is built from them directly
    _execute(
        conn,
        (
            "INSERT INTO parcel_version (parcel_id, version, valid_from, actor, action,"
            "  changes, snapshot, import_id)"
            " SELECT c.parcel_id, 1, clock_timestamp(), :actor, 'import', '{}'::jsonb,"
            "  parcel_document(p, jsonb_build_array(land_use_document(u.land_use_code,"
            "   u.area_m2, u.origin_codes::text[])), NULL,"
            "   CASE WHEN h.parcel_id IS NOT NULL"
            "    THEN jsonb_build_array(holder_document(h.name, h.kind, h.id_number)) END,"
            "   NULL, NULL), :import_id"
            " FROM import_changed c JOIN parcel p ON p.id = c.parcel_id"
            " JOIN parcel_land_use u ON u.parcel_id = c.parcel_id"
            " LEFT JOIN holder h ON h.parcel_id = c.parcel_id"
            " WHERE c.is_new"
        ),
        {"actor": actor, "import_id": import_id},
    )
    # the next version of a changed parcel, with what changed
    _execute(
        conn,
        (
            "INSERT INTO parcel_version (parcel_id, version, valid_from, actor, action,"
            "  changes, snapshot, import_id)"
            " SELECT c.parcel_id, coalesce(c.old_version, 0) + 1, clock_timestamp(), :actor,"
            "  'import_update', jsonb_changes(c.old_snapshot, s.snapshot), s.snapshot,"
            "  :import_id"
            " FROM import_changed c"
            " JOIN parcel_snapshots(ARRAY(SELECT parcel_id FROM import_changed"
            "  WHERE NOT is_new)) s ON s.id = c.parcel_id"
        ),
        {"actor": actor, "import_id": import_id},
    )
    _execute(
        conn,
        (
            " UPDATE parcel p SET version = c.old_version + 1, updated_at = clock_timestamp()"
            " FROM import_changed c WHERE p.id = c.parcel_id AND NOT c.is_new"
        ),
        {"actor": actor, "import_id": import_id},
    )
    return counts
