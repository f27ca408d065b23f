"""/desks/wards/{ward}: what waits for the commune (origin and time of use to confirm, open
disputes), oldest first with its age; a ward officer of another ward is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Parcel
from app.domain import clock
from tests.api.conftest import OTHER_WARD, WARD, Keys

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
ORIGIN = {
    "origin_confirmed": True,
    "time_of_use_confirmed": True,
    "land_use_since": "1993-07-15",
    "land_uses": [{"code": "ONT", "origin_codes": ["CNQ-CTT"]}],
    "confirmed_on": "2025-02-10",
    "document": "45/XN-UBND",
}


def test_the_queue_holds_the_wards_unconfirmed_parcels_oldest_first(
    client: httpx.Client, keys: Keys, session: Session, new_parcel: Callable[..., dict[str, Any]]
) -> None:
    made = [new_parcel(WARD) for _ in range(3)] + [new_parcel(OTHER_WARD)]
    confirmed = made[1]
    answer = client.put(
        f"/parcels/{confirmed['id']}/origin",
        json=ORIGIN,
        headers={**keys.ward, "If-Match": f'"{confirmed["properties"]["version"]}"'},
    )
    assert answer.status_code == 200, answer.text
    queue = client.get(f"/desks/wards/{WARD}/awaiting", params={"limit": 500}, headers=keys.ward)
    assert queue.status_code == 200, queue.text
    body = queue.json()
    # the oracle: the ward's parcels read through the ORM, filtered and sorted in Python
    session.expire_all()
    parcels = session.scalars(select(Parcel).where(Parcel.ward_code == WARD)).all()
    waiting = sorted(
        (
            p
            for p in parcels
            if p.retired_at is None and not (p.origin_confirmed and p.time_of_use_confirmed)
        ),
        key=lambda p: (p.created_at, p.id),
    )
    assert body["total"] == len(waiting)
    assert [p["id"] for p in body["parcels"]] == [p.id for p in waiting][:500]
    assert confirmed["id"] not in {p["id"] for p in body["parcels"]}
    assert made[3]["id"] not in {p["id"] for p in body["parcels"]}
    today = clock.today()
    for shown, parcel in zip(body["parcels"], waiting, strict=False):
        assert shown["age_days"] == max(
            0, (today - parcel.created_at.astimezone(VIETNAM).date()).days
        )
        assert shown["version"] == parcel.version
    mine = next(p for p in body["parcels"] if p["id"] == made[0]["id"])
    assert mine["land_uses"][0]["code"] == "ONT" and mine["address"] == "Thôn Đông"
    page = client.get(
        f"/desks/wards/{WARD}/awaiting", params={"limit": 1, "offset": 1}, headers=keys.ward
    ).json()
    assert [p["id"] for p in page["parcels"]] == [p.id for p in waiting][1:2]


def test_the_open_disputes_with_their_parties_and_age(
    client: httpx.Client, keys: Keys, new_parcel: Callable[..., dict[str, Any]]
) -> None:
    parcel = new_parcel(WARD)
    opened = client.post(
        f"/parcels/{parcel['id']}/disputes",
        json={
            "opened_on": "2025-01-02",
            "kind": "boundary",
            "description": "Tranh chấp ranh giới phía đông",
            "parties": ["Lê Thị Hoa"],
        },
        headers={**keys.ward, "If-Match": f'"{parcel["properties"]["version"]}"'},
    )
    assert opened.status_code == 201, opened.text
    listed = client.get(f"/desks/wards/{WARD}/disputes", headers=keys.ward).json()["disputes"]
    mine = [d for d in listed if d["parcel_id"] == parcel["id"]]
    assert len(mine) == 1
    assert mine[0]["parties"] == ["Lê Thị Hoa"] and mine[0]["kind"] == "boundary"
    assert mine[0]["age_days"] == (clock.today() - clock.today().replace(2025, 1, 2)).days
    assert [d["opened_on"] for d in listed] == sorted(d["opened_on"] for d in listed)


def test_another_wards_desk_is_refused(client: httpx.Client, keys: Keys) -> None:
    for path in ("awaiting", "disputes"):
        refused = client.get(f"/desks/wards/{OTHER_WARD}/{path}", headers=keys.ward)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert client.get(f"/desks/wards/{WARD}/{path}").status_code == 401
        assert client.get(f"/desks/wards/{WARD}/{path}", headers=keys.surveyor).status_code == 403
        assert client.get(f"/desks/wards/{WARD}/{path}", headers=keys.registry).status_code == 200
        assert client.get(f"/desks/wards/99999/{path}", headers=keys.admin).status_code == 404
