"""/tiles: Mapbox vector tiles of parcels and wards, for web maps and QGIS."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Response

from app.api.deps import SessionDep
from app.api.responses import problems
from app.services import tiles

router = APIRouter(prefix="/tiles", tags=["tiles"])

MVT = "application/vnd.mapbox-vector-tile"
TILE_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {MVT: {}}, "description": "The tile (gzip it on the way if you like)."},
    204: {"description": "Nothing to draw in this tile (or below the layer's zoom)."},
    304: {"description": "The tile is the one you have (If-None-Match)."},
}
Z = Annotated[int, Path(ge=0, le=tiles.MAX_ZOOM)]
XY = Annotated[int, Path(ge=0)]
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match")]


def _answer(tile: bytes, if_none_match: str | None) -> Response:
    """Answer the tile with an ETag of its content: a cache revalidates and is never stale."""
    if not tile:
        return Response(status_code=204, headers={"Cache-Control": "no-cache"})
    etag = '"' + hashlib.blake2b(tile, digest_size=16).hexdigest() + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if if_none_match is not None and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(tile, media_type=MVT, headers=headers)


@router.get(
    "/parcels/{z}/{x}/{y}.mvt",
    response_class=Response,
    responses={**TILE_DOC, **problems(404, 422)},
)
def parcel_tile(
    z: Z, x: XY, y: XY, session: SessionDep, if_none_match: IfNoneMatch = None
) -> Response:
    """Parcels of a tile, layer `parcels`: id, status, certified, disputed, land use, ward.

    From zoom 16; at most 20,000 parcels a tile. No personal data.
    """
    return _answer(tiles.parcels(session=session, z=z, x=x, y=y), if_none_match)


@router.get(
    "/wards/{z}/{x}/{y}.mvt",
    response_class=Response,
    responses={**TILE_DOC, **problems(404, 422)},
)
def ward_tile(
    z: Z, x: XY, y: XY, session: SessionDep, if_none_match: IfNoneMatch = None
) -> Response:
    """Ward boundaries of a tile, layer `wards`: code, name, kind."""
    return _answer(tiles.wards(session=session, z=z, x=x, y=y), if_none_match)
