"""Every endpoint x every role: allowed, 401 or 403, as the permission table says.

The matrix below is the README's table of who may do what, written out per operation. A
test checks it covers every operation of the OpenAPI document, so a new endpoint cannot slip
in unchecked. Requests are well-formed, so that what refuses a caller is the permission check
and nothing else; an allowed caller may still meet 404, 409, 412 or 422 further on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.limits import MAX_PAGE_SIZE
from tests.api.conftest import OTHER_WARD, WARD, Keys, square

ROLES = ("anonymous", "admin", "registry", "surveyor", "ward", "other_ward", "viewer", "inspector")
STAFF = frozenset(ROLES) - {"anonymous"}
ANYONE = frozenset(ROLES)

HOLDER = "Trần Thị Thu Hương"
HOLDER_ID = "024190001234"
PARTY = "Lê Thị Hoa"


@dataclass
class World:
    """What the requests point at: a parcel, a dispute and a complaint in WARD."""

    parcel: int
    neighbour: int
    dispute: int
    complaint: int
    spot: tuple[float, float]


# (method, OpenAPI path) -> roles that may call it
# who reads the registry's reports (and the custody inventories)
REPORT_READERS = frozenset({"admin", "registry", "inspector"})
# who may read the personal data of WARD's parcels
PERSONAL_HERE = frozenset({"admin", "registry", "ward", "viewer", "inspector"})

MATRIX: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/health"): ANYONE,
    ("GET", "/parcels"): ANYONE,
    ("POST", "/parcels/search"): ANYONE,
    ("GET", "/parcels/export.{fmt}"): ANYONE,
    ("GET", "/ogc"): ANYONE,
    ("GET", "/ogc/conformance"): ANYONE,
    ("GET", "/ogc/collections"): ANYONE,
    ("GET", "/ogc/collections/{collection_id}"): ANYONE,
    ("GET", "/ogc/collections/{collection_id}/items"): ANYONE,
    ("GET", "/ogc/collections/{collection_id}/queryables"): ANYONE,
    ("GET", "/ogc/collections/{collection_id}/items/{feature_id}"): ANYONE,
    ("GET", "/tiles/parcels/{z}/{x}/{y}.mvt"): ANYONE,
    ("GET", "/tiles/wards/{z}/{x}/{y}.mvt"): ANYONE,
    ("GET", "/tiles/parcels.json"): ANYONE,
    ("GET", "/tiles/wards.json"): ANYONE,
    ("GET", "/tiles/style.json"): ANYONE,
    ("GET", "/parcels/{parcel_id}"): ANYONE,
    ("GET", "/parcels/find"): ANYONE,
    ("GET", "/parcels/{parcel_id}/history"): ANYONE,
    ("GET", "/parcels/{parcel_id}/disputes"): ANYONE,
    ("GET", "/disputes/{dispute_id}"): ANYONE,
    ("GET", "/wards"): ANYONE,
    ("GET", "/wards/{code}"): ANYONE,
    ("GET", "/wards/names"): ANYONE,
    ("GET", "/land-use-types"): ANYONE,
    ("GET", "/land-origin-types"): ANYONE,
    ("POST", "/complaints"): ANYONE,
    ("POST", "/parcels"): frozenset({"admin", "registry", "surveyor"}),
    ("PATCH", "/parcels/{parcel_id}"): frozenset({"admin", "registry", "surveyor"}),
    ("POST", "/parcels/{parcel_id}/split"): frozenset({"admin", "registry", "surveyor"}),
    ("POST", "/parcels/merge"): frozenset({"admin", "registry", "surveyor"}),
    ("POST", "/parcels/{parcel_id}/transitions"): frozenset({"admin", "registry"}),
    ("POST", "/parcels/{parcel_id}/retire"): frozenset({"admin", "registry"}),
    ("PUT", "/parcels/{parcel_id}/origin"): frozenset({"admin", "ward"}),
    ("POST", "/parcels/{parcel_id}/disputes"): frozenset({"admin", "ward"}),
    ("POST", "/disputes/{dispute_id}/resolve"): frozenset({"admin", "ward"}),
    ("PUT", "/parcels/{parcel_id}/backlog-reasons"): frozenset({"admin", "registry", "ward"}),
    # a ward officer lists their own ward's complaints, whichever ward that is
    ("GET", "/complaints"): frozenset({"admin", "registry", "ward", "other_ward"}),
    ("GET", "/complaint-assignees"): frozenset({"admin", "registry", "ward", "other_ward"}),
    ("GET", "/complaints/{complaint_id}"): frozenset({"admin", "registry", "ward"}),
    ("PATCH", "/complaints/{complaint_id}"): frozenset({"admin", "registry", "ward"}),
    ("GET", "/reports/undelivered"): frozenset({"admin", "registry", "inspector"}),
    ("GET", "/reports/returned"): frozenset({"admin", "registry", "inspector"}),
    ("POST", "/imports"): frozenset({"admin", "surveyor"}),
    ("GET", "/imports/{import_id}"): STAFF,
    ("GET", "/imports/{import_id}/rejects.csv"): STAFF,
    ("POST", "/imports/{import_id}/retry"): frozenset({"admin", "surveyor"}),
    ("GET", "/imports"): STAFF,
    ("POST", "/import-previews"): frozenset({"admin", "surveyor"}),
    ("GET", "/imports/{import_id}/issues"): STAFF,
    ("GET", "/imports/{import_id}/issues.geojson"): STAFF,
    ("GET", "/imports/{import_id}/issues/{z}/{x}/{y}.mvt"): STAFF,
    ("GET", "/desks/wards/{ward}/awaiting"): PERSONAL_HERE,
    ("GET", "/desks/wards/{ward}/disputes"): PERSONAL_HERE,
    ("GET", "/desks/registry/pipeline"): frozenset({"admin", "registry"}),
    ("POST", "/custody-inventories"): frozenset({"admin", "registry"}),
    ("GET", "/custody-inventories"): REPORT_READERS,
    ("GET", "/custody-inventories/{inventory_id}"): REPORT_READERS,
    ("GET", "/custody-inventories/{inventory_id}.xlsx"): REPORT_READERS,
    ("PUT", "/custody-inventories/{inventory_id}/items/{certificate_id}"): frozenset(
        {"admin", "registry"}
    ),
    ("POST", "/custody-inventories/{inventory_id}/close"): frozenset({"admin", "registry"}),
    ("GET", "/desks/registry/parcels"): frozenset({"admin", "registry"}),
    ("GET", "/imports/{import_id}/events"): STAFF,
    ("GET", "/audit"): frozenset({"admin", "inspector"}),
    ("GET", "/api-keys"): frozenset({"admin"}),
    ("POST", "/api-keys"): frozenset({"admin"}),
    ("DELETE", "/api-keys/{key_id}"): frozenset({"admin"}),
    ("GET", "/stats/wards"): ANYONE,
    ("GET", "/stats/wards.geojson"): ANYONE,
    ("GET", "/stats/summary"): ANYONE,
    ("GET", "/stats/timeline"): ANYONE,
    ("GET", "/stats/progress.csv"): ANYONE,
    ("GET", "/stats/progress.xlsx"): ANYONE,
    ("GET", "/stats/targets"): ANYONE,
    ("PUT", "/stats/targets/{year}"): frozenset({"admin"}),
    ("PUT", "/stats/targets/{year}/wards/{ward_code}"): frozenset({"admin"}),
    ("DELETE", "/stats/targets/{year}/wards/{ward_code}"): frozenset({"admin"}),
    ("GET", "/dashboard"): ANYONE,
    ("GET", "/workbench"): ANYONE,
    ("GET", "/accounts"): frozenset({"admin"}),
    ("POST", "/accounts"): frozenset({"admin"}),
    ("PATCH", "/accounts/{user_name}"): frozenset({"admin"}),
}
# what acts on the session cookie, not on a key's role: tests/api/test_sign_in.py
COOKIE_OPERATIONS = {
    ("POST", "/session"),
    ("GET", "/session"),
    ("DELETE", "/session"),
    ("PUT", "/session/password"),
}


def _request(world: World, method: str, path: str) -> dict[str, Any]:
    """Return a well-formed request for the operation: url, JSON body, headers, files."""
    p, d, c = world.parcel, world.dispute, world.complaint
    x, y = world.spot
    match_any = {"If-Match": "*"}  # well-formed; a stale or wildcard tag is checked later
    land_uses = [{"code": "ONT"}]
    requests: dict[tuple[str, str], dict[str, Any]] = {
        ("GET", "/health"): {"url": "/health"},
        ("GET", "/ogc"): {"url": "/ogc"},
        ("GET", "/ogc/conformance"): {"url": "/ogc/conformance"},
        ("GET", "/ogc/collections"): {"url": "/ogc/collections"},
        ("GET", "/ogc/collections/{collection_id}"): {"url": "/ogc/collections/parcels"},
        ("GET", "/ogc/collections/{collection_id}/queryables"): {
            "url": "/ogc/collections/parcels/queryables"
        },
        ("GET", "/ogc/collections/{collection_id}/items"): {
            "url": f"/ogc/collections/parcels/items?ward={WARD}&limit={MAX_PAGE_SIZE}"
        },
        ("GET", "/ogc/collections/{collection_id}/items/{feature_id}"): {
            "url": f"/ogc/collections/parcels/items/{p}"
        },
        ("GET", "/parcels/export.{fmt}"): {"url": f"/parcels/export.csv?ward={WARD}&sheet=99"},
        ("GET", "/tiles/parcels/{z}/{x}/{y}.mvt"): {"url": "/tiles/parcels/16/52083/28801.mvt"},
        ("GET", "/tiles/wards/{z}/{x}/{y}.mvt"): {"url": "/tiles/wards/12/3255/1800.mvt"},
        ("GET", "/tiles/parcels.json"): {"url": "/tiles/parcels.json"},
        ("GET", "/tiles/wards.json"): {"url": "/tiles/wards.json"},
        ("GET", "/tiles/style.json"): {"url": "/tiles/style.json"},
        ("GET", "/parcels"): {"url": f"/parcels?ward={WARD}&limit={MAX_PAGE_SIZE}"},
        ("POST", "/parcels/search"): {
            "url": "/parcels/search",
            "json": {"ward": [WARD], "limit": MAX_PAGE_SIZE, "properties": ["holders", "status"]},
        },
        ("GET", "/parcels/{parcel_id}"): {"url": f"/parcels/{p}"},
        ("GET", "/parcels/find"): {"url": f"/parcels/find?commune={WARD}&limit=200"},
        ("GET", "/parcels/{parcel_id}/history"): {"url": f"/parcels/{p}/history"},
        ("GET", "/parcels/{parcel_id}/disputes"): {"url": f"/parcels/{p}/disputes"},
        ("GET", "/disputes/{dispute_id}"): {"url": f"/disputes/{d}"},
        ("GET", "/wards"): {"url": "/wards"},
        ("GET", "/wards/{code}"): {"url": f"/wards/{WARD}"},
        ("GET", "/wards/names"): {"url": "/wards/names"},
        ("GET", "/land-use-types"): {"url": "/land-use-types"},
        ("GET", "/land-origin-types"): {"url": "/land-origin-types"},
        ("POST", "/complaints"): {
            "url": "/complaints",
            "json": {"content": "Hồ sơ chưa có kết quả.", "ward_code": WARD},
        },
        ("POST", "/parcels"): {
            "url": "/parcels",
            "json": {
                "survey_commune_code": WARD,
                "sheet_no": 98,
                "parcel_no": 1,
                "geometry": square(x, y),
                "crs": "EPSG:9214",
                "land_uses": land_uses,
            },
        },
        ("PATCH", "/parcels/{parcel_id}"): {
            "url": f"/parcels/{p}",
            "json": {"address": "Thôn Tây"},
            "headers": match_any,
        },
        ("POST", "/parcels/{parcel_id}/split"): {
            "url": f"/parcels/{p}/split",
            "json": {
                "crs": "EPSG:9214",
                "parts": [
                    {"parcel_no": 7001, "geometry": square(x, y, 10), "land_uses": land_uses},
                    {"parcel_no": 7002, "geometry": square(x + 10, y, 10), "land_uses": land_uses},
                ],
            },
            "headers": match_any,
        },
        ("POST", "/parcels/merge"): {
            "url": "/parcels/merge",
            "json": {
                "parcels": {str(p): 1, str(world.neighbour): 1},
                "parcel_no": 7100,
                "land_uses": land_uses,
            },
        },
        ("POST", "/parcels/{parcel_id}/transitions"): {
            "url": f"/parcels/{p}/transitions",
            "json": {"to": "registered"},
            "headers": match_any,
        },
        ("POST", "/parcels/{parcel_id}/retire"): {
            "url": f"/parcels/{p}/retire",
            "json": {"reason": "Thu hồi đất"},
            "headers": match_any,
        },
        ("PUT", "/parcels/{parcel_id}/origin"): {
            "url": f"/parcels/{p}/origin",
            "json": {
                "origin_confirmed": True,
                "time_of_use_confirmed": True,
                "land_use_since": "1993-07-15",
                "land_uses": [{"code": "ONT", "origin_codes": ["CNQ-CTT"]}],
                "confirmed_on": "2025-02-10",
                "document": "45/XN-UBND",
            },
            "headers": match_any,
        },
        ("POST", "/parcels/{parcel_id}/disputes"): {
            "url": f"/parcels/{p}/disputes",
            "json": {"opened_on": "2025-04-01", "kind": "boundary", "description": "Ranh giới"},
        },
        ("POST", "/disputes/{dispute_id}/resolve"): {
            "url": f"/disputes/{d}/resolve",
            "json": {"resolution": "Hòa giải thành", "resolved_on": "2025-05-01"},
            "headers": match_any,
        },
        ("PUT", "/parcels/{parcel_id}/backlog-reasons"): {
            "url": f"/parcels/{p}/backlog-reasons",
            "json": {"reasons": [{"reason": "holder_absent"}]},
            "headers": match_any,
        },
        ("GET", "/complaints"): {"url": "/complaints"},
        ("GET", "/complaint-assignees"): {"url": "/complaint-assignees"},
        ("GET", "/complaints/{complaint_id}"): {"url": f"/complaints/{c}"},
        ("PATCH", "/complaints/{complaint_id}"): {
            "url": f"/complaints/{c}",
            "json": {"status": "in_progress"},
            "headers": match_any,
        },
        ("GET", "/reports/undelivered"): {"url": "/reports/undelivered"},
        ("GET", "/reports/returned"): {"url": "/reports/returned"},
        ("POST", "/imports"): {
            "url": "/imports",
            "files": {"file": ("x.zip", b"not a zip", "application/zip")},
        },
        ("GET", "/imports/{import_id}"): {"url": "/imports/999999"},
        ("GET", "/imports/{import_id}/rejects.csv"): {"url": "/imports/999999/rejects.csv"},
        ("POST", "/imports/{import_id}/retry"): {"url": "/imports/999999/retry"},
        ("GET", "/imports"): {"url": "/imports?mine=true"},
        ("POST", "/import-previews"): {
            "url": "/import-previews",
            "files": {"file": ("x.zip", b"not a zip", "application/zip")},
        },
        ("GET", "/imports/{import_id}/issues"): {"url": "/imports/999999/issues"},
        ("GET", "/desks/wards/{ward}/awaiting"): {"url": f"/desks/wards/{WARD}/awaiting"},
        ("GET", "/desks/wards/{ward}/disputes"): {"url": f"/desks/wards/{WARD}/disputes"},
        ("GET", "/desks/registry/pipeline"): {"url": "/desks/registry/pipeline"},
        ("POST", "/custody-inventories"): {
            "url": "/custody-inventories",
            "json": {"ward_code": WARD, "taken_on": "2025-01-15"},
        },
        ("GET", "/custody-inventories"): {"url": "/custody-inventories"},
        ("GET", "/custody-inventories/{inventory_id}"): {"url": "/custody-inventories/999999"},
        ("GET", "/custody-inventories/{inventory_id}.xlsx"): {
            "url": "/custody-inventories/999999.xlsx"
        },
        ("PUT", "/custody-inventories/{inventory_id}/items/{certificate_id}"): {
            "url": "/custody-inventories/999999/items/1",
            "json": {"found": True},
        },
        ("POST", "/custody-inventories/{inventory_id}/close"): {
            "url": "/custody-inventories/999999/close"
        },
        ("GET", "/desks/registry/parcels"): {"url": "/desks/registry/parcels?status=eligible"},
        ("GET", "/imports/{import_id}/issues/{z}/{x}/{y}.mvt"): {
            "url": "/imports/999999/issues/12/3255/1800.mvt"
        },
        ("GET", "/imports/{import_id}/issues.geojson"): {"url": "/imports/999999/issues.geojson"},
        ("GET", "/imports/{import_id}/events"): {"url": "/imports/999999/events"},
        ("GET", "/audit"): {"url": "/audit"},
        ("GET", "/api-keys"): {"url": "/api-keys"},
        ("POST", "/api-keys"): {
            "url": "/api-keys",
            "json": {"name": "Cán bộ mới", "role": "gis_viewer"},
        },
        ("DELETE", "/api-keys/{key_id}"): {"url": "/api-keys/999999"},
        ("GET", "/stats/wards"): {"url": "/stats/wards"},
        ("GET", "/stats/wards.geojson"): {"url": "/stats/wards.geojson"},
        ("GET", "/stats/summary"): {"url": "/stats/summary"},
        ("GET", "/stats/timeline"): {"url": "/stats/timeline"},
        ("GET", "/stats/progress.csv"): {"url": "/stats/progress.csv"},
        ("GET", "/stats/progress.xlsx"): {"url": "/stats/progress.xlsx"},
        ("GET", "/stats/targets"): {"url": "/stats/targets"},
        ("PUT", "/stats/targets/{year}"): {"url": "/stats/targets/2031", "json": {"share": 0.5}},
        ("PUT", "/stats/targets/{year}/wards/{ward_code}"): {
            "url": f"/stats/targets/2031/wards/{WARD}",
            "json": {"share": 0.5},
        },
        ("DELETE", "/stats/targets/{year}/wards/{ward_code}"): {
            "url": f"/stats/targets/2031/wards/{WARD}"
        },
        ("GET", "/dashboard"): {"url": "/dashboard"},
        ("GET", "/workbench"): {"url": "/workbench"},
        ("GET", "/accounts"): {"url": "/accounts"},
        ("POST", "/accounts"): {
            "url": "/accounts",
            "json": {
                "user_name": "matrix",
                "display_name": "Cán bộ thử",
                "role": "surveyor",
                "password": "một mật khẩu đủ dài",
            },
        },
        ("PATCH", "/accounts/{user_name}"): {
            "url": "/accounts/nobody",
            "json": {"disabled": True},
        },
    }
    return requests[(method, path)]


@pytest.fixture
def world(
    client: httpx.Client,
    keys: Keys,
    new_parcel: Callable[..., dict[str, Any]],
    free_spot: Callable[[str], tuple[float, float]],
) -> World:
    parcel = new_parcel()
    neighbour = new_parcel()
    opened = client.post(
        f"/parcels/{parcel['id']}/disputes",
        json={
            "opened_on": "2025-04-01",
            "kind": "boundary",
            "description": "Tranh chấp ranh giới",
            "parties": [PARTY],
        },
        headers=keys.ward,
    )
    assert opened.status_code == 201, opened.text
    complaint = client.post(
        "/complaints", json={"content": "Chưa nhận được sổ.", "parcel_id": parcel["id"]}
    )
    assert complaint.status_code == 201, complaint.text
    return World(
        parcel=parcel["id"],
        neighbour=neighbour["id"],
        dispute=opened.json()["id"],
        complaint=complaint.json()["id"],
        spot=free_spot(WARD),
    )


def _properties(spec: dict[str, Any], node: Any) -> set[str]:
    """Return every property name a (possibly nested, referenced) JSON schema declares."""
    if isinstance(node, list):
        return set().union(*(_properties(spec, n) for n in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        return _properties(spec, spec["components"]["schemas"][name])
    names = set(node.get("properties", {}))
    for key in ("schema", "allOf", "anyOf", "oneOf"):
        names |= _properties(spec, node.get(key))
    return names


def _headers(keys: Keys, role: str) -> dict[str, str]:
    return {} if role == "anonymous" else dict(getattr(keys, role))


def test_the_matrix_covers_every_operation(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    operations = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert operations == set(MATRIX) | COOKIE_OPERATIONS


def _cases() -> Iterator[Any]:
    for (method, path), allowed in MATRIX.items():
        for role in ROLES:
            yield pytest.param(method, path, role, role in allowed, id=f"{method} {path} {role}")


@pytest.mark.parametrize(("method", "path", "role", "allowed"), list(_cases()))
def test_each_role_on_each_operation(
    client: httpx.Client,
    keys: Keys,
    world: World,
    method: str,
    path: str,
    role: str,
    allowed: bool,
) -> None:
    request = _request(world, method, path)
    headers = {**_headers(keys, role), **request.get("headers", {})}
    response = client.request(
        method,
        request["url"],
        json=request.get("json"),
        files=request.get("files"),
        headers=headers,
    )
    assert response.status_code < 500, response.text
    if allowed:
        assert response.status_code not in (401, 403), response.text
    else:
        expected = 401 if role == "anonymous" else 403
        assert response.status_code == expected, response.text
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("role", ["anonymous", "surveyor", "other_ward"])
def test_reads_without_the_right_never_carry_holders_or_dispute_parties(
    client: httpx.Client, keys: Keys, world: World, role: str
) -> None:
    for method, path in MATRIX:
        if method != "GET" or role not in MATRIX[(method, path)] or "{import_id}" in path:
            continue  # (no import exists here to read)
        response = client.get(_request(world, method, path)["url"], headers=_headers(keys, role))
        assert response.status_code in (200, 204), (path, response.text)  # 204: empty tile
        if path == "/parcels":  # the parcel with the holder is among those read
            assert world.parcel in [f["id"] for f in response.json()["features"]]
        for secret in (HOLDER, HOLDER_ID, PARTY):
            assert secret not in response.text, (path, secret)


@pytest.mark.parametrize("role", ["registry", "ward", "viewer", "inspector"])
def test_staff_with_the_right_see_holders(
    client: httpx.Client, keys: Keys, world: World, role: str
) -> None:
    feature = client.get(f"/parcels/{world.parcel}", headers=_headers(keys, role)).json()
    assert feature["properties"]["holders"][0]["name"] == HOLDER
    assert feature["properties"]["holders"][0]["id_number"] == HOLDER_ID


def test_a_ward_officer_acts_only_in_their_own_ward(
    client: httpx.Client, keys: Keys, world: World
) -> None:
    request = _request(world, "PUT", "/parcels/{parcel_id}/origin")
    for headers, status in ((keys.other_ward, 403), (keys.ward, 200)):
        response = client.put(
            request["url"],
            json=request["json"],
            headers={**headers, "If-Match": '"2"'},  # version 2: the dispute opened
        )
        assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("method", "path"),
    [(m, p) for (m, p) in MATRIX if m in ("POST", "PUT", "PATCH") and p != "/imports"],
)
def test_no_body_may_carry_a_field_the_api_does_not_name(
    client: httpx.Client, keys: Keys, world: World, method: str, path: str
) -> None:
    # a status, a ward or an author can only come from the service, never from a client
    request = _request(world, method, path)
    if "json" not in request:
        pytest.skip("no JSON body")
    spec = client.get("/openapi.json").json()
    operation = spec["paths"][path][method.lower()]
    declared = _properties(spec, operation["requestBody"]["content"]["application/json"])
    for smuggled in ({"status": "delivered"}, {"ward_code": OTHER_WARD}, {"actor": "someone"}):
        body = {**request["json"], **smuggled}
        if set(smuggled) <= declared:
            continue  # a field this operation does take
        response = client.request(
            method,
            request["url"],
            json=body,
            headers={**keys.admin, **request.get("headers", {})},
        )
        assert response.status_code == 422, (smuggled, response.text)
        assert any(e["type"] == "extra_forbidden" for e in response.json()["errors"]), response.text
