"""The audit trail: each write is attributable, the log is append-only, inspectors read it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from tests.api.conftest import WARD, Keys

NewParcel = Callable[..., dict[str, Any]]


def _events(connection: Connection, request_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        text("SELECT * FROM audit_event WHERE request_id = :r ORDER BY id"), {"r": request_id}
    ).mappings()
    return [dict(r) for r in rows]


def test_a_write_records_who_when_which_request_and_the_values_before_and_after(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel, connection: Connection
) -> None:
    parcel = new_parcel()
    url = f"/parcels/{parcel['id']}"
    moved = client.post(
        f"{url}/transitions",
        json={"to": "registered"},
        headers={**keys.registry, "If-Match": '"1"', "X-Request-ID": "req-transition-1"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.headers["X-Request-ID"] == "req-transition-1"
    [event] = _events(connection, "req-transition-1")
    assert event["actor"] == "test registry_officer (registry_officer)"
    assert event["role"] == "registry_officer" and event["key_id"] is not None
    assert event["action"] == "transition:registered"
    assert (event["target_type"], event["target_id"]) == ("parcel", str(parcel["id"]))
    assert (event["parcel_id"], event["ward_code"]) == (parcel["id"], WARD)
    assert event["before"]["status"] == "unregistered"
    assert event["after"]["status"] == "registered"
    assert datetime.now(event["at"].tzinfo) - event["at"] < timedelta(minutes=5)


def test_creation_records_the_whole_parcel_and_anonymous_writes_are_recorded_too(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel, connection: Connection
) -> None:
    parcel = new_parcel()
    created = (
        connection.execute(
            text("SELECT * FROM audit_event WHERE parcel_id = :id AND action = 'create'"),
            {"id": parcel["id"]},
        )
        .mappings()
        .one()
    )
    assert created["before"] is None
    assert created["after"]["holders"][0]["name"] == "Trần Thị Thu Hương"
    assert created["request_id"]  # made up by the service when the client sends none

    complaint = client.post(
        "/complaints",
        json={"content": "Chưa nhận được sổ.", "parcel_id": parcel["id"]},
        headers={"X-Request-ID": "req-complaint-1"},
    )
    assert complaint.status_code == 201, complaint.text
    [event] = _events(connection, "req-complaint-1")
    assert event["actor"] == "anonymous (anonymous)" and event["role"] is None
    assert event["action"] == "complaint.submit" and event["ward_code"] == WARD
    assert event["after"]["content"] == "Chưa nhận được sổ."


def test_a_request_id_that_is_not_plain_is_replaced(client: httpx.Client) -> None:
    response = client.get("/health", headers={"X-Request-ID": "x" * 65})
    assert response.headers["X-Request-ID"] != "x" * 65
    assert len(response.headers["X-Request-ID"]) == 32
    assert client.get("/health").headers["X-Request-ID"] != response.headers["X-Request-ID"]


def test_a_refused_write_leaves_no_event(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel, connection: Connection
) -> None:
    parcel = new_parcel()
    refused = client.post(
        f"/parcels/{parcel['id']}/transitions",
        json={"to": "registered"},
        headers={**keys.other_ward, "If-Match": '"1"', "X-Request-ID": "req-refused-1"},
    )
    assert refused.status_code == 403
    assert _events(connection, "req-refused-1") == []


def test_inspectors_and_admins_read_the_log_with_filters(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel
) -> None:
    first, second = new_parcel(), new_parcel()
    client.post(
        f"/parcels/{second['id']}/transitions",
        json={"to": "registered"},
        headers={**keys.registry, "If-Match": '"1"'},
    )
    for headers in (keys.inspector, keys.admin):
        page = client.get("/audit", params={"parcel": second["id"]}, headers=headers)
        assert page.status_code == 200, page.text
        actions = [e["action"] for e in page.json()["events"]]
        assert actions == ["create", "transition:registered"]
    by_ward = client.get("/audit", params={"ward": WARD, "limit": 1000}, headers=keys.inspector)
    ids = {e["parcel_id"] for e in by_ward.json()["events"]}
    assert {first["id"], second["id"]} <= ids
    assert all(e["ward_code"] == WARD for e in by_ward.json()["events"])
    by_actor = client.get(
        "/audit", params={"actor": "test registry_officer", "limit": 1000}, headers=keys.admin
    ).json()["events"]
    assert by_actor and all(e["role"] == "registry_officer" for e in by_actor)
    future = (datetime.now().astimezone() + timedelta(days=1)).isoformat()
    later = client.get("/audit", params={"since": future}, headers=keys.inspector)
    assert later.status_code == 200 and later.json()["events"] == []


def test_pages_follow_on_without_gaps(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel
) -> None:
    for _ in range(3):
        new_parcel()
    seen: list[int] = []
    url: str | None = "/audit?action=create&limit=2"
    while url is not None:
        body = client.get(url, headers=keys.inspector).json()
        seen += [e["id"] for e in body["events"]]
        url = body["next"]
    assert len(seen) >= 3 and seen == sorted(set(seen))


def test_the_export_is_every_matching_event_as_csv_with_vietnamese_headings(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel, connection: Connection
) -> None:
    import csv
    import io
    import json

    for _ in range(3):
        new_parcel()
    answer = client.get(
        "/audit", params={"ward": WARD, "format": "csv", "limit": 1}, headers=keys.inspector
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.text.startswith("\ufeff")
    head, *rows = list(csv.reader(io.StringIO(answer.text.removeprefix("\ufeff"))))
    assert head[:5] == [
        "Mã sự kiện",
        "Thời điểm (giờ Việt Nam)",
        "Người thực hiện",
        "Vai trò",
        "Thao tác",
    ]
    # the oracle: the table, read straight; no paging in an export (limit is for pages)
    expected = connection.execute(
        text("SELECT id, action, after FROM audit_event WHERE ward_code = :w ORDER BY id"),
        {"w": WARD},
    ).all()
    assert [int(r[0]) for r in rows] == [e.id for e in expected] and len(rows) >= 3
    for row, event in zip(rows, expected, strict=True):
        assert row[5] == event.action
        assert json.loads(row[12] or "null") == event.after
    created = [r for r in rows if r[5] == "create"]
    assert created and all(r[4] == "Đăng ký thửa mới" for r in created)
    assert all(r[3] == "Cán bộ Văn phòng đăng ký đất đai" for r in created)


@pytest.mark.parametrize("who", ["anonymous", "registry", "ward", "viewer", "surveyor"])
def test_others_may_not_read_the_log(client: httpx.Client, keys: Keys, who: str) -> None:
    headers = {} if who == "anonymous" else getattr(keys, who)
    response = client.get("/audit", headers=headers)
    assert response.status_code == (401 if who == "anonymous" else 403)
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET actor = 'someone else'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
    ],
)
def test_the_log_cannot_be_rewritten_even_by_the_owner(
    client: httpx.Client, new_parcel: NewParcel, connection: Connection, statement: str
) -> None:
    new_parcel()
    with pytest.raises(DBAPIError, match="append-only"), connection.begin_nested():
        connection.execute(text(statement))
