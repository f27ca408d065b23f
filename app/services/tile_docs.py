"""What a map client needs besides the tiles: a TileJSON document per tile set (zooms,
bounds, layers and fields) and a ready style (MapLibre style JSON, which QGIS also loads as
a vector tile connection's style) colouring parcels by certificate status."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.db import extents
from app.db import tiles as tile_sql
from app.domain import labels_vi
from app.domain.lifecycle import STATUSES
from app.domain.map_colours import DISPUTED_COLOUR, STATUS_COLOURS, WARD_COLOUR
from app.services.tiles import MAX_ZOOM, PARCELS_DETAIL_ZOOM, PARCELS_MIN_ZOOM

TOWN = (106.09, 21.28, 12)  # Việt Yên, where a map opens when the register is empty

_PARCEL_MEANING = {
    "status": "certificate status (code): " + ", ".join(STATUSES),
    "disputed": "true while a dispute is open",
    "certified": "signed or delivered",
    "ward_code": "ward code",
    "land_use": "principal land-use code",
    "sheet_no": "map sheet number",
    "parcel_no": "parcel number on the sheet",
    "area_m2": "area, m2",
}
# each field with the zoom it appears from (app.db.tiles.PARCEL_PROPERTIES)
_PARCEL_FIELDS = {
    name: _PARCEL_MEANING[name] + (f" (from zoom {since})" if since else "")
    for since, props in tile_sql.PARCEL_PROPERTIES.items()
    for name, _ in props
}
_COUNT_FIELDS = {
    name: (
        "parcels counted in the cell"
        if name == "parcels"
        else f"of them {name}"
        if name in ("certified", "disputed")
        else f"of them with status {name}"
        if name in STATUSES
        else f"of them whose principal land-use group is {name.upper()}"
    )
    for name in tile_sql.COUNT_FIELDS
}


def tilejson(session: Session, tile_set: str, base: str) -> dict[str, Any]:
    """Return the TileJSON 3.0.0 document of `tile_set` ("parcels" or "wards"), its tile
    URLs under `base` (the service's URL, ending in /)."""
    bounds = extents.wgs84_extent(session.connection(), "ward")
    centre = (
        TOWN if bounds is None else ((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 12)
    )
    if tile_set == "parcels":
        layers = [
            {
                "id": "parcels",
                "description": "Parcels by certificate status; below zoom "
                f"{PARCELS_DETAIL_ZOOM} only those covering 4 x 4 pixels, simplified",
                "minzoom": PARCELS_MIN_ZOOM,
                "maxzoom": MAX_ZOOM,
                "fields": _PARCEL_FIELDS,
            },
            {
                "id": "parcel_counts",
                "description": "Every parcel counted per cell of a 16 x 16 grid of the tile",
                "minzoom": PARCELS_MIN_ZOOM,
                "maxzoom": PARCELS_DETAIL_ZOOM - 1,
                "fields": _COUNT_FIELDS,
            },
        ]
        minzoom = PARCELS_MIN_ZOOM
    else:
        layers = [
            {
                "id": "wards",
                "description": "Ward and commune boundaries",
                "minzoom": 0,
                "maxzoom": MAX_ZOOM,
                "fields": {"code": "ward code", "name": "name", "kind": "phuong or xa"},
            },
            {
                "id": "ward_labels",
                "description": "One label point a ward",
                "minzoom": 0,
                "maxzoom": MAX_ZOOM,
                "fields": {"code": "ward code", "name": "name", "kind": "phuong or xa"},
            },
        ]
        minzoom = 0
    return {
        "tilejson": "3.0.0",
        "name": labels_vi.TILE_SET[tile_set],
        "scheme": "xyz",
        "tiles": [f"{base}tiles/{tile_set}/{{z}}/{{x}}/{{y}}.mvt"],
        "minzoom": minzoom,
        "maxzoom": MAX_ZOOM,
        "bounds": list(bounds) if bounds is not None else [-180, -85.0511, 180, 85.0511],
        "center": list(centre),
        "vector_layers": layers,
    }


def _status_colour() -> list[Any]:
    match: list[Any] = ["match", ["get", "status"]]
    for status, colour in STATUS_COLOURS.items():
        match += [status, colour]
    return [*match, "#ffffff"]


def _layer(layer_id: str, kind: str, source: str, source_layer: str, **more: Any) -> dict[str, Any]:
    return {"id": layer_id, "type": kind, "source": source, "source-layer": source_layer, **more}


_CERTIFIED_SHARE = ["/", ["get", "certified"], ["max", ["get", "parcels"], 1]]
# below zoom 15 the count cells, grey (nothing certified) to dark green (all certified)
_CELLS = _layer(
    "o-thong-ke",
    "fill",
    "parcels",
    "parcel_counts",
    maxzoom=15,
    paint={
        "fill-color": [
            "interpolate",
            ["linear"],
            _CERTIFIED_SHARE,
            0,
            STATUS_COLOURS["unregistered"],
            0.4,
            STATUS_COLOURS["eligible"],
            1,
            STATUS_COLOURS["delivered"],
        ],
        "fill-opacity": 0.7,
    },
)
_LINES = [
    _layer(
        "thua-dat-vien",
        "line",
        "parcels",
        "parcels",
        minzoom=15,
        paint={"line-color": "#4d4d4d", "line-width": 0.5},
    ),
    _layer(
        "thua-dat-tranh-chap",
        "line",
        "parcels",
        "parcels",
        filter=["==", ["get", "disputed"], True],
        paint={"line-color": DISPUTED_COLOUR, "line-width": 2},
    ),
    _layer(
        "ranh-gioi-phuong-xa",
        "line",
        "wards",
        "wards",
        paint={"line-color": WARD_COLOUR, "line-width": 2},
    ),
]
_FONT = ["Open Sans Semibold"]
_LABELS = [
    _layer(
        "ten-phuong-xa",
        "symbol",
        "wards",
        "ward_labels",
        layout={"text-field": ["get", "name"], "text-font": _FONT, "text-size": 13},
        paint={"text-color": WARD_COLOUR, "text-halo-color": "#ffffff", "text-halo-width": 2},
    ),
    _layer(
        "so-thua",
        "symbol",
        "parcels",
        "parcels",
        minzoom=18,
        layout={
            "text-field": ["to-string", ["get", "parcel_no"]],
            "text-font": _FONT,
            "text-size": 11,
        },
        paint={"text-color": "#333333"},
    ),
]


def style(base: str, glyphs: str | None) -> dict[str, Any]:
    """Return the MapLibre style (v8) of the register's map: parcels coloured by status,
    disputed ones outlined, the count cells below zoom 15 shaded by their certified share,
    ward boundaries and names; parcel numbers from zoom 18. Labels need `glyphs` (a font
    server's URL template) in MapLibre; QGIS draws them with its own fonts."""
    fill = _layer(
        "thua-dat",
        "fill",
        "parcels",
        "parcels",
        paint={"fill-color": _status_colour(), "fill-opacity": 0.8},
    )
    background = {"id": "nen", "type": "background", "paint": {"background-color": "#f7f7f4"}}
    document: dict[str, Any] = {
        "version": 8,
        "name": labels_vi.MAP_TITLE,
        "sources": {
            "parcels": {"type": "vector", "url": f"{base}tiles/parcels.json"},
            "wards": {"type": "vector", "url": f"{base}tiles/wards.json"},
        },
        "layers": [background, _CELLS, fill, *_LINES, *(_LABELS if glyphs else [])],
    }
    if glyphs:
        document["glyphs"] = glyphs
    return document
