"""Parcel tiles at every zoom: warm and after-an-edit times, sizes, against plain ST_AsMVT.

    .venv/bin/python bench/tile_bench.py [--parcels 1000000] [--rounds 5] [--edits 20]

On a throwaway PostGIS it loads a generated register (`gis_samples/generate.py`, through the
service's own import), serves it (no background upkeep, so that nothing warms a tile behind
the measurements), then, over the densest 4 km2 of the register (a 2 km square around the
middle of its most crowded ward):
  1. requests every tile of zooms 12 to 18 over the square once (cold: built and cached),
     then `--rounds` times more (warm), and prints each zoom's p50 and p99 and largest body;
  2. edits `--edits` parcels of the square one at a time (a status change, committed), and
     after each requests the tile holding it at every zoom: the first request after an
     edit, built again;
  3. the baseline, in the same run: a plain ST_AsMVT of the same parcels without
     generalisation (every parcel, every property, full shapes) for the square's middle
     tile of each zoom, built by PostgreSQL alone;
and prints the ratio of the baseline to the warm p50 and to the after-edit p99.
With `--database-url`, it measures an already loaded register instead of a throwaway one.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import Engine, create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import to_sqlalchemy_url  # noqa: E402
from app.spatial.tile_grid import covering  # noqa: E402
from bench.import_bench import generated, registry_import  # noqa: E402
from bench.tools import CLI, running, serving, throwaway_cluster  # noqa: E402
from tests.services.conftest import prepare_register  # noqa: E402
from tests.support import free_port, fresh_database  # noqa: E402

ZOOMS = range(12, 19)
HALF_SIDE = 1000.0  # metres of ground: a 2 km square, 4 km2
GOAL_P99_MS, GOAL_BYTES, GOAL_EDIT_MS = 50.0, 500 * 1024, 200.0


def _centre(engine: Engine) -> tuple[float, float, float]:
    """Return the Web Mercator middle of the most crowded ward's parcels and its latitude."""
    with engine.connect() as conn:
        x, y, lat = conn.execute(
            text(
                "SELECT ST_X(ST_Transform(c, 3857)), ST_Y(ST_Transform(c, 3857)),"
                " ST_Y(ST_Transform(c, 4326)) FROM (SELECT ST_Centroid(ST_Collect("
                "ST_PointOnSurface(geom))) AS c FROM parcel WHERE ward_code ="
                " (SELECT ward_code FROM parcel GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)) t"
            )
        ).one()
    return float(x), float(y), float(lat)


def _pyramid(x: float, y: float, lat: float) -> dict[int, list[tuple[int, int]]]:
    """Return the tiles of each zoom that meet the square (ground metres) around x, y."""
    half = HALF_SIDE / math.cos(math.radians(lat))  # Web Mercator metres
    return {z: covering(z, x - half, y - half, x + half, y + half) for z in ZOOMS}


def _quantile(values: list[float], q: int) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def _warm(
    base: str, pyramid: dict[int, list[tuple[int, int]]], rounds: int
) -> dict[int, tuple[float, float, float, int, int]]:
    """Return per zoom: (cold p50, warm p50, warm p99, largest bytes, tiles)."""
    figures = {}
    with httpx.Client(base_url=base, timeout=60) as http:
        for z, tiles in pyramid.items():
            cold, warm, largest = [], [], 0
            for x, y in tiles:
                url = f"/tiles/parcels/{z}/{x}/{y}.mvt"
                started = time.perf_counter()
                response = http.get(url)
                cold.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
                largest = max(largest, len(response.content))
            for _ in range(rounds):
                for x, y in tiles:
                    started = time.perf_counter()
                    http.get(f"/tiles/parcels/{z}/{x}/{y}.mvt").raise_for_status()
                    warm.append((time.perf_counter() - started) * 1000)
            figures[z] = (
                statistics.median(cold),
                statistics.median(warm),
                _quantile(warm, 99),
                largest,
                len(tiles),
            )
    return figures


def _after_edits(
    base: str, engine: Engine, x: float, y: float, lat: float, edits: int
) -> dict[int, list[float]]:
    """Edit parcels of the square one by one; time the first request of each zoom's tile
    holding the edited parcel, right after the edit commits."""
    half = HALF_SIDE / math.cos(math.radians(lat))
    with engine.connect() as conn:
        picked = conn.execute(
            text(
                "SELECT id, ST_X(c), ST_Y(c) FROM (SELECT id, ST_Centroid(ST_Transform(geom,"
                " 3857)) AS c FROM parcel WHERE retired_at IS NULL AND geom && ST_Transform("
                "ST_MakeEnvelope(:w, :s, :e, :n, 3857), 9214) ORDER BY id) t"
                " ORDER BY md5(id::text) LIMIT :k"
            ),
            {"w": x - half, "s": y - half, "e": x + half, "n": y + half, "k": edits},
        ).all()
    times: dict[int, list[float]] = {z: [] for z in ZOOMS}
    with httpx.Client(base_url=base, timeout=60) as http:
        for parcel_id, px, py in picked:
            with engine.begin() as conn:
                conn.execute(
                    text("UPDATE parcel SET disputed = NOT disputed WHERE id = :id"),
                    {"id": parcel_id},
                )
            for z in ZOOMS:
                ((tx, ty),) = covering(z, px, py, px, py)
                started = time.perf_counter()
                http.get(f"/tiles/parcels/{z}/{tx}/{ty}.mvt").raise_for_status()
                times[z].append((time.perf_counter() - started) * 1000)
    return times


# a plain ST_AsMVT of a tile's parcels, as one writes it first: every parcel meeting the
# tile, its full shape and the properties of the detailed tiles
BASELINE = (
    "SELECT ST_AsMVT(f, 'parcels', 4096, 'geom', 'id') FROM (SELECT p.id, p.status,"
    " p.disputed, p.status IN ('signed', 'delivered') AS certified, p.ward_code,"
    " (SELECT u.land_use_code FROM parcel_land_use u WHERE u.parcel_id = p.id"
    " ORDER BY u.area_m2 DESC LIMIT 1) AS land_use,"
    " ST_AsMVTGeom(ST_Transform(p.geom, 3857), ST_TileEnvelope(:z, :x, :y), 4096, 64, true)"
    " AS geom FROM parcel p WHERE p.retired_at IS NULL AND p.geom && ST_Transform("
    "ST_TileEnvelope(:z, :x, :y), 9214)) f WHERE geom IS NOT NULL"
)


def _baseline(
    engine: Engine, pyramid: dict[int, list[tuple[int, int]]]
) -> dict[int, tuple[float, int]]:
    """Return per zoom the time (best of a few) and size of the plain ST_AsMVT of the
    square's middle tile, built by PostgreSQL alone, no cache."""
    figures = {}
    with engine.connect() as conn:
        conn.execute(text("SET jit = off"))
        for z, tiles in pyramid.items():
            tx, ty = tiles[len(tiles) // 2]
            runs = []
            body = b""
            for _ in range(1 if z <= 13 else 3):
                started = time.perf_counter()
                body = bytes(
                    conn.execute(text(BASELINE), {"z": z, "x": tx, "y": ty}).scalar_one() or b""
                )
                runs.append((time.perf_counter() - started) * 1000)
            figures[z] = (min(runs), len(body))
    return figures


@contextmanager
def _register(parcels: int, database_url: str | None) -> Iterator[tuple[str, str]]:
    """Yield (owner URL, service base URL) of a loaded register being served."""
    settings = {"PARCELS_STATS_UPKEEP": "false"}
    if database_url is not None:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARCELS_")}
        env.update(
            DATABASE_URL=database_url,
            PORT=str(port),
            PARCELS_LOG_LEVEL="WARNING",
            PARCELS_IMPORT_WORKER="false",
            **settings,
        )
        base = f"http://127.0.0.1:{port}"
        with running([CLI, "serve", "--no-samples"], env, f"{base}/health"):
            yield database_url, base
        return
    with (
        throwaway_cluster("tbench") as (cluster, server, work),
        fresh_database(server, "tbench") as url,
    ):
        prepare_register(url)
        seconds, _, _ = registry_import(url, generated(parcels), work)
        print(f"loaded {parcels} parcels through the import in {seconds:.0f} s")
        engine = create_engine(to_sqlalchemy_url(url))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("parcel", "parcel_land_use", "parcel_cell_delta"):
                conn.execute(text(f"VACUUM (ANALYZE) {table}"))
            conn.execute(text("SELECT tile_compact()"))
        engine.dispose()
        with serving(cluster, url, url.rsplit("/", 1)[1], **settings) as base:
            yield url, base


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--database-url", help="measure this loaded register instead")
    args = parser.parse_args()
    with _register(args.parcels, args.database_url) as (url, base):
        engine = create_engine(to_sqlalchemy_url(url))
        x, y, lat = _centre(engine)
        pyramid = _pyramid(x, y, lat)
        warm = _warm(base, pyramid, args.rounds)
        edited = _after_edits(base, engine, x, y, lat, args.edits)
        baseline = _baseline(engine, pyramid)
        engine.dispose()
    print(f"the densest 4 km2: {sum(len(t) for t in pyramid.values())} tiles of zooms 12 to 18")
    print(
        f"{'zoom':>4} {'tiles':>5} {'cold p50':>8} {'warm p50':>8} {'warm p99':>8} {'KiB max':>7}"
        f" {'edit p50':>8} {'edit p99':>8} {'baseline':>8} {'base KiB':>8}"
        f" {'x warm':>7} {'x edit':>7}"
    )
    met = True
    for z in ZOOMS:
        cold50, warm50, warm99, largest, count = warm[z]
        e50, e99 = statistics.median(edited[z]), _quantile(edited[z], 99)
        base_ms, base_bytes = baseline[z]
        met &= warm99 < GOAL_P99_MS and largest < GOAL_BYTES and e99 < GOAL_EDIT_MS
        print(
            f"{z:>4} {count:>5} {cold50:>8.1f} {warm50:>8.1f} {warm99:>8.1f} {largest / 1024:>7.0f}"
            f" {e50:>8.1f} {e99:>8.1f} {base_ms:>8.0f} {base_bytes / 1024:>8.0f}"
            f" {base_ms / warm50:>7.0f} {base_ms / e99:>7.1f}"
        )
    print(
        f"goals (warm p99 < {GOAL_P99_MS:.0f} ms, < 500 KiB,"
        f" after an edit < {GOAL_EDIT_MS:.0f} ms): {'met' if met else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
