"""/reports: certificates still in custody and returned dossiers, checked against SQL."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from itertools import count
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from tests.api.conftest import OTHER_WARD, WARD, Keys
from tests.support import TODAY

PROBLEM = "application/problem+json"
TITLE_UNDELIVERED = "BIÊN BẢN KIỂM KÊ GIẤY CHỨNG NHẬN ĐÃ KÝ CHƯA TRAO CHO NGƯỜI SỬ DỤNG ĐẤT"
HEADINGS_UNDELIVERED = [
    "STT",
    "Mã xã/phường",
    "Tên xã/phường",
    "Mã xã khi đo đạc",
    "Số tờ bản đồ",
    "Số thửa",
    "Số phát hành (seri)",
    "Số vào sổ cấp GCN",
    "Ngày ký",
    "Nơi lưu giữ",
    "Số ngày lưu giữ",
]
TITLE_RETURNED = "TỔNG HỢP HỒ SƠ TRẢ LẠI DO CHƯA ĐẦY ĐỦ"
HEADINGS_RETURNED = ["Tháng", "Mã xã/phường", "Tên xã/phường", "Số lượt trả lại", "Số thửa"]


class Walker:
    """Moves parcels through the certificate life cycle over HTTP, as staff do."""

    def __init__(self, client: httpx.Client, keys: Keys) -> None:
        self.client = client
        self.keys = keys
        self.etags: dict[int, str] = {}
        self.serials = count(410001)

    def _officer(self, ward: str) -> dict[str, str]:
        return {WARD: self.keys.ward, OTHER_WARD: self.keys.other_ward}[ward]

    def _send(
        self, method: str, url: str, parcel_id: int, headers: dict[str, str], body: Any
    ) -> None:
        response = self.client.request(
            method, url, json=body, headers={**headers, "If-Match": self.etags[parcel_id]}
        )
        assert response.status_code == 200, response.text
        self.etags[parcel_id] = response.headers["ETag"]

    def start(self, feature: dict[str, Any]) -> int:
        parcel_id: int = feature["id"]
        response = self.client.get(f"/parcels/{parcel_id}")
        self.etags[parcel_id] = response.headers["ETag"]
        return parcel_id

    def step(self, parcel_id: int, to: str, **fields: Any) -> None:
        self._send(
            "POST",
            f"/parcels/{parcel_id}/transitions",
            parcel_id,
            self.keys.registry,
            {"to": to, **fields},
        )

    def to_review(self, parcel_id: int) -> None:
        self.step(parcel_id, "registered")
        self.step(parcel_id, "in_review")

    def returned(self, parcel_id: int, notice_date: date, notice_no: str) -> None:
        self.step(
            parcel_id,
            "returned",
            notice_no=notice_no,
            notice_date=notice_date.isoformat(),
            missing_items=["Bản sao CCCD của người sử dụng đất"],
            copied_to="Đảng ủy phường Nếnh",
        )

    def confirm_origin(self, parcel_id: int, ward: str) -> None:
        self._send(
            "PUT",
            f"/parcels/{parcel_id}/origin",
            parcel_id,
            self._officer(ward),
            {
                "origin_confirmed": True,
                "time_of_use_confirmed": True,
                "land_use_since": "1993-10-15",
                "land_uses": [{"code": "ONT", "origin_codes": ["CNQ-CTT"]}],
                "confirmed_on": "2025-01-06",
                "document": "15/XN-UBND",
            },
        )

    def eligible(self, parcel_id: int, ward: str) -> None:
        self.to_review(parcel_id)
        self.confirm_origin(parcel_id, ward)
        self.step(parcel_id, "eligible")

    def signed(self, parcel_id: int, ward: str, signed_on: date) -> str:
        self.eligible(parcel_id, ward)
        serial = f"DK{next(self.serials)}"
        self.step(
            parcel_id,
            "signed",
            serial=serial,
            register_no=f"CS{parcel_id:05d}",
            signer="Phó Giám đốc Sở Nông nghiệp và Môi trường",
            signed_on=signed_on.isoformat(),
            custody_location="Tủ hồ sơ số 3",
        )
        return serial

    def delivered(self, parcel_id: int, on: date) -> None:
        self.step(
            parcel_id, "delivered", recipient="Nguyễn Văn Hùng", handed_over_on=on.isoformat()
        )


@pytest.fixture
def walker(client: httpx.Client, keys: Keys) -> Walker:
    return Walker(client, keys)


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def _csv_rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def _vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# -- certificates still in custody -----------------------------------------------------------

ON = date(2025, 6, 30)


@pytest.fixture
def custody(
    walker: Walker, new_parcel: Callable[..., dict[str, Any]], session: Session
) -> dict[str, Any]:
    """Three certificates in custody (two wards), one delivered, one eligible, one signed late."""
    made: dict[str, Any] = {}
    for name, ward, signed_on in (
        ("a", WARD, date(2025, 3, 1)),
        ("b", WARD, date(2025, 5, 16)),
        ("c", OTHER_WARD, date(2025, 4, 10)),
        ("delivered", WARD, date(2025, 2, 3)),
        ("late", OTHER_WARD, date(2025, 7, 2)),
        ("handed_later", OTHER_WARD, date(2025, 6, 2)),
    ):
        parcel_id = walker.start(new_parcel(ward=ward))
        made[name] = {
            "id": parcel_id,
            "ward": ward,
            "signed_on": signed_on,
            "serial": walker.signed(parcel_id, ward, signed_on),
        }
    walker.delivered(made["delivered"]["id"], date(2025, 2, 20))
    # in custody on the inventory date, handed over after it
    walker.delivered(made["handed_later"]["id"], date(2025, 7, 10))
    eligible = walker.start(new_parcel(ward=WARD))
    walker.eligible(eligible, WARD)
    made["eligible"] = {"id": eligible}
    session.flush()
    return made


def _in_custody(connection: Connection, on: date) -> list[tuple[str, int, str, date, int]]:
    """(ward, parcel, serial, signed_on, days held) of certificates signed by `on` and not
    handed over by then."""
    rows = connection.execute(
        text(
            "SELECT p.ward_code, p.id, c.serial, c.signed_on, CAST(:on AS date) - c.signed_on"
            " FROM certificate c JOIN parcel p ON p.id = c.parcel_id"
            " WHERE c.signed_on <= :on AND (c.delivered_on IS NULL OR c.delivered_on > :on)"
            " ORDER BY p.ward_code, c.signed_on"
        ),
        {"on": on},
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_undelivered_lists_signed_certificates_in_custody_per_ward(
    client: httpx.Client, keys: Keys, custody: dict[str, Any], connection: Connection
) -> None:
    response = client.get(
        "/reports/undelivered", params={"on": ON.isoformat()}, headers=keys.registry
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["on"] == ON.isoformat()

    expected = _in_custody(connection, ON)
    in_custody = ("a", "b", "c", "handed_later")
    assert {r[1] for r in expected} == {custody[k]["id"] for k in in_custody}
    assert report["total"] == len(expected) == 4

    by_ward = {w["ward_code"]: w for w in report["wards"]}
    assert list(by_ward) == sorted(by_ward)
    assert {w: e["count"] for w, e in by_ward.items()} == Counter(r[0] for r in expected)
    assert by_ward[WARD]["ward_name"] == "Nếnh"
    assert by_ward[OTHER_WARD]["ward_name"] == "Vân Hà"

    listed = {
        c["parcel_id"]: (w, c["serial"], c["signed_on"], c["days_held"])
        for w, entry in by_ward.items()
        for c in entry["certificates"]
    }
    assert listed == {pid: (w, s, d.isoformat(), days) for w, pid, s, d, days in expected}
    # days held = inventory date - signing date
    assert listed[custody["a"]["id"]][3] == 121
    assert listed[custody["b"]["id"]][3] == 45
    assert by_ward[WARD]["max_days_held"] == 121
    assert by_ward[OTHER_WARD]["max_days_held"] == (ON - date(2025, 4, 10)).days

    # neither the delivered one, the eligible one, nor one signed after the inventory date
    for absent in ("delivered", "eligible", "late"):
        assert custody[absent]["id"] not in listed
    certificate = by_ward[WARD]["certificates"][0]
    assert certificate["register_no"] == f"CS{custody['a']['id']:05d}"
    assert certificate["custody_location"] == "Tủ hồ sơ số 3"
    assert (certificate["sheet_no"], certificate["survey_commune_code"]) == (99, WARD)


def test_undelivered_on_a_later_day_counts_more_days_and_the_late_signing(
    client: httpx.Client, keys: Keys, custody: dict[str, Any], connection: Connection
) -> None:
    later = date(2025, 7, 31)
    report = client.get(
        "/reports/undelivered", params={"on": later.isoformat()}, headers=keys.registry
    ).json()
    expected = _in_custody(connection, later)
    assert report["total"] == len(expected) == 4
    days = {c["parcel_id"]: c["days_held"] for w in report["wards"] for c in w["certificates"]}
    assert days == {pid: d for _, pid, _, _, d in expected}
    assert days[custody["late"]["id"]] == 29
    assert custody["handed_later"]["id"] not in days  # handed over on 10 July


def test_undelivered_filters_by_ward(
    client: httpx.Client, keys: Keys, custody: dict[str, Any], connection: Connection
) -> None:
    response = client.get(
        "/reports/undelivered",
        params={"on": ON.isoformat(), "ward": OTHER_WARD},
        headers=keys.registry,
    )
    report = response.json()
    expected = [r for r in _in_custody(connection, ON) if r[0] == OTHER_WARD]
    assert [w["ward_code"] for w in report["wards"]] == [OTHER_WARD]
    assert report["total"] == len(expected) == 2
    assert [c["parcel_id"] for c in report["wards"][0]["certificates"]] == [
        custody["c"]["id"],
        custody["handed_later"]["id"],
    ]

    none = client.get(
        "/reports/undelivered",
        params={"on": ON.isoformat(), "ward": "07777"},
        headers=keys.registry,
    ).json()
    assert (none["total"], none["wards"]) == (0, [])


def test_undelivered_csv_is_the_signed_inventory(
    client: httpx.Client, keys: Keys, custody: dict[str, Any], connection: Connection
) -> None:
    response = client.get(
        "/reports/undelivered",
        params={"on": ON.isoformat(), "format": "csv"},
        headers=keys.registry,
    )
    rows = _csv_rows(response)
    assert rows[0] == [TITLE_UNDELIVERED]
    assert rows[1] == [f"Ngày kiểm kê: {_vn(ON)}"]
    header = rows.index(HEADINGS_UNDELIVERED)

    expected = _in_custody(connection, ON)
    body = rows[header + 1 : header + 1 + len(expected)]
    assert [r[0] for r in body] == [str(n) for n in range(1, len(expected) + 1)]
    assert [(r[1], r[6], r[8], int(r[10])) for r in body] == [
        (w, s, _vn(d), days) for w, _, s, d, days in expected
    ]
    assert rows[header + 1 + len(expected)] == []  # the certificates end there
    by_serial = {r[6]: r for r in body}
    a = by_serial[custody["a"]["serial"]]
    assert a[2] == "Nếnh" and a[9] == "Tủ hồ sơ số 3" and a[10] == "121"
    for absent in ("delivered", "late"):
        assert custody[absent]["serial"] not in by_serial

    flat = [cell for row in rows for cell in row]
    assert f"Tổng số giấy chứng nhận đang lưu giữ: {len(expected)}" in flat
    sign_off = next(r for r in rows if "GIÁM ĐỐC CHI NHÁNH" in r)
    assert sign_off[0] == "GIÁM ĐỐC CHI NHÁNH" and "NGƯỜI LƯU GIỮ" in sign_off
    assert rows.index(sign_off) > header + len(expected)


def test_undelivered_csv_filtered_by_ward(
    client: httpx.Client, keys: Keys, custody: dict[str, Any]
) -> None:
    rows = _csv_rows(
        client.get(
            "/reports/undelivered",
            params={"on": ON.isoformat(), "format": "csv", "ward": WARD},
            headers=keys.registry,
        )
    )
    header = rows.index(HEADINGS_UNDELIVERED)
    serials = [r[6] for r in rows[header + 1 :] if r and r[0].isdigit()]
    assert serials == [custody["a"]["serial"], custody["b"]["serial"]]
    assert "Tổng số giấy chứng nhận đang lưu giữ: 2" in [c for r in rows for c in r]


def test_undelivered_lists_a_reissued_certificate_once_with_its_new_serial(
    client: httpx.Client,
    keys: Keys,
    walker: Walker,
    new_parcel: Callable[..., dict[str, Any]],
    connection: Connection,
    session: Session,
) -> None:
    parcel_id = walker.start(new_parcel(ward=WARD))
    old = walker.signed(parcel_id, WARD, date(2025, 1, 10))
    walker.delivered(parcel_id, date(2025, 1, 20))
    new = f"DK{next(walker.serials)}"
    walker.step(
        parcel_id,
        "signed",
        serial=new,
        register_no="CS77001",
        signer="Phó Giám đốc Sở",
        signed_on="2025-05-05",
        custody_location="Tủ hồ sơ số 5",
        reissue=True,
    )
    session.flush()

    def serials(on: date) -> list[str]:
        report = client.get(
            "/reports/undelivered", params={"on": on.isoformat()}, headers=keys.registry
        ).json()
        return [c["serial"] for w in report["wards"] for c in w["certificates"]]

    assert serials(ON) == [new] == [r[2] for r in _in_custody(connection, ON)]
    assert serials(date(2025, 1, 15)) == [old]  # the first one, before it was handed over
    assert serials(date(2025, 3, 1)) == []


@pytest.mark.parametrize("path", ["/reports/undelivered", "/reports/returned"])
def test_reports_are_for_registry_staff(client: httpx.Client, keys: Keys, path: str) -> None:
    anonymous = client.get(path)
    _problem(anonymous, 401)
    assert "WWW-Authenticate" in anonymous.headers
    _problem(client.get(path, params={"format": "csv"}), 401)
    for role in (keys.viewer, keys.ward, keys.surveyor):
        _problem(client.get(path, headers=role), 403)
        _problem(client.get(path, params={"format": "csv"}, headers=role), 403)
    assert client.get(path, headers=keys.registry).status_code == 200
    assert client.get(path, headers=keys.admin).status_code == 200


@pytest.mark.parametrize("params", [{"format": "xlsx"}, {"ward": "7795"}, {"on": "30/06/2025"}])
def test_undelivered_refuses_bad_parameters(
    client: httpx.Client, keys: Keys, params: dict[str, str]
) -> None:
    _problem(client.get("/reports/undelivered", params=params, headers=keys.registry), 422)


# -- returned dossiers -----------------------------------------------------------------------


@pytest.fixture
def returns(
    walker: Walker, new_parcel: Callable[..., dict[str, Any]], session: Session
) -> Iterator[dict[str, int]]:
    """Five returns: parcel A (WARD) in January and twice in February, B (WARD) in February,
    C (OTHER_WARD) in January."""
    a = walker.start(new_parcel(ward=WARD))
    b = walker.start(new_parcel(ward=WARD))
    c = walker.start(new_parcel(ward=OTHER_WARD))
    for parcel_id in (a, b, c):
        walker.to_review(parcel_id)
    walker.returned(a, date(2025, 1, 15), "11/PYC")
    walker.step(a, "in_review")
    walker.returned(a, date(2025, 2, 3), "25/PYC")
    walker.step(a, "in_review")
    walker.returned(a, date(2025, 2, 17), "31/PYC")
    walker.returned(b, date(2025, 2, 20), "34/PYC")
    walker.returned(c, date(2025, 1, 20), "12/PYC")
    session.flush()
    yield {"a": a, "b": b, "c": c}


def _returned_sql(
    connection: Connection, start: date, end: date, ward: str | None = None
) -> dict[tuple[str, str], tuple[int, int]]:
    """{(month, ward): (returns, distinct parcels)} counted straight from dossier_return."""
    rows = connection.execute(
        text(
            "SELECT to_char(r.notice_date, 'YYYY-MM'), p.ward_code, count(r.id),"
            " count(DISTINCT r.parcel_id)"
            " FROM dossier_return r JOIN parcel p ON p.id = r.parcel_id"
            " WHERE r.notice_date >= :start AND r.notice_date <= :end"
            " AND (CAST(:ward AS text) IS NULL OR p.ward_code = :ward)"
            " GROUP BY 1, 2"
        ),
        {"start": start, "end": end, "ward": ward},
    )
    return {(m, w): (n, d) for m, w, n, d in rows}


def _returned(client: httpx.Client, keys: Keys, **params: str) -> dict[str, Any]:
    response = client.get("/reports/returned", params=params, headers=keys.registry)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_returned_counts_returns_and_parcels_by_ward_and_month(
    client: httpx.Client, keys: Keys, returns: dict[str, int], connection: Connection
) -> None:
    report = _returned(client, keys, **{"from": "2025-01-01", "to": "2025-12-31"})
    assert (report["from"], report["to"]) == ("2025-01-01", "2025-12-31")
    got = {
        (r["month"], r["ward_code"]): (r["returned"], r["parcels"])
        for r in report["by_ward_and_month"]
    }
    expected = _returned_sql(connection, date(2025, 1, 1), date(2025, 12, 31))
    assert got == expected
    assert got == {
        ("2025-01", WARD): (1, 1),
        ("2025-01", OTHER_WARD): (1, 1),
        ("2025-02", WARD): (3, 2),  # A twice, B once
    }
    assert [(r["month"], r["ward_code"]) for r in report["by_ward_and_month"]] == sorted(got)
    names = {r["ward_code"]: r["ward_name"] for r in report["by_ward_and_month"]}
    assert names == {WARD: "Nếnh", OTHER_WARD: "Vân Hà"}
    assert report["total"] == 5 == sum(n for n, _ in expected.values())
    # three parcels: A counts in January and February, once in the total
    assert report["parcels"] == 3 < sum(d for _, d in expected.values())

    notices = report["notices"]
    assert [n["notice_no"] for n in notices] == ["11/PYC", "12/PYC", "25/PYC", "31/PYC", "34/PYC"]
    assert Counter(n["parcel_id"] for n in notices) == {
        returns["a"]: 3,
        returns["b"]: 1,
        returns["c"]: 1,
    }
    first = notices[0]
    assert first["notice_date"] == "2025-01-15"
    assert first["missing_items"] == ["Bản sao CCCD của người sử dụng đất"]
    assert first["returned_by"] == "test registry_officer (registry_officer)"


@pytest.mark.parametrize(
    ("start", "end", "ward", "total"),
    [
        (date(2025, 2, 1), date(2025, 12, 31), None, 3),
        (date(2025, 1, 1), date(2025, 1, 31), None, 2),
        (date(2025, 1, 16), date(2025, 2, 17), None, 3),  # both ends count
        (date(2025, 1, 1), date(2025, 12, 31), OTHER_WARD, 1),
        (date(2025, 1, 1), date(2025, 12, 31), WARD, 4),
        (date(2024, 1, 1), date(2024, 12, 31), None, 0),
    ],
)
def test_returned_honours_from_to_and_ward(
    client: httpx.Client,
    keys: Keys,
    returns: dict[str, int],
    connection: Connection,
    start: date,
    end: date,
    ward: str | None,
    total: int,
) -> None:
    params = {"from": start.isoformat(), "to": end.isoformat()}
    if ward:
        params["ward"] = ward
    report = _returned(client, keys, **params)
    got = {
        (r["month"], r["ward_code"]): (r["returned"], r["parcels"])
        for r in report["by_ward_and_month"]
    }
    assert got == _returned_sql(connection, start, end, ward)
    assert report["total"] == total == len(report["notices"])
    distinct = connection.execute(
        text(
            "SELECT count(DISTINCT r.parcel_id) FROM dossier_return r"
            " JOIN parcel p ON p.id = r.parcel_id"
            " WHERE r.notice_date BETWEEN :start AND :end"
            " AND (CAST(:ward AS text) IS NULL OR p.ward_code = :ward)"
        ),
        {"start": start, "end": end, "ward": ward},
    ).scalar_one()
    assert report["parcels"] == distinct
    assert all(start.isoformat() <= n["notice_date"] <= end.isoformat() for n in report["notices"])


def test_returned_defaults_to_this_year_so_far(
    client: httpx.Client, keys: Keys, returns: dict[str, int]
) -> None:
    report = _returned(client, keys)
    today = TODAY
    assert report["from"] == date(today.year, 1, 1).isoformat()
    assert report["to"] == today.isoformat()
    # the 2025 returns lie outside this year's report unless this year is 2025
    expected = 5 if today.year == 2025 else 0
    assert report["total"] == expected


def test_returned_refuses_from_after_to(client: httpx.Client, keys: Keys) -> None:
    response = client.get(
        "/reports/returned",
        params={"from": "2025-03-01", "to": "2025-02-01"},
        headers=keys.registry,
    )
    _problem(response, 422)


def test_returned_csv_has_vietnamese_headings_and_total(
    client: httpx.Client, keys: Keys, returns: dict[str, int], connection: Connection
) -> None:
    response = client.get(
        "/reports/returned",
        params={"from": "2025-01-01", "to": "2025-12-31", "format": "csv"},
        headers=keys.registry,
    )
    rows = _csv_rows(response)
    assert rows[0] == [TITLE_RETURNED]
    assert rows[1] == ["Từ ngày 01/01/2025 đến ngày 31/12/2025"]
    header = rows.index(HEADINGS_RETURNED)
    expected = _returned_sql(connection, date(2025, 1, 1), date(2025, 12, 31))
    body = rows[header + 1 : header + 1 + len(expected)]
    assert {(r[0], r[1]): (int(r[3]), int(r[4])) for r in body} == expected
    assert [(r[0], r[1]) for r in body] == sorted(expected)
    assert {r[1]: r[2] for r in body} == {WARD: "Nếnh", OTHER_WARD: "Vân Hà"}
    total = next(r for r in rows if r and r[0] == "Tổng cộng")
    assert int(total[3]) == 5 == sum(n for n, _ in expected.values())
    distinct = connection.execute(text("SELECT count(DISTINCT parcel_id) FROM dossier_return"))
    assert int(total[4]) == distinct.scalar_one() == 3
