"""Import speed: this service's import against ogr2ogr's plain load, in one run.

    .venv/bin/python bench/import_bench.py --sizes 100000 1000000

For each size it generates the parcels (cached under gis_samples/generated/), then on one
throwaway PostGIS cluster:
  1. ogr2ogr -f PostgreSQL (COPY, native projection, no checks): the baseline;
  2. `parcel-registry import` with every check, into an empty register with the sample wards;
and prints both times, their ratio, and the import's peak memory (max RSS of its process).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.tools import CLI, throwaway_cluster  # noqa: E402
from tests.services.conftest import prepare_register  # noqa: E402
from tests.support import fresh_database  # noqa: E402


def generated(size: int) -> Path:
    """Return the zipped shapefile of `size` parcels, generating it once."""
    out = ROOT / "gis_samples" / "generated" / str(size)
    if not (out / "parcels.zip").exists():
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "gis_samples" / "generate.py"),
                "--parcels",
                str(size),
                "--out",
                str(out),
            ],
            check=True,
        )
    return out / "parcels.zip"


def ogr2ogr(url: str, source: Path) -> float:
    """Load with ogr2ogr (COPY, no reprojection, no checks); return seconds."""
    started = time.perf_counter()
    subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "PostgreSQL",
            f"PG:{url.replace('postgresql://', 'postgresql://')}",
            f"/vsizip/{source}",
            "-nln",
            "baseline",
            "-lco",
            "SPATIAL_INDEX=NONE",
            "--config",
            "PG_USE_COPY",
            "YES",
            "-gt",
            "100000",
            "-nlt",
            "PROMOTE_TO_MULTI",
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def registry_import(url: str, source: Path, workdir: Path) -> tuple[float, float, str]:
    """Import with the service's CLI; return (seconds, peak RSS in MiB, last output lines)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCELS_")}
    env.update(DATABASE_URL=url, PARCELS_UPLOAD_DIR=str(workdir / "uploads"))
    # a go-between process whose only child is the import, so that its children's peak
    # RSS is the import's alone (not the generator's or ogr2ogr's)
    probe = (
        "import resource, subprocess, sys;"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "sys.stdout.write(r.stdout); sys.stderr.write(r.stderr);"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
        "sys.stderr.write('\\nPEAK_KIB=%d\\n' % peak);"
        "sys.exit(r.returncode)"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", probe, CLI, "import", str(source)],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    peak = (
        int(result.stderr.rsplit("PEAK_KIB=", 1)[1].split()[0])
        if "PEAK_KIB=" in result.stderr
        else 0
    )
    if result.returncode != 0:
        raise SystemExit(f"import failed:\n{result.stdout}\n{result.stderr[-2000:]}")
    return seconds, peak / 1024, result.stdout.strip()


def main() -> None:
    """Run the benchmark for each size and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    args = parser.parse_args()
    if shutil.which("ogr2ogr") is None:
        raise SystemExit("ogr2ogr is missing: apt-get install gdal-bin")
    with throwaway_cluster("bench") as (_, server, _):
        print(f"{'parcels':>9} {'ogr2ogr s':>10} {'import s':>9} {'ratio':>6} {'peak MiB':>9}")
        for size in args.sizes:
            source = generated(size)
            with fresh_database(server, "bench_ogr") as url:
                baseline = ogr2ogr(url, source)
            with fresh_database(server, "bench_import") as url:
                prepare_register(url)
                with tempfile.TemporaryDirectory() as work:
                    seconds, peak, output = registry_import(url, source, Path(work))
            ratio = seconds / baseline
            print(f"{size:>9} {baseline:>10.1f} {seconds:>9.1f} {ratio:>6.2f} {peak:>9.0f}")
            print("          " + output.replace("\n", "\n          "))


if __name__ == "__main__":
    main()
