"""/tiles: Mapbox vector tiles of parcels and wards, for web maps and QGIS."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request, Response

from app.api.deps import SessionDep, SettingsDep
from app.api.responses import problems
from app.services import tile_docs, tiles

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
    """Parcels of a tile, from zoom 10 (a district) to 22. No personal data.

    Layer `parcels`: status and disputed (the feature id is the parcel's); from zoom 16 also
    certified, ward and principal land use, from zoom 18 sheet, parcel number and area.
    Below zoom 16, shapes are simplified to the tile's pixel and only parcels covering 4 x 4
    pixels are drawn, the largest first, at most 20,000; layer `parcel_counts` then counts
    every parcel per cell of a 16 x 16 grid (per status, certified, disputed and principal
    land-use group). Tiles are cached and built again after any write that touches them.
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
    """Ward boundaries of a tile, layer `wards` (code, name, kind), and one label point a
    ward in layer `ward_labels`."""
    return _answer(tiles.wards(session=session, z=z, x=x, y=y), if_none_match)


@router.get("/parcels.json")
def parcels_tilejson(request: Request, session: SessionDep) -> dict[str, Any]:
    """TileJSON 3.0.0 of the parcel tiles: URL, zooms, bounds, layers and their fields."""
    return tile_docs.tilejson(session, "parcels", str(request.base_url))


@router.get("/wards.json")
def wards_tilejson(request: Request, session: SessionDep) -> dict[str, Any]:
    """TileJSON 3.0.0 of the ward tiles."""
    return tile_docs.tilejson(session, "wards", str(request.base_url))


@router.get("/style.json")
def map_style(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """A MapLibre style (v8) of the register's map, for MapLibre and for QGIS (a vector
    tile connection's style URL): parcels coloured by certificate status, disputed ones
    outlined in red, count cells below zoom 15 shaded by their certified share, ward
    boundaries and names."""
    return tile_docs.style(str(request.base_url), settings.map_glyphs_url or None)
