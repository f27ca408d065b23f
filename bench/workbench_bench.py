"""The workbench's speed in the browser, on a large register.

    .venv/bin/python bench/workbench_bench.py [--parcels 1000000] [--upload 20000] [--rounds 20]

On a throwaway PostGIS it loads a generated register (`gis_samples/generate.py`, through the
service's own import), runs the service as `make run` does (with its import worker), and in
headless Chromium (Debian's `chromium`) measures:
  1. the first load of each page in a fresh browser (no cache): the sign-in page, the
     dashboard, the search page, the parcel page, the upload desk; until the page says it
     is drawn;
  2. the parcel page opened from inside the workbench, for `--rounds` parcels picked across
     the register: until its facts, life cycle, history and map are drawn; and, as the
     baseline, the same API requests the page makes, sent one after the other by httpx;
  3. the report of an upload of `--upload` features that all overlap registered parcels (a
     check only: every feature is an overlap and a reject, so the map draws twice as many
     features as the file holds): until its table and its map are drawn.
and prints p50 and p99 (ms) of each, with the goals: any page's first load under 1 s, the
parcel page under 300 ms, the report under 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyogrio  # noqa: E402

from app.config import to_sqlalchemy_url  # noqa: E402
from bench.import_bench import generated, registry_import  # noqa: E402
from bench.tools import CLI, serving, throwaway_cluster  # noqa: E402
from tests.api.test_dashboard import CHROMIUM_ARGS  # noqa: E402
from tests.services.conftest import prepare_register  # noqa: E402
from tests.support import ensure_tool, fresh_database  # noqa: E402

USER, PASSWORD = "dodac.bench", "mật khẩu của phép đo 2026"


def _until(page: Any, expression: str, timeout_s: float = 60) -> None:
    """Poll (the pages' CSP refuses the eval of Playwright's wait_for_function)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise SystemExit(f"never true: {expression}")
        time.sleep(0.005)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _quantiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[98]


def _sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/workbench")
    _until(page, "document.body.dataset.ready === 'true'")
    page.fill("#user-name", USER)
    page.fill("#password", PASSWORD)
    page.click("#sign-in-form button[type=submit]")
    _until(page, "document.body.dataset.view === 'home'")


PARCEL_DRAWN = (
    "document.body.dataset.view === 'parcel'"
    " && document.querySelectorAll('#parcel-history li').length > 0"
    " && document.getElementById('parcel-map').dataset.shown === '1'"
    " && document.getElementById('parcel-title').dataset.parcel === '{id}'"
)


def first_loads(browser: Any, base: str, parcel_id: int) -> list[tuple[str, float]]:
    """Each page's first load in a fresh context (nothing cached), signed in beforehand."""
    pages = [
        ("sign-in", "/workbench", "document.body.dataset.ready === 'true'", False),
        ("dashboard", "/dashboard", "document.body.dataset.ready === 'true'", False),
        (
            "search",
            "/workbench#/parcels",
            "document.body.dataset.view === 'parcels'"
            " && document.getElementById('find-commune').options.length > 1",
            True,
        ),
        ("parcel", f"/workbench#/parcel?id={parcel_id}", PARCEL_DRAWN.format(id=parcel_id), True),
        ("upload desk", "/workbench#/upload", "document.body.dataset.view === 'upload'", True),
    ]
    found = []
    for name, path, drawn, signed_in in pages:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
        if signed_in:  # the session cookie only: nothing of the pages is cached yet
            context.request.post(f"{base}/session", data={"user_name": USER, "password": PASSWORD})
        page = context.new_page()
        started = time.perf_counter()
        page.goto(f"{base}{path}")
        _until(page, drawn)
        found.append((name, _ms(started)))
        context.close()
    return found


def parcel_pages(browser: Any, base: str, ids: list[int]) -> list[float]:
    """The parcel page opened from the search page, parcel after parcel."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = context.new_page()
    _sign_in(page, base)
    times = []
    for parcel_id in ids:
        started = time.perf_counter()
        page.evaluate(f"location.hash = '#/parcel?id={parcel_id}'")
        _until(page, PARCEL_DRAWN.format(id=parcel_id))
        times.append(_ms(started))
    context.close()
    return times


def parcel_requests(base: str, ids: list[int]) -> list[float]:
    """The baseline: the API requests the parcel page makes, one after the other."""
    times = []
    with httpx.Client(base_url=base, timeout=30) as http:
        http.post("/session", json={"user_name": USER, "password": PASSWORD})
        for parcel_id in ids:
            started = time.perf_counter()
            feature = http.get(f"/parcels/{parcel_id}").json()
            http.get(f"/wards/{feature['properties']['ward_code']}")
            http.get(f"/parcels/{parcel_id}/history")
            http.get(f"/parcels/{parcel_id}/disputes")
            http.get(f"/audit?parcel={parcel_id}&limit=200")
            times.append(_ms(started))
    return times


def report(browser: Any, base: str, upload: Path) -> tuple[float, int, float]:
    """Check the upload on the desk; return the report's drawing time (from the moment the
    import ended to the table and the map drawn), the features drawn and the import's run."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = context.new_page()
    _sign_in(page, base)
    page.evaluate("location.hash = '#/upload'")
    _until(page, "document.body.dataset.view === 'upload'")
    page.set_input_files("#upload-file", str(upload))
    page.select_option("#upload-mode", "accept_valid")
    with page.expect_response(lambda r: r.url.endswith("/imports") and r.status == 202) as sent:
        page.click("#upload-check")
    import_id = sent.value.json()["id"]
    started = time.perf_counter()
    # the import's end: its report drawn the first time (the issues stored, too)
    _until(
        page,
        "document.body.dataset.importStatus !== undefined"
        " && document.getElementById('report-map').dataset.shown !== undefined",
        timeout_s=1200,
    )
    ran = _ms(started)
    # drawn again from the import's own address: the report alone, the import long done
    page.goto("about:blank")
    started = time.perf_counter()
    page.goto(f"{base}/workbench#/upload?import={import_id}")
    _until(
        page,
        "document.body.dataset.importStatus !== undefined"
        " && document.getElementById('report-map').dataset.shown !== undefined",
        timeout_s=120,
    )
    drawn = _ms(started)
    shown = int(page.get_attribute("#report-map", "data-shown") or 0)
    context.close()
    return drawn, shown, ran


def _overlapping_upload(source: Path, size: int, work: Path) -> Path:
    """The first `size` parcels of the register's own file under new numbers: each one
    overlaps the registered parcel it copies."""
    frame = pyogrio.read_dataframe(source, max_features=size)
    frame["SHTHUA"] = frame["SHTHUA"] + 5_000_000
    target = work / f"overlapping-{size}.gpkg"
    pyogrio.write_dataframe(frame, target, driver="GPKG")
    return target


def _account(url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCELS_")}
    env.update(DATABASE_URL=url)
    subprocess.run(
        [
            CLI,
            "account",
            "create",
            USER,
            "--name",
            "Phép đo",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
    )


def _picked(url: str, rounds: int) -> list[int]:
    engine = create_engine(to_sqlalchemy_url(url))
    with engine.connect() as conn:
        count = conn.execute(text("SELECT max(id) FROM parcel")).scalar_one()
    engine.dispose()
    step = max(1, count // rounds)
    return [1 + i * step for i in range(rounds)]


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--upload", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    source = generated(args.parcels)
    with (
        throwaway_cluster("wbench") as (cluster, server, work),
        fresh_database(server, "wbench", at=None) as url,
    ):
        prepare_register(url)
        seconds, _, _ = registry_import(url, source, work)
        print(f"loaded {args.parcels:,} parcels through the import in {seconds:.0f} s")
        engine = create_engine(to_sqlalchemy_url(url))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
        engine.dispose()
        _account(url)
        upload = _overlapping_upload(source, args.upload, work)
        ids = _picked(url, args.rounds)
        database = url.rsplit("/", 1)[1]
        with (
            serving(
                cluster,
                url,
                database,
                PARCELS_IMPORT_WORKER="true",
                PARCELS_UPLOAD_DIR=str(work / "uploads"),
            ) as base,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(
                executable_path=ensure_tool("chromium", "chromium"), args=CHROMIUM_ARGS
            )
            parcel_pages(browser, base, ids[:3])  # warm: the first parcels and the tiles
            loads = first_loads(browser, base, ids[0])
            pages = parcel_pages(browser, base, ids)
            api = parcel_requests(base, ids)
            drawn, shown, ran = report(browser, base, upload)
            browser.close()
    print(f"\n{'first load (fresh browser)':<34} {'ms':>8}")
    for name, ms in loads:
        print(f"  {name:<32} {ms:>8.0f}")
    worst = max(ms for _, ms in loads)
    print(f"goal, any page's first load under 1 s: {'met' if worst < 1000 else 'NOT met'}")
    p50, p99 = _quantiles(pages)
    a50, a99 = _quantiles(api)
    print(f"\nparcel page, {len(pages)} parcels: p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    print(f"baseline, its API requests in a row: p50 {a50:.0f} ms, p99 {a99:.0f} ms")
    print(f"ratio page / requests (p50): {p50 / a50:.2f}")
    print(f"goal, parcel page under 300 ms (p99): {'met' if p99 < 300 else 'NOT met'}")
    print(
        f"\nreport of a {args.upload:,}-feature upload: import ran {ran / 1000:.1f} s;"
        f" drawn in {drawn:.0f} ms ({shown:,} features on the map)"
    )
    print(f"goal, report drawn under 2 s: {'met' if drawn < 2000 else 'NOT met'}")


if __name__ == "__main__":
    main()
