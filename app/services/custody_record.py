"""The custody inventory's record, as the registry files it: an XLSX workbook with
Vietnamese headings, every certificate with what the count found, the totals and who
counted."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from app.domain.clock import LOCAL_TZ

TITLE = "BIÊN BẢN KIỂM KÊ GIẤY CHỨNG NHẬN ĐÃ KÝ CHƯA TRAO CHO NGƯỜI SỬ DỤNG ĐẤT"
HEADINGS = (
    "STT",
    "Xã, phường",
    "Mã xã khi đo đạc",
    "Số tờ bản đồ",
    "Số thửa",
    "Số phát hành (seri)",
    "Số vào sổ cấp GCN",
    "Ngày ký",
    "Nơi lưu giữ",
    "Số ngày lưu giữ",
    "Kết quả kiểm kê",
    "Ghi chú",
)
FOUND = {True: "Có", False: "Không thấy", None: "Chưa kiểm"}


def _day(value: str) -> str:
    return date.fromisoformat(value).strftime("%d/%m/%Y")


def _instant(value: str | None) -> str:
    if value is None:
        return ""
    return datetime.fromisoformat(value).astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


def rows(inventory: dict[str, Any]) -> list[list[Any]]:
    """The record's table, one certificate a row."""
    return [
        [
            n,
            item["ward_name"],
            item["survey_commune_code"],
            item["sheet_no"],
            item["parcel_no"],
            item["serial"],
            item["register_no"],
            _day(item["signed_on"]),
            item["custody_location"],
            item["days_held"],
            FOUND[item["found"]],
            item["note"] or "",
        ]
        for n, item in enumerate(inventory["items"], start=1)
    ]


def to_xlsx(inventory: dict[str, Any], scope: str) -> bytes:
    """Return the inventory's record as an XLSX workbook; `scope` names the ward or town."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Kiểm kê GCN"
    lines = [
        TITLE,
        f"Ngày kiểm kê: {_day(inventory['taken_on'])}. Phạm vi: {scope}.",
        f"Bắt đầu: {_instant(inventory['started_at'])}, {inventory['started_by']}."
        + (
            f" Kết thúc: {_instant(inventory['closed_at'])}, {inventory['closed_by']}."
            if inventory["closed_at"]
            else " Chưa kết thúc."
        ),
    ]
    for line in lines:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append(list(HEADINGS))
    header = sheet.max_row
    for col in range(1, len(HEADINGS) + 1):
        cell = sheet.cell(row=header, column=col)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(col)].width = 8 if col == 1 else 16
    for row in rows(inventory):
        sheet.append(row)
    sheet.append([])
    sheet.append(
        [
            f"Tổng số: {inventory['listed']}; có: {inventory['found']};"
            f" không thấy: {inventory['missing']}; chưa kiểm: {inventory['unchecked']}."
        ]
    )
    sheet.append([])
    sheet.append(["Người kiểm kê", "", "", "", "Lãnh đạo đơn vị"])
    sheet.append(["(ký, ghi rõ họ tên)", "", "", "", "(ký, ghi rõ họ tên)"])
    sheet.freeze_panes = f"A{header + 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
