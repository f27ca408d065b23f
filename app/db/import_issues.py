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
# drawn: the issue has a geometry; bbox: its extent in WGS 84, for a map to zoom to it
COLUMNS = (
    "seq, source_row, feature_key, kind, reason, geom IS NOT NULL AS drawn,"
    " CASE WHEN geom IS NOT NULL THEN ARRAY["
    "  ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)] END AS bbox"
)
WHERE = (
    "import_id = :id AND (CAST(:kind AS text) IS NULL OR kind = :kind)"
    " AND (CAST(:reason AS text) IS NULL OR strpos(lower(reason), lower(:reason)) > 0)"
)


def save(conn: Connection, import_id: int, issues: Sequence[Issue]) -> None:
    """Store the import's issues (rows 1-based as in the file; file-level ones without row),
    each with its feature's geometry when it has one to draw: one statement for them all
    (an import of 20,000 overlaps has 40,000 issues)."""
    if not issues:
        return
    conn.execute(
        text(
            "INSERT INTO import_issue (import_id, seq, source_row, feature_key, kind, reason,"
            " geom, merc)"
            " SELECT :id, t.seq, t.row, t.key, t.kind, t.reason, g.geom,"
            " ST_Transform(g.geom, 3857)"
            " FROM unnest(CAST(:seqs AS int[]), CAST(:rows AS int[]), CAST(:keys AS text[]),"
            " CAST(:kinds AS text[]), CAST(:reasons AS text[]), CAST(:shapes AS bytea[]))"
            " AS t(seq, row, key, kind, reason, shape)"
            f" CROSS JOIN LATERAL (SELECT ST_GeomFromWKB(t.shape, {STORAGE_SRID:d}) AS geom) g"
        ),
        {
            "id": import_id,
            "seqs": list(range(1, len(issues) + 1)),
            "rows": [issue.row + 1 if issue.row >= 0 else None for issue in issues],
            "keys": [issue.key for issue in issues],
            "kinds": [issue.kind for issue in issues],
            "reasons": [issue.reason for issue in issues],
            "shapes": [issue.shape for issue in issues],
        },
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
            f"SELECT {COLUMNS} FROM (SELECT *, ST_Transform(geom, 4326)::box2d"
            f" AS b FROM import_issue WHERE {WHERE}"
            f" ORDER BY {sort} LIMIT :limit OFFSET :offset) page ORDER BY {sort}"
        ),
        params,
    )
    return int(total.scalar_one()), list(found)


def drawn(conn: Connection, import_id: int) -> tuple[dict[str, int], list[float] | None]:
    """Return how many of the import's issues have a geometry, kind by kind, and the WGS 84
    extent of them all (None without any)."""
    params = {"id": import_id}
    counts = {
        kind: int(n)
        for kind, n in conn.execute(
            text(
                "SELECT kind, count(*) FROM import_issue"
                " WHERE import_id = :id AND geom IS NOT NULL GROUP BY kind"
            ),
            params,
        )
    }
    if not counts:
        return counts, None
    corners = conn.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT"
            " ST_Extent(ST_Transform(geom, 4326)) AS e"
            " FROM import_issue WHERE import_id = :id) t"
        ),
        params,
    ).one()
    return counts, [round(float(v), 7) for v in corners]


def tile(conn: Connection, import_id: int, z: int, x: int, y: int) -> bytes:
    """Return the import's issues in the Web Mercator tile z/x/y, layer `issues` (id: the
    issue's seq; kind, row, key). Invalid rings are drawn made valid by ST_AsMVTGeom."""
    found = conn.execute(
        text(
            "WITH bounds AS (SELECT ST_TileEnvelope(:z, :x, :y) AS merc),"
            " f AS (SELECT i.seq AS id, i.kind, i.source_row AS row, i.feature_key AS key,"
            "  ST_AsMVTGeom(i.merc, b.merc, 4096, 64, true) AS geom"
            "  FROM import_issue i, bounds b WHERE i.import_id = :id"
            "  AND i.merc && ST_Expand(b.merc, (ST_XMax(b.merc) - ST_XMin(b.merc)) / 32))"
            " SELECT ST_AsMVT(f, 'issues', 4096, 'geom', 'id') FROM f WHERE geom IS NOT NULL"
        ),
        {"id": import_id, "z": z, "x": x, "y": y},
    ).scalar_one()
    return bytes(found or b"")


def feature_collection(
    conn: Connection, import_id: int, kind: str | None, seq: int | None = None
) -> str:
    """Return the import's issues that have a geometry (of a kind, or the one `seq`; None:
    all) as a GeoJSON FeatureCollection in WGS 84, with its bbox; built in the database."""
    return str(
        conn.execute(
            text(
                "WITH f AS (SELECT seq, source_row, feature_key, kind, reason,"
                "   ST_Transform(geom, 4326) AS geom FROM import_issue"
                "   WHERE import_id = :id AND geom IS NOT NULL"
                "   AND (CAST(:kind AS text) IS NULL OR kind = :kind)"
                "   AND (CAST(:seq AS int) IS NULL OR seq = :seq))"
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
            {"id": import_id, "kind": kind, "seq": seq},
        ).scalar_one()
    )
