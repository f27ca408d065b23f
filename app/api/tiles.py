"""/tiles: Mapbox vector tiles of parcels and wards, for web maps and QGIS."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Response

from app.api.deps import SessionDep
from app.api.responses import problems
from app.db import tiles
from app.errors import NotFound

router = APIRouter(prefix="/tiles", tags=["tiles"])

MVT = "application/vnd.mapbox-vector-tile"
# parcels are drawn from zoom 16 (about 2.4 m a pixel, a tile about 600 m across): lower
# zooms answer 204, as a dense z14 or z15 tile over 1M parcels took 0.3 to 0.5 s to build
PARCELS_MIN_ZOOM = 16
PARCELS_PER_TILE = 20_000
MAX_ZOOM = 22
TILE_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {MVT: {}}, "description": "The tile (gzip it on the way if you like)."},
    204: {"description": "Nothing to draw in this tile (or below the layer's zoom)."},
    304: {"description": "The tile is the one you have (If-None-Match)."},
}
Z = Annotated[int, Path(ge=0, le=MAX_ZOOM)]
XY = Annotated[int, Path(ge=0)]
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match")]


def _check(z: int, x: int, y: int) -> None:
    if x >= 2**z or y >= 2**z:
        raise NotFound(f"There is no tile {z}/{x}/{y}: at zoom {z}, x and y go up to {2**z - 1}.")


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
    _check(z, x, y)
    if z < PARCELS_MIN_ZOOM:
        return Response(status_code=204, headers={"Cache-Control": "no-cache"})
    return _answer(tiles.parcels(session.connection(), z, x, y, PARCELS_PER_TILE), if_none_match)


@router.get(
    "/wards/{z}/{x}/{y}.mvt",
    response_class=Response,
    responses={**TILE_DOC, **problems(404, 422)},
)
def ward_tile(
    z: Z, x: XY, y: XY, session: SessionDep, if_none_match: IfNoneMatch = None
) -> Response:
    """Ward boundaries of a tile, layer `wards`: code, name, kind."""
    _check(z, x, y)
    return _answer(tiles.wards(session.connection(), z, x, y), if_none_match)
