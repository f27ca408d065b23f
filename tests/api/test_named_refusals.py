"""A request the document allows is refused only for a rule the document cannot state, with
a problem named for that rule; a value the document forbids is the problem validation-error.

Clients (the workbench, scripts) tell the two apart by the problem's type: a validation-error
means the request itself must change; a named rule says what in the register stands in the
way. Each case here was answered by the generic invalid-input or validation-error before,
or accepted a value the document forbids (surrounding spaces before a code's pattern was
checked), or a 500 (a 21-character phone number for a 20-character column).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from app.domain import clock
from tests.api.conftest import OTHER_WARD, WARD, Keys


def _refused(response: httpx.Response, slug: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}", body
    return body


def _first_parcel(client: httpx.Client, ward: str = WARD) -> dict[str, Any]:
    feature: dict[str, Any] = client.get("/parcels", params={"ward": ward, "limit": 1}).json()[
        "features"
    ][0]
    return feature


@pytest.mark.parametrize("path", ["/stats/summary", "/stats/wards", "/stats/wards.geojson"])
def test_a_day_still_to_come_is_out_of_range(client: httpx.Client, path: str) -> None:
    tomorrow = clock.today().toordinal() + 1
    day = type(clock.today()).fromordinal(tomorrow).isoformat()
    body = _refused(client.get(path, params={"as_of": day}), "day-out-of-range")
    assert "still to come" in body["detail"]


def test_a_period_that_ends_before_it_starts_is_reversed(client: httpx.Client, keys: Keys) -> None:
    response = client.get(
        "/reports/returned", params={"from": "2026-11-30", "to": "2026-11-01"}, headers=keys.admin
    )
    assert "2026-11-30" in _refused(response, "period-reversed")["detail"]


def test_a_ward_for_a_role_bound_to_none_is_a_mismatch(client: httpx.Client, keys: Keys) -> None:
    body = {"name": "Phòng TN&MT", "role": "admin", "ward_code": WARD}
    _refused(client.post("/api-keys", json=body, headers=keys.admin), "ward-mismatch")


def test_a_ward_code_naming_no_ward_is_unknown(client: httpx.Client, keys: Keys) -> None:
    body = {"name": "Cán bộ địa chính", "role": "ward_officer", "ward_code": "99999"}
    _refused(client.post("/api-keys", json=body, headers=keys.admin), "unknown-ward")


def test_a_complaint_naming_another_wards_parcel_is_a_mismatch(client: httpx.Client) -> None:
    parcel = _first_parcel(client)
    body = {"parcel_id": parcel["id"], "ward_code": OTHER_WARD, "content": "Chưa nhận được sổ."}
    _refused(client.post("/complaints", json=body), "ward-mismatch")


@pytest.mark.parametrize("bbox", ["106.12,21.26,106.08,21.29", "106.08,21.29,106.12,21.26"])
def test_a_box_whose_minimum_is_past_its_maximum_is_invalid(
    client: httpx.Client, bbox: str
) -> None:
    _refused(client.get("/parcels", params={"bbox": bbox}), "invalid-bbox")


@pytest.mark.parametrize(
    "bbox", ["106.08,21.26,106.12", "106.08;21.26;106.12;21.29", "nan,21,106,22", "1,2,3,4,5"]
)
def test_a_box_that_is_not_four_or_six_numbers_is_not_as_declared(
    client: httpx.Client, bbox: str
) -> None:
    pattern = client.get("/openapi.json").json()["paths"]["/parcels"]["get"]["parameters"]
    declared = next(p for p in pattern if p["name"] == "bbox")["schema"]["anyOf"][0]["pattern"]
    assert re.fullmatch(declared, bbox) is None
    _refused(client.get("/parcels", params={"bbox": bbox}), "validation-error")


def test_a_cursor_this_service_never_gave_is_invalid(client: httpx.Client) -> None:
    _refused(client.get("/parcels", params={"cursor": "bm90IGEgY3Vyc29y"}), "invalid-cursor")


@pytest.mark.parametrize(
    ("name", "value", "taken"),
    [
        ("ward", f"{WARD}, {OTHER_WARD}", True),
        ("ward", f"{WARD},,{OTHER_WARD}", False),
        ("ward", "7795", False),
        ("sheet", "1, 2 ,3", True),
        ("sheet", "١", False),  # an Arabic-Indic digit: a digit to int(), not to the document
        ("land_use", "ont,LUC", True),
        ("land_use", "ONT1", False),
        ("status", "registered,in_review", True),
        ("status", "approved", False),
        ("sortby", "-area_m2", True),
        ("sortby", "holders", False),
        ("properties", "ward_code,status", True),
        ("properties", "geometry", False),
    ],
)
def test_a_list_parameter_takes_what_its_declared_items_allow(
    client: httpx.Client, name: str, value: str, taken: bool
) -> None:
    document = client.get("/openapi.json").json()
    parameter = next(
        p for p in document["paths"]["/parcels"]["get"]["parameters"] if p["name"] == name
    )
    schema = parameter["schema"].get("anyOf", [parameter["schema"]])[0]
    pattern = schema["items"]["pattern"] if schema.get("type") == "array" else schema["pattern"]
    assert (re.fullmatch(pattern, value) is not None) is taken
    response = client.get("/parcels", params={name: value, "limit": 1})
    if taken:
        assert response.status_code == 200, response.text
    else:
        _refused(response, "validation-error")


def test_a_land_use_filter_matches_codes_in_either_case(client: httpx.Client) -> None:
    upper = client.get("/parcels", params={"land_use": "ONT", "limit": 50}).json()["features"]
    lower = client.get("/parcels", params={"land_use": "ont", "limit": 50}).json()["features"]
    assert upper and [f["id"] for f in upper] == [f["id"] for f in lower]


@pytest.mark.parametrize("key", [" 1", "01", "+1", "1_0", "1.0"])
def test_a_merge_names_parcels_by_their_plain_ids(
    client: httpx.Client, keys: Keys, key: str
) -> None:
    body = {"parcels": {key: 1, "2": 1}, "parcel_no": 9, "land_uses": [{"code": "ONT"}]}
    response = client.post("/parcels/merge", json=body, headers=keys.registry)
    assert response.json()["errors"][0]["loc"][:2] == ["body", "parcels"]
    _refused(response, "validation-error")


@pytest.mark.parametrize(
    ("code", "taken"), [("07795", True), (" 07795", False), ("07795\n", False)]
)
def test_a_code_in_a_body_is_taken_exactly_as_declared(
    client: httpx.Client, code: str, taken: bool
) -> None:
    response = client.post("/parcels/search", json={"ward": [code], "limit": 1})
    if taken:
        assert response.status_code == 200, response.text
    else:
        _refused(response, "validation-error")


@pytest.mark.parametrize(
    ("reason", "stored"), [("  lỗi đo đạc  ", "lỗi đo đạc"), ("  a ", "a"), ("   ", None)]
)
def test_free_text_is_checked_as_sent_then_kept_trimmed(
    client: httpx.Client, keys: Keys, reason: str, stored: str | None
) -> None:
    parcel = _first_parcel(client, OTHER_WARD)
    etag = client.get(f"/parcels/{parcel['id']}", headers=keys.admin).headers["etag"]
    response = client.post(
        f"/parcels/{parcel['id']}/retire",
        json={"reason": reason},
        headers={**keys.registry, "If-Match": etag},
    )
    if stored is None:
        _refused(response, "validation-error")
        return
    assert response.status_code == 200, response.text
    history = client.get(f"/parcels/{parcel['id']}", headers=keys.admin).json()
    assert history["properties"]["retired_reason"] == stored


def test_a_time_of_use_still_to_come_is_out_of_range(client: httpx.Client, keys: Keys) -> None:
    parcel = _first_parcel(client)
    etag = client.get(f"/parcels/{parcel['id']}", headers=keys.ward).headers["etag"]
    body = {
        "origin_confirmed": False,
        "time_of_use_confirmed": True,
        "land_use_since": "2999-01-01",
        "confirmed_on": "2026-12-01",
        "document": "45/XN-UBND",
    }
    response = client.put(
        f"/parcels/{parcel['id']}/origin", json=body, headers={**keys.ward, "If-Match": etag}
    )
    _refused(response, "day-out-of-range")


@pytest.mark.parametrize(("phone", "taken"), [("+84 912 345 678", True), ("+" + "1" * 20, False)])
def test_a_phone_number_fits_what_the_register_keeps(
    client: httpx.Client, phone: str, taken: bool
) -> None:
    body = {"ward_code": WARD, "content": "Chưa nhận được sổ.", "reporter_phone": phone}
    response = client.post("/complaints", json=body)
    if taken:
        assert response.status_code == 201, response.text
    else:
        _refused(response, "validation-error")


def test_a_field_map_that_is_no_json_object_is_invalid(client: httpx.Client, keys: Keys) -> None:
    response = client.post(
        "/imports",
        files={"file": ("parcels.geojson", b'{"type": "FeatureCollection", "features": []}')},
        data={"field_map": "[1, 2]"},
        headers=keys.surveyor,
    )
    _refused(response, "invalid-field-map")
