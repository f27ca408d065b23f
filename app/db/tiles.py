"""Vector tiles (MVT) built by PostGIS: ST_AsMVT over the features in a Web Mercator tile.

Every builder is one SELECT of one bytea, so that app.db.tile_cache can build and store a
tile in one statement, read from one snapshot.
"""

from __future__ import annotations

from typing import Any

from app.config import STORAGE_SRID
from app.domain.lifecycle import CERTIFIED, STATUSES
from app.spatial.tile_grid import BUFFER, CELL_STEP, EXTENT

LAND_USE_GROUPS = ("NNP", "OTC", "PNN", "CSD")  # the land_use_group code list
_CERTIFIED = ", ".join(repr(s) for s in sorted(CERTIFIED))

# the tile's envelope in the storage CRS, widened by the buffer, for the index
_BOUNDS = (
    "WITH bounds AS (SELECT ST_TileEnvelope(:z, :x, :y) AS merc,"
    f" ST_Transform(ST_Expand(ST_TileEnvelope(:z, :x, :y),"
    f" (ST_XMax(ST_TileEnvelope(:z, :x, :y)) - ST_XMin(ST_TileEnvelope(:z, :x, :y)))"
    f" * {BUFFER * 2} / {EXTENT}), {STORAGE_SRID}) AS storage)"
)
_MAIN_LAND_USE = (
    "(SELECT u.land_use_code FROM parcel_land_use u WHERE u.parcel_id = p.id"
    " ORDER BY u.area_m2 DESC, u.land_use_code LIMIT 1)"
)

# the properties of the parcels layer by the zoom they appear from: what a style needs there
PARCEL_PROPERTIES: dict[int, tuple[tuple[str, str], ...]] = {
    0: (("status", "p.status"), ("disputed", "p.disputed")),
    16: (
        ("certified", f"p.status IN ({_CERTIFIED})"),
        ("ward_code", "p.ward_code"),
        ("land_use", _MAIN_LAND_USE),
    ),
    18: (
        ("sheet_no", "p.sheet_no"),
        ("parcel_no", "p.parcel_no"),
        ("area_m2", "p.area_m2::float8"),
    ),
}
COUNT_FIELDS = (
    "parcels",
    *STATUSES,
    "certified",
    "disputed",
    *(g.lower() for g in LAND_USE_GROUPS),
)


def _properties(z: int) -> str:
    return ", ".join(
        f"{expr} AS {name}"
        for since, props in PARCEL_PROPERTIES.items()
        if z >= since
        for name, expr in props
    )


def parcels(
    z: int, x: int, y: int, *, cap: int, min_area: float | None, tolerance: float | None
) -> tuple[str, dict[str, Any]]:
    """Return the SELECT of the parcels layer of tile z/x/y, at most `cap` parcels.

    With `min_area`, only parcels of at least that area (m2), the largest first; with
    `tolerance`, shapes simplified to it (Web Mercator metres).
    """
    shape = "ST_Transform(p.geom, 3857)"
    if tolerance is not None:
        shape = f"ST_Simplify({shape}, :tolerance, true)"
    size = "" if min_area is None else " AND p.area_m2 >= :min_area"
    order = "p.id" if min_area is None else "p.area_m2 DESC, p.id"
    sql = (
        _BOUNDS + ", features AS ("
        f" SELECT p.id, {_properties(z)},"
        f" ST_AsMVTGeom({shape}, b.merc, {EXTENT}, {BUFFER}, true) AS geom"
        " FROM parcel p, bounds b"
        f" WHERE p.geom && b.storage AND p.retired_at IS NULL{size}"
        f" ORDER BY {order} LIMIT :cap)"
        f" SELECT coalesce(ST_AsMVT(features, 'parcels', {EXTENT}, 'geom', 'id'), ''::bytea)"
        " FROM features WHERE geom IS NOT NULL"
    )
    params = {"z": z, "x": x, "y": y, "cap": cap, "tolerance": tolerance}
    if min_area is not None:
        # a literal, so that the planner can choose the partial index of the big parcels
        params["min_area"] = round(min_area, 2)
    return sql, params


def counts(
    z: int, x: int, y: int, cell_range: tuple[int, int, int, int, int]
) -> tuple[str, dict[str, Any]]:
    """Return the SELECT of the parcel_counts layer of tile z/x/y: per cell of its 16 x 16
    grid, the parcels of each status, disputed and of each principal land-use group."""
    shift, x0, x1, y0, y1 = cell_range
    statuses = ", ".join(
        f"coalesce(sum(n) FILTER (WHERE status = '{s}'), 0)::int AS {s}" for s in STATUSES
    )
    groups = ", ".join(
        f"coalesce(sum(n) FILTER (WHERE land_use_group = '{g}'), 0)::int AS {g.lower()}"
        for g in LAND_USE_GROUPS
    )
    source = (
        "SELECT cx >> :shift AS gx, cy >> :shift AS gy, status, disputed, land_use_group, n"
        " FROM {table} WHERE cx BETWEEN :x0 AND :x1 AND cy BETWEEN :y0 AND :y1"
    )
    sql = (
        "WITH cells AS ("
        f" SELECT gx, gy, sum(n)::int AS parcels, {statuses},"
        f" coalesce(sum(n) FILTER (WHERE status IN ({_CERTIFIED})), 0)::int AS certified,"
        " coalesce(sum(n) FILTER (WHERE disputed), 0)::int AS disputed,"
        f" {groups}"
        f" FROM ({source.format(table='parcel_cell_count')}"
        f" UNION ALL {source.format(table='parcel_cell_delta')}) c"
        " GROUP BY gx, gy HAVING sum(n) > 0),"
        f" features AS (SELECT {', '.join(COUNT_FIELDS)},"
        f" ST_AsMVTGeom(ST_TileEnvelope(:cz, gx, gy), ST_TileEnvelope(:z, :x, :y), {EXTENT}, 0,"
        " true) AS geom FROM cells)"
        f" SELECT coalesce(ST_AsMVT(features, 'parcel_counts', {EXTENT}, 'geom'), ''::bytea)"
        " FROM (SELECT * FROM features WHERE geom IS NOT NULL) features"
    )
    return sql, {
        "z": z,
        "x": x,
        "y": y,
        "cz": z + CELL_STEP,
        "shift": shift,
        "x0": x0,
        "x1": x1,
        "y0": y0,
        "y1": y1,
    }


def wards(z: int, x: int, y: int, *, tolerance: float | None) -> tuple[str, dict[str, Any]]:
    """Return the SELECT of the wards tile: the boundaries (code, name, kind) in layer
    `wards`, and one label point a ward (code, name) in layer `ward_labels`."""
    shape = "ST_Transform(w.boundary, 3857)"
    if tolerance is not None:
        shape = f"ST_Simplify({shape}, :tolerance, true)"
    sql = (
        _BOUNDS + ", boundaries AS ("
        " SELECT w.code, w.name, w.kind,"
        f" ST_AsMVTGeom({shape}, b.merc, {EXTENT}, {BUFFER}, true) AS geom"
        " FROM ward w, bounds b WHERE w.boundary && b.storage),"
        " labels AS ("
        " SELECT w.code, w.name, w.kind,"
        f" ST_AsMVTGeom(ST_Transform(ST_PointOnSurface(w.boundary), 3857), b.merc, {EXTENT}, 0,"
        " true) AS geom"
        " FROM ward w, bounds b WHERE w.boundary && b.storage)"
        " SELECT"
        f" coalesce((SELECT ST_AsMVT(boundaries, 'wards', {EXTENT}, 'geom')"
        "  FROM boundaries WHERE geom IS NOT NULL), ''::bytea)"
        f" || coalesce((SELECT ST_AsMVT(labels, 'ward_labels', {EXTENT}, 'geom')"
        "  FROM labels WHERE geom IS NOT NULL), ''::bytea)"
    )
    return sql, {"z": z, "x": x, "y": y, "tolerance": tolerance}


def combined(*parts: tuple[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """Return one SELECT of the layers of `parts` side by side (an MVT is its layers)."""
    params: dict[str, Any] = {}
    selects = []
    for sql, part_params in parts:
        for key, value in part_params.items():
            if key in params and params[key] != value:
                raise ValueError(f"parameter {key} differs between the layers")
            params[key] = value
        selects.append(f"({sql})")
    return "SELECT " + " || ".join(selects), params
