"""/workbench in headless Chromium, against a live app and a register that commits: sign-in
refused and then locked, sign-in, the account page and a password change, an admin's
accounts page, sign-out; no request ever leaves the service.

Each page's screenshot is kept in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

import pyogrio

from app.domain.labels_vi import ISSUE_KIND, ROLE, TEXT_ENCODING
from app.domain.permissions import Role
from app.localdb import cluster as localdb
from tests.api.staff import PASSWORD, StaffRegister, advance, serve
from tests.api.workbench_browser import Browser, read_table
from tests.services.conftest import SAMPLES
from tests.services.mixed_file import mixed_upload

MAX_UPLOAD_MB = 1  # the samples are far smaller


@pytest.fixture(scope="module")
def staff(
    server_url: str,
    local_cluster: localdb.Cluster | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[StaffRegister]:
    uploads = tmp_path_factory.mktemp("uploads")
    with serve(server_url, local_cluster, uploads, max_upload_mb=MAX_UPLOAD_MB) as registry:
        yield registry


def test_the_page_is_served_with_a_strict_policy(staff: StaffRegister) -> None:
    with httpx.Client(base_url=staff.base) as http:
        page = http.get("/workbench")
        assert page.status_code == 200
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert '<html lang="vi">' in page.text
        assert "http://" not in page.text and "https://" not in page.text
        for name in ("workbench.js", "workbench.css"):
            asset = http.get(f"/workbench/assets/{name}")
            assert asset.status_code == 200 and asset.headers["etag"]
        assert http.get("/workbench/assets/../main.py").status_code == 404


def test_a_wrong_password_is_refused_and_repeated_failures_lock(
    staff: StaffRegister, browser: Browser, moving_clock: None
) -> None:
    user = staff.account(Role.SURVEYOR)
    browser.open()
    assert browser.view() == "sign-in"
    browser.shot("sign-in")
    said = browser.sign_in(user, "sai mật khẩu")
    assert said == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert browser.view() == "sign-in"
    assert browser.page.locator("#password").input_value() == ""
    browser.shot("sign-in-refused")
    for _ in range(9):
        said = browser.sign_in(user, "sai mật khẩu")
        while said.startswith("Đăng nhập sai nhiều lần liên tiếp"):
            seconds = int(said.split("chờ ")[1].split(" giây")[0])
            advance(timedelta(seconds=seconds))
            said = browser.sign_in(user, "sai mật khẩu")
        assert said == "Tên đăng nhập hoặc mật khẩu không đúng."
    said = browser.sign_in(user, PASSWORD)  # the right password, while the lock lasts
    assert said == "Tài khoản tạm khóa vì đăng nhập sai nhiều lần. Hãy thử lại sau 15 phút."
    browser.shot("sign-in-locked")
    advance(timedelta(minutes=15))
    browser.sign_in(user, PASSWORD)
    assert browser.view() == "home"


def test_sign_in_change_the_password_and_sign_out(staff: StaffRegister, browser: Browser) -> None:
    user = staff.account(Role.REGISTRY_OFFICER)
    browser.open("#/account")  # asked for a page before signing in: back there after
    assert browser.view() == "sign-in"
    browser.sign_in(user.upper(), PASSWORD)
    page = browser.page
    browser.until("document.body.dataset.view === 'account'")
    assert page.inner_text("#account-user") == user
    assert page.inner_text("#account-role") == ROLE["registry_officer"]
    expires = page.inner_text("#account-expires")
    assert len(expires) == 16 and expires[2] == "/" and expires[5] == "/"  # dd/mm/yyyy hh:mm
    assert ROLE["registry_officer"] in page.inner_text("#who")
    assert page.locator("#nav-accounts").is_hidden()  # not an admin
    browser.shot("account")

    form = page.locator("#password-form")
    form.get_by_label("Mật khẩu hiện tại").fill(PASSWORD)
    form.get_by_label("Mật khẩu mới", exact=True).fill("ngắn")
    form.get_by_label("Nhập lại mật khẩu mới").fill("ngắn")
    with page.expect_response(lambda r: r.url.endswith("/session/password")):
        form.get_by_role("button", name="Đổi mật khẩu").click()
    assert page.inner_text("#message") == "Mật khẩu phải có ít nhất 10 ký tự."
    new = "mật khẩu mới của tôi 2026"
    form.get_by_label("Mật khẩu hiện tại").fill(PASSWORD)
    form.get_by_label("Mật khẩu mới", exact=True).fill(new)
    form.get_by_label("Nhập lại mật khẩu mới").fill(new)
    with page.expect_response(lambda r: r.url.endswith("/session/password")):
        form.get_by_role("button", name="Đổi mật khẩu").click()
    assert page.inner_text("#message").startswith("Đã đổi mật khẩu.")

    with page.expect_response(lambda r: r.url.endswith("/session")):
        page.get_by_role("button", name="Đăng xuất").click()
    browser.until("document.body.dataset.view === 'sign-in'")
    assert page.inner_text("#message") == "Bạn đã đăng xuất."
    assert browser.sign_in(user, PASSWORD) == "Tên đăng nhập hoặc mật khẩu không đúng."
    browser.sign_in(user, new)
    assert browser.view() == "home"
    assert page.inner_text("#greeting").startswith("Xin chào, Cán bộ số")
    browser.shot("home")


def test_an_expired_session_sends_to_sign_in_and_back_with_the_form_kept(
    staff: StaffRegister, browser: Browser, moving_clock: None
) -> None:
    admin = staff.account(Role.ADMIN)
    browser.open()
    browser.sign_in(admin, PASSWORD)
    page = browser.page
    page.goto(f"{staff.base}/workbench#/accounts")
    browser.until("document.body.dataset.view === 'accounts'")
    form = page.locator("#account-form")
    form.get_by_label("Tên đăng nhập").fill("nguyenthimai")
    form.get_by_label("Họ và tên").fill("Nguyễn Thị Mai")
    advance(timedelta(minutes=31))  # idle past the session's 30 minutes
    form.get_by_label("Mật khẩu ban đầu").fill(PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/accounts")):
        form.get_by_role("button", name="Tạo tài khoản").click()
    browser.until("document.body.dataset.view === 'sign-in'")
    assert page.inner_text("#message") == "Phiên làm việc đã hết hạn. Hãy đăng nhập lại."
    browser.sign_in(admin, PASSWORD)
    browser.until("document.body.dataset.view === 'accounts'")
    assert form.get_by_label("Họ và tên").input_value() == "Nguyễn Thị Mai"
    assert form.get_by_label("Tên đăng nhập").input_value() == "nguyenthimai"
    assert form.get_by_label("Mật khẩu ban đầu").input_value() == ""  # never kept


def test_an_admin_creates_and_disables_an_account_on_the_page(
    staff: StaffRegister, browser: Browser
) -> None:
    admin = staff.account(Role.ADMIN)
    browser.open()
    browser.sign_in(admin, PASSWORD)
    page = browser.page
    page.get_by_role("link", name="Quản lý tài khoản", exact=True).click()
    browser.until("document.body.dataset.view === 'accounts'")
    form = page.locator("#account-form")
    form.get_by_label("Tên đăng nhập").fill("lethihoa")
    form.get_by_label("Họ và tên").fill("Lê Thị Hoa")
    form.get_by_label("Vai trò").select_option(label=ROLE["ward_officer"])
    form.get_by_label("Mã xã, phường").fill("07795")
    form.get_by_label("Mật khẩu ban đầu").fill(PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/accounts") and r.status == 201):
        form.get_by_role("button", name="Tạo tài khoản").click()
    row = page.locator("#accounts-table tr[data-user='lethihoa']")
    row.wait_for()
    assert "Lê Thị Hoa" in row.inner_text() and "Đang hoạt động" in row.inner_text()
    browser.shot("accounts")
    with page.expect_response(lambda r: "/accounts/lethihoa" in r.url):
        row.get_by_role("button", name="Vô hiệu hóa tài khoản lethihoa").click()
    browser.until(
        "document.querySelector(\"tr[data-user='lethihoa']\").innerText.includes('vô hiệu')"
    )
    with httpx.Client(base_url=staff.base) as http:
        listed = {a["user_name"]: a for a in http.get("/accounts", headers=staff.admin).json()}
    assert listed["lethihoa"]["disabled_at"] is not None
    assert listed["lethihoa"]["ward_code"] == "07795"
    assert listed["lethihoa"]["created_by"] == f"{admin} (admin)"


def test_the_page_fits_a_tablet(staff: StaffRegister) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        tablet = Browser(playwright, staff.base, width=768, height=1024)
        try:
            tablet.open()
            width = tablet.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 768  # no sideways scrolling
            tablet.shot("sign-in-tablet")
        finally:
            tablet.close()
    assert tablet.problems == [] and tablet.foreign == []


# -- the upload desk ---------------------------------------------------------------------------


def _drawn_on_the_map(browser: Browser) -> Counter[str]:
    """What the report's map says it draws, kind by kind (its legend), once drawn."""
    browser.until("document.getElementById('report-map').dataset.shown !== undefined")
    legend = browser.page.eval_on_selector_all(
        "#report-legend li[data-kind]", "items => items.map(i => [i.dataset.kind, i.dataset.drawn])"
    )
    shown = int(browser.page.get_attribute("#report-map", "data-shown") or -1)
    counts = Counter({kind: int(n) for kind, n in legend})
    assert sum(counts.values()) == shown
    return counts


def _upload_desk(staff: StaffRegister, browser: Browser, role: Role = Role.SURVEYOR) -> str:
    user = staff.account(role)
    browser.open()
    browser.sign_in(user, PASSWORD)
    browser.page.get_by_role("link", name="Nộp dữ liệu đo đạc").first.click()
    browser.until("document.body.dataset.view === 'upload'")
    return user


def test_the_tcvn3_sample_is_previewed_then_imported_with_its_exact_counts(
    staff: StaffRegister, browser: Browser
) -> None:
    legacy = pyogrio.read_dataframe(SAMPLES / "parcels_tcvn3.zip", encoding="ISO-8859-1")
    unicode = pyogrio.read_dataframe(SAMPLES / "parcels.zip")
    user = _upload_desk(staff, browser)
    page = browser.page
    browser.shot("upload-desk")
    page.get_by_label("Tệp dữ liệu").set_input_files(str(SAMPLES / "parcels_tcvn3.zip"))
    with page.expect_response(lambda r: r.url.endswith("/import-previews")):
        page.get_by_role("button", name="Xem trước").click()
    browser.until("!document.getElementById('preview').hidden")
    summary = page.inner_text("#preview-summary")
    assert summary.startswith(f"{len(legacy):,}".replace(",", ".") + " thửa trong tệp")
    assert "EPSG:9214" in summary
    shown = {r["column"]: r["cells"] for r in read_table(browser, "#preview-columns")}
    assert set(shown) == set(legacy.columns) - {"geometry"}
    text_columns = [
        c
        for c in shown
        if isinstance(legacy[c].iloc[0], str) and any(not str(v).isascii() for v in legacy[c])
    ]
    assert text_columns
    for column in text_columns:
        assert shown[column][2] == TEXT_ENCODING["tcvn3"]
        # decoded: the first values of the UTF-8 twin, as written there
        assert shown[column][3].split("; ")[0] == str(unicode[column].iloc[0])
    # the required fields are picked from the columns already
    assert page.locator("#map-sheet_no").input_value() in legacy.columns
    browser.shot("upload-preview")

    with page.expect_response(lambda r: r.url.endswith("/imports") and r.status == 202) as sent:
        page.get_by_role("button", name="Nhập dữ liệu").click()
    import_id = sent.value.json()["id"]
    browser.until("document.body.dataset.importStatus !== undefined", timeout_s=120)
    with httpx.Client(base_url=staff.base) as http:
        job = http.get(f"/imports/{import_id}", headers=staff.admin).json()
    assert job["status"] == "succeeded" and job["uploader"] == f"{user} (surveyor)"
    report = job["report"]
    counts = {
        key: int(page.inner_text(f'#report-counts dd[data-count="{key}"]').replace(".", ""))
        for key in ("read", "inserted", "updated", "unchanged", "rejected")
    }
    assert counts == {k: report[k] for k in counts}
    assert counts["read"] == len(legacy)
    assert sum(counts[k] for k in ("inserted", "updated", "unchanged", "rejected")) == len(legacy)
    assert "EPSG:9214" in page.inner_text("#report-crs")
    assert TEXT_ENCODING["tcvn3"] in page.inner_text("#report-encodings")
    assert page.inner_text("#phase-label") == "Hoàn tất"
    mine = read_table(browser, "#my-imports")
    assert mine[0]["import"] == str(import_id) and mine[0]["cells"][1] == "parcels_tcvn3.zip"
    with httpx.Client(base_url=staff.base) as http:
        issues = http.get(
            f"/imports/{import_id}/issues", params={"limit": 1000}, headers=staff.admin
        ).json()["issues"]
    assert _drawn_on_the_map(browser) == Counter(i["kind"] for i in issues if i["drawn"])
    browser.shot("upload-report")


def test_the_issues_of_an_upload_are_listed_filtered_and_paged(
    staff: StaffRegister, browser: Browser, tmp_path: Path
) -> None:
    _upload_desk(staff, browser)
    page = browser.page
    page.get_by_label("Tệp dữ liệu").set_input_files(str(mixed_upload(tmp_path)))
    page.get_by_label("Cách nhập").select_option("accept_valid")
    with page.expect_response(lambda r: r.url.endswith("/imports") and r.status == 202) as sent:
        page.get_by_role("button", name="Chỉ kiểm tra").click()
    import_id = sent.value.json()["id"]
    browser.until("document.body.dataset.importStatus !== undefined", timeout_s=120)
    with httpx.Client(base_url=staff.base) as http:
        issues = http.get(
            f"/imports/{import_id}/issues", params={"limit": 1000}, headers=staff.admin
        ).json()["issues"]
        parcels_before = http.get("/stats/summary").json()["parcels"]
    listed = read_table(browser, "#issues")
    assert [(r["row"], r["kind"]) for r in listed] == [
        (str(i["row"] or ""), i["kind"]) for i in issues
    ]
    assert {r["kind"] for r in listed} == {"rejected", "overlap"}
    assert "chỉ kiểm tra" in page.inner_text("#report-status")
    page.get_by_label("Loại vấn đề").select_option(label=ISSUE_KIND["rejected"])
    browser.until(
        "[...document.querySelectorAll('#issues tbody tr')]"
        ".every(r => r.dataset.kind === 'rejected')"
    )
    rejected = read_table(browser, "#issues")
    assert len(rejected) == sum(1 for i in issues if i["kind"] == "rejected")
    assert all(r["cells"][2] == ISSUE_KIND["rejected"] for r in rejected)
    # each reject with a geometry is on the map, and its row zooms the map to it
    assert _drawn_on_the_map(browser) == Counter(i["kind"] for i in issues if i["drawn"])
    drawn_rejects = [i for i in issues if i["kind"] == "rejected" and i["drawn"]]
    assert drawn_rejects
    for issue in drawn_rejects:
        row = page.locator(f"#issues tbody tr[data-seq='{issue['seq']}']")
        row.get_by_role("button", name="Xem").click()
        browser.until(
            f"document.getElementById('report-map').dataset.selected === '{issue['seq']}'"
        )
        caption = page.inner_text("#report-map-caption")
        assert f"dòng {issue['row']}" in caption and issue["reason"] in caption
    not_drawn = [i for i in issues if i["kind"] == "rejected" and not i["drawn"]]
    for issue in not_drawn:  # a feature without geometry has nothing to zoom to
        row = page.locator(f"#issues tbody tr[data-seq='{issue['seq']}']")
        assert row.get_by_role("button").count() == 0
    href = page.get_attribute("#report-rejects", "href")
    assert href is not None and href.endswith(f"/imports/{import_id}/rejects.csv")
    with httpx.Client(base_url=staff.base) as http:
        assert http.get("/stats/summary").json()["parcels"] == parcels_before  # a check only
    browser.shot("upload-issues")


def test_a_refused_file_shows_the_servers_words(
    staff: StaffRegister, browser: Browser, tmp_path: Path
) -> None:
    _upload_desk(staff, browser)
    notes = tmp_path / "ghi-chu.txt"
    notes.write_text("đây không phải bản đồ")
    page = browser.page
    page.get_by_label("Tệp dữ liệu").set_input_files(str(notes))
    with page.expect_response(lambda r: r.url.endswith("/imports")) as sent:
        page.get_by_role("button", name="Nhập dữ liệu").click()
    assert sent.value.status == 415
    detail = sent.value.json()["detail"]
    browser.until("document.getElementById('message').textContent !== ''")
    assert page.inner_text("#message") == f"Máy chủ từ chối (415): {detail}"


def test_a_file_too_large_is_refused_before_it_is_sent(
    staff: StaffRegister, browser: Browser, tmp_path: Path
) -> None:
    _upload_desk(staff, browser)
    big = tmp_path / "ca-xa.zip"
    big.write_bytes(b"PK\x03\x04" + b"\0" * (3 * 1024 * 1024 // 2))
    page = browser.page
    sent: list[str] = []
    page.on("request", lambda r: r.method == "POST" and sent.append(r.url))
    page.get_by_label("Tệp dữ liệu").set_input_files(str(big))
    for button in ("Xem trước", "Nhập dữ liệu"):
        page.evaluate("document.getElementById('message').textContent = ''")
        page.get_by_role("button", name=button).click()
        browser.until("document.getElementById('message').textContent !== ''")
        assert page.inner_text("#message").startswith(
            f"Tệp quá lớn: 1,5 MB, máy chủ nhận tệp tối đa {MAX_UPLOAD_MB} MB."
        )
    assert sent == []  # nothing of it was sent
    with httpx.Client(base_url=staff.base) as http:  # the service's own limit, the same
        refused = http.post(
            "/imports",
            files={"file": (big.name, big.read_bytes(), "application/zip")},
            headers=staff.admin,
        )
    assert refused.status_code == 413


def test_a_role_without_the_right_has_no_upload_desk(
    staff: StaffRegister, browser: Browser
) -> None:
    user = staff.account(Role.WARD_OFFICER, "07795")
    browser.open("#/upload")
    browser.sign_in(user, PASSWORD)
    browser.until("document.body.dataset.view === 'home'")
    assert browser.page.locator("#nav-upload").is_hidden()
