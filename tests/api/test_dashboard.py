"""/dashboard: the page's headers and files, and the page itself drawn by headless Chromium.

The browser makes its own requests, several at once, so it gets an app of its own on a
register that commits (the shared test transaction serves one client at a time).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.config import Settings, to_sqlalchemy_url
from app.domain.labels_vi import BACKLOG
from app.domain.permissions import Role
from app.localdb import cluster as localdb
from app.main import create_app
from tests.api.conftest import OTHER_WARD, WARD, square
from tests.api.workbench_browser import CHROMIUM_ARGS
from tests.support import committed_register, ensure_tool, live_server

# Debian's chromium: Playwright's own browser download cannot be used here
SIGN = {
    "register_no": "CS04321",
    "signer": "Phó Giám đốc Sở Nông nghiệp và Môi trường",
    "signed_on": "2025-05-20",
    "custody_location": "Tủ hồ sơ số 3",
}
DELIVER = {"recipient": "Trần Thị Thu Hương", "handed_over_on": "2025-06-02"}
RETURN = {
    "notice_no": "126/PYC-CNVY",
    "notice_date": "2025-03-04",
    "missing_items": ["Bản sao CCCD"],
}
DISPUTE = {"opened_on": "2025-04-01", "kind": "boundary", "description": "Tranh chấp ranh giới"}
PLANNING = {"reasons": [{"reason": "planning_conflict"}]}
ORIGIN = {
    "origin_confirmed": True,
    "time_of_use_confirmed": True,
    "land_use_since": "1993-07-15",
    "land_uses": [{"code": "ONT", "origin_codes": ["CNQ-CTT"]}],
    "confirmed_on": "2025-02-10",
    "document": "45/XN-UBND",
}


def test_the_page_is_vietnamese_html_that_loads_only_its_own_files(client: httpx.Client) -> None:
    response = client.get("/dashboard")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "default-src 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert '<html lang="vi">' in response.text
    assert "<title>Tiến độ cấp Giấy chứng nhận quyền sử dụng đất</title>" in response.text
    assert "http://" not in response.text and "https://" not in response.text  # no CDN
    assert BACKLOG["dispute"] in response.text  # the labels the script reads

    for name, media_type in (
        ("leaflet.js", "javascript"),
        ("leaflet.css", "text/css"),
        ("chart.umd.js", "javascript"),
        ("dashboard.js", "javascript"),
        ("dashboard.css", "text/css"),
        ("images/layers.png", "image/png"),
    ):
        asset = client.get(f"/dashboard/assets/{name}")
        assert asset.status_code == 200, (name, asset.text)
        assert media_type in asset.headers["content-type"], name
        again = client.get(
            f"/dashboard/assets/{name}", headers={"If-None-Match": asset.headers["etag"]}
        )
        assert again.status_code == 304, name


@pytest.mark.parametrize(
    "name", ["../page.html", "leaflet/dist/leaflet-src.js", "../../config.py", "page.html"]
)
def test_only_the_dashboards_files_are_served(client: httpx.Client, name: str) -> None:
    response = client.get(f"/dashboard/assets/{name}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_without_the_npm_libraries_the_page_says_to_run_bootstrap(
    settings: Settings, tmp_path: Path
) -> None:
    app = create_app(
        settings.model_copy(update={"frontend_modules": tmp_path, "import_worker": False})
    )
    with live_server(app) as base, httpx.Client(base_url=base) as http:
        for url in ("/dashboard", "/dashboard/assets/leaflet.js"):
            response = http.get(url)
            assert response.status_code == 503, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert "bootstrap" in response.json()["detail"]
        assert http.get("/dashboard/assets/dashboard.js").status_code == 200  # our own file


# (method, path below the parcel, JSON body, headers)
Step = tuple[str, str, dict[str, Any], dict[str, str]]


@pytest.fixture(scope="module")
def served(server_url: str, local_cluster: localdb.Cluster | None) -> Iterator[str]:
    """Yield the base URL of a live app on a committed register, with parcels in several
    states."""
    service = local_cluster.service_url if local_cluster else None
    roles = (Role.REGISTRY_OFFICER, Role.ADMIN)
    with committed_register(server_url, service, roles) as (owner, url, headers):
        app = create_app(Settings(DATABASE_URL=url, import_worker=False))  # type: ignore[call-arg]
        with live_server(app) as base, httpx.Client(base_url=base, timeout=30) as http:
            _some_progress(http, owner, headers)
            yield base


def _free_spots(owner: str, ward: str, count: int) -> list[tuple[float, float]]:
    """Return points (EPSG:9214) in the ward 60 m or more from any parcel and each other."""
    engine = create_engine(to_sqlalchemy_url(owner))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT ST_X(pt), ST_Y(pt) FROM ward w,"
                    " LATERAL ST_GeneratePoints(ST_Buffer(w.boundary, -200), 400, 11) AS pts,"
                    " LATERAL (SELECT (ST_Dump(pts)).geom AS pt) d"
                    " WHERE w.code = :ward"
                    " AND NOT EXISTS (SELECT 1 FROM parcel p WHERE ST_DWithin(p.geom, pt, 60))"
                    " ORDER BY ST_X(pt), ST_Y(pt)"
                ),
                {"ward": ward},
            ).all()
    finally:
        engine.dispose()
    spots: list[tuple[float, float]] = []
    for x, y in rows:
        if all(abs(x - a) > 60 or abs(y - b) > 60 for a, b in spots):
            spots.append((float(x), float(y)))
    assert len(spots) >= count
    return spots[:count]


def _register(http: httpx.Client, headers: dict[str, str], ward: str, n: int, spot: Any) -> str:
    """Register a 20 m square parcel at the spot; return its URL."""
    created = http.post(
        "/parcels",
        json={
            "survey_commune_code": ward,
            "sheet_no": 98,
            "parcel_no": 9000 + n,
            "geometry": square(*spot),
            "crs": "EPSG:9214",
            "land_uses": [{"code": "ONT"}],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    return f"/parcels/{created.json()['id']}"


def _walk(http: httpx.Client, url: str, steps: list[Step]) -> None:
    """Make each (method, path, body, headers) request on the parcel, following its ETag."""
    etag = f'"{http.get(url).json()["properties"]["version"]}"'
    for method, path, body, headers in steps:
        response = http.request(
            method, f"{url}{path}", json=body, headers={**headers, "If-Match": etag}
        )
        assert response.status_code in (200, 201), response.text
        etag = response.headers.get("etag", etag)


def _some_progress(http: httpx.Client, owner: str, headers: dict[str, dict[str, str]]) -> None:
    """Register parcels and move them on: certified, signed, returned, disputed, held up."""
    registry, admin = headers["registry_officer"], headers["admin"]

    def to(status: str, **data: Any) -> Step:
        return ("POST", "/transitions", {"to": status, **data}, registry)

    plans = {
        WARD: ["delivered", "signed", "returned", "disputed", "held up"],
        OTHER_WARD: ["signed"],
    }
    n = 0
    for ward, plan in plans.items():
        for spot, fate in zip(_free_spots(owner, ward, len(plan)), plan, strict=True):
            n += 1
            sign = [
                ("PUT", "/origin", ORIGIN, admin),
                to("eligible"),
                to("signed", **SIGN, serial=f"DK6543{n:02}"),
            ]
            fates: dict[str, list[Step]] = {
                "delivered": [*sign, to("delivered", **DELIVER)],
                "signed": sign,
                "returned": [to("returned", **RETURN)],
                "disputed": [("POST", "/disputes", DISPUTE, admin)],
                "held up": [("PUT", "/backlog-reasons", PLANNING, registry)],
            }
            url = _register(http, registry, ward, n, spot)
            _walk(http, url, [to("registered"), to("in_review"), *fates[fate]])


# what the page shows, read from the data- attributes its cells carry
READ_TABLE = """rows => rows.map(row => {
  const cell = field => row.querySelector(`[data-field="${field}"]`);
  return {
    code: row.dataset.wardCode,
    name: cell("ward_name").textContent.trim(),
    parcels: Number(cell("parcels").dataset.value),
    certified: Number(cell("certified").dataset.value),
    certified_shown: cell("certified").textContent.trim(),
    share: Number(cell("certified_share").dataset.value),
    behind: cell("behind").dataset.value === "true",
  };
})"""
READ_BACKLOG = """cells => Object.fromEntries(cells.map(cell => [
  cell.dataset.reason,
  {count: Number(cell.dataset.value), label: cell.closest("tr").querySelector("th").textContent},
]))"""
READ_CHART = """canvas => {
  const chart = Chart.getChart(canvas);
  return {
    width: canvas.width,
    height: canvas.height,
    labels: chart ? chart.data.labels.length : -1,
    shares: chart ? chart.data.datasets[0].data : null,
  };
}"""


def test_the_browser_draws_what_the_statistics_say(served: str) -> None:
    from playwright.sync_api import sync_playwright

    chromium = ensure_tool("chromium", "chromium")
    problems: list[str] = []
    foreign: list[str] = []
    with httpx.Client(base_url=served, timeout=60) as http, sync_playwright() as playwright:
        wards = http.get("/stats/wards").json()["wards"]
        summary = http.get("/stats/summary").json()
        town = http.get("/stats/timeline", params={"period": "week"}).json()["series"][0]
        assert town["ward_code"] is None
        assert summary["certified"] >= 3 and summary["backlog"]["dispute"] >= 1  # not all zeros

        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
        page.on("request", lambda r: r.url.startswith(served) or foreign.append(r.url))
        page.goto(f"{served}/dashboard")
        page.wait_for_selector("body:not([data-ready='false'])", timeout=30_000)
        assert page.evaluate("document.body.dataset.ready") == "true", page.inner_text("#message")
        assert page.title() == "Tiến độ cấp Giấy chứng nhận quyền sử dụng đất"
        assert page.get_attribute("html", "lang") == "vi"

        # the map: one SVG path per ward, in Leaflet's overlay pane
        paths = page.eval_on_selector_all(
            "#map .leaflet-overlay-pane svg path.ward-area", "ps => ps.map(p => p.dataset.wardCode)"
        )
        assert sorted(paths) == sorted(w["ward_code"] for w in wards)
        assert page.locator("#map .legend .legend-row").count() >= 5

        # the table: every ward, with the API's counts and shares
        shown = page.eval_on_selector_all("#wards tbody tr", READ_TABLE)
        assert [r["code"] for r in shown] == [w["ward_code"] for w in wards]
        for row, ward in zip(shown, wards, strict=True):
            assert row["name"] == ward["ward_name"]
            assert row["parcels"] == ward["parcels"]
            assert row["certified"] == ward["certified"]
            assert row["share"] == pytest.approx(ward["certified_share"])
            assert row["behind"] == ward["behind"]
            # formatted the Vietnamese way: a dot groups thousands
            assert row["certified_shown"] == f"{ward['certified']:,}".replace(",", ".")
        assert any(r["certified"] > 0 for r in shown)

        # the backlog reasons: the town's counts under their Vietnamese labels
        backlog = page.eval_on_selector_all('#backlog [data-field="backlog"]', READ_BACKLOG)
        assert {k: v["count"] for k, v in backlog.items()} == summary["backlog"]
        assert {k: v["label"] for k, v in backlog.items()} == {k: BACKLOG[k] for k in backlog}

        # the timeline: a drawn canvas with the town's weekly points
        chart = page.eval_on_selector("canvas#timeline", READ_CHART)
        assert chart["width"] > 0 and chart["height"] > 0
        assert chart["labels"] == len(town["points"])
        assert chart["shares"] == [p["certified_share"] for p in town["points"]]

        # the report links lead to the downloads
        for report in ("week-xlsx", "week-csv", "month-xlsx", "month-csv"):
            href = page.get_attribute(f'a[data-report="{report}"]', "href")
            assert href is not None and http.get(f"/{href}").status_code == 200, href
        browser.close()
    assert problems == []  # a script or style the CSP refused shows up here too
    assert foreign == []
