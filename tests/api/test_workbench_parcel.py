"""The parcel page in headless Chromium, against a live app on the sample register: a parcel
found by its key and by an address typed without diacritics, its page (facts, life cycle,
land uses, holders, history), the parcel as of an earlier version and as of a day typed
dd/mm/yyyy, and holders hidden from a role without the right."""

from __future__ import annotations

import unicodedata
from typing import Any

import httpx
import pytest

import pyogrio

from app.domain.labels_vi import HISTORY_ACTION, STATUS
from app.domain.permissions import Role
from tests.api.staff import PASSWORD, StaffRegister
from tests.api.workbench_browser import Browser, read_table
from tests.services.conftest import SAMPLES


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    """A parcel of the sample file, as the surveyor delivered it (the oracle)."""
    frame = pyogrio.read_dataframe(SAMPLES / "parcels.zip", max_features=40)
    row: dict[str, Any] = frame.drop(columns="geometry").iloc[17].to_dict()
    return row


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _signed_in(staff: StaffRegister, browser: Browser, role: Role, ward: str | None = None) -> None:
    browser.open()
    browser.sign_in(staff.account(role, ward), PASSWORD)
    browser.until("document.body.dataset.view === 'home'")


def _find(browser: Browser, commune: str | None = None, **fields: str) -> list[dict[str, str]]:
    page = browser.page
    page.get_by_role("link", name="Tra cứu thửa đất", exact=True).first.click()
    browser.until(
        "document.body.dataset.view === 'parcels'"
        " && document.getElementById('find-commune').options.length > 1"
    )
    form = page.locator("#find-form")
    if commune is not None:
        form.get_by_label("Xã, phường").select_option(commune)
    for label, value in fields.items():
        form.get_by_label(label, exact=True).fill(value)
    with page.expect_response(lambda r: "/parcels/find?" in r.url):
        form.get_by_role("button", name="Tìm").click()
    browser.until("!document.getElementById('find-results').hidden")
    return read_table(browser, "#find-results")


def _open(browser: Browser, row: dict[str, str]) -> None:
    browser.page.locator(f"#find-results tr[data-parcel='{row['parcel']}'] a").click()
    browser.until(
        "document.body.dataset.view === 'parcel'"
        " && document.querySelectorAll('#parcel-history li').length > 0"
    )


def _facts(browser: Browser) -> dict[str, str]:
    pairs = browser.page.eval_on_selector_all(
        "#parcel-facts dt", "terms => terms.map(t => [t.innerText, t.nextElementSibling.innerText])"
    )
    return dict(pairs)


def test_a_parcel_is_found_by_its_key_and_its_page_shows_it(
    staff: StaffRegister, browser: Browser, sample: dict[str, Any]
) -> None:
    _signed_in(staff, browser, Role.REGISTRY_OFFICER)
    found = _find(
        browser,
        sample["MAXA"],
        **{"Số tờ bản đồ": str(sample["SHBANDO"]), "Số thửa": str(sample["SHTHUA"])},
    )
    assert len(found) == 1
    assert found[0]["cells"][1:4] == [
        str(sample["SHBANDO"]),
        str(sample["SHTHUA"]),
        sample["DIACHI"],
    ]
    assert found[0]["cells"][6] == sample["TENCHU"]  # a registry officer sees the holder
    browser.shot("parcel-search")
    _open(browser, found[0])
    page = browser.page
    title = page.inner_text("#parcel-title")
    assert title.startswith(f"Thửa đất số {sample['SHTHUA']}, tờ bản đồ số {sample['SHBANDO']}")
    facts = _facts(browser)
    assert facts["Địa chỉ"] == sample["DIACHI"]
    assert facts["Mã xã khi đo đạc"] == sample["MAXA"]
    holders = read_table(browser, "#parcel-holders")
    assert [h["cells"][0] for h in holders] == [sample["TENCHU"]]
    assert page.locator("#parcel-holders-hidden").is_hidden()
    uses = read_table(browser, "#parcel-land-uses")
    assert [u["cells"][0] for u in uses] == [sample["MALOAIDAT"]]

    parcel_id = int(found[0]["parcel"])
    with httpx.Client(base_url=staff.base) as http:
        now = http.get(f"/parcels/{parcel_id}").json()["properties"]
        versions = http.get(f"/parcels/{parcel_id}/history", headers=staff.admin).json()
    # the life cycle: the current status marked, each next step with what blocks it
    current = page.locator("#parcel-lifecycle li[aria-current='step']")
    assert current.get_attribute("data-status") == now["status"]
    assert current.inner_text() == STATUS[now["status"]]
    steps = page.eval_on_selector_all(
        "#parcel-next li[data-status]",
        "items => items.map(i => [i.dataset.status, i.dataset.blocked || null])",
    )
    assert steps == [
        [s["status"], s["blocked"]["rule"] if s["blocked"] else None] for s in now["next_steps"]
    ]
    history = page.eval_on_selector_all(
        "#parcel-history li", "items => items.map(i => i.dataset.version)"
    )
    assert history == [str(v["version"]) for v in reversed(versions)]
    first = page.inner_text("#parcel-history li[data-version='1']")
    assert HISTORY_ACTION[versions[0]["action"].split(":")[0]] in first
    browser.shot("parcel-page")
    assert page.locator("#parcel-map").get_attribute("data-shown") == "1"


def test_the_parcel_is_shown_as_of_an_earlier_version_and_a_day(
    staff: StaffRegister, browser: Browser, sample: dict[str, Any]
) -> None:
    _signed_in(staff, browser, Role.GIS_VIEWER)
    typed = _plain(sample["DIACHI"]).lower()  # as typed on a keyboard without Telex
    found = _find(
        browser, **{"Số tờ bản đồ": str(sample["SHBANDO"]), "Địa chỉ (có thể gõ không dấu)": typed}
    )
    assert sample["DIACHI"] in [r["cells"][3] for r in found]
    row = next(r for r in found if r["cells"][2] == str(sample["SHTHUA"]))
    _open(browser, row)
    parcel_id = int(row["parcel"])
    with httpx.Client(base_url=staff.base) as http:
        versions = http.get(f"/parcels/{parcel_id}/history", headers=staff.admin).json()
        then = http.get(
            f"/parcels/{parcel_id}", params={"as_of": versions[0]["valid_from"]}
        ).json()["properties"]
    page = browser.page
    page.locator("#parcel-history li[data-version='1'] a").click()
    browser.until("!document.getElementById('parcel-as-of-note').hidden")
    assert "(phiên bản 1)" in page.inner_text("#parcel-as-of-note")
    assert _facts(browser)["Trạng thái"] == STATUS[then["status"]]
    assert page.locator("#parcel-history li.shown").get_attribute("data-version") == "1"
    browser.shot("parcel-as-of")

    # a day before the register began: the parcel was not in it
    form = page.locator("#as-of-form")
    form.get_by_label("Xem thửa như ngày").fill("15/03/2020")
    with page.expect_response(lambda r: "as_of=2020-03-15" in r.url):
        form.get_by_role("button", name="Xem", exact=True).click()
    browser.until("document.getElementById('message').textContent !== ''")
    assert page.inner_text("#message") == f"Thửa {parcel_id} chưa có trong sổ vào thời điểm này."
    form.get_by_label("Xem thửa như ngày").fill("31/02/2025")
    form.get_by_role("button", name="Xem", exact=True).click()
    assert page.inner_text("#message").startswith("Hãy nhập ngày cần xem theo dạng ngày/tháng/năm")
    form.get_by_role("button", name="Hiện tại").click()
    browser.until("document.getElementById('parcel-as-of-note').hidden")


def test_a_role_without_the_right_does_not_see_the_holders(
    staff: StaffRegister, browser: Browser, sample: dict[str, Any]
) -> None:
    _signed_in(staff, browser, Role.SURVEYOR)
    page = browser.page
    page.get_by_role("link", name="Tra cứu thửa đất", exact=True).first.click()
    browser.until("document.body.dataset.view === 'parcels'")
    assert page.locator("#find-holder-field").is_hidden()  # no search by name either
    found = _find(
        browser,
        sample["MAXA"],
        **{"Số tờ bản đồ": str(sample["SHBANDO"]), "Số thửa": str(sample["SHTHUA"])},
    )
    assert page.locator("#find-holder-column").is_hidden()
    _open(browser, found[0])
    assert page.locator("#parcel-holders-hidden").is_visible()
    holders = read_table(browser, "#parcel-holders")
    assert [h["cells"][0] for h in holders] == ["—"]
    assert sample["TENCHU"] not in page.inner_text("body")
    assert page.locator("#parcel-audit-section").is_hidden()  # the audit log: inspectors
    browser.shot("parcel-page-surveyor")


def test_the_parcel_page_fits_a_tablet(staff: StaffRegister, sample: dict[str, Any]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        tablet = Browser(playwright, staff.base, width=768, height=1024)
        try:
            _signed_in(staff, tablet, Role.WARD_OFFICER, sample["MAXA"])
            found = _find(
                tablet,
                sample["MAXA"],
                **{"Số tờ bản đồ": str(sample["SHBANDO"]), "Số thửa": str(sample["SHTHUA"])},
            )
            _open(tablet, found[0])
            width = tablet.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 768  # no sideways scrolling
            # a ward officer of the parcel's own ward reads its holders
            assert [h["cells"][0] for h in read_table(tablet, "#parcel-holders")] == [
                sample["TENCHU"]
            ]
            tablet.shot("parcel-page-tablet")
        finally:
            tablet.close()
    assert tablet.problems == [] and tablet.foreign == []
