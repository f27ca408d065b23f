"""What the benchmark scripts share: a throwaway cluster, the service started as `make run`
starts it, running wrk and reading its figures, naming map tiles.

The scripts put the project's root on sys.path before importing this module.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.localdb import cluster as localdb
from tests.support import free_port

CLI = str(Path(sys.executable).parent / "parcel-registry")


@contextmanager
def throwaway_cluster(name: str) -> Iterator[tuple[localdb.Cluster, str, Path]]:
    """Yield a local PostGIS cluster of one benchmark run, its registry database's URL (the
    owner's) and a scratch directory; destroy them afterwards."""
    # the cluster's home is its own directory: as root, the cluster runs as another user,
    # which owns that directory and nothing above it
    home = Path(tempfile.mkdtemp(prefix=f"parcel-registry-{name}-"))
    scratch = Path(tempfile.mkdtemp(prefix=f"parcel-registry-{name}-work-"))
    cluster = localdb.Cluster(home=home, port=free_port())
    try:
        yield cluster, localdb.up(cluster), scratch
    finally:
        localdb.destroy(cluster)
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)


def wait_until_up(url: str, proc: subprocess.Popen[bytes], seconds: float = 90) -> None:
    """Wait until `url` answers (below 500); stop with a message if `proc` dies first."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.terminate()
            raise SystemExit(f"{url} did not come up")
        time.sleep(0.3)


@contextmanager
def running(
    command: list[str], env: dict[str, str], ready_url: str, quiet: bool = False
) -> Iterator[None]:
    """Run a server process until the block ends, once `ready_url` answers."""
    output = subprocess.DEVNULL if quiet else None
    proc = subprocess.Popen(command, env=env, stdout=output, stderr=output)
    try:
        wait_until_up(ready_url, proc)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def serving(
    cluster: localdb.Cluster, owner_url: str, database: str | None = None, **settings: str
) -> Iterator[str]:
    """Run the service as `make run` does (its own database role, no samples, no import
    worker) on a database of the cluster; yield its base URL; stop it afterwards.

    `settings`: more environment, e.g. PARCELS_STATS_UPKEEP="false".
    """
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCELS_")}
    env.update(
        DATABASE_URL=cluster.service_url(database),
        MIGRATION_DATABASE_URL=owner_url,
        PORT=str(port),
        PARCELS_LOG_LEVEL="WARNING",
        PARCELS_IMPORT_WORKER="false",
    )
    env.update(settings)
    base = f"http://127.0.0.1:{port}"
    with running([CLI, "serve", "--no-samples"], env, f"{base}/health"):
        yield base


def wrk_ms(output: str, percent: str) -> float:
    """Return a latency percentile (`50`, `99`, ...) of `wrk --latency` output, in ms."""
    match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if match is None:
        return float("nan")
    value, unit = float(match[1]), match[2]
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def wrk(
    url: str, seconds: int, connections: int = 10, warm_s: int = 0
) -> tuple[float, float, float, str]:
    """Run wrk on `url` (after `warm_s` seconds of warm-up); return requests per second, p50
    and p99 in ms, and the errors it counted."""
    base = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", "--latency", "--timeout"]
    if warm_s:
        subprocess.run([*base, "10s", f"-d{warm_s}s", url], capture_output=True, check=True)
    out = subprocess.run(
        [*base, "10s", f"-d{seconds}s", url], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return (
        rps,
        wrk_ms(out, "50"),
        wrk_ms(out, "99"),
        f"{errors[1]} non-2xx" if errors else "0 errors",
    )


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """Return the x, y of the Web Mercator tile of zoom z holding a WGS84 point."""
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)
