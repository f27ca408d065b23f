"""GET /parcels and POST /parcels/search: parcels by area and state, as GeoJSON pages."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.orm import Session

from app.api.auth import ActorDep, ReadActorDep
from app.api.bbox import parse_bbox
from app.api.deps import ReadSessionDep, SessionDep, in_page_slot
from app.api.responses import collection_response, problems
from app.domain import patterns
from app.domain.lifecycle import STATUSES
from app.domain.parcel_filter import ParcelFilter
from app.errors import InvalidInput, NotAsDeclared
from app.limits import MAX_FILTER_LENGTH, MAX_PAGE_SIZE
from app.schemas.search import ParcelSearchIn
from app.schemas.types import PROPERTY, SORT_KEY
from app.services import parcel_export, parcel_search
from app.spatial import crs as crs_codes

router = APIRouter(prefix="/parcels", tags=["parcel queries"])

GEOJSON = "application/geo+json"
COLLECTION_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A GeoJSON FeatureCollection; `links` holds the next page when there "
        "is one.",
        "content": {GEOJSON: {"schema": {"type": "object"}}},
    }
}


def _declared(kind: str, schema_of_kind: dict[str, Any]) -> Any:
    """A json_schema_extra putting `schema_of_kind` in the `kind` branch of an optional
    parameter's schema (pydantic puts extras beside the anyOf, not in it)."""

    def declare(schema: dict[str, Any]) -> None:
        for branch in schema.get("anyOf", [schema]):
            if branch.get("type") == kind:
                branch.update(schema_of_kind)

    return declare


def _listing(item: str, description: str) -> Any:
    """A query parameter listing `item`s: repeated, comma-separated, or both."""
    items = {"items": {"type": "string", "pattern": patterns.comma_list(item)}}
    return Query(description=description, json_schema_extra=_declared("array", items))


def _split(values: list[str] | None, item: str, name: str) -> list[str]:
    """Return the items of a listing parameter; refuse a value the document does not allow."""
    pattern = patterns.comma_list(item)
    for value in values or []:
        if re.fullmatch(pattern, value) is None:
            raise NotAsDeclared(
                f"{name} lists {LISTED[name]}, separated by commas; {value!r} is not."
            )
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


LAND_USE = patterns.LAND_USE_CODE_ANY_CASE
LISTED = {
    "properties": f"property names ({PROPERTY.replace('|', ', ')})",
    "ward": "5-digit ward codes such as 07795",
    "sheet": "map sheet numbers",
    "status": f"certificate statuses ({', '.join(STATUSES)})",
    "land_use": "land-use codes such as ONT or LUC",
}


def _answer(request: Request, result: parcel_search.Result, session: Session) -> Response:
    def links(next_cursor: str | None) -> list[dict[str, str]]:
        found = [{"rel": "self", "type": GEOJSON, "href": str(request.url)}]
        if next_cursor is not None:
            next_url = request.url.include_query_params(cursor=next_cursor)
            found.append({"rel": "next", "type": GEOJSON, "href": str(next_url)})
        return found

    headers = {"Content-Crs": f"<{crs_codes.uri(result.srid)}>"}
    chunks = parcel_search.collection_chunks(result, links)
    return collection_response(chunks, whole=result.whole, headers=headers, release=session.close)


def filter_params(
    bbox: Annotated[
        str | None,
        Query(
            # declared here, checked by parse_bbox, which says in words what a bbox is
            json_schema_extra=_declared("string", {"pattern": patterns.bbox()}),
            description="minx,miny,maxx,maxy in `bbox-crs` (WGS84 lon/lat by default).",
        ),
    ] = None,
    bbox_crs: Annotated[
        str, Query(alias="bbox-crs", json_schema_extra=crs_codes.DECLARED)
    ] = "EPSG:4326",
    ward: Annotated[
        list[str] | None, _listing(patterns.WARD_CODE, "Ward code(s), comma-separated.")
    ] = None,
    sheet: Annotated[list[str] | None, _listing(patterns.SHEET_NO, "Map sheet number(s).")] = None,
    status: Annotated[
        list[str] | None,
        _listing(patterns.STATUS, "Certificate status(es), e.g. registered,in_review."),
    ] = None,
    certified: Annotated[bool | None, Query(description="Signed or delivered.")] = None,
    registered: Annotated[bool | None, Query(description="Any status but unregistered.")] = None,
    land_use: Annotated[list[str] | None, _listing(LAND_USE, "Land-use code(s), any of.")] = None,
    disputed: bool | None = None,
    origin_confirmed: bool | None = None,
    filter: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_FILTER_LENGTH,
            description="A CQL2 text filter (basic CQL2: comparisons, IS NULL, AND, OR, NOT)"
            " over the queryables, e.g. `status = 'registered' AND area_m2 > 200`.",
        ),
    ] = None,
) -> ParcelFilter:
    """Return the parcel filter the query parameters state."""
    try:
        bbox_srid = crs_codes.parse_crs(bbox_crs)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    return ParcelFilter(
        bbox=parse_bbox(bbox),
        bbox_srid=bbox_srid,
        wards=_split(ward, patterns.WARD_CODE, "ward"),
        sheets=[int(s) for s in _split(sheet, patterns.SHEET_NO, "sheet")],
        statuses=_split(status, patterns.STATUS, "status"),
        certified=certified,
        registered=registered,
        land_uses=[
            c.upper() for c in _split(land_use, patterns.LAND_USE_CODE_ANY_CASE, "land_use")
        ],
        disputed=disputed,
        origin_confirmed=origin_confirmed,
        expression=parcel_search.compile_filter(filter) if filter is not None else None,
    )


FilterDep = Annotated[ParcelFilter, Depends(filter_params)]


@router.get(
    "",
    response_class=Response,
    responses={**COLLECTION_DOC, **problems(400, 422)},
)
async def list_parcels(
    request: Request,
    session: ReadSessionDep,
    actor: ReadActorDep,
    where: FilterDep,
    properties: Annotated[
        list[str] | None,
        _listing(PROPERTY, "The properties to return, comma-separated."),
    ] = None,
    crs: Annotated[
        str,
        Query(
            description="Output CRS: EPSG:4326 or a VN-2000 code.",
            json_schema_extra=crs_codes.DECLARED,
        ),
    ] = "4326",
    sortby: Annotated[
        str,
        Query(
            pattern=patterns.anchored(SORT_KEY),
            description="id, area_m2 or parcel_no; - descending.",
        ),
    ] = "id",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
    cursor: Annotated[str | None, Query(max_length=200, description="From a `next` link.")] = None,
    count: Annotated[bool, Query(description="Add numberMatched (costs a count).")] = False,
) -> Response:
    """Parcels matching every filter given, a page at a time, as GeoJSON.

    Holders' names and ID numbers come only to staff with the right (a ward officer's, for
    their own ward). For an area too large for a URL, use POST /parcels/search.
    """
    query = parcel_search.Query(
        filter=where,
        properties=_split(properties, PROPERTY, "properties") if properties else None,
        crs=crs,
        sortby=sortby,
        limit=limit,
        cursor=cursor,
        count=count,
    )
    return await in_page_slot(
        request,
        lambda: _answer(
            request, parcel_search.search(session=session, actor=actor, query=query), session
        ),
    )


@router.get(
    "/export.{fmt}",
    response_class=Response,
    responses={
        200: {
            "description": "The file: GeoPackage (.gpkg), zipped shapefile (.shp gives a .zip "
            "with a UTF-8 .cpg and the VN-2000 .prj) or CSV with the geometry as WKT.",
            "content": {media: {} for media in parcel_export.MEDIA.values()},
        },
        **problems(400, 413, 422),
    },
)
def export_parcels(
    fmt: Annotated[parcel_export.Format, Path(description="gpkg, shp or csv.")],
    session: SessionDep,
    actor: ActorDep,
    where: FilterDep,
    crs: Annotated[
        str,
        Query(
            description="CRS of the file: EPSG:9214 (default, VN-2000) or another.",
            json_schema_extra=crs_codes.DECLARED,
        ),
    ] = "9214",
) -> Response:
    """The parcels matching the filters of GET /parcels, as a file for QGIS or the field.

    Up to 100,000 parcels (413 beyond: narrow the query). Holders only for staff with the
    right. The shapefile uses the cadastral field names (MAXA, SHBANDO, SHTHUA, ...).
    """
    exported = parcel_export.export(session=session, actor=actor, where=where, fmt=fmt, crs=crs)
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )


@router.post(
    "/search",
    response_class=Response,
    responses={**COLLECTION_DOC, **problems(422)},
)
async def search_parcels(
    request: Request, body: ParcelSearchIn, session: ReadSessionDep, actor: ReadActorDep
) -> Response:
    """Parcels in an area given as GeoJSON or WKT (and the other filters), as GeoJSON.

    The next page: POST the same body with `cursor` from the `next` link's query.
    """

    def build() -> Response:  # the area's checks too: they cost CPU, off the event loop
        area = body.area()
        if area is not None:
            parcel_search.check_area(area)
        query = parcel_search.Query(
            filter=ParcelFilter(
                bbox=body.bbox,
                bbox_srid=body.parsed_crs(body.bbox_crs),
                area_wkb=None if area is None else area.wkb,
                area_srid=body.parsed_crs(body.geometry_crs),
                wards=body.ward,
                sheets=body.sheet,
                statuses=body.status,
                certified=body.certified,
                registered=body.registered,
                land_uses=[c.upper() for c in body.land_use],
                disputed=body.disputed,
                origin_confirmed=body.origin_confirmed,
            ),
            properties=body.properties,
            crs=body.crs,
            sortby=body.sortby,
            limit=body.limit,
            cursor=body.cursor,
            count=body.count,
        )
        result = parcel_search.search(session=session, actor=actor, query=query)
        return _answer(request, result, session)

    return await in_page_slot(request, build)
