"""The progress report of the weekly and monthly reviews, as CSV and XLSX, in Vietnamese.

One row per ward and a total row, read from the period's snapshot (or, for the period still
running, from the live figures, marked provisional), with the change since the period before.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from app.domain import clock, labels_vi, progress
from app.domain.progress import Period
from app.services.snapshots import TOWN_NAME, blocks, changes


@dataclass(frozen=True)
class Report:
    """A period's document, the one before it, and whether the period is still running."""

    period: Period
    period_end: date
    document: dict[str, Any]
    previous: dict[str, Any] | None
    provisional: bool


def _vn_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 2)


def title_lines(report: Report) -> list[str]:
    """Return the report's heading lines."""
    end = report.period_end
    first = progress.previous_period_end(end, report.period) + timedelta(days=1)
    if report.period == "week":
        when = f"Tuần từ ngày {_vn_date(first)} đến ngày {_vn_date(end)}"
    else:
        when = f"Tháng {end.month:02d}/{end.year}"
    lines = [
        "BÁO CÁO TIẾN ĐỘ ĐĂNG KÝ, CẤP GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT",
        f"Kỳ báo cáo: {when}",
    ]
    if report.provisional:
        lines.append(f"Số liệu tạm tính đến ngày {_vn_date(clock.today())}")
    return lines


# (heading, value of a ward's or the town's block, with its change since the period before)
Column = tuple[str, Callable[[dict[str, Any], dict[str, int]], Any]]
COLUMNS: list[Column] = [
    ("Tổng số thửa", lambda b, c: b["parcels"]),
    ("Tổng diện tích (m²)", lambda b, c: b["area_m2"]),
    ("Đã đăng ký (thửa)", lambda b, c: b["registered"]),
    ("Đã cấp GCN (thửa)", lambda b, c: b["certified"]),
    ("Cấp mới trong kỳ (thửa)", lambda b, c: c["certified"]),
    ("Tỷ lệ đã cấp GCN (%)", lambda b, c: _percent(b["certified_share"])),
    ("Diện tích đã cấp GCN (m²)", lambda b, c: b["certified_area_m2"]),
    ("Chỉ tiêu năm (%)", lambda b, c: _percent(b["target_share"])),
    ("Chỉ tiêu đến cuối kỳ (%)", lambda b, c: _percent(b["expected_share"])),
    ("Số thửa còn thiếu so với chỉ tiêu", lambda b, c: b["parcels_to_expected"]),
    ("Chậm tiến độ", lambda b, c: "Có" if b["behind"] else "Không"),
    ("Đã xác nhận nguồn gốc, thời điểm sử dụng (thửa)", lambda b, c: b["confirmed"]),
    ("Đang tranh chấp (thửa)", lambda b, c: b["open_disputes"]),
    ("Hồ sơ trả lại trong tháng", lambda b, c: b["returned_this_month"]),
    ("Hồ sơ trả lại lũy kế", lambda b, c: b["returned_total"]),
    ("GCN đã ký chưa trao", lambda b, c: b["in_custody"]),
    ("Tốc độ 4 tuần gần nhất (thửa/tuần)", lambda b, c: b["weekly_rate"]),
    (
        "Dự kiến hoàn thành",
        lambda b, c: (
            _vn_date(date.fromisoformat(str(b["projected_completion"])))
            if b["projected_completion"]
            else "Chưa xác định"
        ),
    ),
]
HEADINGS = ["STT", "Mã xã/phường", "Tên xã/phường"] + [h for h, _ in COLUMNS]


def rows(report: Report) -> list[list[Any]]:
    """Return the ward rows and the total row, each as the report shows it."""
    before = blocks(report.previous) if report.previous else {}
    out = []
    for n, ward in enumerate(report.document["wards"], start=1):
        change = changes(ward, before.get(ward["ward_code"]))
        out.append(
            [n, ward["ward_code"], ward["ward_name"]] + [f(ward, change) for _, f in COLUMNS]
        )
    town = report.document["town"]
    change = changes(town, before.get(None))
    out.append(["", "", f"Tổng cộng ({TOWN_NAME.lower()})"] + [f(town, change) for _, f in COLUMNS])
    return out


def backlog_rows(report: Report) -> list[list[Any]]:
    """Return per ward (and in total) the parcels not certified and their backlog reasons."""
    reasons = list(labels_vi.BACKLOG)
    out = []
    for block in report.document["wards"] + [report.document["town"]]:
        code = block.get("ward_code", "")
        name = block.get("ward_name", "Tổng cộng")
        out.append([code, name, block["not_certified"]] + [block["backlog"][r] for r in reasons])
    return out


BACKLOG_HEADINGS = ["Mã xã/phường", "Tên xã/phường", "Chưa cấp GCN (thửa)"] + list(
    labels_vi.BACKLOG.values()
)
GROUP_HEADINGS = [
    "Mã xã/phường",
    "Tên xã/phường",
    "Nhóm đất",
    "Tổng số thửa",
    "Tổng diện tích (m²)",
    "Đã cấp GCN (thửa)",
    "Diện tích đã cấp GCN (m²)",
    "Tỷ lệ đã cấp GCN (%)",
]


def group_rows(report: Report) -> list[list[Any]]:
    """Return per ward (and in total) and land-use group the parcels and those certified."""
    out = []
    for block in report.document["wards"] + [report.document["town"]]:
        for group in block["by_land_use_group"]:
            out.append(
                [
                    block.get("ward_code", ""),
                    block.get("ward_name", "Tổng cộng"),
                    group["name"],
                    group["parcels"],
                    group["area_m2"],
                    group["certified"],
                    group["certified_area_m2"],
                    _percent(group["certified_share"]),
                ]
            )
    return out


def to_csv(report: Report) -> str:
    """Return the report as CSV (UTF-8 with BOM, for Excel): the ward table, then the backlog
    reasons."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in title_lines(report):
        writer.writerow([line])
    writer.writerow([])
    writer.writerow(HEADINGS)
    writer.writerows(rows(report))
    writer.writerow([])
    writer.writerow(["NGUYÊN NHÂN CHƯA CẤP GCN"])
    writer.writerow(BACKLOG_HEADINGS)
    writer.writerows(backlog_rows(report))
    return "\ufeff" + out.getvalue()


def _sheet(
    book: Workbook, title: str, lines: list[str], headings: list[str], body: list[list[Any]]
) -> None:
    sheet = book.create_sheet(title)
    for line in lines:
        sheet.append([line])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.append([])
    sheet.append(headings)
    header_row = sheet.max_row
    for col in range(1, len(headings) + 1):
        cell = sheet.cell(row=header_row, column=col)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(col)].width = 14 if col > 3 else 18
    for row in body:
        sheet.append(row)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=4)


def to_xlsx(report: Report) -> bytes:
    """Return the report as an XLSX workbook: progress, backlog reasons, land-use groups."""
    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    lines = title_lines(report)
    _sheet(book, "Tiến độ", lines, HEADINGS, rows(report))
    _sheet(book, "Nguyên nhân tồn đọng", lines, BACKLOG_HEADINGS, backlog_rows(report))
    _sheet(book, "Theo nhóm đất", lines, GROUP_HEADINGS, group_rows(report))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
