"""Coverage statistics: GET /stats/wards (counters kept by triggers) against a plain GROUP BY.

    .venv/bin/python bench/stats_bench.py [--sizes 100000 1000000] [--seconds 15]

For each size, on a throwaway PostGIS, it loads a generated register (cached under
gis_samples/generated/) through the service's own import, puts a mix of statuses, disputes
and confirmations on it in bulk SQL (through the counters' triggers, as any write is), runs
`stat_compact()` and VACUUM ANALYZE, starts the service as `make run` does, and checks that
its per-ward figures equal a GROUP BY over the parcels before it measures, in the same run:
  1. GET /stats/wards one request at a time (httpx, keep-alive): p50 and p99, the latency;
  2. GET /stats/wards with wrk (2 threads, 4 connections): requests per second, p50, p99;
  3. the plain GROUP BY over the parcels giving the same per-ward figures (psycopg2), with the
     server's settings and again with JIT off; the ratio takes the faster;
  4. the counters' SQL alone (psycopg2), and the stages of the answer in-process (SQL through
     SQLAlchemy, building the document, JSON rendering): where time goes.
It prints the load average before measuring (other work on the same cores shows in every
figure), one table for all sizes, and whether the goals hold: p50 under 10 ms, at least 20x
faster than the GROUP BY at the largest size, and the largest size's p50 within 1.5x of the
smallest's.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg2
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.api import stats as stats_api  # noqa: E402
from app.config import to_sqlalchemy_url  # noqa: E402
from app.db import coverage_sql  # noqa: E402
from app.domain import progress  # noqa: E402
from app.localdb import cluster as localdb  # noqa: E402
from app.services import coverage  # noqa: E402
from bench.import_bench import generated, registry_import  # noqa: E402
from bench.tools import serving, throwaway_cluster, wrk  # noqa: E402
from tests.services.conftest import prepare_register  # noqa: E402
from tests.support import fresh_database  # noqa: E402

# Statuses by a uniform draw u, shifted per ward so that wards differ in progress (f from 0.55
# to 0.95): certified 25-43%, then eligible 8%, ineligible 2%, returned 5%, in review 12%,
# registered 18%, the rest unregistered. Whoever is eligible or further has both
# confirmations; others have them by chance. Disputes (4%) only among the not yet eligible.
MIX_SQL = """
UPDATE parcel p SET
    status = CASE
        WHEN r.u < 0.10 * r.f THEN 'signed'
        WHEN r.u < 0.45 * r.f THEN 'delivered'
        WHEN r.u < 0.45 * r.f + 0.08 THEN 'eligible'
        WHEN r.u < 0.45 * r.f + 0.10 THEN 'ineligible'
        WHEN r.u < 0.45 * r.f + 0.15 THEN 'returned'
        WHEN r.u < 0.45 * r.f + 0.27 THEN 'in_review'
        WHEN r.u < 0.45 * r.f + 0.45 THEN 'registered'
        ELSE 'unregistered'
    END,
    origin_confirmed = r.u < 0.45 * r.f + 0.08 OR r.e < 0.55,
    time_of_use_confirmed = r.u < 0.45 * r.f + 0.08 OR r.e < 0.45,
    disputed = r.u >= 0.45 * r.f + 0.10 AND r.d < 0.04
FROM (
    SELECT id, random() AS u, random() AS e, random() AS d,
           0.55 + (ward_code::int % 5) * 0.1 AS f
    FROM parcel
) r
WHERE p.id = r.id
"""

# what a reader would write without the counters: the same per-ward figures from the parcels
CERTIFIED = "status IN ('signed', 'delivered')"
GROUP_BY_SQL = f"""
SELECT ward_code,
       count(*) AS parcels,
       sum(area_m2) AS area_m2,
       count(*) FILTER (WHERE status <> 'unregistered') AS registered,
       count(*) FILTER (WHERE {CERTIFIED}) AS certified,
       coalesce(sum(area_m2) FILTER (WHERE {CERTIFIED}), 0) AS certified_area_m2,
       count(*) FILTER (WHERE origin_confirmed AND time_of_use_confirmed) AS confirmed,
       count(*) FILTER (WHERE disputed) AS open_disputes,
       count(*) FILTER (WHERE status = 'signed') AS in_custody
FROM parcel
WHERE retired_at IS NULL
GROUP BY ward_code
ORDER BY ward_code
"""
COMPARED = (
    "parcels",
    "area_m2",
    "registered",
    "certified",
    "certified_area_m2",
    "confirmed",
    "open_disputes",
    "in_custody",
)


@dataclass
class Figures:
    """What one size measured, in ms unless named otherwise."""

    size: int
    wards: int
    body_kib: float
    seq: tuple[float, float]
    health: tuple[float, float]
    wrk: tuple[float, float, float, str]
    group_by: tuple[float, float]
    group_by_no_jit: tuple[float, float]
    plan: str
    state_sql: tuple[float, float]
    recent_sql: tuple[float, float]
    stages: dict[str, float] = field(default_factory=dict)


def _pq(samples: list[float]) -> tuple[float, float]:
    """Return the p50 and p99 of `samples`."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[98]


def _times(run: Callable[[], object], repeats: int, warm: int = 3) -> list[float]:
    """Return the wall time of each of `repeats` calls of `run`, in ms, after `warm` calls."""
    for _ in range(warm):
        run()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _psycopg2_sql(statement: str) -> str:
    """Return SQLAlchemy's `:name` parameters written as psycopg2's `%(name)s`."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", statement)


def _prepare(url: str, size: int, work: Path) -> None:
    """Load `size` parcels through the import, give them a mix of statuses, compact."""
    seconds, _, _ = registry_import(url, generated(size), work)
    print(f"{size}: loaded through the import in {seconds:.0f} s", flush=True)
    started = time.perf_counter()
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT setseed(0.2026)")
            cur.execute(MIX_SQL)
            updated = cur.rowcount
            cur.execute("SELECT stat_compact()")
            folded = cur.fetchone()[0]  # type: ignore[index]
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    finally:
        conn.close()
    print(
        f"{size}: statuses on {updated} parcels, {folded} counter rows folded, vacuumed in"
        f" {time.perf_counter() - started:.0f} s",
        flush=True,
    )


def _verify(wards: list[dict[str, Any]], url: str) -> None:
    """Stop the run unless the service's per-ward figures equal the GROUP BY's."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(GROUP_BY_SQL)
            names = [d.name for d in cur.description]  # type: ignore[union-attr]
            expected = {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}
    finally:
        conn.close()
    wrong = []
    for ward in wards:
        want = expected.pop(ward["ward_code"], None)
        for name in COMPARED:
            got, ought = ward[name], float(want[name]) if want else 0.0
            if not math.isclose(got, ought, rel_tol=1e-12, abs_tol=0.005):
                wrong.append(f"ward {ward['ward_code']} {name}: service {got}, GROUP BY {ought}")
    wrong += [f"ward {code}: missing from the service's answer" for code in expected]
    if wrong:
        raise SystemExit("/stats/wards disagrees with the GROUP BY:\n  " + "\n  ".join(wrong))


def _recent_params(day: date) -> dict[str, date]:
    """Return the parameters coverage_sql.figures() binds for `day` (same arithmetic)."""
    rate_days = progress.RATE_WEEKS * 7
    month_start = day.replace(day=1)
    return {
        "day": day,
        "since": min(month_start - timedelta(days=1), day - timedelta(days=rate_days)),
        "month_start": month_start,
        "rate_since": day - timedelta(days=rate_days),
        "week_since": day - timedelta(days=7),
    }


def _stages(url: str, day: date, repeats: int) -> dict[str, float]:
    """Return the p50 of each stage of the answer, run in this process, in ms."""
    engine = create_engine(to_sqlalchemy_url(url))
    stages: dict[str, float] = {}
    try:
        with Session(engine) as session, session.begin():
            rate_days = progress.RATE_WEEKS * 7
            document = coverage.as_of(session, day)
            body = {"as_of": day, "wards": document["wards"]}
            for name, run in (
                ("figures() via SQLAlchemy", lambda: coverage_sql.figures(session, day, rate_days)),
                ("lookups() via SQLAlchemy", lambda: coverage_sql.lookups(session)),
                ("as_of(): SQL and document", lambda: coverage.as_of(session, day)),
                ("JSON rendering", lambda: stats_api._dumps(body)),
            ):
                stages[name] = statistics.median(_times(run, repeats))
    finally:
        engine.dispose()
    return stages


def _plan(cur: Any) -> str:
    """Return how PostgreSQL ran the GROUP BY: parallel workers launched, JIT or not."""
    cur.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + GROUP_BY_SQL)
    plan = "\n".join(row[0] for row in cur.fetchall())
    workers = re.search(r"Workers Launched: (\d+)", plan)
    jit = re.search(r"Functions: (\d+).*?Total ([\d.]+) ms", plan, re.DOTALL)
    return f"{workers[1] if workers else 0} parallel workers, " + (
        f"JIT {jit[2]} ms for {jit[1]} functions" if jit else "no JIT"
    )


def _measure(cluster: localdb.Cluster, url: str, size: int, args: argparse.Namespace) -> Figures:
    # other work on the same cores shows in every figure below
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"{size}: load average before measuring {load}", flush=True)
    with serving(cluster, url, url.rsplit("/", 1)[1]) as base:
        stats_url = f"{base}/stats/wards"
        with httpx.Client(timeout=60) as client:
            response = client.get(stats_url)
            response.raise_for_status()
            wards = response.json()["wards"]
            _verify(wards, url)
            print(f"{size}: /stats/wards equals the GROUP BY for {len(wards)} wards", flush=True)
            seq = _times(lambda: client.get(stats_url).raise_for_status(), args.requests, 20)
            # the floor of any answer: GET /health, one small query, same client and stack
            health = _times(lambda: client.get(f"{base}/health"), args.requests, 20)
        rates = wrk(stats_url, args.seconds, connections=4, warm_s=3)
    day = coverage.check_day(None)
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            group_by = _times(lambda: (cur.execute(GROUP_BY_SQL), cur.fetchall()), args.repeats)
            plan = _plan(cur)
            # past jit_above_cost, JIT compiles the aggregate on every run: the ratio takes the
            # faster of the two
            cur.execute("SET jit = off")
            no_jit = _times(lambda: (cur.execute(GROUP_BY_SQL), cur.fetchall()), args.repeats)
            cur.execute("RESET jit")
            state_sql = _psycopg2_sql(coverage_sql.FIGURES_SQL.text)
            params = _recent_params(day)
            state = _times(
                lambda: (cur.execute(state_sql, params), cur.fetchall()), args.repeats * 5
            )
            recent_sql = _psycopg2_sql(coverage_sql.LOOKUPS_SQL.text)
            recent = _times(lambda: (cur.execute(recent_sql), cur.fetchall()), args.repeats * 5)
    finally:
        conn.close()
    return Figures(
        size=size,
        wards=len(wards),
        body_kib=len(response.content) / 1024,
        seq=_pq(seq),
        health=_pq(health),
        wrk=rates,
        group_by=_pq(group_by),
        group_by_no_jit=_pq(no_jit),
        plan=plan,
        state_sql=_pq(state),
        recent_sql=_pq(recent),
        stages=_stages(url, day, args.repeats * 5),
    )


def _ratio(r: Figures) -> float:
    """Return the faster GROUP BY's p50 over /stats/wards' sequential p50."""
    return min(r.group_by[0], r.group_by_no_jit[0]) / r.seq[0]


def _report(rows: list[Figures]) -> None:
    print()
    print(
        f"{'parcels':>9} {'KiB':>4} {'p50/p99 ms':>11} {'wrk req/s':>9} {'wrk p50/p99':>12}"
        f" {'GROUP BY p50/p99':>17} {'no JIT p50/p99':>15} {'ratio':>6}"
    )
    for r in rows:
        print(
            f"{r.size:>9} {r.body_kib:>4.0f} {f'{r.seq[0]:.1f}/{r.seq[1]:.1f}':>11}"
            f" {r.wrk[0]:>9.1f} {f'{r.wrk[1]:.1f}/{r.wrk[2]:.1f}':>12}"
            f" {f'{r.group_by[0]:.0f}/{r.group_by[1]:.0f}':>17}"
            f" {f'{r.group_by_no_jit[0]:.0f}/{r.group_by_no_jit[1]:.0f}':>15}"
            f" {_ratio(r):>6.1f}"
        )
    for r in rows:
        print(f"{r.size}: {r.wards} wards; wrk {r.wrk[3]}; GROUP BY with {r.plan}")
    print()
    print("where the time of one answer goes (p50 ms):")
    for r in rows:
        print(f"  {r.size} parcels:")
        print(f"    {'GET /health over HTTP':<28} {r.health[0]:>7.2f}")
        print(f"    {'FIGURES_SQL, psycopg2':<28} {r.state_sql[0]:>7.2f}")
        print(f"    {'LOOKUPS_SQL, psycopg2':<28} {r.recent_sql[0]:>7.2f}")
        for name, ms in r.stages.items():
            print(f"    {name:<28} {ms:>7.2f}")
    print()
    fast = all(r.seq[0] < 10 for r in rows)
    print(f"p50 under 10 ms at every size: {'yes' if fast else 'NO'}")
    # the GROUP BY grows with the register and the counters do not: the ratio is judged at
    # the largest size (the reference is about 230 ms at 1M)
    ratio = _ratio(rows[-1])
    print(
        f"at least 20x faster than the GROUP BY at {rows[-1].size}:"
        f" {'yes' if ratio >= 20 else 'NO'} ({ratio:.1f}x)"
    )
    if len(rows) > 1:
        growth = rows[-1].seq[0] / rows[0].seq[0]
        flat = growth <= 1.5
        print(
            f"flat ({rows[-1].size} p50 within 1.5x of {rows[0].size} p50):"
            f" {'yes' if flat else 'NO'} ({growth:.2f}x)"
        )


def main() -> None:
    """Run the benchmark for each size and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seconds", type=int, default=15, help="wrk's duration")
    parser.add_argument("--requests", type=int, default=200, help="sequential requests")
    parser.add_argument("--repeats", type=int, default=20, help="GROUP BY runs")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    rows = []
    with throwaway_cluster("sbench") as (cluster, server, _):
        for size in args.sizes:
            with fresh_database(server, "sbench") as url, tempfile.TemporaryDirectory() as work:
                prepare_register(url)
                _prepare(url, size, Path(work))
                rows.append(_measure(cluster, url, size, args))
    _report(rows)


if __name__ == "__main__":
    main()
