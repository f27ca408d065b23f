"""Reports for the monthly reviews: certificates still in custody, dossiers returned."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.permissions import Action, Actor
from app.services.parcels import authorize

UNDELIVERED_SQL = text(
    """
    SELECT w.code AS ward_code, w.name AS ward_name, p.id AS parcel_id,
           p.survey_commune_code, p.sheet_no, p.parcel_no,
           c.serial, c.register_no, c.signed_on, c.custody_location,
           (:on - c.signed_on) AS days_held
    FROM certificate c
    JOIN parcel p ON p.id = c.parcel_id
    JOIN ward w ON w.code = p.ward_code
    -- in custody on the inventory date: signed by then and not handed over by then (a
    -- certificate handed over since still belongs to that day's inventory)
    WHERE p.retired_at IS NULL AND c.signed_on <= :on
      AND (c.delivered_on IS NULL OR c.delivered_on > :on)
      AND (CAST(:ward AS text) IS NULL OR w.code = :ward)
    ORDER BY w.code, c.signed_on, c.serial
    """
)

RETURNED_SQL = text(
    """
    SELECT w.code AS ward_code, w.name AS ward_name,
           to_char(date_trunc('month', r.notice_date), 'YYYY-MM') AS month,
           count(*) AS returned, count(DISTINCT r.parcel_id) AS parcels
    FROM dossier_return r
    JOIN parcel p ON p.id = r.parcel_id
    JOIN ward w ON w.code = p.ward_code
    WHERE r.notice_date BETWEEN :start AND :end
      AND (CAST(:ward AS text) IS NULL OR w.code = :ward)
    GROUP BY w.code, w.name, month
    ORDER BY month, w.code
    """
)

RETURNED_NOTICES_SQL = text(
    """
    SELECT w.code AS ward_code, r.parcel_id, p.survey_commune_code, p.sheet_no, p.parcel_no,
           r.notice_no, r.notice_date, r.missing_items, r.copied_to, r.returned_by
    FROM dossier_return r
    JOIN parcel p ON p.id = r.parcel_id
    JOIN ward w ON w.code = p.ward_code
    WHERE r.notice_date BETWEEN :start AND :end
      AND (CAST(:ward AS text) IS NULL OR w.code = :ward)
    ORDER BY r.notice_date, r.id
    """
)


def undelivered(
    *, session: Session, actor: Actor, on: date, ward_code: str | None
) -> list[dict[str, Any]]:
    """Return the signed certificates still in custody on `on`, with the days held."""
    authorize(actor, Action.REPORT_READ)
    result = session.execute(UNDELIVERED_SQL, {"on": on, "ward": ward_code})
    return [dict(row._mapping) for row in result]


def returned(
    *, session: Session, actor: Actor, start: date, end: date, ward_code: str | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return dossier returns counted by ward and month, and the notices themselves."""
    authorize(actor, Action.REPORT_READ)
    params = {"start": start, "end": end, "ward": ward_code}
    counts = [dict(r._mapping) for r in session.execute(RETURNED_SQL, params)]
    notices = [dict(r._mapping) for r in session.execute(RETURNED_NOTICES_SQL, params)]
    return counts, notices


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
