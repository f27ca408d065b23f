"""The inspector's and the admin's pages in headless Chromium, on the sample register: the
audit log filtered, paged and exported; API keys made (shown once) and revoked; the town's and
a ward's targets for a year set and dropped."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
from sqlalchemy import text

from app.domain.permissions import Role
from tests.api.staff import PASSWORD, StaffRegister
from tests.api.workbench_browser import Browser, read_table

WARD = "07795"  # Nếnh
YEAR = 2031


def _signed_in(staff: StaffRegister, browser: Browser, role: Role, ward: str | None = None) -> str:
    user = staff.account(role, ward)
    browser.open()
    browser.sign_in(user, PASSWORD)
    browser.until("document.body.dataset.view === 'home'")
    return user


def test_the_inspector_filters_pages_and_exports_the_audit_log(
    staff: StaffRegister, browser: Browser, tmp_path: Path
) -> None:
    # 105 writes of one kind: more than a page
    with httpx.Client(base_url=staff.base, headers=staff.admin) as http:
        for n in range(105):
            answer = http.put(f"/stats/targets/{YEAR}", json={"share": round(0.5 + n / 1000, 3)})
            assert answer.status_code == 200, answer.text
    _signed_in(staff, browser, Role.INSPECTOR)
    page = browser.page
    page.get_by_role("link", name="Nhật ký thao tác", exact=True).click()
    browser.until("document.body.dataset.view === 'audit' && document.body.dataset.auditShown")
    page.locator("#audit-action").select_option("target.set")
    page.locator("#audit-filter button[type=submit]").click()
    browser.until("document.body.dataset.auditShown === '100'")
    assert page.locator("#audit-more").is_visible()
    page.locator("#audit-more").click()
    browser.until("document.getElementById('audit-more').hidden")
    # the oracle: the log itself, read straight
    with staff.engine.connect() as conn:
        expected = list(
            conn.execute(
                text("SELECT id FROM audit_event WHERE action = 'target.set' ORDER BY id")
            ).scalars()
        )
    rows = read_table(browser, "#audit-table")
    assert [int(r["event"]) for r in rows] == expected and len(expected) >= 105
    assert all(r["cells"][2] == "Đặt chỉ tiêu năm" for r in rows)
    browser.shot("audit")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải về (CSV)").click()
    saved = tmp_path / "nhat-ky.csv"
    download.value.save_as(saved)
    head, *lines = list(csv.reader(io.StringIO(saved.read_text("utf-8-sig"))))
    assert head[0] == "Mã sự kiện" and [int(r[0]) for r in lines] == expected
    # one day that has none: nothing listed
    page.locator("#audit-since").fill("01/01/2020")
    page.locator("#audit-until").fill("31/12/2020")
    page.locator("#audit-filter button[type=submit]").click()
    browser.until("document.body.dataset.auditShown === '0'")
    assert page.inner_text("#audit-caption").startswith("Không có thao tác nào")


def test_an_officer_cannot_open_the_log_or_the_admins_pages_by_url(
    staff: StaffRegister, browser: Browser
) -> None:
    _signed_in(staff, browser, Role.REGISTRY_OFFICER)
    page = browser.page
    assert page.get_by_role("link", name="Nhật ký thao tác", exact=True).is_hidden()
    for route in ("audit", "keys", "targets"):
        page.evaluate(f"location.hash = '#/{route}'")
        browser.until("document.body.dataset.view === 'home'")


def test_the_admin_makes_a_key_shown_once_and_revokes_it(
    staff: StaffRegister, browser: Browser
) -> None:
    _signed_in(staff, browser, Role.ADMIN)
    page = browser.page
    page.get_by_role("link", name="Khóa API", exact=True).click()
    browser.until("document.body.dataset.view === 'keys'")
    form = page.locator("#key-form")
    form.get_by_label("Tên (người hoặc phần mềm dùng khóa)").fill("QGIS phòng GIS")
    form.get_by_label("Vai trò").select_option("gis_viewer")
    with page.expect_response(lambda r: r.url.endswith("/api-keys") and r.request.method == "POST"):
        form.get_by_role("button", name="Tạo khóa").click()
    browser.until("!document.getElementById('key-made').hidden")
    key = page.inner_text("#key-value")
    bearer = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=staff.base) as http:
        # a GIS viewer's key: known (403 where an unknown key is 401)
        assert http.get("/api-keys", headers=bearer).status_code == 403
        assert http.get("/api-keys", headers={"Authorization": "Bearer nope"}).status_code == 401
    with staff.engine.connect() as conn:
        made = conn.execute(
            text("SELECT id, role, revoked_at FROM api_key WHERE name = 'QGIS phòng GIS'")
        ).one()
    assert (made.role, made.revoked_at) == ("gis_viewer", None)
    row = {r["key"]: r for r in read_table(browser, "#keys-table")}[str(made.id)]
    assert key not in " ".join(row["cells"])  # shown once, never listed
    browser.shot("keys")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_response(lambda r: r.request.method == "DELETE"):
        page.get_by_role("button", name=f"Thu hồi khóa số {made.id} (QGIS phòng GIS)").click()
    browser.until(
        f"document.querySelector(\"#keys-table tr[data-key='{made.id}']\").dataset.revoked"
        " === 'true'"
    )
    with httpx.Client(base_url=staff.base) as http:
        assert http.get("/api-keys", headers=bearer).status_code == 401


def test_the_admin_sets_the_towns_and_a_wards_target_and_drops_the_wards(
    staff: StaffRegister, browser: Browser
) -> None:
    _signed_in(staff, browser, Role.ADMIN)
    page = browser.page
    page.get_by_role("link", name="Chỉ tiêu", exact=True).click()
    browser.until("document.body.dataset.view === 'targets'")
    page.locator("#target-year").fill("2027")
    page.locator("#target-year").dispatch_event("change")
    browser.until("document.getElementById('targets-caption').textContent.startsWith('Năm 2027')")
    page.locator("#target-town").fill("100")
    with page.expect_response(lambda r: r.url.endswith("/stats/targets/2027")):
        page.get_by_role("button", name="Ghi chỉ tiêu thị xã").click()
    browser.until("document.getElementById('targets-caption').textContent.includes('100%')")
    row = page.locator(f"#targets-table tr[data-ward='{WARD}']")
    row.get_by_role("textbox").fill("80,5")
    with page.expect_response(lambda r: r.url.endswith(f"/stats/targets/2027/wards/{WARD}")):
        row.get_by_role("button", name="Ghi", exact=False).first.click()
    browser.until(
        f"document.querySelector(\"#targets-table tr[data-ward='{WARD}'] .applied\")"
        ".textContent === '80,5'"
    )
    with httpx.Client(base_url=staff.base) as http:
        targets = http.get("/stats/targets").json()
    of_2027 = {t["ward_code"]: t["share"] for t in targets if t["year"] == 2027}
    assert of_2027 == {None: 1.0, WARD: 0.805}
    applied = {r["ward"]: r["cells"][1] for r in read_table(browser, "#targets-table")}
    assert applied[WARD] == "80,5"
    assert {v for k, v in applied.items() if k != WARD} == {"100"}
    browser.shot("targets")
    with page.expect_response(lambda r: r.request.method == "DELETE"):
        row.get_by_role("button", name="Bỏ chỉ tiêu riêng").click()
    browser.until(
        f"document.querySelector(\"#targets-table tr[data-ward='{WARD}'] .applied\")"
        ".textContent === '100'"
    )
    with httpx.Client(base_url=staff.base) as http:
        targets = http.get("/stats/targets").json()
    assert {t["ward_code"] for t in targets if t["year"] == 2027} == {None}
