"""/complaints: anyone submits, ward and registry staff handle them, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from tests.api.conftest import OTHER_WARD, WARD, Keys

PROBLEM = "application/problem+json"


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def _submit(client: httpx.Client, **fields: Any) -> httpx.Response:
    body: dict[str, Any] = {"content": "Hồ sơ nộp từ tháng 3 chưa có kết quả.", **fields}
    return client.post("/complaints", json=body)


def _complaint(client: httpx.Client, **fields: Any) -> int:
    response = _submit(client, **fields)
    assert response.status_code == 201, response.text
    complaint_id: int = response.json()["id"]
    return complaint_id


def _read(client: httpx.Client, complaint_id: int, headers: dict[str, str]) -> httpx.Response:
    response = client.get(f"/complaints/{complaint_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response


def _patch(
    client: httpx.Client,
    complaint_id: int,
    headers: dict[str, str],
    etag: str | None,
    **body: Any,
) -> httpx.Response:
    extra = {"If-Match": etag} if etag is not None else {}
    return client.patch(f"/complaints/{complaint_id}", json=body, headers={**headers, **extra})


# -- submitting ------------------------------------------------------------------------------


def test_anonymous_submit_gets_a_receipt_and_the_ward_of_the_parcel(
    client: httpx.Client,
    keys: Keys,
    new_parcel: Callable[..., dict[str, Any]],
    connection: Connection,
    session: Session,
) -> None:
    parcel = new_parcel(ward=OTHER_WARD)
    response = _submit(
        client,
        parcel_id=parcel["id"],
        channel="hotline",
        reporter_name="Nguyễn Văn Hùng",
        reporter_phone="0912 345 678",
    )
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert set(receipt) == {"id", "status", "received_at"}
    assert receipt["status"] == "received"
    assert response.headers["Location"] == f"/complaints/{receipt['id']}"

    session.flush()
    row = connection.execute(
        text("SELECT parcel_id, ward_code, channel, status FROM complaint WHERE id = :id"),
        {"id": receipt["id"]},
    ).one()
    assert tuple(row) == (parcel["id"], OTHER_WARD, "hotline", "received")

    # the Location answers, to staff, with the same complaint
    read = client.get(response.headers["Location"], headers=keys.registry)
    assert read.status_code == 200
    assert read.json()["ward_code"] == OTHER_WARD
    assert read.json()["reporter_name"] == "Nguyễn Văn Hùng"
    assert read.headers["ETag"] == '"1"'


def test_submit_with_the_parcels_own_ward_is_accepted(
    client: httpx.Client, new_parcel: Callable[..., dict[str, Any]]
) -> None:
    parcel = new_parcel()
    response = _submit(client, parcel_id=parcel["id"], ward_code=WARD)
    assert response.status_code == 201, response.text


def test_submit_with_a_ward_contradicting_the_parcel_is_422(
    client: httpx.Client, new_parcel: Callable[..., dict[str, Any]]
) -> None:
    parcel = new_parcel(ward=WARD)
    body = _problem(_submit(client, parcel_id=parcel["id"], ward_code=OTHER_WARD), 422)
    assert WARD in body["detail"] and OTHER_WARD in body["detail"]


def test_submit_about_an_unknown_parcel_is_404(client: httpx.Client) -> None:
    body = _problem(_submit(client, parcel_id=987654321), 404)
    assert "987654321" in body["detail"]


def test_submit_naming_an_unknown_ward_is_422(client: httpx.Client) -> None:
    _problem(_submit(client, ward_code="99999"), 422)


@pytest.mark.parametrize(
    "extra",
    [
        {"status": "resolved"},
        {"handled_by": "someone"},
        {"priority": "high"},
    ],
)
def test_submit_refuses_unknown_fields(client: httpx.Client, extra: dict[str, Any]) -> None:
    body = _problem(_submit(client, ward_code=WARD, **extra), 422)
    assert any(e["loc"][-1] in extra for e in body["errors"])


def test_submit_refuses_a_bad_channel_and_empty_content(client: httpx.Client) -> None:
    _problem(_submit(client, channel="fax"), 422)
    _problem(client.post("/complaints", json={"content": ""}), 422)


# -- listing ---------------------------------------------------------------------------------


def test_listing_needs_a_key(client: httpx.Client) -> None:
    response = client.get("/complaints")
    _problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_listing_is_not_for_gis_viewers_or_surveyors(client: httpx.Client, keys: Keys) -> None:
    _problem(client.get("/complaints", headers=keys.viewer), 403)
    _problem(client.get("/complaints", headers=keys.surveyor), 403)


@pytest.fixture
def three_complaints(client: httpx.Client) -> dict[str, int]:
    """One complaint in WARD, one in OTHER_WARD, one with no ward."""
    return {
        "ward": _complaint(client, ward_code=WARD),
        "other": _complaint(client, ward_code=OTHER_WARD),
        "none": _complaint(client, dossier_ref="HS-2025-0042"),
    }


def test_ward_officer_sees_only_their_wards_complaints(
    client: httpx.Client, keys: Keys, three_complaints: dict[str, int]
) -> None:
    for query in ({}, {"ward": OTHER_WARD}, {"ward": WARD}):
        response = client.get("/complaints", params=query, headers=keys.ward)
        assert response.status_code == 200, (query, response.text)
        found = response.json()
        assert {c["ward_code"] for c in found} == {WARD}, query
        ids = {c["id"] for c in found}
        assert three_complaints["ward"] in ids
        assert three_complaints["other"] not in ids and three_complaints["none"] not in ids

    other = client.get("/complaints", headers=keys.other_ward).json()
    assert {c["ward_code"] for c in other} == {OTHER_WARD}
    assert three_complaints["other"] in {c["id"] for c in other}


def test_registry_officer_sees_all_and_filters_by_status_and_ward(
    client: httpx.Client,
    keys: Keys,
    three_complaints: dict[str, int],
    connection: Connection,
    session: Session,
) -> None:
    everything = client.get("/complaints", headers=keys.registry)
    assert everything.status_code == 200
    listed = everything.json()
    assert set(three_complaints.values()) <= {c["id"] for c in listed}
    session.flush()
    assert len(listed) == connection.execute(text("SELECT count(*) FROM complaint")).scalar_one()
    # newest first
    ids = [c["id"] for c in listed]
    assert ids.index(three_complaints["none"]) < ids.index(three_complaints["ward"])

    # move one on, then filter by status
    complaint_id = three_complaints["other"]
    etag = _read(client, complaint_id, keys.registry).headers["ETag"]
    moved = _patch(client, complaint_id, keys.registry, etag, status="in_progress")
    assert moved.status_code == 200, moved.text

    in_progress = client.get("/complaints", params={"status": "in_progress"}, headers=keys.registry)
    assert [c["id"] for c in in_progress.json()] == [complaint_id]
    received = client.get("/complaints", params={"status": "received"}, headers=keys.registry)
    assert complaint_id not in {c["id"] for c in received.json()}
    assert {c["status"] for c in received.json()} == {"received"}

    in_ward = client.get("/complaints", params={"ward": WARD}, headers=keys.registry).json()
    assert [c["id"] for c in in_ward] == [three_complaints["ward"]]
    both = client.get(
        "/complaints", params={"ward": OTHER_WARD, "status": "received"}, headers=keys.registry
    )
    assert both.json() == []


def test_listing_refuses_an_unknown_status(client: httpx.Client, keys: Keys) -> None:
    _problem(client.get("/complaints", params={"status": "closed"}, headers=keys.registry), 422)


# -- handling --------------------------------------------------------------------------------


def test_handling_needs_if_match_and_refuses_a_stale_one(client: httpx.Client, keys: Keys) -> None:
    complaint_id = _complaint(client, ward_code=WARD)
    _problem(_patch(client, complaint_id, keys.ward, None, status="in_progress"), 428)

    first = _read(client, complaint_id, keys.ward).headers["ETag"]
    moved = _patch(client, complaint_id, keys.ward, first, status="in_progress")
    assert moved.status_code == 200, moved.text
    assert moved.headers["ETag"] != first

    stale = _problem(
        _patch(client, complaint_id, keys.ward, first, status="resolved", response="Đã xử lý."),
        412,
    )
    assert stale["current_version"] == 2
    assert _read(client, complaint_id, keys.ward).json()["status"] == "in_progress"


def test_received_in_progress_resolved_records_who_handled_it(
    client: httpx.Client, keys: Keys, connection: Connection, session: Session
) -> None:
    complaint_id = _complaint(client, ward_code=WARD)
    etag = _read(client, complaint_id, keys.ward).headers["ETag"]

    moved = _patch(client, complaint_id, keys.ward, etag, status="in_progress")
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "in_progress"
    assert moved.json()["handled_by"] == "test ward_officer (ward_officer)"

    # resolving without a response is refused, and changes nothing
    _problem(
        _patch(client, complaint_id, keys.registry, moved.headers["ETag"], status="resolved"), 422
    )

    done = _patch(
        client,
        complaint_id,
        keys.registry,
        moved.headers["ETag"],
        status="resolved",
        response="Đã hướng dẫn bổ sung bản sao CCCD.",
    )
    assert done.status_code == 200, done.text
    out = done.json()
    assert out["status"] == "resolved"
    assert out["response"] == "Đã hướng dẫn bổ sung bản sao CCCD."
    assert out["handled_by"] == "test registry_officer (registry_officer)"
    assert out["version"] == 3 and done.headers["ETag"] == '"3"'
    assert out["updated_at"] > out["received_at"]

    session.flush()
    row = connection.execute(
        text("SELECT status, response, handled_by, version FROM complaint WHERE id = :id"),
        {"id": complaint_id},
    ).one()
    assert tuple(row) == (
        "resolved",
        "Đã hướng dẫn bổ sung bản sao CCCD.",
        "test registry_officer (registry_officer)",
        3,
    )


def test_a_complaint_may_be_resolved_at_once(client: httpx.Client, keys: Keys) -> None:
    complaint_id = _complaint(client, ward_code=WARD)
    etag = _read(client, complaint_id, keys.ward).headers["ETag"]
    done = _patch(
        client,
        complaint_id,
        keys.ward,
        etag,
        status="resolved",
        response="Đã trả lời qua điện thoại.",
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "resolved"


@pytest.mark.parametrize("back_to", ["received", "in_progress"])
def test_a_resolved_complaint_cannot_go_back(
    client: httpx.Client, keys: Keys, back_to: str
) -> None:
    complaint_id = _complaint(client, ward_code=WARD)
    etag = _read(client, complaint_id, keys.registry).headers["ETag"]
    done = _patch(client, complaint_id, keys.registry, etag, status="resolved", response="Xong.")
    assert done.status_code == 200, done.text

    _problem(_patch(client, complaint_id, keys.registry, done.headers["ETag"], status=back_to), 422)
    after = _read(client, complaint_id, keys.registry)
    assert after.json()["status"] == "resolved"
    assert after.headers["ETag"] == done.headers["ETag"]


def test_an_in_progress_complaint_cannot_go_back_to_received(
    client: httpx.Client, keys: Keys
) -> None:
    complaint_id = _complaint(client, ward_code=WARD)
    etag = _read(client, complaint_id, keys.registry).headers["ETag"]
    moved = _patch(client, complaint_id, keys.registry, etag, status="in_progress")
    _problem(
        _patch(client, complaint_id, keys.registry, moved.headers["ETag"], status="received"), 422
    )


def test_a_ward_officer_cannot_handle_another_wards_complaint(
    client: httpx.Client, keys: Keys
) -> None:
    complaint_id = _complaint(client, ward_code=WARD)
    etag = _read(client, complaint_id, keys.ward).headers["ETag"]
    _problem(client.get(f"/complaints/{complaint_id}", headers=keys.other_ward), 403)
    _problem(_patch(client, complaint_id, keys.other_ward, etag, status="in_progress"), 403)
    assert _read(client, complaint_id, keys.ward).json()["status"] == "received"


def test_a_complaint_without_a_ward_is_for_registry_staff(client: httpx.Client, keys: Keys) -> None:
    complaint_id = _complaint(client)
    _problem(client.get(f"/complaints/{complaint_id}", headers=keys.ward), 403)
    etag = _read(client, complaint_id, keys.registry).headers["ETag"]
    moved = _patch(client, complaint_id, keys.registry, etag, status="in_progress")
    assert moved.status_code == 200, moved.text


def test_handling_needs_staff(client: httpx.Client, keys: Keys) -> None:
    complaint_id = _complaint(client, ward_code=WARD)
    _problem(_patch(client, complaint_id, {}, '"1"', status="in_progress"), 401)
    _problem(_patch(client, complaint_id, keys.viewer, '"1"', status="in_progress"), 403)
    _problem(_patch(client, 987654321, keys.registry, '"1"', status="in_progress"), 404)
    _problem(_patch(client, complaint_id, keys.registry, '"1"', status="closed"), 422)
    _problem(
        _patch(client, complaint_id, keys.registry, '"1"', status="in_progress", note="x"), 422
    )


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_response_does_not_resolve_a_complaint(
    client: httpx.Client, keys: Keys, blank: str
) -> None:
    complaint_id = _complaint(client, ward_code=WARD)
    etag = _read(client, complaint_id, keys.registry).headers["ETag"]
    _problem(
        _patch(client, complaint_id, keys.registry, etag, status="resolved", response=blank), 422
    )

    # nor does it wipe the response given while the complaint was in progress
    moved = _patch(
        client, complaint_id, keys.registry, etag, status="in_progress", response="Đang xác minh."
    )
    assert moved.status_code == 200, moved.text
    _problem(
        _patch(
            client,
            complaint_id,
            keys.registry,
            moved.headers["ETag"],
            status="resolved",
            response=blank,
        ),
        422,
    )
    after = _read(client, complaint_id, keys.registry).json()
    assert (after["status"], after["response"]) == ("in_progress", "Đang xác minh.")


# -- assigning -------------------------------------------------------------------------------


def test_a_complaint_is_assigned_to_an_account_and_taken_off_it(
    client: httpx.Client, keys: Keys, session: Session
) -> None:
    from app.domain import clock
    from app.domain.permissions import Role
    from app.services import accounts
    from tests.support import SETUP

    accounts.create(
        session=session,
        actor=SETUP,
        user_name="tranvanan",
        display_name="Trần Văn An",
        role=Role.REGISTRY_OFFICER,
        ward_code=None,
        password="một mật khẩu đủ dài 2025",
    )
    session.flush()
    complaint_id = _complaint(client, ward_code=WARD)
    read = _read(client, complaint_id, keys.registry)
    assert read.json()["assigned_to"] is None
    received = read.json()["received_at"]
    day = datetime.fromisoformat(received).astimezone(clock.LOCAL_TZ).date()
    assert read.json()["age_days"] == max(0, (clock.today() - day).days)
    assigned = _patch(
        client,
        complaint_id,
        keys.registry,
        read.headers["etag"],
        status="in_progress",
        assigned_to="tranvanan",
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["assigned_to"] == "tranvanan"
    # answering leaves the assignment as it is; sending null takes it off
    answered = _patch(
        client,
        complaint_id,
        keys.registry,
        assigned.headers["etag"],
        status="in_progress",
        response="Đã chuyển bộ phận một cửa.",
    )
    assert answered.json()["assigned_to"] == "tranvanan"
    freed = _patch(
        client,
        complaint_id,
        keys.registry,
        answered.headers["etag"],
        status="in_progress",
        assigned_to=None,
    )
    assert freed.json()["assigned_to"] is None
    nobody = _patch(
        client,
        complaint_id,
        keys.registry,
        freed.headers["etag"],
        status="in_progress",
        assigned_to="khongaico",
    )
    _problem(nobody, 422)


def _account(session: Session, user_name: str, role: str, ward: str | None = None) -> None:
    from app.domain.permissions import Role
    from app.services import accounts
    from tests.support import SETUP

    accounts.create(
        session=session,
        actor=SETUP,
        user_name=user_name,
        display_name=f"Cán bộ {user_name}",
        role=Role(role),
        ward_code=ward,
        password="một mật khẩu đủ dài 2025",
    )
    session.flush()


def test_a_complaint_goes_only_to_someone_who_may_answer_it(
    client: httpx.Client, keys: Keys, session: Session
) -> None:
    _account(session, "dodac.lan", "surveyor")
    _account(session, "xa.khac", "ward_officer", OTHER_WARD)
    _account(session, "xa.nay", "ward_officer", WARD)
    in_ward = _complaint(client, ward_code=WARD)
    no_ward = _complaint(client)
    etag = _read(client, in_ward, keys.registry).headers["etag"]
    for refused in ("dodac.lan", "xa.khac"):
        answer = _patch(
            client, in_ward, keys.registry, etag, status="in_progress", assigned_to=refused
        )
        assert refused in _problem(answer, 422)["detail"]
    ok = _patch(client, in_ward, keys.registry, etag, status="in_progress", assigned_to="xa.nay")
    assert ok.status_code == 200, ok.text
    # a complaint that names no ward is the registry's: no ward officer takes it
    etag = _read(client, no_ward, keys.registry).headers["etag"]
    answer = _patch(
        client, no_ward, keys.registry, etag, status="in_progress", assigned_to="xa.nay"
    )
    _problem(answer, 422)


def test_the_assignees_offered_are_the_active_accounts_that_may_answer(
    client: httpx.Client, keys: Keys, session: Session, connection: Connection
) -> None:
    _account(session, "vpdk.binh", "registry_officer")
    _account(session, "dodac.lan", "surveyor")
    _account(session, "xa.khac", "ward_officer", OTHER_WARD)
    _account(session, "xa.nay", "ward_officer", WARD)
    _account(session, "xa.nghi", "ward_officer", WARD)
    connection.execute(
        text("UPDATE staff_account SET disabled_at = now() WHERE user_name = 'xa.nghi'")
    )
    # the oracle: the table itself, by role and ward
    rows = connection.execute(
        text("SELECT user_name, role, ward_code FROM staff_account WHERE disabled_at IS NULL")
    ).all()
    handlers = {
        r.user_name for r in rows if r.role in ("registry_officer", "ward_officer", "admin")
    }
    ward_view = {
        r.user_name
        for r in rows
        if r.role in ("registry_officer", "admin")
        or (r.role, r.ward_code) == ("ward_officer", WARD)
    }
    registry = client.get("/complaint-assignees", headers=keys.registry)
    assert registry.status_code == 200, registry.text
    assert {a["user_name"] for a in registry.json()} == handlers
    ward = client.get("/complaint-assignees", headers=keys.ward)
    assert {a["user_name"] for a in ward.json()} == ward_view
    assert "xa.khac" not in ward_view and "xa.nghi" not in handlers
    _problem(client.get("/complaint-assignees", headers=keys.surveyor), 403)


def test_the_listing_names_the_parcel_and_filters_by_assignee(
    client: httpx.Client, keys: Keys, session: Session, connection: Connection
) -> None:
    _account(session, "vpdk.binh", "registry_officer")
    parcel = connection.execute(
        text("SELECT id, sheet_no, parcel_no FROM parcel WHERE ward_code = :w LIMIT 1"),
        {"w": WARD},
    ).one()
    about = _complaint(client, parcel_id=parcel.id)
    other = _complaint(client, ward_code=WARD)
    etag = _read(client, about, keys.registry).headers["etag"]
    handed = _patch(
        client, about, keys.registry, etag, status="in_progress", assigned_to="vpdk.binh"
    )
    assert (handed.json()["sheet_no"], handed.json()["parcel_no"]) == (
        parcel.sheet_no,
        parcel.parcel_no,
    )
    mine = client.get("/complaints", params={"assigned_to": "vpdk.binh"}, headers=keys.registry)
    assert [c["id"] for c in mine.json()] == [about]
    listed = {c["id"]: c for c in client.get("/complaints", headers=keys.registry).json()}
    assert (listed[about]["sheet_no"], listed[about]["parcel_no"]) == (
        parcel.sheet_no,
        parcel.parcel_no,
    )
    assert listed[other]["sheet_no"] is None


def test_several_statuses_list_together(
    client: httpx.Client, keys: Keys, connection: Connection
) -> None:
    answered = _complaint(client, ward_code=WARD)
    etag = _read(client, answered, keys.registry).headers["etag"]
    closed = _patch(
        client, answered, keys.registry, etag, status="resolved", response="Đã trả lời."
    )
    assert closed.status_code == 200, closed.text
    _complaint(client, ward_code=WARD)
    listed = client.get(
        "/complaints",
        params=[("status", "received"), ("status", "in_progress")],
        headers=keys.registry,
    )
    assert listed.status_code == 200, listed.text
    # the oracle: the table, read straight
    expected = set(
        connection.execute(
            text("SELECT id FROM complaint WHERE status IN ('received', 'in_progress')")
        ).scalars()
    )
    assert {c["id"] for c in listed.json()} == expected and answered not in expected
