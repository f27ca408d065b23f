"""/reports: the monthly custody inventory and the returned-dossier tally."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from app.api.auth import ActorDep
from app.api.deps import SessionDep
from app.api.responses import problems
from app.domain import clock
from app.domain.patterns import WARD_CODE_ONLY
from app.errors import PeriodReversed
from app.schemas.types import Day
from app.services import reports

router = APIRouter(prefix="/reports", tags=["reports"])

Format = Annotated[Literal["json", "csv"], Query(description="json (default) or csv.")]
WardQuery = Annotated[str | None, Query(pattern=WARD_CODE_ONLY, description="One ward only.")]
CSV_DOC = {"content": {"text/csv": {}}, "description": "JSON, or CSV with `format=csv`."}


def _csv(body: str, filename: str) -> Response:
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/undelivered", responses={200: CSV_DOC, **problems(401, 403, 422)})
def undelivered_certificates(
    session: SessionDep,
    actor: ActorDep,
    on: Annotated[Day | None, Query(description="Inventory date (default today).")] = None,
    ward: WardQuery = None,
    format: Format = "json",
) -> Any:
    """Signed certificates still in custody, per ward, with the days held.

    The CSV is the monthly inventory, with sign-off lines for the branch director and the
    custodian.
    """
    day = on or clock.today()
    rows = reports.undelivered(session=session, actor=actor, on=day, ward_code=ward)
    if format == "csv":
        return _csv(reports.undelivered_csv(rows, day), f"kiem-ke-gcn-{day.isoformat()}.csv")
    wards: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = wards.setdefault(
            row["ward_code"],
            {"ward_code": row["ward_code"], "ward_name": row["ward_name"], "certificates": []},
        )
        entry["certificates"].append(
            {k: v for k, v in row.items() if k not in ("ward_code", "ward_name")}
        )
    for entry in wards.values():
        entry["count"] = len(entry["certificates"])
        entry["max_days_held"] = max(c["days_held"] for c in entry["certificates"])
    return JSONResponse(
        {
            "on": day.isoformat(),
            "total": len(rows),
            "wards": jsonable_encoder(list(wards.values())),
        }
    )


@router.get("/returned", responses={200: CSV_DOC, **problems(401, 403, 422)})
def returned_dossiers(
    session: SessionDep,
    actor: ActorDep,
    start: Annotated[Day | None, Query(alias="from", description="Default: 1 January.")] = None,
    end: Annotated[Day | None, Query(alias="to", description="Default: today.")] = None,
    ward: WardQuery = None,
    format: Format = "json",
) -> Any:
    """Dossiers returned as incomplete, counted by ward and month, with the notices."""
    last = end or clock.today()
    first = start or date(last.year, 1, 1)
    if first > last:
        raise PeriodReversed(f"The period starts ({first}) after it ends ({last}).")
    counts, notices = reports.returned(
        session=session, actor=actor, start=first, end=last, ward_code=ward
    )
    parcels = len({n["parcel_id"] for n in notices})
    if format == "csv":
        return _csv(reports.returned_csv(counts, parcels, first, last), f"ho-so-tra-lai-{last}.csv")
    return JSONResponse(
        {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "total": sum(c["returned"] for c in counts),
            "parcels": parcels,
            "by_ward_and_month": counts,
            "notices": jsonable_encoder(notices),
        }
    )
