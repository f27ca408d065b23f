"""What the benchmark scripts share: running wrk and reading its figures, naming map tiles."""

from __future__ import annotations

import math
import re
import subprocess


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
