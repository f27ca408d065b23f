"""SQL of parcel queries: filters on the table, GeoJSON built by PostgreSQL, keyset pages.

Area filters transform the query shape to the storage CRS, never the column, so the GiST
index on parcel.geom serves every one of them; the shape keeps the form it was drawn in
(`registry_area`), and the exact predicate follows the index's box test.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Row, text

from app.domain.codes import PERSONAL_PROPERTY_NAMES, PUBLIC_PROPERTY_NAMES, SORT_KEY_NAMES
from app.domain.lifecycle import CERTIFIED
from app.domain.parcel_filter import ParcelFilter

# what a feature may carry, and the SQL of each (p = parcel)
PUBLIC_PROPERTIES: dict[str, str] = {
    "survey_commune_code": "p.survey_commune_code",
    "ward_code": "p.ward_code",
    "sheet_no": "p.sheet_no",
    "parcel_no": "p.parcel_no",
    "status": "p.status",
    "certified": f"p.status IN ({', '.join(repr(s) for s in sorted(CERTIFIED))})",
    "registered": "p.status <> 'unregistered'",
    "area_m2": "p.area_m2",
    "legal_area_m2": "p.legal_area_m2",
    "land_uses": "(SELECT coalesce(json_agg(u.land_use_code ORDER BY u.area_m2 DESC,"
    " u.land_use_code), '[]') FROM parcel_land_use u WHERE u.parcel_id = p.id)",
    "disputed": "p.disputed",
    "origin_confirmed": "p.origin_confirmed",
    "time_of_use_confirmed": "p.time_of_use_confirmed",
    "address": "p.address",
    "version": "p.version",
}
# holders' names and ID numbers, and unknown columns of imports: staff with the right only
PERSONAL_PROPERTIES: dict[str, str] = {
    "holders": "(SELECT coalesce(json_agg(json_build_object('name', h.name, 'kind', h.kind,"
    " 'id_number', h.id_number) ORDER BY h.position), '[]') FROM holder h"
    " WHERE h.parcel_id = p.id)",
    "extra": "p.extra",
}
SORT_KEYS = {"id": "p.id", "area_m2": "p.area_m2", "parcel_no": "p.parcel_no"}
assert tuple(PUBLIC_PROPERTIES) == PUBLIC_PROPERTY_NAMES, "one SQL per public property"
assert tuple(PERSONAL_PROPERTIES) == PERSONAL_PROPERTY_NAMES, "one SQL per personal property"
assert tuple(SORT_KEYS) == SORT_KEY_NAMES, "one SQL per sort key"


# The area of a bbox as drawn in its CRS, in the storage CRS (registry_area, revision 0011).
# ST_Intersects is the exact predicate; PostGIS adds the `&&` that the GiST index serves.
BBOX_AREA = "registry_area(ST_MakeEnvelope(:x0, :y0, :x1, :y1, :bbox_srid))"


def bbox_params(bbox: tuple[float, float, float, float], srid: int) -> dict[str, Any]:
    """Return the parameters of BBOX_AREA."""
    return {"x0": bbox[0], "y0": bbox[1], "x1": bbox[2], "y1": bbox[3], "bbox_srid": srid}


def where(f: ParcelFilter) -> tuple[str, dict[str, Any]]:
    """Return the WHERE clause (retired parcels never match) and its parameters."""
    clauses = ["p.retired_at IS NULL"]
    params: dict[str, Any] = {}
    if f.bbox is not None:
        clauses.append(f"ST_Intersects(p.geom, {BBOX_AREA})")
        params.update(bbox_params(f.bbox, f.bbox_srid))
    if f.area_wkb is not None:
        clauses.append("ST_Intersects(p.geom, registry_area(ST_GeomFromWKB(:area, :area_srid)))")
        params.update(area=f.area_wkb, area_srid=f.area_srid)
    if f.wards:
        clauses.append("p.ward_code = ANY(:wards)")
        params["wards"] = f.wards
    if f.sheets:
        clauses.append("p.sheet_no = ANY(:sheets)")
        params["sheets"] = f.sheets
    if f.statuses:
        clauses.append("p.status = ANY(:statuses)")
        params["statuses"] = f.statuses
    if f.certified is not None:
        clauses.append(("" if f.certified else "NOT ") + f"({PUBLIC_PROPERTIES['certified']})")
    if f.registered is not None:
        clauses.append(("" if f.registered else "NOT ") + f"({PUBLIC_PROPERTIES['registered']})")
    if f.land_uses:
        clauses.append(
            "EXISTS (SELECT 1 FROM parcel_land_use u WHERE u.parcel_id = p.id"
            " AND u.land_use_code = ANY(:land_uses))"
        )
        params["land_uses"] = f.land_uses
    if f.disputed is not None:
        clauses.append("p.disputed = :disputed")
        params["disputed"] = f.disputed
    if f.origin_confirmed is not None:
        clauses.append("p.origin_confirmed = :origin_confirmed")
        params["origin_confirmed"] = f.origin_confirmed
    if f.expression is not None:
        clauses.append(f.expression[0])
        params.update(f.expression[1])
    return " AND ".join(clauses), params


def plan_for_whole_pages(conn: Connection) -> None:
    """Plan the rest of this transaction for pages read to their end, on one core.

    A page of at most 10,000 parcels is found through the GiST index in a millisecond or two;
    starting a parallel worker and merging its rows cost more than that (a 1,000-parcel page
    at 1M parcels: 21 ms with one worker, 7 ms without), and the planner cannot know it. A
    page is read from a server-side cursor, which PostgreSQL plans for its first tenth by
    default (`cursor_tuple_fraction`): it could then walk the primary key and filter a box
    out of a million parcels instead of sorting the box's thousand.
    """
    conn.execute(
        text("SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL cursor_tuple_fraction = 1")
    )


def feature_batches(
    conn: Connection,
    f: ParcelFilter,
    *,
    properties: list[str],
    personal_ward: str | None,
    personal_all: bool,
    srid: int,
    sort: str,
    descending: bool,
    after: tuple[Any, int] | None,
    limit: int,
    batch: int,
) -> Iterator[Sequence[Row[Any]]]:
    """Yield up to `limit` matching features in batches of `batch` rows: (GeoJSON text of
    the feature, built by PostgreSQL; its sort key; its id).

    The rows come from a server-side cursor, so a page is never held whole in memory; the
    transaction must stay open until the last batch is read. Personal properties are filled
    for every parcel when `personal_all`, for the parcels of `personal_ward` otherwise, and
    are null elsewhere.
    """
    clause, params = where(f)
    key = SORT_KEYS[sort]
    order = "DESC" if descending else "ASC"
    if after is not None:
        clause += f" AND ({key}, p.id) {'<' if descending else '>'} (:after_key, :after_id)"
        params.update(after_key=after[0], after_id=after[1])
    pairs = []
    for name in properties:
        if name in PUBLIC_PROPERTIES:
            pairs.append(f"'{name}', {PUBLIC_PROPERTIES[name]}")
        else:
            allowed = "true" if personal_all else "p.ward_code = :personal_ward"
            pairs.append(f"'{name}', CASE WHEN {allowed} THEN {PERSONAL_PROPERTIES[name]} END")
    params.update(personal_ward=personal_ward, srid=srid, limit=limit)
    plan_for_whole_pages(conn)
    result = conn.execute(
        text(
            "SELECT json_build_object('type', 'Feature', 'id', p.id,"
            " 'geometry', ST_AsGeoJSON(ST_Transform(p.geom, :srid), 9, 0)::json,"
            f" 'properties', json_build_object({', '.join(pairs) or ''}))::text,"
            f" {key}, p.id FROM parcel p WHERE {clause}"
            f" ORDER BY {key} {order}, p.id {order} LIMIT :limit"
        ),
        params,
        # a server-side cursor, for this statement only (Connection.execution_options would
        # set it for every later statement of the connection)
        execution_options={"yield_per": batch},
    )
    # the size said again: a Core result's partitions() without one reads every row at once
    yield from result.partitions(batch)


def count(conn: Connection, f: ParcelFilter) -> int:
    """Return how many parcels match, all pages together."""
    clause, params = where(f)
    return int(
        conn.execute(text(f"SELECT count(*) FROM parcel p WHERE {clause}"), params).scalar_one()
    )


def export_rows(
    conn: Connection,
    f: ParcelFilter,
    *,
    srid: int,
    personal_all: bool,
    personal_ward: str | None,
    limit: int,
) -> list[Any]:
    """Return up to `limit` + 1 matching parcels as rows for a file: WKB in `srid`, then the
    properties; holders as one text, filled only where the reader may see them."""
    clause, params = where(f)
    allowed = "true" if personal_all else "p.ward_code = :personal_ward"
    params.update(srid=srid, personal_ward=personal_ward, limit=limit + 1)
    return list(
        conn.execute(
            text(
                "SELECT p.id, ST_AsBinary(ST_Transform(p.geom, :srid)) AS wkb,"
                " p.survey_commune_code, p.ward_code, p.sheet_no, p.parcel_no, p.status,"
                f" {PUBLIC_PROPERTIES['certified']} AS certified, p.area_m2, p.legal_area_m2,"
                " (SELECT string_agg(u.land_use_code, '+' ORDER BY u.area_m2 DESC,"
                "  u.land_use_code) FROM parcel_land_use u WHERE u.parcel_id = p.id) AS land_use,"
                " p.disputed, p.origin_confirmed, p.address,"
                f" CASE WHEN {allowed} THEN (SELECT string_agg(h.name"
                "  || coalesce(' (' || h.id_number || ')', ''), '; ' ORDER BY h.position)"
                "  FROM holder h WHERE h.parcel_id = p.id) END AS holders"
                f" FROM parcel p WHERE {clause} ORDER BY p.id LIMIT :limit"
            ),
            params,
        ).all()
    )
