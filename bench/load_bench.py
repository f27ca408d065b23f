"""Load test: 50 concurrent clients for 60 s on the loopback, reads and writes mixed.

    .venv/bin/python bench/load_bench.py [--seconds 60] [--readers 40] [--writers 10]

On a throwaway PostGIS with the sample register, it starts the service as `make run` does
(`parcel-registry serve`, connecting as the service's own role), then at the same time:
  - wrk (C, `apt-get install wrk`) with `--readers` connections cycles through the reads
    (a parcel, its history, its disputes, parcel queries by box, parcel tiles at zooms
    16-18, a ward, the wards, the code lists, the coverage statistics), anonymously and as
    a GIS viewer;
  - `--writers` registry officers (Python, one parcel at a time each) move parcels through
    the certificate life cycle with If-Match and Idempotency-Key, and submit complaints.
It prints throughput, p50 and p99 for reads and writes, the errors (any answer not 2xx), and
the writes lost: acknowledged transitions missing from the database afterwards, and whether
the coverage counters still equal the GROUP BY over the parcels.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import to_sqlalchemy_url  # noqa: E402
from app.db import migrate  # noqa: E402
from app.domain.permissions import Role, command_line  # noqa: E402
from app.services import apikeys, samples  # noqa: E402
from bench.tools import serving, throwaway_cluster, tile_of, wrk_ms  # noqa: E402

PARCELS = 3000
CYCLE = ("registered", "in_review", "returned", "in_review", "eligible", "signed", "delivered")
STEP_DATA = {
    "returned": {"notice_no": "12/PYC", "notice_date": "2025-03-04", "missing_items": ["CCCD"]},
    "signed": {
        "register_no": "CS0001",
        "signer": "Phó Giám đốc",
        "signed_on": "2025-05-20",
        "custody_location": "Tủ số 3",
    },
    "delivered": {"recipient": "Nguyễn Văn Hùng", "handed_over_on": "2025-06-02"},
}
READS_LUA = """
local paths = {}
local n = 0
local tiles = {%(tiles)s}
local boxes = {%(boxes)s}
function init(args)
  local viewer = args[1]
  for i = 1, 500 do
    local id = math.random(1, %(parcels)d)
    n = n + 1; paths[n] = {"/parcels/" .. id, nil}
    n = n + 1; paths[n] = {"/parcels/" .. id, viewer}
    n = n + 1; paths[n] = {"/parcels/" .. id .. "/history", nil}
    n = n + 1; paths[n] = {"/parcels/" .. id .. "/disputes", nil}
  end
  for _, w in ipairs({%(wards)s}) do n = n + 1; paths[n] = {"/wards/" .. w, nil} end
  for i = 1, 300 do
    local z = math.random(16, 18)
    local t = tiles[z]
    n = n + 1
    paths[n] = {string.format("/tiles/parcels/%%d/%%d/%%d.mvt", z,
      math.random(t[1], t[2]), math.random(t[3], t[4])), nil}
  end
  for i = 1, 100 do
    local b = boxes[math.random(1, #boxes)]
    n = n + 1; paths[n] = {"/parcels?limit=200&bbox=" .. b, nil}
    n = n + 1; paths[n] = {"/parcels?limit=200&status=unregistered&bbox=" .. b, viewer}
  end
  n = n + 1; paths[n] = {"/wards", nil}
  n = n + 1; paths[n] = {"/land-use-types", nil}
  n = n + 1; paths[n] = {"/land-origin-types", nil}
  for _, s in ipairs({"/stats/wards", "/stats/summary", "/stats/wards.geojson",
                      "/stats/timeline"}) do
    n = n + 1; paths[n] = {s, nil}
  end
end
local i = 0
function request()
  i = i %% n + 1
  local p = paths[i]
  local headers = {}
  if p[2] then headers["Authorization"] = "Bearer " .. p[2] end
  return wrk.format("GET", p[1], headers)
end
"""


@dataclass
class Writer:
    """A registry officer: takes parcels in turn and moves each through the life cycle."""

    base: str
    key: str
    parcels: list[int]
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    acknowledged: list[tuple[int, int, str]] = field(default_factory=list)

    def run(self, until: float) -> None:
        """Work until `until` (monotonic time): one request at a time, as a clerk does."""
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(base_url=self.base, headers=headers, timeout=30) as client:
            for parcel in self.parcels:
                version = 1
                for n, to in enumerate(CYCLE):
                    if time.monotonic() > until:
                        return
                    body = {"to": to, **STEP_DATA.get(to, {})}
                    if to == "signed":
                        body["serial"] = f"DK{parcel:06d}"
                    started = time.perf_counter()
                    response = client.post(
                        f"/parcels/{parcel}/transitions",
                        json=body,
                        headers={"If-Match": f'"{version}"', "Idempotency-Key": f"{parcel}-{n}"},
                    )
                    self.latencies.append(time.perf_counter() - started)
                    if response.status_code != 200:
                        self.errors.append(f"{response.status_code} {response.text[:200]}")
                        break
                    version = int(response.headers["ETag"].strip('"'))
                    self.acknowledged.append((parcel, version, to))
                    if n == 2:  # a citizen calls the hotline about the returned dossier
                        started = time.perf_counter()
                        complaint = client.post(
                            "/complaints",
                            json={"content": "Hồ sơ bị trả lại.", "parcel_id": parcel},
                        )
                        self.latencies.append(time.perf_counter() - started)
                        if complaint.status_code != 201:
                            self.errors.append(f"{complaint.status_code} {complaint.text[:200]}")


def _prepare(url: str) -> tuple[str, str]:
    """Migrate, load the samples, confirm origins; return (officer key, viewer key)."""
    migrate.upgrade(url)
    engine = create_engine(to_sqlalchemy_url(url))
    try:
        samples.load_if_empty(engine=engine, directory=ROOT / "gis_samples")
        with engine.begin() as conn:  # eligible needs the commune's confirmation first
            conn.execute(
                text(
                    "UPDATE parcel SET origin_confirmed = true, time_of_use_confirmed = true,"
                    " confirmed_by = 'load test', confirmed_on = '2025-01-01'"
                )
            )
        actor = command_line("load test")
        with Session(engine) as session, session.begin():
            _, officer = apikeys.create(
                session=session, actor=actor, name="officer", role=Role.REGISTRY_OFFICER
            )
            _, viewer = apikeys.create(
                session=session, actor=actor, name="viewer", role=Role.GIS_VIEWER
            )
    finally:
        engine.dispose()
    return officer, viewer


def _tile_ranges(extent: Any) -> str:
    """Return the Lua table {[z] = {xmin, xmax, ymin, ymax}} of the tiles over the town."""
    west, south, east, north = (float(v) for v in extent)
    entries = []
    for z in (16, 17, 18):
        x0, y0 = tile_of(west, north, z)
        x1, y1 = tile_of(east, south, z)
        entries.append(f"[{z}] = {{{x0}, {x1}, {y0}, {y1}}}")
    return ", ".join(entries)


def _boxes(extent: Any) -> str:
    """Return Lua strings of 40 boxes of about 300 m (about 100 parcels each) over the town."""
    west, south, east, north = (float(v) for v in extent)
    rng = random.Random(7)
    boxes = []
    for _ in range(40):
        lon, lat = rng.uniform(west, east - 0.003), rng.uniform(south, north - 0.003)
        boxes.append(f'"{lon:.5f},{lat:.5f},{lon + 0.003:.5f},{lat + 0.003:.5f}"')
    return ", ".join(boxes)


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if values else 0.0


def main() -> None:
    """Run the load test and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--readers", type=int, default=40)
    parser.add_argument("--writers", type=int, default=10)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    with throwaway_cluster("load") as (cluster, owner, home):
        officer, viewer = _prepare(owner)
        with serving(cluster, owner, PARCELS_ANONYMOUS_WRITES_LIMIT=str(10**9)) as base:
            engine = create_engine(to_sqlalchemy_url(owner))
            with engine.connect() as conn:
                wards = [r[0] for r in conn.execute(text("SELECT code FROM ward ORDER BY code"))]
                extent = conn.execute(
                    text(
                        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM"
                        " (SELECT ST_Extent(ST_Transform(geom, 4326)) AS e FROM parcel) t"
                    )
                ).one()
            script = home / "reads.lua"
            script.write_text(
                READS_LUA
                % {
                    "parcels": PARCELS,
                    "wards": ", ".join(f'"{w}"' for w in wards),
                    "tiles": _tile_ranges(extent),
                    "boxes": _boxes(extent),
                }
            )
            share = PARCELS // args.writers
            writers = [
                Writer(base, officer, list(range(1 + i * share, 1 + (i + 1) * share)))
                for i in range(args.writers)
            ]
            until = time.monotonic() + args.seconds
            threads = [threading.Thread(target=w.run, args=(until,)) for w in writers]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            wrk = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.readers}",
                    f"-d{args.seconds}s",
                    "--latency",
                    "--timeout",
                    "10s",
                    "-s",
                    str(script),
                    base,
                    "--",
                    viewer,
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
            acknowledged = [a for w in writers for a in w.acknowledged]
            with engine.connect() as conn:
                found = {
                    (r[0], r[1], r[2].removeprefix("transition:"))
                    for r in conn.execute(
                        text(
                            "SELECT parcel_id, version, action FROM parcel_version"
                            " WHERE action LIKE 'transition:%'"
                        )
                    )
                }
                counted = conn.execute(
                    text(
                        "SELECT sum(parcels) FILTER (WHERE status IN ('signed', 'delivered')),"
                        " sum(parcels) FILTER (WHERE status = 'signed'), sum(parcels)"
                        " FROM (SELECT status, parcels FROM stat_total"
                        " UNION ALL SELECT status, parcels FROM stat_delta) c"
                    )
                ).one()
                grouped = conn.execute(
                    text(
                        "SELECT count(*) FILTER (WHERE status IN ('signed', 'delivered')),"
                        " count(*) FILTER (WHERE status = 'signed'), count(*)"
                        " FROM parcel WHERE retired_at IS NULL"
                    )
                ).one()
            engine.dispose()
            lost = [a for a in acknowledged if a not in found]
            counters_exact = tuple(map(int, counted)) == tuple(grouped)
            latencies = [x for w in writers for x in w.latencies]
            errors = [e for w in writers for e in w.errors]
            requests = re.search(r"(\d+) requests in", wrk.stdout)
            non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk.stdout)
            socket_errors = re.search(r"Socket errors: (.*)", wrk.stdout)
            reads = int(requests[1]) if requests else 0
            print(wrk.stdout)
            print(
                f"{'':>8} {'clients':>8} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}"
            )
            print(
                f"{'reads':>8} {args.readers:>8} {reads:>9} {reads / args.seconds:>7.0f}"
                f" {wrk_ms(wrk.stdout, '50'):>7.1f} {wrk_ms(wrk.stdout, '99'):>7.1f}"
            )
            print(
                f"{'writes':>8} {args.writers:>8} {len(latencies):>9}"
                f" {len(latencies) / elapsed:>7.0f} {_percentile(latencies, 50) * 1000:>7.1f}"
                f" {_percentile(latencies, 99) * 1000:>7.1f}"
            )
            print(
                f"errors: reads {int(non_2xx[1]) if non_2xx else 0} non-2xx"
                f"{', socket ' + socket_errors[1] if socket_errors else ''};"
                f" writes {len(errors)}"
                f"; acknowledged transitions {len(acknowledged)}, lost {len(lost)}"
            )
            print(
                f"coverage counters (certified, in custody, parcels) {tuple(map(int, counted))},"
                f" GROUP BY {tuple(grouped)}: {'equal' if counters_exact else 'DIFFERENT'}"
            )
            for error in errors[:5]:
                print("  ", error)
            if errors or lost or non_2xx or socket_errors or not counters_exact:
                raise SystemExit(1)


if __name__ == "__main__":
    main()
