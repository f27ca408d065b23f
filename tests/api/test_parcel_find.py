"""GET /parcels/find: by key, by address and by holder, diacritics and case ignored; the
holder's name searched and shown only to staff who may read personal data."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import httpx

from tests.api.conftest import OTHER_WARD, WARD, Keys

ADDRESSES = ("Thôn Đông Lỗ, Nếnh", "Tổ dân phố Trung Đồng", "Khu 3, Vân Hà", "Thôn Đông Tiến")
HOLDERS = ("Nguyễn Văn Hùng", "Trần Thị Thu Hương", "Đỗ Đức Mạnh", "Lê Thị Hoa")


def _plain(text: str) -> str:
    """The oracle's folding: decomposed, marks dropped, đ written d."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _made(new_parcel: Callable[..., dict[str, Any]]) -> list[dict[str, Any]]:
    made = []
    for i, (address, holder) in enumerate(zip(ADDRESSES, HOLDERS, strict=True)):
        made.append(
            new_parcel(
                WARD if i < 3 else OTHER_WARD,
                sheet_no=61,
                address=address,
                holders=[{"name": holder, "kind": "individual"}],
            )
        )
    return made


def _ids(response: httpx.Response) -> set[int]:
    assert response.status_code == 200, response.text
    return {p["id"] for p in response.json()["parcels"]}


def test_a_parcel_is_found_by_its_key(
    client: httpx.Client, new_parcel: Callable[..., dict[str, Any]]
) -> None:
    made = _made(new_parcel)
    first = made[0]["properties"]
    found = client.get(
        "/parcels/find",
        params={"commune": WARD, "sheet": 61, "number": first["parcel_no"]},
    )
    assert _ids(found) == {made[0]["id"]}
    (hit,) = found.json()["parcels"]
    assert hit["ward_code"] == WARD and hit["address"] == ADDRESSES[0]
    assert hit["status"] == "unregistered" and hit["area_m2"] == 400.0
    assert "holders" not in hit  # anonymous: no personal data
    sheet = client.get("/parcels/find", params={"sheet": 61, "limit": 200})
    assert _ids(sheet) >= {m["id"] for m in made}


def test_an_address_is_found_without_its_diacritics(
    client: httpx.Client, new_parcel: Callable[..., dict[str, Any]]
) -> None:
    made = _made(new_parcel)
    for typed in ("thon dong", "ĐÔNG", "Trung Đồng", "van ha"):
        expected = {
            m["id"] for m, a in zip(made, ADDRESSES, strict=True) if _plain(typed) in _plain(a)
        }
        found = client.get("/parcels/find", params={"address": typed, "sheet": 61})
        assert _ids(found) == expected, typed
        assert expected, typed


def test_holders_are_searched_and_shown_only_to_staff_allowed(
    client: httpx.Client, keys: Keys, new_parcel: Callable[..., dict[str, Any]]
) -> None:
    made = _made(new_parcel)
    params = {"holder": "thi", "sheet": 61}
    everyone = {m["id"] for m, h in zip(made, HOLDERS, strict=True) if "thi" in _plain(h)}
    assert _ids(client.get("/parcels/find", params=params, headers=keys.registry)) == everyone
    # a ward officer searches names in their own ward only
    in_ward = {m["id"] for m in made if m["properties"]["ward_code"] == WARD} & everyone
    assert _ids(client.get("/parcels/find", params=params, headers=keys.ward)) == in_ward
    for who in (None, keys.surveyor):
        refused = client.get("/parcels/find", params=params, headers=who)
        assert refused.status_code in (401, 403), refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    # names come back to those who may read them, for their ward only
    shown = client.get("/parcels/find", params={"sheet": 61, "limit": 200}, headers=keys.ward)
    for hit in shown.json()["parcels"]:
        if hit["id"] in {m["id"] for m in made}:
            assert ("holders" in hit) == (hit["ward_code"] == WARD)
    surveyor = client.get("/parcels/find", params={"sheet": 61}, headers=keys.surveyor).json()
    assert surveyor["parcels"] and all("holders" not in hit for hit in surveyor["parcels"])
    viewer = client.get("/parcels/find", params={"sheet": 61, "limit": 200}, headers=keys.viewer)
    names = {hit["id"]: hit["holders"] for hit in viewer.json()["parcels"]}
    assert {m["id"]: names[m["id"]] for m in made} == {
        m["id"]: [h] for m, h in zip(made, HOLDERS, strict=True)
    }


def test_a_search_needs_something_to_look_for_and_pages(
    client: httpx.Client, new_parcel: Callable[..., dict[str, Any]]
) -> None:
    made = _made(new_parcel)
    nothing = client.get("/parcels/find")
    assert nothing.status_code == 422
    assert nothing.headers["content-type"] == "application/problem+json"
    assert client.get("/parcels/find", params={"commune": "7795"}).status_code == 422
    page = client.get("/parcels/find", params={"sheet": 61, "limit": 2}).json()
    assert len(page["parcels"]) == 2 and page["more"] is True
    whole = client.get("/parcels/find", params={"sheet": 61, "limit": 200}).json()
    assert len(whole["parcels"]) >= len(made) and whole["more"] is False
    keys = [(p["ward_code"], p["sheet_no"], p["parcel_no"]) for p in whole["parcels"]]
    assert keys == sorted(keys)
