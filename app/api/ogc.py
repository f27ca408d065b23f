"""/ogc: OGC API - Features (Part 1 core, GeoJSON, OAS 3.0; Part 2 CRS; Part 3 filtering with
basic CQL2 text) for QGIS and GDAL.

Two collections: `parcels` (paged with the same keyset cursor as GET /parcels, filters as
query parameters) and `wards`. Coordinates come in CRS84 (lon, lat) unless `crs` asks for
EPSG:9214, the storage CRS (easting, northing).
"""

from __future__ import annotations

import json
import re
from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy.orm import Session

from app.api.auth import ActorDep, ReadActorDep
from app.api.deps import ReadSessionDep, SessionDep, in_page_slot
from app.api.parcel_queries import FilterDep
from app.api.responses import collection_response, problems
from app.config import STORAGE_SRID
from app.domain import clock
from app.domain.parcel_filter import ParcelFilter
from app.errors import InvalidFilter, NotAsDeclared, NotFound
from app.limits import MAX_PAGE_SIZE
from app.services import parcel_search, parcel_views, wards
from app.spatial import crs as crs_codes

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])

GEOJSON = "application/geo+json"
CRS84 = crs_codes.uri(crs_codes.WGS84)
STORAGE_URI = crs_codes.uri(STORAGE_SRID)
CRS_LIST = [CRS84, STORAGE_URI]
# the spellings `_srid` takes, declared as the parameters' enum
OgcCrs = Annotated[
    str | None,
    Query(
        description="CRS84 (default) or EPSG:9214.",
        json_schema_extra={"enum": [*CRS_LIST, "CRS84", f"EPSG:{STORAGE_SRID}"]},
    ),
]
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    # Part 3 and CQL2: text filters with comparisons, IS NULL and logic, on `parcels`
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
]
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
SCHEMA_JSON = "application/schema+json"
COLLECTIONS = {
    "parcels": ("Thửa đất", "Land parcels of the register, with their certificate status."),
    "wards": ("Xã, phường", "Wards and communes of the town."),
}
JSON_DOC: dict[int | str, dict[str, Any]] = {200: {"content": {"application/json": {}}}}
GEOJSON_DOC: dict[int | str, dict[str, Any]] = {200: {"content": {GEOJSON: {}}}}


def _link(href: str, rel: str, kind: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": kind}
    if title:
        link["title"] = title
    return link


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _srid(crs: str | None) -> int:
    if crs is None or crs in (CRS84, "CRS84"):
        return crs_codes.WGS84
    if crs in (STORAGE_URI, f"EPSG:{STORAGE_SRID}"):
        return STORAGE_SRID
    raise NotAsDeclared(f"crs must be one of {', '.join(CRS_LIST)}.")


def _crs_header(srid: int) -> dict[str, str]:
    return {"Content-Crs": f"<{CRS84 if srid == crs_codes.WGS84 else STORAGE_URI}>"}


@router.get("", responses=JSON_DOC)
def landing(request: Request) -> dict[str, Any]:
    """The landing page: what this service offers and where."""
    base = _base(request)
    root = str(request.base_url).rstrip("/")
    return {
        "title": "Sổ đăng ký thửa đất Việt Yên",
        "description": "Land parcels and their certificate (GCN) status, as OGC API - Features.",
        "links": [
            _link(base, "self", "application/json", "This document"),
            _link(f"{base}/api", "service-desc", OPENAPI_JSON, "The API definition"),
            _link(f"{root}/docs", "service-doc", "text/html", "The API documentation"),
            _link(f"{base}/conformance", "conformance", "application/json", "Conformance"),
            _link(f"{base}/collections", "data", "application/json", "Collections"),
        ],
    }


def _ogc_paths(spec: dict[str, Any]) -> dict[str, Any]:
    """Return the /ogc operations of the app's OpenAPI, with paths relative to /ogc and the
    path parameters named as Part 1 names them (collectionId, featureId)."""
    names = {"collection_id": "collectionId", "feature_id": "featureId"}
    paths: dict[str, Any] = {}
    for path, item in spec["paths"].items():
        if path != "/ogc" and not path.startswith("/ogc/"):
            continue
        key = path.removeprefix("/ogc") or "/"
        for old, new in names.items():
            key = key.replace(f"{{{old}}}", f"{{{new}}}")
        item = json.loads(json.dumps(item))
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                parameter["name"] = names.get(parameter["name"], parameter["name"])
        paths[key] = item
    return paths


@router.get("/api", include_in_schema=False)
def api_definition(request: Request) -> Response:
    """The OpenAPI definition of this OGC API alone, rooted at /ogc: what clients such as
    GDAL read to learn the page size and the filter parameters."""
    spec = request.app.openapi()
    document = {
        "openapi": spec["openapi"],
        "info": {
            "title": "Parcel registry: OGC API - Features",
            "version": spec["info"]["version"],
        },
        "servers": [{"url": _base(request)}],
        "paths": _ogc_paths(spec),
        "components": spec.get("components", {}),
    }
    return Response(json.dumps(document, ensure_ascii=False), media_type=OPENAPI_JSON)


@router.get("/conformance", responses=JSON_DOC)
def conformance() -> dict[str, Any]:
    """The conformance classes this service implements."""
    return {"conformsTo": CONFORMANCE}


def _collection(request: Request, session: SessionDep, name: str) -> dict[str, Any]:
    title, description = COLLECTIONS[name]
    extent = wards.extent(session=session, layer="parcel" if name == "parcels" else "ward")
    base = _base(request)
    return {
        "id": name,
        "title": title,
        "description": description,
        "itemType": "feature",
        "extent": {
            "spatial": {
                "bbox": [list(extent)] if extent is not None else [],
                "crs": CRS84,
            }
        },
        "crs": CRS_LIST,
        "storageCrs": STORAGE_URI,
        "links": [
            _link(f"{base}/collections/{name}", "self", "application/json"),
            _link(f"{base}/collections/{name}/items", "items", GEOJSON, title),
        ]
        + (
            [_link(f"{base}/collections/{name}/queryables", QUERYABLES_REL, SCHEMA_JSON)]
            if name == "parcels"
            else []
        ),
    }


@router.get("/collections", responses=JSON_DOC)
def collections(request: Request, session: SessionDep) -> dict[str, Any]:
    """The collections: parcels and wards."""
    base = _base(request)
    return {
        "links": [_link(f"{base}/collections", "self", "application/json")],
        "collections": [_collection(request, session, name) for name in COLLECTIONS],
        "crs": CRS_LIST,
    }


CollectionId = Annotated[str, Path(pattern="^(parcels|wards)$")]


@router.get("/collections/{collection_id}", responses={**JSON_DOC, **problems(404)})
def collection(
    request: Request, session: SessionDep, collection_id: CollectionId
) -> dict[str, Any]:
    """One collection's description."""
    return _collection(request, session, collection_id)


@router.get(
    "/collections/{collection_id}/queryables",
    responses={200: {"content": {SCHEMA_JSON: {}}}, **problems(404)},
)
def queryables(request: Request, collection_id: CollectionId) -> Response:
    """The properties a `filter` may name, as a JSON Schema (parcels only)."""
    if collection_id != "parcels":
        raise NotFound("Only the parcels collection takes filters.")
    url = f"{_base(request)}/collections/{collection_id}/queryables"
    schema = parcel_search.queryables(url, COLLECTIONS[collection_id][0])
    return Response(json.dumps(schema, ensure_ascii=False), media_type=SCHEMA_JSON)


@router.get(
    "/collections/{collection_id}/items",
    response_class=Response,
    responses={**GEOJSON_DOC, **problems(400, 404, 422)},
)
async def items(
    request: Request,
    session: ReadSessionDep,
    actor: ReadActorDep,
    collection_id: CollectionId,
    where: FilterDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
    crs: OgcCrs = None,
    cursor: Annotated[str | None, Query(max_length=200, description="From a next link.")] = None,
    filter_lang: Annotated[
        str,
        Query(
            alias="filter-lang",
            description="cql2-text, the only one offered.",
            json_schema_extra={"enum": ["cql2-text"]},
        ),
    ] = "cql2-text",
) -> Response:
    """The features of a collection, a page at a time (parcels: filters as for GET /parcels,
    and `filter` in CQL2 text over the queryables)."""

    def build() -> Response:
        srid = _srid(crs)
        if filter_lang != "cql2-text":
            raise InvalidFilter(f"filter-lang {filter_lang} is not offered; use cql2-text.")
        if collection_id == "wards":
            if where.expression is not None:
                raise InvalidFilter("Filters apply to the parcels collection, not to wards.")
            return _wards(session, where, srid)
        result = parcel_search.search(
            session=session,
            actor=actor,
            query=parcel_search.Query(filter=where, crs=srid, limit=limit, cursor=cursor),
        )

        def links(next_cursor: str | None) -> list[dict[str, str]]:
            found = [_link(str(request.url), "self", GEOJSON)]
            if next_cursor is not None:
                next_url = request.url.include_query_params(cursor=next_cursor)
                found.append(_link(str(next_url), "next", GEOJSON))
            return found

        stamp = clock.now().astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        # the CRS is named in the Content-Crs header, as Part 2 says, not in the document
        chunks = parcel_search.collection_chunks(
            result, links, extra={"timeStamp": stamp}, name_crs=False
        )
        return collection_response(
            chunks, whole=result.whole, headers=_crs_header(srid), release=session.close
        )

    return await in_page_slot(request, build)


def _wards(session: Session, where: ParcelFilter, srid: int) -> Response:
    found = wards.features(session=session, srid=srid, bbox=where.bbox, bbox_srid=where.bbox_srid)
    body = {
        "type": "FeatureCollection",
        "features": found,
        "numberReturned": len(found),
        "numberMatched": len(found),
        "links": [],
    }
    return Response(
        json.dumps(body, ensure_ascii=False), media_type=GEOJSON, headers=_crs_header(srid)
    )


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    responses={**GEOJSON_DOC, **problems(400, 404)},
)
def item(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    collection_id: CollectionId,
    feature_id: Annotated[str, Path(max_length=20)],
    crs: OgcCrs = None,
) -> Response:
    """One feature."""
    srid = _srid(crs)
    base = _base(request)
    if collection_id == "parcels":
        # ASCII digits only ("³" is a digit to str.isdigit), and within a bigint
        if re.fullmatch(r"[0-9]{1,18}", feature_id) is None:
            raise NotFound(f"There is no parcel {feature_id}.")
        feature, _ = parcel_views.feature(
            session=session, actor=actor, parcel_id=int(feature_id), crs=srid
        )
    else:
        found = wards.features(session=session, srid=srid, code=feature_id)
        if not found:
            raise NotFound(f"There is no ward {feature_id}.")
        feature = found[0]
    feature["links"] = [
        _link(str(request.url), "self", GEOJSON),
        _link(f"{base}/collections/{collection_id}", "collection", "application/json"),
    ]
    return Response(
        json.dumps(feature, ensure_ascii=False), media_type=GEOJSON, headers=_crs_header(srid)
    )
