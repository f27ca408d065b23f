"""What the benchmark scripts share: reading wrk's figures, naming map tiles."""

from __future__ import annotations

import math
import re


def wrk_ms(output: str, percent: str) -> float:
    """Return a latency percentile (`50`, `99`, ...) of `wrk --latency` output, in ms."""
    match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if match is None:
        return float("nan")
    value, unit = float(match[1]), match[2]
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """Return the x, y of the Web Mercator tile of zoom z holding a WGS84 point."""
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)
