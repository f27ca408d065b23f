"""SQL of an import's issues: stored at its end, read back a page at a time, drawn as
GeoJSON (built in the database), and listed whole for rejects.csv."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, text

from app.config import STORAGE_SRID
from app.domain.imports import Issue

# how a page of issues may be ordered: name -> ORDER BY (seq last, so that ties keep file order)
ORDERS = {
    "row": "source_row NULLS FIRST, seq",
    "key": "feature_key NULLS FIRST, seq",
    "kind": "kind, seq",
    "reason": "reason, seq",
}
COLUMNS = "seq, source_row, feature_key, kind, reason, geom IS NOT NULL AS drawn"
WHERE = (
    "import_id = :id AND (CAST(:kind AS text) IS NULL OR kind = :kind)"
    " AND (CAST(:reason AS text) IS NULL OR strpos(lower(reason), lower(:reason)) > 0)"
)


def save(conn: Connection, import_id: int, issues: Sequence[Issue]) -> None:
    """Store the import's issues (rows 1-based as in the file; file-level ones without row),
    each with its feature's geometry when it has one to draw."""
    if not issues:
        return
    conn.execute(
        text(
            "INSERT INTO import_issue (import_id, seq, source_row, feature_key, kind, reason,"
            " geom) VALUES (:id, :seq, :row, :key, :kind, :reason,"
            f" ST_GeomFromWKB(CAST(:shape AS bytea), {STORAGE_SRID:d}))"
        ),
        [
            {
                "id": import_id,
                "seq": seq,
                "row": issue.row + 1 if issue.row >= 0 else None,
                "key": issue.key,
                "kind": issue.kind,
                "reason": issue.reason,
                "shape": issue.shape,
            }
            for seq, issue in enumerate(issues, start=1)
        ],
    )


def all_of(conn: Connection, import_id: int) -> list[Row[Any]]:
    """Return an import's issues in order: source row, feature key, kind, reason."""
    return list(
        conn.execute(
            text(
                "SELECT source_row, feature_key, kind, reason FROM import_issue"
                " WHERE import_id = :id ORDER BY seq"
            ),
            {"id": import_id},
        )
    )


def page(
    conn: Connection,
    import_id: int,
    *,
    kind: str | None,
    reason: str | None,
    order: str,
    descending: bool,
    limit: int,
    offset: int,
) -> tuple[int, list[Row[Any]]]:
    """Return how many issues match (of a kind, with `reason` in their reason, case
    ignored; None: any) and one page of them in `order` (a key of ORDERS)."""
    params = {
        "id": import_id,
        "kind": kind,
        "reason": reason,
        "limit": limit,
        "offset": offset,
    }
    total = conn.execute(text(f"SELECT count(*) FROM import_issue WHERE {WHERE}"), params)
    sort = ORDERS[order]
    if descending:
        sort = ", ".join(f"{part.split()[0]} DESC" for part in sort.split(", "))
    found = conn.execute(
        text(
            f"SELECT {COLUMNS} FROM import_issue WHERE {WHERE}"
            f" ORDER BY {sort} LIMIT :limit OFFSET :offset"
        ),
        params,
    )
    return int(total.scalar_one()), list(found)


def feature_collection(conn: Connection, import_id: int, kind: str | None) -> str:
    """Return the import's issues that have a geometry (of a kind; None: all) as a GeoJSON
    FeatureCollection in WGS 84, with its bbox; built in the database."""
    return str(
        conn.execute(
            text(
                "WITH f AS (SELECT seq, source_row, feature_key, kind, reason,"
                "   ST_Transform(geom, 4326) AS geom FROM import_issue"
                "   WHERE import_id = :id AND geom IS NOT NULL"
                "   AND (CAST(:kind AS text) IS NULL OR kind = :kind))"
                " SELECT json_build_object('type', 'FeatureCollection',"
                "  'bbox', (SELECT CASE WHEN count(*) > 0 THEN json_build_array("
                "    round(ST_XMin(ST_Extent(geom))::numeric, 7),"
                "    round(ST_YMin(ST_Extent(geom))::numeric, 7),"
                "    round(ST_XMax(ST_Extent(geom))::numeric, 7),"
                "    round(ST_YMax(ST_Extent(geom))::numeric, 7)) END FROM f),"
                "  'features', coalesce(json_agg(json_build_object('type', 'Feature',"
                "    'id', seq, 'geometry', ST_AsGeoJSON(geom, 7)::json,"
                "    'properties', json_build_object('seq', seq, 'row', source_row,"
                "      'key', feature_key, 'kind', kind, 'reason', reason)) ORDER BY seq),"
                "    '[]'::json))::text"
                " FROM f"
            ),
            {"id": import_id, "kind": kind},
        ).scalar_one()
    )
