"""/stats: every figure against the oracle's own SQL, targets and flags, as-of figures, frozen
snapshots, and the progress report read back as CSV and XLSX.

The parcels here are put in their states through the API, in the test's transaction; the
server answers from the same transaction, counters pending compaction included. Past days are
made with `registry.clock`, the clock the counters read (the sample loader uses it too).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from itertools import count
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from app.domain import labels_vi
from app.domain.progress import period_end, previous_period_end
from tests import stats_oracle
from tests.api.conftest import OTHER_WARD, WARD, Keys
from tests.support import CLOCK, TODAY

SERIALS = count(100001)
ANY_VERSION = {"If-Match": "*"}

Parcel = Callable[..., dict[str, Any]]


class Register:
    """Moves parcels through the life cycle through the API."""

    def __init__(self, client: httpx.Client, keys: Keys, new_parcel: Parcel) -> None:
        self.client, self.keys, self.new_parcel = client, keys, new_parcel

    def _ok(self, response: httpx.Response) -> dict[str, Any]:
        assert response.status_code in (200, 201, 204), response.text
        return response.json() if response.content else {}

    def step(self, parcel: int, to: str, **extra: Any) -> None:
        body: dict[str, Any] = {"to": to, **extra}
        if to == "returned":
            body |= {"notice_no": f"{parcel}/TB", "missing_items": ["Bản sao CCCD"]}
            body.setdefault("notice_date", TODAY.isoformat())
        if to == "ineligible":
            body["reason"] = "Đất lấn chiếm hành lang giao thông"
        if to == "signed":
            body |= {
                "serial": f"AA{next(SERIALS):06d}",
                "register_no": f"CS{parcel:05d}",
                "signer": "Nguyễn Văn Ký",
                "signed_on": TODAY.isoformat(),
                "custody_location": "Tủ hồ sơ số 3",
            }
        if to == "delivered":
            body |= {"recipient": "Chủ sử dụng", "handed_over_on": TODAY.isoformat()}
        headers = self.keys.registry | ANY_VERSION
        self._ok(self.client.post(f"/parcels/{parcel}/transitions", json=body, headers=headers))

    def confirm(self, parcel: int, ward: str = WARD) -> None:
        uses = self.client.get(f"/parcels/{parcel}").json()["properties"]["land_uses"]
        body = {
            "land_uses": [{"code": u["code"], "origin_codes": ["DG-KTT"]} for u in uses],
            "origin_confirmed": True,
            "time_of_use_confirmed": True,
            "land_use_since": "1993-07-15",
            "confirmed_on": TODAY.isoformat(),
            "document": "45/XN-UBND",
        }
        headers = (self.keys.ward if ward == WARD else self.keys.other_ward) | ANY_VERSION
        self._ok(self.client.put(f"/parcels/{parcel}/origin", json=body, headers=headers))

    def walk(self, parcel: int, *steps: str, ward: str = WARD) -> None:
        for to in steps:
            if to == "eligible":
                self.confirm(parcel, ward)
            self.step(parcel, to)

    def dispute(self, parcel: int) -> int:
        body = {"opened_on": TODAY.isoformat(), "kind": "boundary", "description": "Ranh giới"}
        opened = self.client.post(f"/parcels/{parcel}/disputes", json=body, headers=self.keys.ward)
        return int(self._ok(opened)["id"])

    def parcel(self, ward: str = WARD, **overrides: Any) -> int:
        return int(self.new_parcel(ward, **overrides)["id"])


@pytest.fixture
def register(client: httpx.Client, keys: Keys, new_parcel: Parcel) -> Register:
    return Register(client, keys, new_parcel)


@pytest.fixture
def varied(register: Register) -> dict[str, int]:
    """Parcels in every state, two wards, three land-use groups."""
    made: dict[str, int] = {}
    full = ("registered", "in_review", "eligible", "signed")
    plans: dict[str, tuple[str, ...]] = {
        "registered": ("registered",),
        "in_review": ("registered", "in_review"),
        "returned": ("registered", "in_review", "returned"),
        "eligible": ("registered", "in_review", "eligible"),
        "ineligible": ("registered", "in_review", "ineligible"),
        "signed": full,
        "delivered": (*full, "delivered"),
    }
    for name, steps in plans.items():
        made[name] = register.parcel()
        register.walk(made[name], *steps)
    made["farm"] = register.parcel(land_uses=[{"code": "LUC"}])
    register.walk(made["farm"], *full, "delivered")
    made["house_and_garden"] = register.parcel(
        land_uses=[{"code": "ONT", "area_m2": 100}, {"code": "CLN", "area_m2": 300}]
    )
    made["road"] = register.parcel(land_uses=[{"code": "DGT"}])
    made["disputed"] = register.parcel()
    register.dispute(made["disputed"])
    made["staff_reasons"] = register.parcel()
    response = register.client.put(
        f"/parcels/{made['staff_reasons']}/backlog-reasons",
        json={"reasons": [{"reason": "planning_conflict"}, {"reason": "holder_absent"}]},
        headers=register.keys.ward | ANY_VERSION,
    )
    assert response.status_code == 200, response.text
    made["retired"] = register.parcel()
    register.walk(made["retired"], *full)
    response = register.client.post(
        f"/parcels/{made['retired']}/retire",
        json={"reason": "Thu hồi đất"},
        headers=register.keys.registry | ANY_VERSION,
    )
    assert response.status_code == 200, response.text
    made["other_ward"] = register.parcel(OTHER_WARD)
    register.walk(made["other_ward"], *full, ward=OTHER_WARD)
    return made


FIGURES = (
    "parcels",
    "area_m2",
    "registered",
    "registered_area_m2",
    "certified",
    "certified_area_m2",
    "in_custody",
    "origin_confirmed",
    "time_of_use_confirmed",
    "confirmed",
    "open_disputes",
    "not_certified",
    "returned_total",
    "returned_this_month",
    "backlog",
    "by_status",
)


def _pick(block: dict[str, Any]) -> dict[str, Any]:
    return {name: block[name] for name in FIGURES}


def test_every_figure_equals_the_oracle(
    client: httpx.Client, connection: Connection, varied: dict[str, int]
) -> None:
    wards = client.get("/stats/wards").json()["wards"]
    summary = client.get("/stats/summary").json()
    oracle = stats_oracle.figures(connection, TODAY)
    assert len(oracle) > 3
    for ward in wards:
        expected = oracle.get(ward["ward_code"])
        if expected is None:  # a ward without parcels
            assert ward["parcels"] == 0 and ward["certified"] == 0
            continue
        assert _pick(ward) == _pick(expected), ward["ward_code"]
    assert {w["ward_code"] for w in wards} >= {k for k in oracle if k is not None}
    assert _pick(summary) == _pick(oracle[None])

    # the parcels put in states here show where they should
    ours = next(w for w in wards if w["ward_code"] == WARD)
    assert ours["in_custody"] >= 1 and ours["open_disputes"] >= 1
    assert ours["backlog"]["planning_conflict"] >= 1 and ours["backlog"]["ineligible"] >= 1
    assert ours["certified_share"] == round(ours["certified"] / ours["parcels"], 4)


def test_figures_per_land_use_group_equal_the_oracle(
    client: httpx.Client, connection: Connection, varied: dict[str, int]
) -> None:
    wards = client.get("/stats/wards").json()["wards"]
    summary = client.get("/stats/summary").json()
    oracle = stats_oracle.figures(connection, TODAY, by_group=True)
    for block, code in [(w, w["ward_code"]) for w in wards] + [(summary, None)]:
        groups = {g["land_use_group"]: g for g in block["by_land_use_group"]}
        for (ward, group), expected in oracle.items():
            if ward == code:
                assert _pick(groups[group]) == _pick(expected), (code, group)
        # the groups add up to the whole
        assert sum(g["parcels"] for g in groups.values()) == block["parcels"]
        assert sum(g["certified"] for g in groups.values()) == block["certified"]
    # a house with a garden counts as residential land, whatever the garden's area
    ours = next(w for w in wards if w["ward_code"] == WARD)
    names = {g["land_use_group"]: g["name"] for g in ours["by_land_use_group"]}
    assert names["OTC"] == "Đất ở" and names["NNP"] == "Đất nông nghiệp"


def test_a_house_with_a_garden_is_residential(
    connection: Connection, varied: dict[str, int]
) -> None:
    group = connection.execute(
        text("SELECT land_use_group FROM parcel WHERE id = :id"),
        {"id": varied["house_and_garden"]},
    ).scalar()
    assert group == "OTC"


def test_counters_follow_every_change_and_compaction_changes_nothing(
    client: httpx.Client, connection: Connection, register: Register
) -> None:
    def ours() -> dict[str, Any]:
        wards = client.get("/stats/wards").json()["wards"]
        return next(w for w in wards if w["ward_code"] == WARD)

    before = ours()
    parcel = register.parcel()
    assert ours()["parcels"] == before["parcels"] + 1
    register.walk(parcel, "registered", "in_review", "eligible", "signed")
    after = ours()
    assert after["certified"] == before["certified"] + 1
    assert after["in_custody"] == before["in_custody"] + 1
    assert after["confirmed"] == before["confirmed"] + 1
    folded = connection.execute(text("SELECT stat_compact()")).scalar_one()
    assert folded > 0
    assert connection.execute(text("SELECT count(*) FROM stat_delta")).scalar_one() == 0
    assert ours() == after
    assert _pick(ours()) == _pick(stats_oracle.figures(connection, TODAY)[WARD])


def _set_clock(connection: Connection, day: date) -> None:
    connection.execute(
        text("SELECT set_config('registry.clock', :at, true)"), {"at": f"{day} 10:00+07"}
    )


def _reset_clock(connection: Connection) -> None:
    """Back to the suite's pinned instant (an empty setting would mean the real clock)."""
    connection.execute(
        text("SELECT set_config('registry.clock', :at, true)"), {"at": CLOCK.isoformat()}
    )


def test_figures_as_of_a_past_day(
    client: httpx.Client, connection: Connection, register: Register
) -> None:
    first, second = TODAY - timedelta(days=20), TODAY - timedelta(days=10)
    parcels = [register.parcel() for _ in range(3)]

    def certified(day: date) -> int:
        wards = client.get("/stats/wards", params={"as_of": day.isoformat()}).json()["wards"]
        return int(next(w for w in wards if w["ward_code"] == WARD)["certified"])

    base = certified(first - timedelta(days=1))
    steps = ("registered", "in_review", "eligible", "signed")
    _set_clock(connection, first)
    register.walk(parcels[0], *steps)
    _set_clock(connection, second)
    register.walk(parcels[1], *steps)
    _reset_clock(connection)
    register.walk(parcels[2], *steps)
    assert certified(first - timedelta(days=1)) == base
    assert certified(first) == base + 1
    assert certified(second - timedelta(days=1)) == base + 1
    assert certified(second) == base + 2
    assert certified(TODAY) == base + 3
    # compaction moves the pending changes into their days: the answers stay
    connection.execute(text("SELECT stat_compact()"))
    assert [certified(d) for d in (first - timedelta(days=1), first, second, TODAY)] == [
        base,
        base + 1,
        base + 2,
        base + 3,
    ]
    # the last four weeks' rate and the projection follow
    ours = next(w for w in client.get("/stats/wards").json()["wards"] if w["ward_code"] == WARD)
    assert ours["weekly_rate"] >= 0.75  # three certified in four weeks, at least
    assert ours["projected_completion"] is not None


def test_a_day_still_to_come_is_refused(client: httpx.Client) -> None:
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    for path in ("/stats/wards", "/stats/summary", "/stats/wards.geojson"):
        response = client.get(path, params={"as_of": tomorrow})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"


def test_targets_set_flags_and_fall_back(
    client: httpx.Client, keys: Keys, register: Register
) -> None:
    parcel = register.parcel()
    register.walk(parcel, "registered", "in_review", "eligible", "signed")

    def ours() -> dict[str, Any]:
        wards = client.get("/stats/wards").json()["wards"]
        return next(w for w in wards if w["ward_code"] == WARD)

    year = TODAY.year
    # the plan's defaults: 40% by the end of 2024, 100% by the end of 2025, kept afterwards
    listed = client.get("/stats/targets").json()
    assert {(t["ward_code"], t["year"], t["share"]) for t in listed} >= {
        (None, 2024, 0.4),
        (None, 2025, 1.0),
    }
    assert ours()["target_share"] == 1.0 and ours()["behind"] is True

    low = client.put(
        f"/stats/targets/{year}/wards/{WARD}", json={"share": 0.0001}, headers=keys.admin
    )
    assert low.status_code == 200, low.text
    ward = ours()
    assert ward["target_share"] == 0.0001 and ward["behind"] is False
    assert ward["parcels_to_expected"] == 0
    assert ward["expected_share"] <= 0.0001
    other = next(
        w for w in client.get("/stats/wards").json()["wards"] if w["ward_code"] == OTHER_WARD
    )
    assert other["target_share"] == 1.0  # the town's still

    refused = client.put(
        f"/stats/targets/{year}/wards/{WARD}", json={"share": 0.5}, headers=keys.registry
    )
    assert refused.status_code == 403
    bad = client.put(f"/stats/targets/{year}", json={"share": 1.5}, headers=keys.admin)
    assert bad.status_code == 422
    gone = client.delete(f"/stats/targets/{year}/wards/{WARD}", headers=keys.admin)
    assert gone.status_code == 204
    assert ours()["target_share"] == 1.0
    again = client.delete(f"/stats/targets/{year}/wards/{WARD}", headers=keys.admin)
    assert again.status_code == 404
    audit = client.get("/audit", params={"action": "target.set"}, headers=keys.admin).json()
    assert any(e["target_id"] == f"{WARD}/{year}" for e in audit["events"])


def test_the_coverage_map_is_wards_in_wgs84_with_their_figures(client: httpx.Client) -> None:
    response = client.get("/stats/wards.geojson")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    collection = response.json()
    wards = {w["ward_code"]: w for w in client.get("/stats/wards").json()["wards"]}
    assert {f["id"] for f in collection["features"]} == set(wards)
    for feature in collection["features"]:
        assert feature["geometry"]["type"] == "MultiPolygon"
        lon, lat = feature["geometry"]["coordinates"][0][0][0]
        assert 105.9 < lon < 106.3 and 21.1 < lat < 21.4  # Việt Yên, in degrees
        assert feature["properties"] == wards[feature["id"]]


def test_statistics_carry_no_personal_data(client: httpx.Client, varied: dict[str, int]) -> None:
    for path in ("/stats/wards", "/stats/wards.geojson", "/stats/summary", "/stats/timeline"):
        body = client.get(path).text
        assert "Trần Thị Thu Hương" not in body and "024190001234" not in body


@pytest.fixture
def past_weeks(
    client: httpx.Client, connection: Connection, register: Register
) -> Iterator[list[date]]:
    """Certify one parcel in each of the three weeks before this one; yield those weeks' ends."""
    this_week = period_end(TODAY, "week")
    ends = [previous_period_end(this_week, "week")]
    for _ in range(2):
        ends.insert(0, previous_period_end(ends[0], "week"))
    for end in ends:
        parcel = register.parcel()
        _set_clock(connection, end - timedelta(days=2))
        register.walk(parcel, "registered", "in_review", "eligible", "signed")
    _reset_clock(connection)
    yield ends


def test_timeline_per_week_with_changes(
    client: httpx.Client, connection: Connection, past_weeks: list[date]
) -> None:
    timeline = client.get("/stats/timeline", params={"period": "week", "ward": WARD}).json()
    assert timeline["period"] == "week"
    series = {s["ward_code"]: s for s in timeline["series"]}
    assert set(series) == {None, WARD}
    points = series[WARD]["points"]
    by_end = {date.fromisoformat(p["period_end"]): p for p in points}
    for end in past_weeks:
        assert by_end[end]["provisional"] is False
    certified = [by_end[end]["certified"] for end in past_weeks]
    assert certified[1] == certified[0] + 1 and certified[2] == certified[1] + 1
    assert [by_end[end]["change"]["certified"] for end in past_weeks[1:]] == [1, 1]
    assert points[-1]["provisional"] is True
    assert date.fromisoformat(points[-1]["period_end"]) == period_end(TODAY, "week")
    # the snapshots were stored, once per closed week
    stored = connection.execute(
        text("SELECT period_end FROM stat_snapshot WHERE period = 'week' ORDER BY 1")
    ).scalars()
    assert set(past_weeks) <= set(stored)


def test_a_past_report_never_changes(
    client: httpx.Client,
    connection: Connection,
    keys: Keys,
    register: Register,
    past_weeks: list[date],
) -> None:
    last = past_weeks[-1]
    params = {"period": "week", "on": last.isoformat()}
    first = client.get("/stats/progress.csv", params=params)
    assert first.status_code == 200, first.text
    # late edits: a dossier returned with a notice date in that week, another target
    parcel = register.parcel()
    register.walk(parcel, "registered", "in_review")
    register.step(parcel, "returned", notice_date=(last - timedelta(days=1)).isoformat())
    target = client.put(
        f"/stats/targets/{last.year}/wards/{WARD}", json={"share": 0.3}, headers=keys.admin
    )
    assert target.status_code == 200
    assert client.get("/stats/progress.csv", params=params).content == first.content
    # while the figures as of that day do see the late notice
    wards = client.get("/stats/wards", params={"as_of": last.isoformat()}).json()["wards"]
    ours = next(w for w in wards if w["ward_code"] == WARD)
    frozen = connection.execute(
        text("SELECT figures FROM stat_snapshot WHERE period = 'week' AND period_end = :d"),
        {"d": last},
    ).scalar_one()
    theirs = next(w for w in frozen["wards"] if w["ward_code"] == WARD)
    assert ours["returned_total"] == theirs["returned_total"] + 1
    # and the database itself refuses to change a snapshot
    with pytest.raises(DBAPIError, match="never change"):
        with connection.begin_nested():
            connection.execute(text("UPDATE stat_snapshot SET figures = '{}'"))
    with pytest.raises(DBAPIError, match="never change"):
        with connection.begin_nested():
            connection.execute(text("DELETE FROM stat_snapshot"))


def _csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_progress_report_reads_back_as_csv_and_xlsx(
    client: httpx.Client, past_weeks: list[date]
) -> None:
    last = past_weeks[-1]
    params = {"period": "week", "on": last.isoformat()}
    frozen = client.get("/stats/timeline", params={"period": "week"}).json()
    expected = {
        s["ward_code"]: next(p for p in s["points"] if p["period_end"] == last.isoformat())
        for s in frozen["series"]
    }

    rows = _csv_rows(client.get("/stats/progress.csv", params=params).content)
    assert rows[0] == ["BÁO CÁO TIẾN ĐỘ ĐĂNG KÝ, CẤP GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT"]
    monday = last - timedelta(days=6)
    assert rows[1] == [f"Kỳ báo cáo: Tuần từ ngày {monday:%d/%m/%Y} đến ngày {last:%d/%m/%Y}"]
    header = rows.index(next(r for r in rows if r and r[0] == "STT"))
    headings = rows[header]
    assert headings[:4] == ["STT", "Mã xã/phường", "Tên xã/phường", "Tổng số thửa"]
    col = {h: i for i, h in enumerate(headings)}
    table = rows[header + 1 : rows.index([], header)]
    body = {r[1]: r for r in table if r[1].isdigit()}
    assert set(body) == {k for k in expected if k is not None}
    for code, row in body.items():
        point = expected[code]
        assert int(row[col["Tổng số thửa"]]) == point["parcels"]
        assert int(row[col["Đã cấp GCN (thửa)"]]) == point["certified"]
        assert int(row[col["Cấp mới trong kỳ (thửa)"]]) == point["change"]["certified"]
        assert float(row[col["Tỷ lệ đã cấp GCN (%)"]]) == round(point["certified_share"] * 100, 2)
        assert row[col["Chậm tiến độ"]] == ("Có" if point["behind"] else "Không")
    total = table[-1]
    assert total[2].startswith("Tổng cộng")
    assert int(total[col["Đã cấp GCN (thửa)"]]) == expected[None]["certified"]
    assert ["NGUYÊN NHÂN CHƯA CẤP GCN"] in rows

    response = client.get("/stats/progress.xlsx", params=params)
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Tiến độ", "Nguyên nhân tồn đọng", "Theo nhóm đất"]
    sheet = [list(r) for r in book["Tiến độ"].iter_rows(values_only=True)]
    xheader = next(i for i, r in enumerate(sheet) if r[0] == "STT")
    assert sheet[xheader] == headings
    for row in sheet[xheader + 1 :]:
        if row[1] in body:
            assert row[col["Đã cấp GCN (thửa)"]] == expected[row[1]]["certified"]
    reasons = [list(r) for r in book["Nguyên nhân tồn đọng"].iter_rows(values_only=True)]
    assert list(labels_vi.BACKLOG.values())[0] in reasons[3]


def test_a_report_of_the_running_period_is_provisional(client: httpx.Client) -> None:
    rows = _csv_rows(
        client.get(
            "/stats/progress.csv", params={"period": "month", "on": TODAY.isoformat()}
        ).content
    )
    assert rows[1] == [f"Kỳ báo cáo: Tháng {TODAY:%m/%Y}"]
    assert rows[2] == [f"Số liệu tạm tính đến ngày {TODAY:%d/%m/%Y}"]
    future = client.get(
        "/stats/progress.csv", params={"on": (TODAY + timedelta(days=1)).isoformat()}
    )
    assert future.status_code == 422
