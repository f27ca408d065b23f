"""The API takes what its OpenAPI document declares, and refuses the rest with a clear 4xx.

Each case was a 500 or an answer the document did not allow before: a time zone offset
PostgreSQL cannot hold, a superscript digit as a feature id, a Unix timestamp as a day, a
method the path does not have. The oracle is the document itself: the pattern it declares
is read from /openapi.json and checked with Python's re, apart from the service's parser.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.api.conftest import Keys


def _parameter(document: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    operation = document["paths"][path]["get"]
    for parameter in operation["parameters"]:
        if parameter["name"] == name:
            schema: dict[str, Any] = parameter["schema"]
            return schema.get("anyOf", [schema])[0]
    raise AssertionError(f"{path} declares no {name}")


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    ("instant", "declared"),
    [
        ("2026-12-01T08:00:00+07:00", True),
        ("2026-12-01T01:00:00Z", True),
        ("2026-12-01 08:00:00.5+07:00", True),
        ("0974-01-23T02:41:25.691+16:29", False),  # beyond PostgreSQL's ±15:59
        ("2026-12-01T08:00:00+14:60", False),
        ("2026-12-01T08:00:00", False),  # no zone: which day would it be?
        ("1764547200", False),  # a Unix timestamp pydantic would read
    ],
)
def test_an_instant_is_what_the_document_declares(
    client: httpx.Client, keys: Keys, instant: str, declared: bool
) -> None:
    pattern = _parameter(client.get("/openapi.json").json(), "/parcels/{parcel_id}", "as_of")
    assert (re.fullmatch(pattern["pattern"], instant) is not None) is declared
    response = client.get("/parcels/2", params={"as_of": instant}, headers=keys.admin)
    if declared:
        assert response.status_code in (200, 404), response.text
    else:
        body = _problem(response, 422)
        assert "RFC 3339" in body["detail"] or "RFC 3339" in str(body.get("errors"))


@pytest.mark.parametrize("day", ["0", "20261201", "2026-12-1", " 2026-12-01"])
def test_a_day_is_spelled_yyyy_mm_dd(client: httpx.Client, keys: Keys, day: str) -> None:
    pattern = _parameter(client.get("/openapi.json").json(), "/stats/summary", "as_of")
    assert re.fullmatch(pattern["pattern"], day) is None
    _problem(client.get("/stats/summary", params={"as_of": day}, headers=keys.admin), 422)


@pytest.mark.parametrize("feature_id", ["³", "٣", "1" * 19, "-1", "x"])
def test_an_ogc_feature_id_that_is_no_parcel_id_is_not_found(
    client: httpx.Client, feature_id: str
) -> None:
    response = client.get(f"/ogc/collections/parcels/items/{feature_id}")
    _problem(response, 404)


def test_a_parcel_id_that_is_a_number_is_found(client: httpx.Client) -> None:
    first = client.get("/parcels", params={"limit": 1}).json()["features"][0]["id"]
    assert client.get(f"/ogc/collections/parcels/items/{first}").status_code == 200
    assert client.get(f"/parcels/{first}").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", "/parcels/merge", {"POST"}),
        ("PATCH", "/parcels/search", {"POST"}),
        ("DELETE", "/parcels", {"GET", "POST"}),
    ],
)
def test_a_method_the_path_lacks_is_405_with_allow(
    client: httpx.Client, keys: Keys, method: str, path: str, allowed: set[str]
) -> None:
    response = client.request(method, path, headers=keys.admin, json={})
    _problem(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed


@pytest.mark.parametrize("crs", ["epsg:9214", " EPSG:9214", "EPSG:9214 ", "EPSG:9214:", "9999"])
def test_a_crs_is_spelled_as_declared(client: httpx.Client, crs: str) -> None:
    pattern = _parameter(client.get("/openapi.json").json(), "/parcels", "crs")
    assert re.fullmatch(pattern["pattern"], crs) is None
    _problem(client.get("/parcels", params={"crs": crs, "limit": 1}), 422)


@pytest.mark.parametrize("crs", ["EPSG:9214", "9214", "EPSG:4326", "4326"])
def test_a_declared_crs_is_taken(client: httpx.Client, crs: str) -> None:
    response = client.get("/parcels", params={"crs": crs, "limit": 1})
    assert response.status_code == 200, response.text
    x = response.json()["features"][0]["geometry"]["coordinates"][0][0][0][0]
    assert (x > 1000) is crs.endswith("9214")  # metres in the TM-3 zone, degrees in WGS84


def test_every_write_that_needs_if_match_declares_it_required(
    client: httpx.Client, keys: Keys
) -> None:
    document = client.get("/openapi.json").json()
    declared = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "If-Match" and parameter.get("required")
    }
    answering_428 = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "428" in operation.get("responses", {})
    }
    assert declared == answering_428 and ("PATCH", "/parcels/{parcel_id}") in declared
    first = client.get("/parcels", params={"limit": 1}).json()["features"][0]["id"]
    without = client.patch(f"/parcels/{first}", json={"address": "x"}, headers=keys.admin)
    assert "If-Match" in _problem(without, 428)["detail"]


def test_an_empty_filter_is_refused_as_the_document_says(client: httpx.Client) -> None:
    declared = _parameter(client.get("/openapi.json").json(), "/parcels", "filter")
    assert declared["minLength"] == 1
    for path in ("/parcels", "/ogc/collections/parcels/items"):
        assert "filter" in str(_problem(client.get(path, params={"filter": ""}), 422))
