"""History, as-of reads, retirement, split and merge: nothing is ever lost."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, text

from tests.api.conftest import WARD, Keys, square

NewParcel = Callable[..., dict[str, Any]]


def _patch(
    client: httpx.Client, keys: Keys, parcel_id: int, version: int, body: dict[str, Any]
) -> httpx.Response:
    return client.patch(
        f"/parcels/{parcel_id}", json=body, headers={**keys.registry, "If-Match": f'"{version}"'}
    )


def test_history_keeps_who_when_and_the_previous_values(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel
) -> None:
    parcel_id = new_parcel()["id"]
    _patch(client, keys, parcel_id, 1, {"address": "Thôn Trung"})
    _patch(client, keys, parcel_id, 2, {"holders": [{"name": "Lê Văn Nam", "kind": "household"}]})
    history = client.get(f"/parcels/{parcel_id}/history", headers=keys.registry).json()
    assert [v["version"] for v in history] == [1, 2, 3]
    assert history[1]["changes"] == {"address": {"old": "Thôn Đông", "new": "Thôn Trung"}}
    assert history[2]["changes"]["holders"]["old"][0]["name"] == "Trần Thị Thu Hương"
    assert history[0]["valid_to"] == history[1]["valid_from"]
    assert history[2]["valid_to"] is None
    # anonymous readers see that holders changed nowhere: names stay private
    public = client.get(f"/parcels/{parcel_id}/history").json()
    assert "Lê Văn Nam" not in str(public) and "holders" not in public[2]["changes"]


def test_read_a_parcel_as_of_a_past_time(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel
) -> None:
    parcel_id = new_parcel()["id"]
    _patch(client, keys, parcel_id, 1, {"address": "Thôn Trung"})
    _patch(client, keys, parcel_id, 2, {"address": "Thôn Nội"})
    history = client.get(f"/parcels/{parcel_id}/history").json()
    starts = [datetime.fromisoformat(v["valid_from"]) for v in history]
    expected = ["Thôn Đông", "Thôn Trung", "Thôn Nội"]
    for start, address, version in zip(starts, expected, (1, 2, 3), strict=True):
        at = (start + timedelta(microseconds=1)).isoformat()
        response = client.get(f"/parcels/{parcel_id}", params={"as_of": at})
        assert response.status_code == 200
        assert response.json()["properties"]["address"] == address
        assert response.headers["etag"] == f'"{version}"'
    before = (starts[0] - timedelta(seconds=1)).isoformat()
    too_early = client.get(f"/parcels/{parcel_id}", params={"as_of": before})
    assert too_early.status_code == 404 and "did not exist yet" in too_early.json()["detail"]


def test_as_of_returns_the_old_geometry(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel, connection: Connection
) -> None:
    parcel_id = new_parcel()["id"]
    x, y = connection.execute(
        text("SELECT ST_XMin(geom), ST_YMin(geom) FROM parcel WHERE id = :id"), {"id": parcel_id}
    ).one()
    _patch(
        client,
        keys,
        parcel_id,
        1,
        {"geometry": square(x, y, 25), "crs": 9214, "land_uses": [{"code": "ONT"}]},
    )
    first = client.get(f"/parcels/{parcel_id}/history").json()[0]["valid_from"]
    old = client.get(f"/parcels/{parcel_id}", params={"as_of": first, "crs": "EPSG:9214"}).json()
    now = client.get(f"/parcels/{parcel_id}", params={"crs": "EPSG:9214"}).json()
    assert old["properties"]["area_m2"] == pytest.approx(400) and now["properties"][
        "area_m2"
    ] == pytest.approx(625)
    xs = [pt[0] for pt in old["geometry"]["coordinates"][0][0]]
    assert max(xs) - min(xs) == pytest.approx(20, abs=1e-6)


def test_retired_parcels_stay_readable_and_frozen(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel
) -> None:
    parcel_id = new_parcel()["id"]
    url = f"/parcels/{parcel_id}"
    assert (
        client.post(
            f"{url}/retire",
            json={"reason": "Thu hồi đất làm đường"},
            headers={**keys.surveyor, "If-Match": '"1"'},
        ).status_code
        == 403
    )
    retired = client.post(
        f"{url}/retire",
        json={"reason": "Thu hồi đất làm đường"},
        headers={**keys.registry, "If-Match": '"1"'},
    )
    assert retired.status_code == 200
    props = retired.json()["properties"]
    assert props["retired_reason"] == "Thu hồi đất làm đường" and props["retired_at"]
    assert props["allowed_transitions"] == []
    assert _patch(client, keys, parcel_id, 2, {"address": "x"}).status_code == 422
    move = client.post(
        f"{url}/transitions",
        json={"to": "registered"},
        headers={**keys.registry, "If-Match": '"2"'},
    )
    assert move.status_code == 409 and move.json()["rule"] == "parcel-retired"
    assert client.get(url).status_code == 200


def test_split_into_parts_that_cover_the_parent(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel, connection: Connection
) -> None:
    parcel_id = new_parcel()["id"]
    x, y = connection.execute(
        text("SELECT ST_XMin(geom), ST_YMin(geom) FROM parcel WHERE id = :id"), {"id": parcel_id}
    ).one()

    def half(dx: float, width: float = 10) -> dict[str, Any]:
        ring = [
            [x + dx, y],
            [x + dx + width, y],
            [x + dx + width, y + 20],
            [x + dx, y + 20],
            [x + dx, y],
        ]
        return {"type": "Polygon", "coordinates": [ring]}

    def body(parts: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "crs": 9214,
            "reason": "Tách thửa để tặng cho",
            "parts": [
                {"parcel_no": 5001 + i, "geometry": g, "land_uses": [{"code": "ONT"}]}
                for i, g in enumerate(parts)
            ],
        }

    url = f"/parcels/{parcel_id}/split"
    headers = {**keys.registry, "If-Match": '"1"'}
    gap = client.post(url, json=body([half(0), half(10, 8)]), headers=headers)
    assert gap.status_code == 422 and "cover it exactly" in gap.json()["detail"]
    overlap = client.post(url, json=body([half(0, 12), half(10)]), headers=headers)
    assert overlap.status_code == 422 and "overlap" in overlap.json()["detail"]

    done = client.post(url, json=body([half(0), half(10)]), headers=headers)
    assert done.status_code == 201, done.text
    children = done.json()["children"]
    parent = client.get(f"/parcels/{parcel_id}", headers=keys.registry).json()["properties"]
    assert parent["retired_at"] and str(children[0]) in parent["retired_reason"]
    for child_id in children:
        child = client.get(f"/parcels/{child_id}", headers=keys.registry).json()["properties"]
        assert child["area_m2"] == pytest.approx(200)
        assert child["holders"][0]["name"] == "Trần Thị Thu Hương"  # the holders carry over
    links = connection.execute(
        text("SELECT child_id, kind FROM parcel_lineage WHERE parent_id = :id ORDER BY child_id"),
        {"id": parcel_id},
    ).all()
    assert links == [(c, "split") for c in sorted(children)]


def test_merge_adjacent_parcels(
    client: httpx.Client,
    keys: Keys,
    free_spot: Callable[[str], tuple[float, float]],
    connection: Connection,
) -> None:
    x, y = free_spot(WARD)
    ids = []
    for i, dx in enumerate((0, 20)):
        body = {
            "survey_commune_code": WARD,
            "sheet_no": 98,
            "parcel_no": 100 + i,
            "crs": 9214,
            "geometry": square(x + dx, y),
            "land_uses": [{"code": "CLN"}],
        }
        ids.append(client.post("/parcels", json=body, headers=keys.registry).json()["id"])
    merge = {
        "parcels": {str(i): 1 for i in ids},
        "parcel_no": 200,
        "sheet_no": 98,
        "land_uses": [{"code": "CLN"}],
    }
    stale = client.post(
        "/parcels/merge",
        json={**merge, "parcels": {str(ids[0]): 1, str(ids[1]): 7}},
        headers=keys.registry,
    )
    assert stale.status_code == 412
    merged = client.post("/parcels/merge", json=merge, headers=keys.registry)
    assert merged.status_code == 201, merged.text
    child = client.get(f"/parcels/{merged.json()['child']}").json()["properties"]
    assert child["area_m2"] == pytest.approx(800)
    for parent in ids:
        assert client.get(f"/parcels/{parent}").json()["properties"]["retired_at"]
    kinds = (
        connection.execute(
            text("SELECT DISTINCT kind FROM parcel_lineage WHERE child_id = :c"),
            {"c": merged.json()["child"]},
        )
        .scalars()
        .all()
    )
    assert kinds == ["merge"]


def test_parcels_apart_cannot_merge(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel
) -> None:
    a, b = new_parcel(), new_parcel()
    merge = {
        "parcels": {str(a["id"]): 1, str(b["id"]): 1},
        "parcel_no": 300,
        "land_uses": [{"code": "ONT"}],
    }
    response = client.post("/parcels/merge", json=merge, headers=keys.registry)
    assert response.status_code == 422 and "do not touch" in response.json()["detail"]
