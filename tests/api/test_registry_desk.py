"""/desks/registry: the certificate pipeline counted per ward and status, and the parcels
behind a count, for registry officers only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Parcel
from app.domain.lifecycle import STATUSES
from tests.api.conftest import WARD, Keys


def test_the_pipeline_counts_every_ward_and_status(
    client: httpx.Client, keys: Keys, session: Session, new_parcel: Callable[..., dict[str, Any]]
) -> None:
    made = new_parcel(WARD)
    moved = client.post(
        f"/parcels/{made['id']}/transitions",
        json={"to": "registered"},
        headers={**keys.registry, "If-Match": '"1"'},
    )
    assert moved.status_code == 200, moved.text
    answer = client.get("/desks/registry/pipeline", headers=keys.registry)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # the oracle: the parcels read through the ORM, counted in Python
    session.expire_all()
    current = [p for p in session.scalars(select(Parcel)).all() if p.retired_at is None]
    counted = Counter((p.ward_code, p.status) for p in current)
    assert body["statuses"] == list(STATUSES)
    shown = {
        (w["ward_code"], status): n
        for w in body["wards"]
        for status, n in w["by_status"].items()
        if n
    }
    assert shown == dict(counted)
    assert body["town"] == {
        s: sum(n for (_, st), n in counted.items() if st == s) for s in STATUSES
    }


def test_the_list_behind_a_count_is_the_longest_unchanged_first(
    client: httpx.Client, keys: Keys, session: Session, new_parcel: Callable[..., dict[str, Any]]
) -> None:
    for _ in range(3):
        new_parcel(WARD)
    answer = client.get(
        "/desks/registry/parcels",
        params={"status": "unregistered", "ward": WARD, "limit": 500},
        headers=keys.registry,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    session.expire_all()
    expected = sorted(
        (
            p
            for p in session.scalars(select(Parcel).where(Parcel.ward_code == WARD)).all()
            if p.retired_at is None and p.status == "unregistered"
        ),
        key=lambda p: (p.updated_at, p.id),
    )
    assert body["total"] == len(expected)
    assert [p["id"] for p in body["parcels"]] == [p.id for p in expected][:500]
    assert all(p["allowed_transitions"] == ["registered"] for p in body["parcels"])
    assert {p["version"] for p in body["parcels"]} >= {1}


def test_only_the_registry_reads_the_pipeline(client: httpx.Client, keys: Keys) -> None:
    assert client.get("/desks/registry/pipeline").status_code == 401
    for who in (keys.ward, keys.surveyor, keys.viewer):
        refused = client.get("/desks/registry/pipeline", headers=who)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
    bad = client.get("/desks/registry/parcels", params={"status": "lost"}, headers=keys.registry)
    assert bad.status_code == 422
