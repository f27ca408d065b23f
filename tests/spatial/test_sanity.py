"""Coordinates that cannot be a Vietnamese parcel are caught with a hint (pure)."""

from __future__ import annotations

import numpy as np
import pytest

from app.spatial.sanity import coordinate_problem, plausible_bounds

VIET_YEN_TM3 = (406_600.0, 2_353_000.0, 406_620.0, 2_353_020.0)
VIET_YEN_LONLAT = (106.10, 21.27, 106.1002, 21.2702)


def test_good_coordinates_pass() -> None:
    assert coordinate_problem(VIET_YEN_TM3, 9214) is None
    assert coordinate_problem(VIET_YEN_LONLAT, 4326) is None
    assert coordinate_problem(VIET_YEN_LONLAT, 4756) is None


@pytest.mark.parametrize(
    ("bounds", "srid", "hint"),
    [
        ((2_353_000.0, 406_600.0, 2_353_020.0, 406_620.0), 9214, "northing, easting"),
        ((21.27, 106.10, 21.2702, 106.1002), 4326, "latitude, longitude"),
        (VIET_YEN_TM3, 4326, "metres, not degrees"),
        (VIET_YEN_LONLAT, 9214, "degrees, not metres"),
        ((40_000.0, 5_000_000.0, 40_020.0, 5_000_020.0), 9214, "outside Vietnam"),
        ((2.35, 48.85, 2.36, 48.86), 4326, "outside Vietnam"),
        ((float("nan"), 0.0, 1.0, 1.0), 9214, "not finite"),
        ((1e308, 1e308, float("inf"), 1e308), 9214, "not finite"),
    ],
)
def test_wrong_coordinates_get_a_hint(
    bounds: tuple[float, float, float, float], srid: int, hint: str
) -> None:
    problem = coordinate_problem(bounds, srid)
    assert problem is not None and hint in problem


@pytest.mark.parametrize("srid", [9214, 32648, 4326, 4756])
def test_the_vectorised_check_agrees_with_the_one_that_explains(srid: int) -> None:
    # the import checks whole arrays at once and asks coordinate_problem only for the rest:
    # both must draw the line in the same place, edges and non-numbers included
    rng = np.random.default_rng(srid)
    edges = [0.0, 7.0, 24.5, 101.0, 118.0, 700_000.0, 100_000.0, 900_000.0, 2_800_000.0]
    values = np.concatenate(
        [
            rng.uniform(-10, 3_000_000, 4000),
            rng.uniform(0, 130, 4000),
            rng.uniform(7, 24.5, 4000),
            rng.uniform(101, 118, 4000),
            np.array(edges + [np.nan, np.inf, -np.inf, 1e308] * 5),
        ]
    )
    bounds = rng.choice(values, size=(40_000, 4))
    expected = [coordinate_problem((b[0], b[1], b[2], b[3]), srid) is None for b in bounds]
    assert plausible_bounds(bounds, srid).tolist() == expected
    assert any(expected) and not all(expected)
