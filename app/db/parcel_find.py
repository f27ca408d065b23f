"""SQL of finding a parcel the way people ask for one: by its key (commune, map sheet,
parcel number), by address, or by a holder's name; addresses and names compared without
diacritics or case (see app.domain.vn_fold)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, text

from app.domain.vn_fold import FOLD_FROM, FOLD_TO


@dataclass(frozen=True)
class Wanted:
    """What the caller asks for; None: anything. Text is folded (vn_fold.fold) already."""

    commune: str | None = None  # survey-time commune or current ward
    sheet_no: int | None = None
    parcel_no: int | None = None
    address: str | None = None
    holder: str | None = None
    holder_ward: str | None = None  # a holder searched for only in this ward


def _folded(column: str) -> str:
    return f"translate(lower({column}), :fold_from, :fold_to)"


FIND = f"""
SELECT p.id, p.survey_commune_code, p.sheet_no, p.parcel_no, p.ward_code, w.name AS ward_name,
       p.address, p.status, p.area_m2, p.retired_at IS NOT NULL AS retired
FROM parcel p JOIN ward w ON w.code = p.ward_code
WHERE (CAST(:commune AS text) IS NULL OR p.survey_commune_code = :commune
       OR p.ward_code = :commune)
  AND (CAST(:sheet AS int) IS NULL OR p.sheet_no = :sheet)
  AND (CAST(:number AS int) IS NULL OR p.parcel_no = :number)
  AND (CAST(:address AS text) IS NULL
       OR strpos({_folded("p.address")}, :address) > 0)
  AND (CAST(:holder AS text) IS NULL OR (
       (CAST(:holder_ward AS text) IS NULL OR p.ward_code = :holder_ward)
       AND EXISTS (SELECT 1 FROM holder h WHERE h.parcel_id = p.id
                   AND strpos({_folded("h.name")}, :holder) > 0)))
ORDER BY p.retired_at IS NOT NULL, p.ward_code, p.sheet_no, p.parcel_no, p.id
LIMIT :limit
"""


def find(conn: Connection, wanted: Wanted, limit: int) -> list[Row[Any]]:
    """Return up to `limit` parcels that match, the current ones first, in key order."""
    params = {
        "commune": wanted.commune,
        "sheet": wanted.sheet_no,
        "number": wanted.parcel_no,
        "address": wanted.address,
        "holder": wanted.holder,
        "holder_ward": wanted.holder_ward,
        "fold_from": FOLD_FROM,
        "fold_to": FOLD_TO,
        "limit": limit,
    }
    return list(conn.execute(text(FIND), params))


def holder_names(conn: Connection, parcel_ids: list[int]) -> dict[int, list[str]]:
    """Return the holders' names of these parcels, in their order on the certificate."""
    names: dict[int, list[str]] = {}
    rows = conn.execute(
        text(
            "SELECT parcel_id, name FROM holder WHERE parcel_id = ANY(:ids)"
            " ORDER BY parcel_id, position"
        ),
        {"ids": parcel_ids},
    )
    for parcel_id, name in rows:
        names.setdefault(parcel_id, []).append(name)
    return names
