"""/stats: coverage per ward and for the town, the coverage map, the timeline, the progress
report, and the Directive 30 targets. Readable without login: no personal data here."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from app.api.auth import ActorDep
from app.api.deps import SessionDep
from app.api.responses import GeoJSONResponse, problems
from app.domain import clock, progress
from app.domain.patterns import WARD_CODE_ONLY
from app.errors import PeriodReversed
from app.schemas.types import Day, FiguresDay, Share
from app.services import coverage, progress_report, snapshots, targets

router = APIRouter(prefix="/stats", tags=["coverage statistics"])

AsOf = Annotated[
    FiguresDay | None,
    Query(description="Figures as of the end of this day (Vietnam time); default today."),
]
PeriodQuery = Annotated[
    Literal["week", "month"], Query(description="week (Monday to Sunday) or month.")
]
WardPath = Annotated[str, Path(pattern=WARD_CODE_ONLY)]
YearPath = Annotated[int, Path(ge=2000, le=2100)]


def _encode(value: Any) -> str:
    if isinstance(value, date):  # and datetime
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _dumps(document: Any) -> str:
    # plain json.dumps: the documents are dicts, lists, numbers, text and dates, and walking
    # them with FastAPI's jsonable_encoder cost more than building them
    return json.dumps(document, ensure_ascii=False, default=_encode)


def _json(document: Any) -> Response:
    return Response(_dumps(document), media_type="application/json")


def _attachment(body: str | bytes, media_type: str, filename: str) -> Response:
    disposition = f'attachment; filename="{filename}"'
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})


@router.get("/wards", responses=problems(422))
def ward_statistics(session: SessionDep, as_of: AsOf = None) -> Response:
    """Per ward: parcels and area; registered; certified by count and area and its share;
    origin and time of use confirmed; open disputes; dossiers returned (this month, in all);
    certificates signed and still in custody; the backlog reasons of the parcels not yet
    certified; progress against the year's target (expected share by this day, behind
    schedule, projected completion at the last four weeks' rate); the same per land-use group.
    """
    day = coverage.check_day(as_of)
    document = coverage.as_of(session, day)
    return _json({"as_of": day, "wards": document["wards"]})


@router.get("/wards.geojson", response_class=GeoJSONResponse, responses=problems(422))
def ward_coverage_map(session: SessionDep, as_of: AsOf = None) -> Response:
    """The coverage map: ward boundaries in WGS84 with their statistics as properties."""
    day = coverage.check_day(as_of)
    document = coverage.as_of(session, day)
    geometries = coverage.ward_boundaries(session)
    features = ",".join(
        '{"type":"Feature","id":'
        + json.dumps(ward["ward_code"])
        + ',"geometry":'
        + geometries[ward["ward_code"]]
        + ',"properties":'
        + _dumps(ward)
        + "}"
        for ward in document["wards"]
    )
    body = f'{{"type":"FeatureCollection","as_of":"{day}","features":[{features}]}}'
    return Response(body, media_type=GeoJSONResponse.media_type)


@router.get("/summary", responses=problems(422))
def town_summary(session: SessionDep, as_of: AsOf = None) -> Response:
    """The whole town: the same figures as per ward, the wards behind schedule, and the
    figures per land-use group."""
    day = coverage.check_day(as_of)
    document = coverage.as_of(session, day)
    behind = [w["ward_code"] for w in document["wards"] if w["behind"]]
    return _json(
        {"as_of": day, **document["town"], "wards": len(document["wards"]), "wards_behind": behind}
    )


@router.get("/timeline", responses=problems(422))
def timeline(
    session: SessionDep,
    period: PeriodQuery = "week",
    ward: Annotated[
        str | None, Query(pattern=WARD_CODE_ONLY, description="One ward (and the town).")
    ] = None,
    start: Annotated[Day | None, Query(alias="from")] = None,
    end: Annotated[Day | None, Query(alias="to")] = None,
) -> Response:
    """Per ward and for the town, the figures at the end of each week or month (from the
    frozen snapshots) and the change since the period before; the running period comes last,
    marked provisional."""
    if start and end and start > end:
        raise PeriodReversed(f"The timeline starts ({start}) after it ends ({end}).")
    return _json(snapshots.timeline(session, period, ward_code=ward, start=start, end=end))


def _report(
    session: SessionDep, period: Literal["week", "month"], on: date | None
) -> progress_report.Report:
    today = clock.today()
    if on is not None:
        coverage.check_day(on)
    day = on or progress.previous_period_end(progress.period_end(today, period), period)
    end = progress.period_end(day, period)
    previous_end = progress.previous_period_end(end, period)
    snapshots.ensure(session, period, today)
    if end >= today:
        document = json.loads(json.dumps(coverage.as_of(session, today), default=str))
        provisional = True
    else:
        document = snapshots.one(session, period, end) or json.loads(
            json.dumps(coverage.as_of(session, end), default=str)
        )
        provisional = False
    return progress_report.Report(
        period=period,
        period_end=end,
        document=document,
        previous=snapshots.one(session, period, previous_end),
        provisional=provisional,
    )


ReportOn = Annotated[
    FiguresDay | None,
    Query(description="A day of the period to report on; default the last period ended."),
]


@router.get(
    "/progress.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **problems(422)},
)
def progress_csv(
    session: SessionDep, period: PeriodQuery = "week", on: ReportOn = None
) -> Response:
    """The progress report of the weekly or monthly review, as CSV with Vietnamese headings."""
    report = _report(session, period, on)
    name = f"tien-do-{period}-{report.period_end}.csv"
    return _attachment(progress_report.to_csv(report), "text/csv; charset=utf-8", name)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/progress.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}, **problems(422)},
)
def progress_xlsx(
    session: SessionDep, period: PeriodQuery = "week", on: ReportOn = None
) -> Response:
    """The progress report as an XLSX workbook: progress, backlog reasons, land-use groups."""
    report = _report(session, period, on)
    name = f"tien-do-{period}-{report.period_end}.xlsx"
    return _attachment(progress_report.to_xlsx(report), XLSX, name)


class TargetIn(BaseModel):
    """The share of parcels to have certified by the end of the year."""

    model_config = {"extra": "forbid"}

    share: Share = Field(examples=[0.4])


@router.get("/targets")
def list_targets(session: SessionDep) -> Response:
    """The targets: the town's per year (ward_code null) and the wards' own, where set."""
    return _json(targets.listing(session))


@router.put("/targets/{year}", responses=problems(401, 403, 422))
def set_town_target(
    year: YearPath, body: TargetIn, session: SessionDep, actor: ActorDep
) -> Response:
    """Set the town's share to reach by the end of `year` (admins)."""
    return _json(
        targets.put(session=session, actor=actor, year=year, share=body.share, ward_code=None)
    )


@router.put("/targets/{year}/wards/{ward_code}", responses=problems(401, 403, 404, 422))
def set_ward_target(
    year: YearPath, ward_code: WardPath, body: TargetIn, session: SessionDep, actor: ActorDep
) -> Response:
    """Set one ward's own share for `year` (admins); it overrides the town's."""
    return _json(
        targets.put(session=session, actor=actor, year=year, share=body.share, ward_code=ward_code)
    )


@router.delete(
    "/targets/{year}/wards/{ward_code}", status_code=204, responses=problems(401, 403, 404)
)
def delete_ward_target(
    year: YearPath, ward_code: WardPath, session: SessionDep, actor: ActorDep
) -> Response:
    """Drop a ward's own target for `year` (admins): the town's applies again."""
    targets.delete(session=session, actor=actor, year=year, ward_code=ward_code)
    return Response(status_code=204)
