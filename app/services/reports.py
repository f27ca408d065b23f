"""Reports for the monthly reviews: certificates still in custody, dossiers returned."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.db import report_queries
from app.domain.permissions import Action, Actor, authorize


def undelivered(
    *, session: Session, actor: Actor, on: date, ward_code: str | None
) -> list[dict[str, Any]]:
    """Return the signed certificates still in custody on `on`, with the days held."""
    authorize(actor, Action.REPORT_READ)
    return report_queries.undelivered(session.connection(), on, ward_code)


def returned(
    *, session: Session, actor: Actor, start: date, end: date, ward_code: str | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return dossier returns counted by ward and month, and the notices themselves."""
    authorize(actor, Action.REPORT_READ)
    return report_queries.returned(session.connection(), start, end, ward_code)


def _vn_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def undelivered_csv(rows: list[dict[str, Any]], on: date) -> str:
    """Return the monthly custody inventory as CSV with Vietnamese headings and sign-off lines."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["BIÊN BẢN KIỂM KÊ GIẤY CHỨNG NHẬN ĐÃ KÝ CHƯA TRAO CHO NGƯỜI SỬ DỤNG ĐẤT"])
    writer.writerow([f"Ngày kiểm kê: {_vn_date(on)}"])
    writer.writerow([])
    writer.writerow(
        [
            "STT",
            "Mã xã/phường",
            "Tên xã/phường",
            "Mã xã khi đo đạc",
            "Số tờ bản đồ",
            "Số thửa",
            "Số phát hành (seri)",
            "Số vào sổ cấp GCN",
            "Ngày ký",
            "Nơi lưu giữ",
            "Số ngày lưu giữ",
        ]
    )
    for n, row in enumerate(rows, start=1):
        writer.writerow(
            [
                n,
                row["ward_code"],
                row["ward_name"],
                row["survey_commune_code"],
                row["sheet_no"],
                row["parcel_no"],
                row["serial"],
                row["register_no"],
                _vn_date(row["signed_on"]),
                row["custody_location"],
                row["days_held"],
            ]
        )
    writer.writerow([])
    writer.writerow([f"Tổng số giấy chứng nhận đang lưu giữ: {len(rows)}"])
    writer.writerow([])
    writer.writerow(["GIÁM ĐỐC CHI NHÁNH", "", "", "", "", "", "NGƯỜI LƯU GIỮ"])
    writer.writerow(["(Ký, ghi rõ họ tên)", "", "", "", "", "", "(Ký, ghi rõ họ tên)"])
    return "\ufeff" + out.getvalue()  # BOM: Excel opens it as UTF-8


def returned_csv(counts: list[dict[str, Any]], parcels: int, start: date, end: date) -> str:
    """Return returned dossiers by ward and month as CSV with Vietnamese headings.

    `parcels` is the number of distinct parcels returned in the period: a parcel returned in
    two months counts in both months' rows but once in the total.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["TỔNG HỢP HỒ SƠ TRẢ LẠI DO CHƯA ĐẦY ĐỦ"])
    writer.writerow([f"Từ ngày {_vn_date(start)} đến ngày {_vn_date(end)}"])
    writer.writerow([])
    writer.writerow(["Tháng", "Mã xã/phường", "Tên xã/phường", "Số lượt trả lại", "Số thửa"])
    for row in counts:
        writer.writerow(
            [row["month"], row["ward_code"], row["ward_name"], row["returned"], row["parcels"]]
        )
    writer.writerow([])
    writer.writerow(["Tổng cộng", "", "", sum(r["returned"] for r in counts), parcels])
    return "\ufeff" + out.getvalue()
