"""Concurrent writers on a committed database: one wins, the other gets a clear 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.config import PROJECT_ROOT, Settings, to_sqlalchemy_url
from app.db import migrate
from app.domain.permissions import Role
from app.main import create_app
from app.services import apikeys, samples
from tests.api.conftest import WARD
from tests.support import SETUP, fresh_database, live_server


@pytest.fixture(scope="module")
def committed(server_url: str) -> Iterator[tuple[str, dict[str, str], str]]:
    """Yield (base URL, registry officer's headers, database URL) of an app that commits."""
    with fresh_database(server_url, "concurrency") as url:
        migrate.upgrade(url)
        engine = create_engine(to_sqlalchemy_url(url))
        samples.load_if_empty(engine=engine, directory=PROJECT_ROOT / "gis_samples")
        with Session(engine) as session, session.begin():
            _, key = apikeys.create(
                session=session, actor=SETUP, name="officer", role=Role.REGISTRY_OFFICER
            )
        engine.dispose()
        settings = Settings(DATABASE_URL=url)  # type: ignore[call-arg]
        with live_server(create_app(settings)) as base:
            yield base, {"Authorization": f"Bearer {key}"}, url


def _parcel(x: float, number: int) -> dict[str, Any]:
    ring = [[x, 2_353_000.0], [x + 10, 2_353_000.0], [x + 10, 2_353_010.0], [x, 2_353_010.0]]
    return {
        "survey_commune_code": WARD,
        "sheet_no": 500,
        "parcel_no": number,
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
        "crs": 9214,
        "land_uses": [{"code": "ONT"}],
    }


def test_two_registrations_of_one_key_at_once(committed: tuple[str, dict[str, str], str]) -> None:
    base, headers, _ = committed
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        # a fresh spot each time, between the villages
        spots = iter(range(0, 100))
        for attempt in range(5):
            bodies = [_parcel(408_000.0 + 30 * next(spots), 1000 + attempt)] * 2
            with ThreadPoolExecutor(2) as pool:
                statuses = sorted(
                    r.status_code
                    for r in pool.map(lambda b: client.post("/parcels", json=b), bodies)
                )
            assert statuses == [201, 409], statuses


def test_two_transitions_from_one_version(committed: tuple[str, dict[str, str], str]) -> None:
    base, headers, _ = committed
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for attempt in range(5):
            created = client.post(
                "/parcels", json=_parcel(409_000.0 + 30 * attempt, 2000 + attempt)
            )
            assert created.status_code == 201, created.text
            url = f"/parcels/{created.json()['id']}/transitions"
            with ThreadPoolExecutor(2) as pool:
                responses = list(
                    pool.map(
                        lambda target: client.post(
                            target, json={"to": "registered"}, headers={"If-Match": '"1"'}
                        ),
                        [url, url],
                    )
                )
            assert sorted(r.status_code for r in responses) == [200, 412]
            history = client.get(f"/parcels/{created.json()['id']}/history").json()
            assert [v["action"] for v in history] == ["create", "transition:registered"]
