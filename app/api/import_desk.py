"""/imports, as the upload desk follows them: the caller's own imports, one page of an
import's issues, and an import's progress pushed as server-sent events."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from app.api.auth import ActorDep
from app.api.deps import SessionDep
from app.api.imports import require_staff
from app.api.responses import problems
from app.api.tiles import MVT, TILE_DOC, XY, Z
from app.services import import_views

router = APIRouter(prefix="/imports", tags=["imports"])

ImportId = Annotated[int, Path(gt=0)]
GEOJSON = "application/geo+json"
# a stream ends after this long, whatever the import does: EventSource then connects again
STREAM_FOR_S = 600.0
# a comment line this often keeps proxies from closing a quiet stream
KEEPALIVE_S = 15.0
FINISHED = ("succeeded", "failed")


@router.get("", responses=problems(401))
def list_imports(
    session: SessionDep,
    actor: ActorDep,
    mine: Annotated[bool, Query(description="Only the imports the caller uploaded.")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:
    """The newest imports first, with their status and report (any staff)."""
    require_staff(actor)
    return import_views.listing(session=session, actor=actor, mine=mine, limit=limit)


IssueKind = Literal["rejected", "repaired", "warning", "overlap"]


@router.get("/{import_id}/issues", responses=problems(401, 404, 422))
def import_issues(
    import_id: ImportId,
    session: SessionDep,
    actor: ActorDep,
    kind: IssueKind | None = None,
    reason: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="Text the reason holds (case ignored)."),
    ] = None,
    sort: Annotated[
        Literal["row", "key", "kind", "reason", "-row", "-key", "-kind", "-reason"],
        Query(description="Order of the page; a leading `-` reverses it."),
    ] = "row",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """One page of an import's rejects, repairs, warnings and overlaps, in file order (or
    `sort`), with how many match (any staff). `drawn`: the issue has a geometry in
    `issues.geojson`, under the same `seq`."""
    require_staff(actor)
    return import_views.issues_page(
        session=session,
        import_id=import_id,
        kind=kind,
        reason=reason,
        order=sort.removeprefix("-"),
        descending=sort.startswith("-"),
        limit=limit,
        offset=offset,
    )


@router.get(
    "/{import_id}/issues.geojson",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}, **problems(401, 404)},
)
def import_issues_geojson(
    import_id: ImportId,
    session: SessionDep,
    actor: ActorDep,
    kind: IssueKind | None = None,
    seq: Annotated[int | None, Query(ge=1, description="Only the issue of this `seq`.")] = None,
) -> Response:
    """The features of an import's issues, as the file had them (an invalid ring stays
    invalid), in WGS 84: id and `seq` as in `/issues`, with row, key, kind and reason. File-wide
    issues and geometries that cannot be drawn are left out (any staff)."""
    require_staff(actor)
    collection = import_views.issues_geojson(
        session=session, import_id=import_id, kind=kind, seq=seq
    )
    return Response(collection, media_type=GEOJSON)


@router.get(
    "/{import_id}/issues/{z}/{x}/{y}.mvt",
    response_class=Response,
    responses={**TILE_DOC, **problems(401, 404, 422)},
)
def import_issues_tile(
    import_id: ImportId, z: Z, x: XY, y: XY, session: SessionDep, actor: ActorDep
) -> Response:
    """The import's issues in a vector tile, layer `issues` (id: the issue's `seq`; kind,
    row, key), from zoom 10; what the upload desk's map draws, however many there are
    (any staff)."""
    require_staff(actor)
    tile = import_views.issues_tile(session=session, import_id=import_id, z=z, x=x, y=y)
    if not tile:
        return Response(status_code=204, headers={"Cache-Control": "no-store"})
    return Response(tile, media_type=MVT, headers={"Cache-Control": "no-store"})


@router.get(
    "/{import_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **problems(401, 404)},
)
def import_events(import_id: ImportId, request: Request, actor: ActorDep) -> StreamingResponse:
    """The import's status document as server-sent events (`event: progress`), sent again
    at each change of phase or count the worker announces, until the import ends."""
    require_staff(actor)
    factory = request.app.state.sessionmaker
    first = import_views.status_of(factory, import_id)  # 404 before the stream starts
    hub = request.app.state.import_events

    async def stream() -> AsyncIterator[str]:
        document: dict[str, Any] | None = first
        sent: dict[str, Any] | None = None
        ends = time.monotonic() + STREAM_FOR_S
        while document is not None:
            if document != sent:
                yield f"event: progress\ndata: {json.dumps(document, ensure_ascii=False)}\n\n"
                sent = document
            if document["status"] in FINISHED or time.monotonic() > ends:
                return
            if not await hub.changed(import_id, KEEPALIVE_S):
                yield ": still running\n\n"
            if await request.is_disconnected():
                return
            document = await run_in_threadpool(import_views.status_of, factory, import_id)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
