"""The certificate life cycle over HTTP: each step's data, each refusal, origin, disputes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, text

from tests.api.conftest import Keys

NewParcel = Callable[..., dict[str, Any]]

SIGN = {
    "to": "signed",
    "serial": "DK123456",
    "register_no": "CS01234",
    "signer": "Phó Giám đốc Sở Nông nghiệp và Môi trường",
    "signed_on": "2025-05-20",
    "custody_location": "Tủ hồ sơ số 3, Chi nhánh VPĐKĐĐ Việt Yên",
}
RETURN = {
    "to": "returned",
    "notice_no": "125/PYC-CNVY",
    "notice_date": "2025-03-04",
    "missing_items": ["Bản sao CCCD", "Sơ đồ thửa đất có xác nhận"],
    "copied_to": "Đảng ủy phường Nếnh",
}
ORIGIN = {
    "origin_confirmed": True,
    "time_of_use_confirmed": True,
    "land_use_since": "1993-07-15",
    "land_uses": [{"code": "ONT", "origin_codes": ["CNQ-CTT"]}],
    "confirmed_on": "2025-02-10",
    "document": "45/XN-UBND",
}


class Parcel:
    """A parcel under test, tracking its ETag."""

    def __init__(self, client: httpx.Client, keys: Keys, feature: dict[str, Any]) -> None:
        self.client, self.keys, self.id = client, keys, feature["id"]
        self.etag = f'"{feature["properties"]["version"]}"'

    def step(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        response = self.client.post(
            f"/parcels/{self.id}/transitions",
            json=body,
            headers={**(headers or self.keys.registry), "If-Match": self.etag},
        )
        if response.status_code == 200:
            self.etag = response.headers["etag"]
        return response

    def to(self, *statuses: str) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for status in statuses:
            payload = {"signed": SIGN, "returned": RETURN}.get(status, {"to": status})
            response = self.step(payload)
            assert response.status_code == 200, response.text
            body = response.json()
        return body

    def confirm_origin(
        self, body: dict[str, Any] = ORIGIN, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        response = self.client.put(
            f"/parcels/{self.id}/origin",
            json=body,
            headers={**(headers or self.keys.ward), "If-Match": self.etag},
        )
        if response.status_code == 200:
            self.etag = response.headers["etag"]
        return response

    def read(self, headers: dict[str, str] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = self.client.get(f"/parcels/{self.id}", headers=headers or {}).json()
        return body


@pytest.fixture
def parcel(client: httpx.Client, keys: Keys, new_parcel: NewParcel) -> Parcel:
    return Parcel(client, keys, new_parcel())


def _refused(response: httpx.Response, rule: str) -> dict[str, Any]:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == "/problems/transition-refused"
    assert body["rule"] == rule
    return body


def test_the_whole_life_cycle_with_a_return_and_a_reissue(
    parcel: Parcel, connection: Connection
) -> None:
    parcel.to("registered", "in_review", "returned", "in_review")
    assert parcel.confirm_origin().status_code == 200
    parcel.to("eligible", "signed")
    props = parcel.read(parcel.keys.registry)["properties"]
    assert props["status"] == "signed" and props["certified"] is True
    assert props["certificate"]["serial"] == "DK123456"
    assert props["certificate"]["custody_location"].startswith("Tủ hồ sơ")
    assert props["backlog"] == []

    delivered = parcel.step(
        {"to": "delivered", "recipient": "Trần Thị Thu Hương", "handed_over_on": "2025-06-02"}
    )
    assert delivered.status_code == 200
    assert delivered.json()["properties"]["certificate"]["delivered_on"] == "2025-06-02"

    reissue = parcel.step(
        {**SIGN, "serial": "AA12345678", "reissue": True, "signed_on": "2026-01-05"}
    )
    assert reissue.status_code == 200, reissue.text
    certificate = reissue.json()["properties"]["certificate"]
    assert certificate["serial"] == "AA12345678"
    assert certificate["issue_kind"] == "reissue" and certificate["replaces_serial"] == "DK123456"

    rows = connection.execute(
        text(
            "SELECT notice_no, missing_items, copied_to FROM dossier_return WHERE parcel_id = :id"
        ),
        {"id": parcel.id},
    ).all()
    assert rows == [
        ("125/PYC-CNVY", ["Bản sao CCCD", "Sơ đồ thửa đất có xác nhận"], "Đảng ủy phường Nếnh")
    ]
    history = parcel.client.get(f"/parcels/{parcel.id}/history").json()
    actions = [v["action"] for v in history]
    assert actions == [
        "create",
        "transition:registered",
        "transition:in_review",
        "transition:returned",
        "transition:in_review",
        "confirm_origin",
        "transition:eligible",
        "transition:signed",
        "transition:delivered",
        "transition:signed",
    ]
    assert all(
        v["actor"] == "test registry_officer (registry_officer)"
        for i, v in enumerate(history)
        if i != 5
    )
    assert history[5]["actor"] == "test ward_officer (ward_officer)"
    assert history[3]["changes"]["status"] == {"old": "in_review", "new": "returned"}


def test_a_refusal_names_the_rule_and_the_allowed_moves(parcel: Parcel) -> None:
    body = _refused(parcel.step(SIGN), "no-such-transition")
    assert body["current"] == "unregistered" and body["allowed"] == ["registered"]
    parcel.to("registered", "in_review")
    body = _refused(parcel.step({"to": "eligible"}), "origin-unconfirmed")
    assert body["allowed"] == ["returned", "eligible", "ineligible"]
    assert "land origin and time of use" in body["detail"]
    assert parcel.read()["properties"]["status"] == "in_review"  # nothing changed


def test_time_of_use_alone_unconfirmed_still_blocks_eligible(parcel: Parcel) -> None:
    parcel.to("registered", "in_review")
    response = parcel.confirm_origin({**ORIGIN, "time_of_use_confirmed": False})
    assert response.status_code == 200
    assert response.json()["properties"]["backlog"] == ["time_of_use_unconfirmed"]
    body = _refused(parcel.step({"to": "eligible"}), "origin-unconfirmed")
    assert "time of use" in body["detail"] and "land origin" not in body["detail"]


def test_delivered_goes_back_to_signed_only_as_a_reissue(parcel: Parcel) -> None:
    parcel.to("registered", "in_review")
    parcel.confirm_origin()
    parcel.to("eligible", "signed")
    parcel.step({"to": "delivered", "recipient": "Hương", "handed_over_on": "2025-06-02"})
    _refused(parcel.step({**SIGN, "serial": "AB654321"}), "reissue-only")


def test_ineligible_is_final(parcel: Parcel) -> None:
    parcel.to("registered", "in_review")
    response = parcel.step({"to": "ineligible", "reason": "Đất quy hoạch giao thông"})
    assert response.json()["properties"]["allowed_transitions"] == []
    _refused(parcel.step({"to": "in_review"}), "no-such-transition")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**SIGN, "serial": "D1234567"}, "serial"),
        ({**SIGN, "serial": "DK1234567"}, "serial"),
        ({**SIGN, "register_no": "1234"}, "register_no"),
        ({k: v for k, v in SIGN.items() if k != "custody_location"}, "custody_location"),
        ({**RETURN, "missing_items": []}, "missing_items"),
        ({k: v for k, v in RETURN.items() if k != "notice_no"}, "notice_no"),
        ({"to": "delivered"}, "recipient"),
        ({"to": "archived"}, "to"),
    ],
)
def test_each_step_requires_its_data(parcel: Parcel, body: dict[str, Any], field: str) -> None:
    response = parcel.step(body)
    assert response.status_code == 422
    assert field in response.text


def test_a_serial_is_used_once(client: httpx.Client, keys: Keys, new_parcel: NewParcel) -> None:
    first, second = Parcel(client, keys, new_parcel()), Parcel(client, keys, new_parcel())
    for p in (first, second):
        p.to("registered", "in_review")
        p.confirm_origin()
        p.to("eligible")
    first.to("signed")
    response = second.step(SIGN)
    assert response.status_code == 409 and "DK123456" in response.json()["detail"]


def test_hand_over_cannot_precede_signing(parcel: Parcel) -> None:
    parcel.to("registered", "in_review")
    parcel.confirm_origin()
    parcel.to("eligible", "signed")
    _refused(
        parcel.step({"to": "delivered", "recipient": "A", "handed_over_on": "2025-05-01"}),
        "delivered-before-signed",
    )


def test_only_registry_officers_move_certificates(parcel: Parcel) -> None:
    for headers in (parcel.keys.ward, parcel.keys.surveyor, parcel.keys.viewer):
        assert parcel.step({"to": "registered"}, headers).status_code == 403
    response = parcel.client.post(
        f"/parcels/{parcel.id}/transitions",
        json={"to": "registered"},
        headers={"If-Match": parcel.etag},
    )
    assert response.status_code == 401


def test_transitions_need_a_current_if_match(parcel: Parcel) -> None:
    url = f"/parcels/{parcel.id}/transitions"
    assert (
        parcel.client.post(url, json={"to": "registered"}, headers=parcel.keys.registry).status_code
        == 428
    )
    parcel.to("registered")
    stale = parcel.client.post(
        url, json={"to": "in_review"}, headers={**parcel.keys.registry, "If-Match": '"1"'}
    )
    assert stale.status_code == 412


def test_origin_is_confirmed_by_the_parcels_own_ward_and_revisions_keep_history(
    parcel: Parcel,
) -> None:
    assert parcel.confirm_origin(headers=parcel.keys.other_ward).status_code == 403
    assert parcel.confirm_origin(headers=parcel.keys.registry).status_code == 403
    assert parcel.confirm_origin().status_code == 200
    revised = parcel.confirm_origin(
        {**ORIGIN, "land_use_since": "1988-01-01", "document": "51/XN-UBND"}
    )
    assert revised.status_code == 200
    props = revised.json()["properties"]
    assert props["land_use_since"] == "1988-01-01"
    assert props["confirmation"]["document"] == "51/XN-UBND"
    assert props["land_uses"][0]["origin_codes"] == ["CNQ-CTT"]
    last = parcel.client.get(f"/parcels/{parcel.id}/history").json()[-1]
    assert last["changes"]["land_use_since"] == {"old": "1993-07-15", "new": "1988-01-01"}
    assert last["changes"]["confirmation"]["old"]["document"] == "45/XN-UBND"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"land_uses": [{"code": "CLN", "origin_codes": ["CNQ"]}]}, "no land use CLN"),
        ({"land_uses": [{"code": "ONT", "origin_codes": ["ZZZ"]}]}, "Unknown land-origin"),
        ({"land_uses": []}, "origin codes"),
        ({"land_use_since": None}, "land_use_since"),
        ({"land_use_since": "2999-01-01"}, "future"),
    ],
)
def test_origin_confirmation_checks_its_data(
    parcel: Parcel, change: dict[str, Any], says: str
) -> None:
    response = parcel.confirm_origin({**ORIGIN, **change})
    assert response.status_code == 422 and says in response.text


def test_an_open_dispute_blocks_certification_until_resolved(parcel: Parcel) -> None:
    parcel.to("registered", "in_review")
    parcel.confirm_origin()
    client, keys = parcel.client, parcel.keys
    dispute_body = {
        "opened_on": "2025-04-01",
        "kind": "boundary",
        "description": "Tranh chấp ranh giới với thửa liền kề phía Đông",
        "parties": ["Nguyễn Văn Hùng", "Lê Thị Hoa"],
    }
    assert (
        client.post(
            f"/parcels/{parcel.id}/disputes", json=dispute_body, headers=keys.other_ward
        ).status_code
        == 403
    )
    opened = client.post(f"/parcels/{parcel.id}/disputes", json=dispute_body, headers=keys.ward)
    assert opened.status_code == 201, opened.text
    dispute_id = opened.json()["id"]
    assert opened.headers["location"] == f"/disputes/{dispute_id}"
    props = parcel.read()["properties"]
    assert props["disputed"] is True and "dispute" in props["backlog"]
    parcel.etag = f'"{props["version"]}"'
    _refused(parcel.step({"to": "eligible"}), "open-dispute")

    anonymous = client.get(f"/disputes/{dispute_id}").json()
    assert anonymous["parties"] is None
    assert (
        client.get(f"/disputes/{dispute_id}", headers=keys.ward).json()["parties"]
        == dispute_body["parties"]
    )

    resolve = {"resolution": "Hòa giải thành tại UBND phường", "resolved_on": "2025-04-20"}
    url = f"/disputes/{dispute_id}/resolve"
    assert client.post(url, json=resolve, headers=keys.ward).status_code == 428
    done = client.post(url, json=resolve, headers={**keys.ward, "If-Match": '"1"'})
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    again = client.post(url, json=resolve, headers={**keys.ward, "If-Match": '"2"'})
    assert again.status_code == 409

    props = parcel.read()["properties"]
    assert props["disputed"] is False
    parcel.etag = f'"{props["version"]}"'
    assert parcel.step({"to": "eligible"}).status_code == 200
    listed = client.get(f"/parcels/{parcel.id}/disputes").json()
    assert [(d["status"], d["resolution"]) for d in listed] == [("resolved", resolve["resolution"])]
    history = client.get(f"/parcels/{parcel.id}/history").json()
    opened_v, resolved_v = (
        next(v for v in history if v["action"] == action)
        for action in ("open_dispute", "resolve_dispute")
    )
    assert opened_v["changes"]["disputed"] == {"old": False, "new": True}
    assert resolved_v["changes"]["disputed"] == {"old": True, "new": False}
    assert resolved_v["changes"]["disputes"]["old"][0]["status"] == "open"
    assert opened_v["actor"] == resolved_v["actor"] == "test ward_officer (ward_officer)"


def test_two_disputes_keep_the_flag_until_both_close(parcel: Parcel) -> None:
    client, keys = parcel.client, parcel.keys
    body = {
        "opened_on": "2025-04-01",
        "kind": "ownership",
        "description": "Tranh chấp quyền sử dụng",
    }
    ids = [
        client.post(f"/parcels/{parcel.id}/disputes", json=body, headers=keys.ward).json()["id"]
        for _ in range(2)
    ]
    resolve = {"resolution": "Tòa án đã xử", "resolved_on": "2025-05-01"}
    client.post(
        f"/disputes/{ids[0]}/resolve", json=resolve, headers={**keys.ward, "If-Match": '"1"'}
    )
    assert parcel.read()["properties"]["disputed"] is True
    client.post(
        f"/disputes/{ids[1]}/resolve", json=resolve, headers={**keys.ward, "If-Match": '"1"'}
    )
    assert parcel.read()["properties"]["disputed"] is False


def test_staff_backlog_reasons_add_to_the_derived_ones(parcel: Parcel) -> None:
    url = f"/parcels/{parcel.id}/backlog-reasons"
    body = {
        "reasons": [
            {"reason": "unpaid_obligation", "note": "Chưa nộp tiền sử dụng đất"},
            {"reason": "holder_absent"},
        ]
    }
    assert (
        parcel.client.put(
            url, json=body, headers={**parcel.keys.other_ward, "If-Match": parcel.etag}
        ).status_code
        == 403
    )
    response = parcel.client.put(
        url, json=body, headers={**parcel.keys.ward, "If-Match": parcel.etag}
    )
    assert response.status_code == 200
    assert response.json()["properties"]["backlog"] == [
        "origin_unconfirmed",
        "time_of_use_unconfirmed",
        "holder_absent",
        "unpaid_obligation",
    ]
    bad = parcel.client.put(
        url,
        json={"reasons": [{"reason": "dispute"}]},
        headers={**parcel.keys.ward, "If-Match": response.headers["etag"]},
    )
    assert bad.status_code == 422  # derived reasons are not set by hand


@pytest.mark.parametrize("opened_on", [0, 1743465600, 20250401.0, "2025-4-1", "01/04/2025"])
def test_a_day_in_a_body_is_written_yyyy_mm_dd(parcel: Parcel, opened_on: object) -> None:
    body = {"opened_on": opened_on, "kind": "boundary", "description": "Tranh chấp ranh giới"}
    response = parcel.client.post(
        f"/parcels/{parcel.id}/disputes", json=body, headers=parcel.keys.ward
    )
    assert response.status_code == 422, response.text
    assert "YYYY-MM-DD" in response.text
    assert parcel.client.get(f"/parcels/{parcel.id}/disputes").json() == []


def test_the_parcel_says_its_next_steps_and_what_blocks_them(
    client: httpx.Client, keys: Keys, new_parcel: NewParcel
) -> None:
    parcel = Parcel(client, keys, new_parcel())

    def steps() -> dict[str, Any]:
        props = client.get(f"/parcels/{parcel.id}").json()["properties"]
        return {s["status"]: s["blocked"] for s in props["next_steps"]}

    assert steps() == {"registered": None}
    parcel.to("registered", "in_review")
    blocked = steps()
    assert set(blocked) == {"returned", "eligible", "ineligible"}
    assert blocked["returned"] is None and blocked["ineligible"] is None
    # the oracle: the transition itself, refused for the reason the page was told
    refused = parcel.step({"to": "eligible"})
    assert refused.status_code == 409, refused.text
    assert blocked["eligible"] is not None
    assert {k: refused.json()[k] for k in ("rule", "detail")} == blocked["eligible"]
    assert parcel.confirm_origin().status_code == 200
    assert steps()["eligible"] is None
    assert parcel.step({"to": "eligible"}).status_code == 200
