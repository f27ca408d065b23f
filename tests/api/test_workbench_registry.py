"""The registry officers' desk in headless Chromium, on the sample register: the pipeline's
counts against a GROUP BY, a parcel taken from registered to delivered through the step
forms (a refused step shown in words, and a return on the way), and a batch signature in
which one refusal leaves the others signed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook
from sqlalchemy import text

from app.domain.labels_vi import REFUSAL, STATUS
from app.domain.permissions import Role
from tests.api.staff import PASSWORD, StaffRegister
from tests.api.workbench_browser import ARTIFACTS, Browser, read_table
from tests.support import TODAY

WARD = "07792"  # Ninh Sơn
OTHER_WARD = "07795"  # Nếnh
ORIGIN = {
    "origin_confirmed": True,
    "time_of_use_confirmed": True,
    "land_use_since": "1993-07-15",
    "confirmed_on": "2025-02-10",
    "document": "45/XN-UBND",
}


def _unregistered(staff: StaffRegister, count: int, ward: str = WARD) -> list[int]:
    with staff.engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT id FROM parcel WHERE ward_code = :w AND status = 'unregistered'"
                    " AND NOT disputed AND retired_at IS NULL ORDER BY id DESC LIMIT :n"
                ),
                {"w": ward, "n": count},
            ).scalars()
        )


def _api(staff: StaffRegister, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """A write through the API with the admin's key, If-Match read just before."""
    with httpx.Client(base_url=staff.base, headers=staff.admin) as http:
        parcel_id = path.split("/")[2]
        version = http.get(f"/parcels/{parcel_id}").headers["etag"]
        answer = http.request(method, path, json=body, headers={"If-Match": version})
        assert answer.status_code in (200, 201), answer.text
        result: dict[str, Any] = answer.json()
        return result


def _confirm(staff: StaffRegister, parcel: int) -> None:
    """The commune confirms the parcel's origin (through the API, with the admin's key)."""
    with httpx.Client(base_url=staff.base) as http:
        uses = http.get(f"/parcels/{parcel}").json()["properties"]["land_uses"]
    body = {**ORIGIN, "land_uses": [{"code": u["code"], "origin_codes": ["CNQ-CTT"]} for u in uses]}
    _api(staff, "PUT", f"/parcels/{parcel}/origin", body)


def _desk(staff: StaffRegister, browser: Browser) -> str:
    user = staff.account(Role.REGISTRY_OFFICER)
    browser.open()
    browser.sign_in(user, PASSWORD)
    browser.until("document.body.dataset.view === 'home'")
    browser.page.get_by_role("link", name="Hồ sơ cấp GCN", exact=True).click()
    browser.until("document.body.dataset.registryDesk === 'ready'")
    return user


def _list(browser: Browser, status: str) -> None:
    page = browser.page
    page.locator(f"#pipeline tr[data-ward='{WARD}'] td[data-status='{status}'] button").click()
    browser.until(
        "!document.getElementById('pipeline-list-section').hidden"
        " && document.getElementById('pipeline-list-title')"
        f".textContent.startsWith('{STATUS[status]}')"
    )


def _step(browser: Browser, parcel: int, target: str, fields: dict[str, str]) -> str:
    """Open a parcel's step, fill its form, save; return what the row's result says."""
    page = browser.page
    row = page.locator(f"#pipeline-list tr[data-parcel='{parcel}']")
    row.locator(f"button[data-step='{target}']").click()
    form = page.locator("#step-form")
    form.wait_for()
    for label, value in fields.items():
        form.get_by_label(label, exact=True).fill(value)
    with page.expect_response(lambda r: r.url.endswith(f"/parcels/{parcel}/transitions")):
        form.locator("#step-submit").click()
    browser.until(
        f"document.querySelector(\"#pipeline-list tr[data-parcel='{parcel}']\").dataset.outcome"
    )
    return row.locator(".outcome").inner_text()


def test_the_pipeline_counts_are_a_group_by(staff: StaffRegister, browser: Browser) -> None:
    _desk(staff, browser)
    with staff.engine.connect() as conn:
        counted = Counter(
            {
                (w, s): n
                for w, s, n in conn.execute(
                    text(
                        "SELECT ward_code, status, count(*) FROM parcel"
                        " WHERE retired_at IS NULL GROUP BY 1, 2"
                    )
                )
            }
        )
    shown = browser.page.eval_on_selector_all(
        "#pipeline tbody tr[data-ward]:not([data-ward='town']) td[data-status]",
        "cells => cells.map(c =>"
        " [c.parentElement.dataset.ward, c.dataset.status, +c.dataset.count])",
    )
    assert {(w, s): n for w, s, n in shown if n} == dict(counted)
    browser.shot("registry-desk")


def test_a_parcel_goes_from_registered_to_delivered_through_the_forms(
    staff: StaffRegister, browser: Browser
) -> None:
    (parcel,) = _unregistered(staff, 1)
    _api(staff, "POST", f"/parcels/{parcel}/transitions", {"to": "registered"})
    user = _desk(staff, browser)
    _list(browser, "registered")
    assert _step(browser, parcel, "in_review", {}) == f"Đã chuyển sang: {STATUS['in_review']}"
    _list(browser, "in_review")
    refused = _step(browser, parcel, "eligible", {})  # origin not confirmed yet
    assert refused == f"Không thực hiện được: {REFUSAL['origin-unconfirmed']}"
    returned = _step(
        browser,
        parcel,
        "returned",
        {
            "Số thông báo trả hồ sơ": "125/PYC-CNVY",
            "Giấy tờ còn thiếu (mỗi dòng một mục)": "Bản sao CCCD\nSơ đồ thửa đất có xác nhận",
        },
    )
    assert returned == f"Đã chuyển sang: {STATUS['returned']}"
    browser.shot("registry-step-returned")
    _list(browser, "returned")
    _step(browser, parcel, "in_review", {})
    _confirm(staff, parcel)  # the commune confirms meanwhile
    _list(browser, "in_review")
    assert _step(browser, parcel, "eligible", {}).startswith("Đã chuyển")
    _list(browser, "eligible")
    signed = _step(
        browser,
        parcel,
        "signed",
        {
            "Số phát hành (seri) Giấy chứng nhận": "DK765432",
            "Số vào sổ cấp Giấy chứng nhận": "CS07654",
            "Người ký": "Phó Giám đốc Sở Nông nghiệp và Môi trường",
            "Nơi lưu giữ Giấy chứng nhận chờ trao": "Tủ hồ sơ số 3",
        },
    )
    assert signed.startswith("Đã chuyển")
    _list(browser, "signed")
    delivered = _step(browser, parcel, "delivered", {"Người nhận Giấy chứng nhận": "Lê Văn Tâm"})
    assert delivered == f"Đã chuyển sang: {STATUS['delivered']}"
    with httpx.Client(base_url=staff.base, headers=staff.admin) as http:
        now = http.get(f"/parcels/{parcel}").json()["properties"]
        history = http.get(f"/parcels/{parcel}/history").json()
    assert now["status"] == "delivered" and now["certificate"]["serial"] == "DK765432"
    ours = [v for v in history if v["actor"] == f"{user} (registry_officer)"]
    assert [v["action"] for v in ours] == [
        "transition:in_review",
        "transition:returned",
        "transition:in_review",
        "transition:eligible",
        "transition:signed",
        "transition:delivered",
    ]


def test_a_batch_signature_with_one_refusal(staff: StaffRegister, browser: Browser) -> None:
    parcels = _unregistered(staff, 3)
    for parcel in parcels:
        for step in ("registered", "in_review"):
            _api(staff, "POST", f"/parcels/{parcel}/transitions", {"to": step})
        _confirm(staff, parcel)
        _api(staff, "POST", f"/parcels/{parcel}/transitions", {"to": "eligible"})
    disputed = parcels[1]
    with httpx.Client(base_url=staff.base, headers=staff.admin) as http:
        opened = http.post(
            f"/parcels/{disputed}/disputes",
            json={"opened_on": "2025-06-01", "kind": "boundary", "description": "Ranh giới"},
        )
        assert opened.status_code == 201, opened.text
    _desk(staff, browser)
    _list(browser, "eligible")
    page = browser.page
    for parcel in parcels:
        page.locator(f"#pipeline-list tr[data-parcel='{parcel}'] input.pick").check()
    page.get_by_role("button", name="Ký GCN cho các thửa đã chọn").click()
    form = page.locator("#step-form")
    form.wait_for()
    for parcel in parcels:
        row = form.locator(f"#step-each tr[data-parcel='{parcel}']")
        inputs = row.locator("input")
        inputs.nth(0).fill(f"DK{800000 + parcel:06d}")
        inputs.nth(1).fill(f"CS{parcel:05d}")
    form.get_by_label("Người ký", exact=True).fill("Phó Giám đốc Sở Nông nghiệp và Môi trường")
    form.get_by_label("Nơi lưu giữ Giấy chứng nhận chờ trao", exact=True).fill("Tủ hồ sơ số 3")
    form.locator("#step-submit").click()
    browser.until(
        "[...document.querySelectorAll('#pipeline-list tr[data-parcel]')]"
        f".filter(r => r.dataset.outcome).length === {len(parcels)}"
    )
    outcomes = {
        parcel: page.get_attribute(f"#pipeline-list tr[data-parcel='{parcel}']", "data-outcome")
        for parcel in parcels
    }
    assert outcomes == {p: ("refused" if p == disputed else "done") for p in parcels}
    said = page.inner_text(f"#pipeline-list tr[data-parcel='{disputed}'] .outcome")
    assert said == f"Không thực hiện được: {REFUSAL['open-dispute']}"
    assert page.inner_text("#message").startswith("Đã ghi 2 thửa; 1 thửa không ghi được")
    browser.shot("registry-batch")
    with httpx.Client(base_url=staff.base) as http:
        statuses = {p: http.get(f"/parcels/{p}").json()["properties"]["status"] for p in parcels}
    assert statuses == {p: ("eligible" if p == disputed else "signed") for p in parcels}


def _signed(staff: StaffRegister, count: int) -> list[int]:
    """Parcels taken to a signed certificate through the API (the admin's key)."""
    parcels = _unregistered(staff, count)
    for parcel in parcels:
        for step in ("registered", "in_review"):
            _api(staff, "POST", f"/parcels/{parcel}/transitions", {"to": step})
        _confirm(staff, parcel)
        _api(staff, "POST", f"/parcels/{parcel}/transitions", {"to": "eligible"})
        _api(
            staff,
            "POST",
            f"/parcels/{parcel}/transitions",
            {
                "to": "signed",
                "serial": f"DK{600000 + parcel:06d}",
                "register_no": f"CS{parcel:05d}",
                "signer": "Phó Giám đốc Sở Nông nghiệp và Môi trường",
                "signed_on": "2025-05-20",
                "custody_location": "Tủ hồ sơ số 5",
            },
        )
    return parcels


def test_an_inventory_ticked_closed_printed_and_downloaded(
    staff: StaffRegister, browser: Browser, tmp_path: Path
) -> None:
    _signed(staff, 3)
    _desk(staff, browser)
    page = browser.page
    form = page.locator("#inventory-form")
    form.get_by_label("Phạm vi").select_option(WARD)
    day = form.get_by_label("Ngày kiểm kê (dd/mm/yyyy)").input_value()
    with page.expect_response(lambda r: r.url.endswith("/custody-inventories")) as sent:
        form.get_by_role("button", name="Bắt đầu kiểm kê").click()
    assert sent.value.status == 201, sent.value.text()
    inventory = sent.value.json()
    browser.until(f"document.getElementById('inventory').dataset.inventory === '{inventory['id']}'")
    # the oracle: the undelivered report of that ward and day
    d, m, y = day.split("/")
    with httpx.Client(base_url=staff.base, headers=staff.admin) as http:
        report = http.get("/reports/undelivered", params={"on": f"{y}-{m}-{d}", "ward": WARD})
    serials = sorted(c["serial"] for w in report.json()["wards"] for c in w["certificates"])
    shown = browser.page.eval_on_selector_all(
        "#inventory-items tbody tr", "rows => rows.map(r => r.cells[4].innerText)"
    )
    assert sorted(shown) == serials and len(serials) >= 3
    rows = page.locator("#inventory-items tbody tr")
    for n in range(1, rows.count()):  # the first one is not in the cabinet
        box = rows.nth(n).locator("input[type=checkbox]")
        with page.expect_response(lambda r: "/items/" in r.url):
            box.check()
    browser.until(
        f"document.getElementById('inventory-counts').dataset.found === '{len(serials) - 1}'"
    )
    with page.expect_response(lambda r: r.url.endswith("/close")):
        page.get_by_role("button", name="Kết thúc kiểm kê").click()
    browser.until("document.getElementById('inventory-counts').dataset.missing === '1'")
    assert "không thấy 1" in page.inner_text("#inventory-counts")
    assert page.locator("#inventory-close").is_hidden()
    browser.shot("inventory")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải biên bản (XLSX)").click()
    saved = tmp_path / "bien-ban.xlsx"
    download.value.save_as(saved)
    sheet = load_workbook(saved).active
    assert sheet is not None
    body = [r for r in sheet.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert sorted(r[5] for r in body) == serials
    assert sorted(r[10] for r in body) == ["Có"] * (len(serials) - 1) + ["Không thấy"]
    # the print view: the record alone, as the printer gets it
    page.emulate_media(media="print")
    assert page.locator("#pipeline").is_hidden() and page.locator("#inventory").is_visible()
    pdf = page.pdf(path=str(ARTIFACTS / "workbench-inventory.pdf"))
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")


def test_two_officers_on_one_parcel_the_second_is_told_what_changed(
    staff: StaffRegister, browser: Browser
) -> None:
    (parcel,) = _unregistered(staff, 1)
    for step in ("registered", "in_review"):
        _api(staff, "POST", f"/parcels/{parcel}/transitions", {"to": step})
    first = _desk(staff, browser)
    _list(browser, "in_review")
    other = Browser(None, staff.base, chromium=browser.browser)  # a second officer
    try:
        _desk(staff, other)
        _list(other, "in_review")  # both have read version 3
        returned = _step(
            browser,
            parcel,
            "returned",
            {
                "Số thông báo trả hồ sơ": "130/PYC-CNVY",
                "Giấy tờ còn thiếu (mỗi dòng một mục)": "Bản sao CCCD",
            },
        )
        assert returned.startswith("Đã chuyển")
        stale = _step(other, parcel, "ineligible", {"Lý do không đủ điều kiện": "Vướng quy hoạch"})
        assert stale.startswith("Thửa đã được người khác cập nhật sau khi bạn mở")
        assert f"{first} (registry_officer): Chuyển trạng thái: {STATUS['returned']}" in stale
        assert f"Hiện nay: {STATUS['returned']}" in stale
        other.shot("registry-stale")
    finally:
        other.close()
    assert other.problems == [] and other.foreign == []
    with httpx.Client(base_url=staff.base) as http:  # the first officer's step stands
        assert http.get(f"/parcels/{parcel}").json()["properties"]["status"] == "returned"


def test_returned_dossiers_are_listed_and_their_notice_printed(
    staff: StaffRegister, browser: Browser
) -> None:
    parcels = _unregistered(staff, 1) + _unregistered(staff, 1, OTHER_WARD)
    for n, parcel in enumerate(parcels, start=1):
        for step in ("registered", "in_review"):
            _api(staff, "POST", f"/parcels/{parcel}/transitions", {"to": step})
        notice = {
            "to": "returned",
            "notice_no": f"{200 + n}/TB-CNVY",
            "notice_date": f"2026-11-0{n}",
            "missing_items": ["Bản sao CCCD của người sử dụng đất", "Sơ đồ thửa đất"],
            "copied_to": "UBND phường Ninh Sơn",
        }
        _api(staff, "POST", f"/parcels/{parcel}/transitions", notice)
    _desk(staff, browser)
    page = browser.page
    # the oracle: the returns of this year up to the pinned today, read from the table
    with staff.engine.connect() as conn:
        expected = conn.execute(
            text(
                "SELECT r.notice_no, r.parcel_id FROM dossier_return r"
                " WHERE r.notice_date BETWEEN :start AND :end"
                " ORDER BY r.notice_date DESC, r.id DESC"
            ),
            {"start": f"{TODAY.year}-01-01", "end": TODAY},
        ).all()
    rows = read_table(browser, "#returned-table")
    assert [(r["notice"], int(r["parcel"])) for r in rows] == [tuple(e) for e in expected]
    assert {"201/TB-CNVY", "202/TB-CNVY"} <= {r["notice"] for r in rows}
    # the notice of return, as handed to the applicant
    page.get_by_role("button", name="Xem và in thông báo trả hồ sơ số 202/TB-CNVY").click()
    browser.until("document.getElementById('return-notice').dataset.notice === '202/TB-CNVY'")
    with httpx.Client(base_url=staff.base, headers=staff.admin) as http:
        holders = http.get(f"/parcels/{parcels[1]}").json()["properties"]["holders"]
    notice_text = page.inner_text("#return-notice")
    assert "Số: 202/TB-CNVY" in notice_text and "ngày 02 tháng 11 năm 2026" in notice_text
    assert "thửa đất số" in notice_text and "phường Nếnh" in notice_text
    assert all(h["name"] in notice_text for h in holders)
    assert page.locator("#return-notice-items li").all_inner_texts() == [
        "Bản sao CCCD của người sử dụng đất",
        "Sơ đồ thửa đất",
    ]
    assert "UBND phường Ninh Sơn" in notice_text
    page.evaluate("document.body.dataset.printing = 'notice'")  # what the print button sets
    page.emulate_media(media="print")
    assert page.locator("#return-notice").is_visible()
    assert page.locator("#pipeline").is_hidden() and page.locator("#inventory-form").is_hidden()
    pdf = page.pdf(path=str(ARTIFACTS / "workbench-return-notice.pdf"))
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")
    browser.shot("registry-returned")
    # one ward only: the other ward's return leaves the list
    page.locator("#returned-ward").select_option(WARD)
    page.locator("#returned-form button[type=submit]").click()
    browser.until("!document.querySelector(\"#returned-table tr[data-notice='202/TB-CNVY']\")")
    rows = read_table(browser, "#returned-table")
    in_ward = [e for e in expected if _ward_of(staff, e.parcel_id) == WARD]
    assert [(r["notice"], int(r["parcel"])) for r in rows] == [tuple(e) for e in in_ward]
    assert all(r["cells"][2] == "Ninh Sơn" for r in rows) and rows


def _ward_of(staff: StaffRegister, parcel: int) -> str:
    with staff.engine.connect() as conn:
        ward: str = conn.execute(
            text("SELECT ward_code FROM parcel WHERE id = :id"), {"id": parcel}
        ).scalar_one()
        return ward


def test_a_parcel_another_officer_moves_leaves_the_list_when_the_page_is_back(
    staff: StaffRegister, browser: Browser
) -> None:
    parcels = _unregistered(staff, 2)
    for parcel in parcels:
        _api(staff, "POST", f"/parcels/{parcel}/transitions", {"to": "registered"})
    _desk(staff, browser)
    _list(browser, "registered")
    page = browser.page
    cell = f"#pipeline tr[data-ward='{WARD}'] td[data-status='registered']"
    before = int(page.locator(cell).get_attribute("data-count") or 0)
    assert page.locator(f"#pipeline-list tr[data-parcel='{parcels[0]}']").count() == 1
    # meanwhile, at another desk (the API, with the admin's key)
    _api(staff, "POST", f"/parcels/{parcels[0]}/transitions", {"to": "in_review"})
    page.evaluate("document.body.dataset.refreshed = ''")
    page.evaluate("window.dispatchEvent(new Event('focus'))")  # the officer comes back
    browser.until("document.body.dataset.refreshed === 'registry'")
    browser.until(f"!document.querySelector(\"#pipeline-list tr[data-parcel='{parcels[0]}']\")")
    assert int(page.locator(cell).get_attribute("data-count") or 0) == before - 1
    assert page.locator(f"#pipeline-list tr[data-parcel='{parcels[1]}']").count() == 1
