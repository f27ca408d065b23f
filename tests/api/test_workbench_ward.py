"""The ward officer's desk in headless Chromium, on the sample register: the queue of parcels
waiting for the commune, a confirmation of origin made with the keyboard alone, a dispute
opened and resolved, and another ward's parcels out of reach (by URL too)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text

from app.domain.permissions import Role
from tests.api.staff import PASSWORD, StaffRegister
from tests.api.workbench_browser import Browser, read_table

WARD, OTHER_WARD = "07795", "07798"


def _desk(staff: StaffRegister, browser: Browser) -> str:
    user = staff.account(Role.WARD_OFFICER, WARD)
    browser.open()
    browser.sign_in(user, PASSWORD)
    browser.until("document.body.dataset.view === 'home'")
    browser.page.get_by_role("link", name="Việc của xã, phường", exact=True).click()
    browser.until(f"document.body.dataset.wardDesk === '{WARD}'")
    return user


def _waiting(staff: StaffRegister) -> list[int]:
    """The oracle: the ward's parcels still to confirm, oldest first, read from the table."""
    with staff.engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT id FROM parcel WHERE ward_code = :w AND retired_at IS NULL"
                    " AND NOT (origin_confirmed AND time_of_use_confirmed)"
                    " ORDER BY created_at, id"
                ),
                {"w": WARD},
            ).scalars()
        )


def _tab_to(browser: Browser, selector: str, presses: int = 400) -> None:
    """Press Tab until the element is focused, as a keyboard user would."""
    for _ in range(presses):
        if browser.page.evaluate(
            f"document.activeElement === document.querySelector({selector!r})"
        ):
            return
        browser.page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the focus")


def test_a_ward_officer_confirms_the_oldest_parcel_with_the_keyboard(
    staff: StaffRegister, browser: Browser
) -> None:
    user = _desk(staff, browser)
    waiting = _waiting(staff)
    rows = read_table(browser, "#ward-awaiting")
    assert [int(r["parcel"]) for r in rows] == waiting[:50]
    browser.shot("ward-desk")
    oldest = waiting[0]
    page = browser.page
    _tab_to(browser, f"#ward-awaiting tr[data-parcel='{oldest}'] button")
    page.keyboard.press("Enter")  # Xác nhận
    browser.until("!document.getElementById('origin-form').hidden")
    assert page.evaluate("document.activeElement.id") == "origin-since"
    page.keyboard.type("15/07/1993")
    _tab_to(browser, "#origin-document")
    page.keyboard.type("45/XN-UBND")
    with page.expect_response(lambda r: r.url.endswith(f"/parcels/{oldest}/origin")) as sent:
        page.keyboard.press("Enter")
    assert sent.value.status == 200, sent.value.text()
    browser.until(f"!document.querySelector(\"#ward-awaiting tr[data-parcel='{oldest}']\")")
    assert page.inner_text("#message").startswith("Đã ghi xác nhận nguồn gốc")
    with httpx.Client(base_url=staff.base) as http:
        parcel = http.get(f"/parcels/{oldest}", headers=staff.admin).json()["properties"]
        history = http.get(f"/parcels/{oldest}/history", headers=staff.admin).json()
    assert parcel["origin_confirmed"] and parcel["time_of_use_confirmed"]
    assert parcel["land_use_since"] == "1993-07-15"
    assert parcel["confirmation"]["document"] == "45/XN-UBND"
    assert history[-1]["actor"] == f"{user} (ward_officer)"
    assert (
        _waiting(staff)[:49]
        == [int(r["parcel"]) for r in read_table(browser, "#ward-awaiting")][:49]
    )


def test_a_ward_officer_opens_and_resolves_a_dispute(
    staff: StaffRegister, browser: Browser
) -> None:
    _desk(staff, browser)
    with staff.engine.connect() as conn:
        target: Any = conn.execute(
            text(
                "SELECT id, sheet_no, parcel_no FROM parcel WHERE ward_code = :w"
                " AND retired_at IS NULL AND NOT disputed ORDER BY id DESC LIMIT 1"
            ),
            {"w": WARD},
        ).one()
    page = browser.page
    form = page.locator("#dispute-form")
    form.get_by_label("Số tờ bản đồ").fill(str(target.sheet_no))
    form.get_by_label("Số thửa").fill(str(target.parcel_no))
    form.get_by_label("Loại tranh chấp").select_option("boundary")
    form.get_by_label("Ngày phát sinh (dd/mm/yyyy)").fill("02/01/2025")
    form.get_by_label("Nội dung").fill("Tranh chấp ranh giới phía đông với thửa liền kề")
    form.get_by_label("Các bên tranh chấp (mỗi người cách nhau dấu chấm phẩy)").fill(
        "Lê Thị Hoa; Nguyễn Văn Bình"
    )
    with page.expect_response(lambda r: r.url.endswith(f"/parcels/{target.id}/disputes")) as sent:
        form.get_by_role("button", name="Ghi nhận tranh chấp").click()
    assert sent.value.status == 201, sent.value.text()
    dispute_id = sent.value.json()["id"]
    row = page.locator(f"#ward-disputes tr[data-dispute='{dispute_id}']")
    row.wait_for()
    assert "Lê Thị Hoa; Nguyễn Văn Bình" in row.inner_text()
    browser.shot("ward-disputes")
    row.get_by_role("button").click()
    resolve = page.locator("#resolve-form")
    resolve.get_by_label("Kết quả giải quyết").fill(
        "Hai bên thống nhất mốc giới theo bản đồ địa chính"
    )
    with page.expect_response(lambda r: r.url.endswith(f"/disputes/{dispute_id}/resolve")) as done:
        resolve.get_by_role("button", name="Ghi kết quả").click()
    assert done.value.status == 200, done.value.text()
    row.wait_for(state="detached")
    with httpx.Client(base_url=staff.base) as http:
        dispute = http.get(f"/disputes/{dispute_id}", headers=staff.admin).json()
        parcel = http.get(f"/parcels/{target.id}").json()["properties"]
    assert dispute["status"] == "resolved" and dispute["resolution"].startswith("Hai bên")
    assert parcel["disputed"] is False


def test_another_wards_parcels_are_out_of_reach(staff: StaffRegister, browser: Browser) -> None:
    _desk(staff, browser)
    page = browser.page
    page.goto(f"{staff.base}/workbench#/ward?code={OTHER_WARD}")
    browser.until(f"document.body.dataset.wardDesk === '{WARD}'")  # still their own ward
    assert page.locator("#ward-choice").is_hidden()
    for path in ("awaiting", "disputes"):  # the API, with the page's own session
        answer = page.request.get(f"{staff.base}/desks/wards/{OTHER_WARD}/{path}")
        assert answer.status == 403
    with staff.engine.connect() as conn:
        other = conn.execute(
            text("SELECT id FROM parcel WHERE ward_code = :w LIMIT 1"), {"w": OTHER_WARD}
        ).scalar_one()
    token = page.evaluate("fetch('session').then(r => r.json()).then(s => s.csrf_token)")
    refused = page.request.put(
        f"{staff.base}/parcels/{other}/origin",
        headers={"X-CSRF-Token": token, "If-Match": '"1"'},
        data={
            "origin_confirmed": True,
            "time_of_use_confirmed": True,
            "confirmed_on": "2025-02-10",
            "document": "1/XN",
        },
    )
    assert refused.status == 403
