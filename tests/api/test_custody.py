"""/custody-inventories: the monthly count lists what the undelivered report lists, takes
ticks, closes with the missing ones recorded, is kept, and is written out as XLSX."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from app.domain import clock
from tests.api.conftest import WARD, Keys
from tests.api.test_lifecycle_api import ORIGIN, SIGN, Parcel


def _signed(client: httpx.Client, keys: Keys, feature: dict[str, Any], n: int) -> Parcel:
    parcel = Parcel(client, keys, feature)
    parcel.to("registered", "in_review")
    assert parcel.confirm_origin(ORIGIN).status_code == 200
    parcel.to("eligible")
    signed = parcel.step({**SIGN, "serial": f"DK{700000 + n:06d}", "register_no": f"CS{n:05d}"})
    assert signed.status_code == 200, signed.text
    return parcel


@pytest.fixture
def in_custody(
    client: httpx.Client, keys: Keys, new_parcel: Callable[..., dict[str, Any]]
) -> list[Parcel]:
    return [_signed(client, keys, new_parcel(WARD), n) for n in range(3)]


def _undelivered(client: httpx.Client, keys: Keys, day: str) -> list[str]:
    """The oracle: the serials the undelivered report lists for the ward that day."""
    report = client.get(
        "/reports/undelivered", params={"on": day, "ward": WARD}, headers=keys.registry
    ).json()
    return sorted(c["serial"] for w in report["wards"] for c in w["certificates"])


def test_an_inventory_is_counted_closed_and_kept(
    client: httpx.Client, keys: Keys, in_custody: list[Parcel]
) -> None:
    today = clock.today().isoformat()
    started = client.post(
        "/custody-inventories", json={"ward_code": WARD, "taken_on": today}, headers=keys.registry
    )
    assert started.status_code == 201, started.text
    inventory = started.json()
    items = inventory["items"]
    assert sorted(i["serial"] for i in items) == _undelivered(client, keys, today)
    assert inventory["listed"] == len(items) >= 3 and inventory["unchecked"] == len(items)
    url = f"/custody-inventories/{inventory['id']}"
    lost = items[0]
    for item in items[1:]:
        ticked = client.put(
            f"{url}/items/{item['certificate_id']}", json={"found": True}, headers=keys.registry
        )
        assert ticked.status_code == 200, ticked.text
    closed = client.post(f"{url}/close", headers=keys.registry)
    assert closed.status_code == 200, closed.text
    result = closed.json()
    assert (result["found"], result["missing"], result["unchecked"]) == (len(items) - 1, 1, 0)
    missing = [i for i in result["items"] if i["found"] is False]
    assert [i["certificate_id"] for i in missing] == [lost["certificate_id"]]
    assert result["closed_by"] == "test registry_officer (registry_officer)"
    # kept: closed for good, and listed
    again = client.put(
        f"{url}/items/{lost['certificate_id']}", json={"found": True}, headers=keys.registry
    )
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    listed = client.get("/custody-inventories", headers=keys.inspector).json()
    assert listed[0]["id"] == inventory["id"] and listed[0]["missing"] == 1

    record = client.get(f"{url}.xlsx", headers=keys.inspector)
    assert record.status_code == 200
    sheet = load_workbook(io.BytesIO(record.content)).active
    assert sheet is not None
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0][0].startswith("BIÊN BẢN KIỂM KÊ GIẤY CHỨNG NHẬN")
    header = next(n for n, row in enumerate(cells) if row[0] == "STT")
    body = [row for row in cells[header + 1 :] if isinstance(row[0], int)]
    assert sorted(row[5] for row in body) == sorted(i["serial"] for i in items)
    by_serial = {row[5]: row[10] for row in body}
    assert by_serial[lost["serial"]] == "Không thấy"
    assert {by_serial[i["serial"]] for i in items[1:]} == {"Có"}


def test_one_inventory_of_a_ward_a_day_and_none_of_a_day_to_come(
    client: httpx.Client, keys: Keys, in_custody: list[Parcel]
) -> None:
    today = clock.today().isoformat()
    body = {"ward_code": WARD, "taken_on": today}
    assert client.post("/custody-inventories", json=body, headers=keys.registry).status_code == 201
    twice = client.post("/custody-inventories", json=body, headers=keys.registry)
    assert twice.status_code == 409
    assert "exists already" in twice.json()["detail"]
    town = client.post("/custody-inventories", json={"taken_on": today}, headers=keys.registry)
    assert town.status_code == 201  # the town's own, beside the ward's
    later = client.post(
        "/custody-inventories",
        json={"ward_code": WARD, "taken_on": "2999-01-01"},
        headers=keys.registry,
    )
    assert later.status_code == 422
    unknown = client.post(
        "/custody-inventories",
        json={"ward_code": "99999", "taken_on": today},
        headers=keys.registry,
    )
    assert unknown.status_code == 404


def test_who_counts_and_who_reads(client: httpx.Client, keys: Keys) -> None:
    body = {"taken_on": clock.today().isoformat()}
    for who in (keys.ward, keys.surveyor, keys.inspector, keys.viewer):
        assert client.post("/custody-inventories", json=body, headers=who).status_code == 403
    assert client.post("/custody-inventories", json=body).status_code == 401
    assert client.get("/custody-inventories", headers=keys.ward).status_code == 403
    assert client.get("/custody-inventories", headers=keys.inspector).status_code == 200
    assert client.get("/custody-inventories/999999", headers=keys.registry).status_code == 404
