"""Parcel queries for GIS staff and dashboards: which parcels, which properties, which page."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

import shapely

from app.db import cql2, parcel_features
from app.db.parcel_features import PERSONAL_PROPERTIES, PUBLIC_PROPERTIES, SORT_KEYS
from app.domain.lifecycle import STATUSES
from app.domain.parcel_filter import ParcelFilter
from app.domain.permissions import Action, Actor, Role, may
from app.errors import InvalidCursor, InvalidGeometry, InvalidInput
from app.limits import MAX_PAGE_SIZE, MAX_QUERY_VERTICES
from app.spatial import crs as crs_codes

DEFAULT_PROPERTIES = [*PUBLIC_PROPERTIES, "holders"]


@dataclass
class Query:
    """A parcel query as a client states it."""

    filter: ParcelFilter
    properties: list[str] | None = None
    crs: str | int = 4326
    sortby: str = "id"
    limit: int = 100
    cursor: str | None = None
    count: bool = False


# features per fetch from the server-side cursor: a page that fits in one fetch is answered in
# one body, a larger one is streamed a batch at a time (at most this many features in memory)
BATCH = 2_000


class Result:
    """A page being read: its first batch of features (GeoJSON text each), the rest as the
    client takes them, and the cursor of the next page once the page is read to its end."""

    def __init__(
        self,
        batches: Iterator[Sequence[Sequence[Any]]],
        *,
        sort: str,
        limit: int,
        batch: int,
        number_matched: int | None,
        srid: int,
    ) -> None:
        self.sort = sort
        self.number_matched = number_matched
        self.srid = srid
        self.number_returned = 0
        self.next_cursor: str | None = None
        self._batches = batches
        self._left = limit
        self._last: Sequence[Any] | None = None
        rows = next(batches, [])
        # fetched in batches of min(batch, limit + 1): one short or one of limit + 1 rows
        # holds the whole page
        self.whole = batch > limit or len(rows) < batch
        self.first = self._take(rows)

    def _take(self, rows: Sequence[Sequence[Any]]) -> list[str]:
        if self._left < len(rows):  # row limit + 1 exists: there is a next page
            rows = rows[: self._left]
            if rows or self._last is not None:
                last = rows[-1] if rows else self._last
                assert last is not None
                self.next_cursor = _cursor(self.sort, last[1], int(last[2]))
            self._left = 0
        else:
            self._left -= len(rows)
        if rows:
            self._last = rows[-1]
        self.number_returned += len(rows)
        return [r[0] for r in rows]

    def batches(self) -> Iterator[list[str]]:
        """Yield the features a batch at a time, the first one included."""
        yield self.first
        if self.whole:
            return
        for rows in self._batches:
            features = self._take(rows)
            if features:
                yield features
            if self.next_cursor is not None:
                break


def _cursor(sort: str, key: Any, parcel_id: int) -> str:
    value = str(key) if isinstance(key, Decimal) else key
    raw = json.dumps([sort, value, parcel_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str | None, sort: str) -> tuple[Any, int] | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, key, parcel_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise InvalidCursor(
            "The cursor is not one this service gave; start from page one."
        ) from None
    if cursor_sort != sort or not isinstance(parcel_id, int):
        raise InvalidCursor("The cursor belongs to another sort order; start from page one.")
    return key, parcel_id


def compile_filter(cql2_text: str) -> tuple[str, dict[str, Any]]:
    """Return a CQL2 text filter as SQL over the queryables; raise InvalidFilter saying why
    one cannot be."""
    return cql2.to_sql(cql2_text)


def queryables(url: str, title: str) -> dict[str, Any]:
    """Return the properties a filter may name, as a JSON Schema."""
    return cql2.queryables_schema(url, title)


def check_area(geometry: Any) -> None:
    """Refuse a query area that is not a polygon, is invalid, or has too many vertices."""
    if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
        raise InvalidGeometry(
            f"The area must be a Polygon or MultiPolygon, not {geometry.geom_type}."
        )
    vertices = shapely.get_num_coordinates(geometry)
    if vertices > MAX_QUERY_VERTICES:
        raise InvalidInput(
            f"The area has {vertices:,} vertices; a query area may have at most "
            f"{MAX_QUERY_VERTICES:,} (simplify it)."
        )
    if not geometry.is_valid:
        raise InvalidGeometry(
            f"The area is not a valid polygon: {shapely.is_valid_reason(geometry)}."
        )


def search(*, session: Session, actor: Actor, query: Query) -> Result:
    """Return one page of the parcels matching the query, as the actor may see them."""
    try:
        srid = crs_codes.parse_crs(query.crs)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if not 1 <= query.limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE_SIZE:,}.")
    sort = query.sortby.removeprefix("-")
    if sort not in SORT_KEYS:
        raise InvalidInput(f"sortby must be one of {', '.join(SORT_KEYS)} (- for descending).")
    unknown_status = set(query.filter.statuses) - set(STATUSES)
    if unknown_status:
        raise InvalidInput(f"Unknown status {', '.join(sorted(unknown_status))}.")
    names = query.properties if query.properties is not None else DEFAULT_PROPERTIES
    unknown = [n for n in names if n not in PUBLIC_PROPERTIES and n not in PERSONAL_PROPERTIES]
    if unknown:
        raise InvalidInput(
            f"Unknown properties {', '.join(unknown)}; choose among "
            f"{', '.join([*PUBLIC_PROPERTIES, *PERSONAL_PROPERTIES])}."
        )
    personal_all = actor.role is not Role.WARD_OFFICER and may(actor, Action.READ_PERSONAL)
    personal_ward = actor.ward_code if actor.role is Role.WARD_OFFICER else None
    conn = session.connection()
    # counted first, in the read snapshot the page is read in
    number_matched = parcel_features.count(conn, query.filter) if query.count else None
    batches = parcel_features.feature_batches(
        conn,
        query.filter,
        properties=names,
        personal_ward=personal_ward,
        personal_all=personal_all,
        srid=srid,
        sort=sort,
        descending=query.sortby.startswith("-"),
        after=_after(query.cursor, sort),
        limit=query.limit + 1,
        batch=min(BATCH, query.limit + 1),
    )
    return Result(
        batches,
        sort=sort,
        limit=query.limit,
        batch=BATCH,
        number_matched=number_matched,
        srid=srid,
    )


def collection_chunks(
    result: Result,
    links: Callable[[str | None], list[dict[str, str]]],
    *,
    extra: dict[str, Any] | None = None,
    name_crs: bool = True,
) -> Iterator[bytes]:
    """Yield the FeatureCollection document a batch of features at a time.

    The members that depend on the whole page (`numberReturned`, the `next` link made by
    `links` from the next page's cursor) come after the features. `name_crs`: add a `crs`
    member when the coordinates are not WGS84 (GeoJSON has none).
    """
    yield b'{"type":"FeatureCollection","features":['
    sep = b""
    for features in result.batches():
        if features:
            yield sep + ",".join(features).encode()
            sep = b","
    tail: dict[str, Any] = {
        "numberReturned": result.number_returned,
        "links": links(result.next_cursor),
        **(extra or {}),
    }
    if result.number_matched is not None:
        tail["numberMatched"] = result.number_matched
    if name_crs and result.srid != crs_codes.WGS84:
        tail["crs"] = {"type": "name", "properties": {"name": crs_codes.uri(result.srid)}}
    yield b"]," + json.dumps(tail, ensure_ascii=False)[1:].encode()
