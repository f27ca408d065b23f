"""Idempotency-Key on certificate transitions: a retry after a lost reply does not act twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import Connection, text

from tests.api.conftest import Keys

NewParcel = Callable[..., dict[str, Any]]


def _move(
    client: httpx.Client, keys: Keys, parcel_id: int, to: str, etag: str, key: str | None
) -> httpx.Response:
    headers = {**keys.registry, "If-Match": etag}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(f"/parcels/{parcel_id}/transitions", json={"to": to}, headers=headers)


def _versions(connection: Connection, parcel_id: int) -> int:
    return int(
        connection.execute(
            text("SELECT count(*) FROM parcel_version WHERE parcel_id = :id"), {"id": parcel_id}
        ).scalar_one()
    )


def test_a_retry_with_the_same_key_gets_the_first_answer_and_changes_nothing(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel, connection: Connection
) -> None:
    parcel_id = new_parcel()["id"]
    first = _move(client, keys, parcel_id, "registered", '"1"', "retry-1")
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    again = _move(client, keys, parcel_id, "registered", '"1"', "retry-1")
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["content-type"] == first.headers["content-type"]
    assert _versions(connection, parcel_id) == 2
    events = connection.execute(
        text("SELECT count(*) FROM audit_event WHERE parcel_id = :id AND action LIKE 'trans%'"),
        {"id": parcel_id},
    ).scalar_one()
    assert events == 1


def test_without_a_key_the_retry_is_refused_as_stale(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel
) -> None:
    parcel_id = new_parcel()["id"]
    assert _move(client, keys, parcel_id, "registered", '"1"', None).status_code == 200
    assert _move(client, keys, parcel_id, "registered", '"1"', None).status_code == 412


def test_the_same_key_on_another_request_is_refused(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel, connection: Connection
) -> None:
    first, second = new_parcel()["id"], new_parcel()["id"]
    assert _move(client, keys, first, "registered", '"1"', "reused").status_code == 200
    reused = _move(client, keys, second, "registered", '"1"', "reused")
    assert reused.status_code == 422
    assert reused.headers["content-type"] == "application/problem+json"
    assert "Idempotency-Key" in reused.json()["detail"]
    assert _versions(connection, second) == 1


def test_keys_belong_to_one_api_key_and_a_refusal_is_not_remembered(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel
) -> None:
    parcel_id = new_parcel()["id"]
    # refused (wrong step): nothing stored, so the corrected request with the key proceeds
    refused = _move(client, keys, parcel_id, "in_review", '"1"', "k-1")
    assert refused.status_code == 409
    assert _move(client, keys, parcel_id, "registered", '"1"', "k-1").status_code == 200
    # another key's "k-1" is its own
    other = client.post(
        f"/parcels/{parcel_id}/transitions",
        json={"to": "in_review"},
        headers={**keys.admin, "If-Match": '"2"', "Idempotency-Key": "k-1"},
    )
    assert other.status_code == 200 and "Idempotent-Replayed" not in other.headers


def test_anonymous_callers_cannot_use_a_key(client: httpx.Client, new_parcel: NewParcel) -> None:
    parcel_id = new_parcel()["id"]
    response = client.post(
        f"/parcels/{parcel_id}/transitions",
        json={"to": "registered"},
        headers={"If-Match": '"1"', "Idempotency-Key": "anon"},
    )
    assert response.status_code == 401
