"""The complaints desk in headless Chromium, on the sample register: a ward officer sees their
own ward's complaints with their age and parcel, takes one; a registry officer answers and
closes it (refused first without an answer); a stale save says who changed it since."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import text

from app.domain.labels_vi import COMPLAINT_STATUS
from app.domain.permissions import Role
from tests.api.staff import PASSWORD, StaffRegister
from tests.api.workbench_browser import Browser, read_table
from tests.support import CLOCK

WARD, OTHER_WARD = "07795", "07798"


def _submit(staff: StaffRegister, days_old: int = 0, **body: Any) -> int:
    """A citizen's complaint (no key); received `days_old` days before the pinned clock's now,
    when given."""
    with httpx.Client(base_url=staff.base) as http:
        answer = http.post(
            "/complaints",
            json={"content": "Hồ sơ nộp từ tháng 3 chưa có kết quả.", "channel": "hotline", **body},
        )
        assert answer.status_code == 201, answer.text
        complaint_id: int = answer.json()["id"]
    if days_old:
        with staff.engine.begin() as conn:
            conn.execute(
                text("UPDATE complaint SET received_at = :at WHERE id = :id"),
                {"at": CLOCK - timedelta(days=days_old), "id": complaint_id},
            )
    return complaint_id


def _row(staff: StaffRegister, complaint_id: int) -> dict[str, Any]:
    with staff.engine.connect() as conn:
        return dict(
            conn.execute(text("SELECT * FROM complaint WHERE id = :id"), {"id": complaint_id})
            .mappings()
            .one()
        )


def _open(browser: Browser, user: str) -> None:
    browser.open()
    browser.sign_in(user, PASSWORD)
    browser.until("document.body.dataset.view === 'home'")
    browser.page.get_by_role("link", name="Phản ánh", exact=True).click()
    browser.until("document.body.dataset.view === 'complaints' && document.body.dataset.complaints")


def _handle(browser: Browser, complaint_id: int) -> None:
    browser.page.get_by_role("button", name=f"Xử lý phản ánh số {complaint_id}", exact=True).click()
    browser.until(
        f"document.getElementById('complaint-form').dataset.complaint === '{complaint_id}'"
        " && !document.getElementById('complaint-form').hidden"
    )


def _save(browser: Browser, complaint_id: int) -> int:
    page = browser.page
    page.evaluate("document.getElementById('message').textContent = ''")
    with page.expect_response(
        lambda r: r.request.method == "PATCH" and r.url.endswith(f"/complaints/{complaint_id}")
    ) as sent:
        page.locator("#complaint-form button[type=submit]").click()
    browser.until("document.getElementById('message').textContent !== ''")
    return sent.value.status


def _answer(staff: StaffRegister, second_browser: Browser, registry: str, about: int) -> None:
    """A registry officer, at another desk, closes the complaint: refused without an answer."""
    _open(second_browser, registry)
    _handle(second_browser, about)
    second = second_browser.page.locator("#complaint-form")
    second.get_by_label("Tình trạng").select_option("resolved")
    second.locator("button[type=submit]").click()
    second_browser.until("document.getElementById('message').dataset.kind === 'error'")
    assert "trả lời" in second_browser.page.inner_text("#message")
    assert _row(staff, about)["status"] == "in_progress"
    second.get_by_label("Nội dung trả lời người dân").fill(
        "Hồ sơ đã được thẩm định, hẹn trả kết quả ngày 15/12/2026."
    )
    assert _save(second_browser, about) == 200
    second_browser.shot("complaints-answered")


def test_a_ward_officer_takes_a_complaint_and_a_registry_officer_answers_it(
    staff: StaffRegister, browser: Browser
) -> None:
    with staff.engine.connect() as conn:
        parcel = conn.execute(
            text("SELECT id, sheet_no, parcel_no FROM parcel WHERE ward_code = :w LIMIT 1"),
            {"w": WARD},
        ).one()
    about = _submit(staff, days_old=12, parcel_id=parcel.id, reporter_name="Ngô Văn Sơn")
    in_ward = _submit(staff, days_old=3, ward_code=WARD)
    elsewhere = _submit(staff, ward_code=OTHER_WARD)
    officer = staff.account(Role.WARD_OFFICER, WARD)
    registry = staff.account(Role.REGISTRY_OFFICER)

    _open(browser, officer)
    rows = {int(r["complaint"]): r for r in read_table(browser, "#complaints-table")}
    # the oracle: the table, read straight; a ward officer sees their own ward's only
    with staff.engine.connect() as conn:
        open_in_ward = set(
            conn.execute(
                text("SELECT id FROM complaint WHERE ward_code = :w AND status <> 'resolved'"),
                {"w": WARD},
            ).scalars()
        )
    assert set(rows) == open_in_ward and elsewhere not in rows
    assert rows[about]["cells"][2] == "12" and rows[in_ward]["cells"][2] == "3"
    assert rows[about]["cells"][6] == f"Tờ {parcel.sheet_no}, thửa {parcel.parcel_no}"
    link = browser.page.locator(f"#complaints-table tr[data-complaint='{about}'] a")
    assert link.get_attribute("href") == f"workbench#/parcel?id={parcel.id}"
    assert "Ngô Văn Sơn" in rows[about]["cells"][4]
    assert "lâu nhất 12 ngày" in browser.page.inner_text("#complaints-caption")
    browser.shot("complaints-ward")

    # the officer takes it: handed to themselves, in progress
    _handle(browser, about)
    form = browser.page.locator("#complaint-form")
    choices = form.locator("#complaint-assignee option").all_inner_texts()
    assert any("Cán bộ" in c for c in choices) and "— Chưa giao —" in choices
    form.get_by_label("Giao cho").select_option(officer)
    form.get_by_label("Tình trạng").select_option("in_progress")
    assert _save(browser, about) == 200
    saved = _row(staff, about)
    assert (saved["status"], saved["assigned_to"]) == ("in_progress", officer)
    browser.until(
        f"document.querySelector(\"#complaints-table tr[data-complaint='{about}']\")"
        ".dataset.status === 'in_progress'"
    )
    rows = {int(r["complaint"]): r for r in read_table(browser, "#complaints-table")}
    assert officer in rows[about]["cells"][8]

    # the registry officer answers it: refused without an answer, then closed
    second_browser = Browser(None, staff.base, chromium=browser.browser)
    try:
        _answer(staff, second_browser, registry, about)
    finally:
        second_browser.close()
    assert second_browser.problems == [] and second_browser.foreign == []
    answered = _row(staff, about)
    assert answered["status"] == "resolved"
    assert answered["response"].startswith("Hồ sơ đã được thẩm định")
    assert answered["handled_by"].endswith("(registry_officer)")

    # the ward officer, still on the old version, is told who closed it
    _handle(browser, in_ward)
    browser.page.locator("#complaint-form").get_by_label("Giao cho").select_option(officer)
    with staff.engine.begin() as conn:  # someone else moves it meanwhile
        conn.execute(
            text(
                "UPDATE complaint SET version = version + 1, handled_by = 'Lan (admin)'"
                " WHERE id = :id"
            ),
            {"id": in_ward},
        )
    assert _save(browser, in_ward) == 412
    said = browser.page.inner_text("#message")
    assert "Lan (admin)" in said and COMPLAINT_STATUS["received"] in said
    assert _row(staff, in_ward)["assigned_to"] is None
    # the list keeps what is still to answer: the answered one has left it
    browser.page.locator("#complaint-cancel").click()
    browser.page.locator("#complaints-status").select_option("open")
    browser.until(f"!document.querySelector(\"#complaints-table tr[data-complaint='{about}']\")")
    with httpx.Client(base_url=staff.base) as http:
        events = http.get(
            "/audit", params={"action": "complaint.handle"}, headers=staff.admin
        ).json()["events"]
    assert [e["target_id"] for e in events].count(str(about)) == 2


def test_the_ward_desk_counts_the_wards_open_complaints_and_leads_to_them(
    staff: StaffRegister, browser: Browser
) -> None:
    _submit(staff, days_old=5, ward_code=WARD)
    _submit(staff, ward_code=OTHER_WARD)
    officer = staff.account(Role.WARD_OFFICER, WARD)
    browser.open()
    browser.sign_in(officer, PASSWORD)
    browser.until("document.body.dataset.view === 'home'")
    browser.page.get_by_role("link", name="Việc của xã, phường", exact=True).click()
    browser.until("document.getElementById('ward-complaints').dataset.open !== undefined")
    with staff.engine.connect() as conn:
        still_open = conn.execute(
            text("SELECT count(*) FROM complaint WHERE ward_code = :w AND status <> 'resolved'"),
            {"w": WARD},
        ).scalar_one()
    shown = browser.page.locator("#ward-complaints")
    assert shown.get_attribute("data-open") == str(still_open) and still_open >= 1
    assert "chưa trả lời xong" in shown.inner_text()
    browser.page.locator("#ward-complaints-link").click()
    browser.until("document.body.dataset.view === 'complaints'")
    assert len(read_table(browser, "#complaints-table")) == still_open
