"""/parcels: register, read, amend, move through the life cycle, confirm origin, history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response

from app.api.auth import ActorDep, IfMatch
from app.api.deps import SessionDep
from app.api.idempotency import IdempotencyKey, once
from app.api.params import Instant
from app.api.responses import GeoJSONResponse, etag, problems
from app.domain.permissions import Action, Actor, may
from app.schemas.disputes import DisputeIn, DisputeOut
from app.schemas.parcels import (
    BacklogIn,
    MergeIn,
    OriginConfirmationIn,
    ParcelIn,
    ParcelPatch,
    RetireIn,
    SplitIn,
    VersionOut,
)
from app.schemas.transitions import TransitionIn
from app.services import (
    disputes,
    origin,
    parcel_lineage,
    parcel_lookup,
    parcel_views,
    parcels,
    transitions,
    versions,
)
from app.spatial import crs as crs_codes

router = APIRouter(prefix="/parcels", tags=["parcels"])

ParcelId = Annotated[int, Path(gt=0, description="The parcel's stable id.")]
CrsQuery = Annotated[
    str,
    Query(
        description="Output CRS: EPSG:4326 (default) or a VN-2000 code such as EPSG:9214.",
        examples=["EPSG:9214"],
        json_schema_extra=crs_codes.DECLARED,
    ),
]

FEATURE_EXAMPLE = {
    "type": "Feature",
    "id": 101,
    "geometry": {"type": "MultiPolygon", "coordinates": [[[[106.1, 21.27], [106.1002, 21.27]]]]},
    "properties": {
        "survey_commune_code": "07795",
        "ward_code": "07795",
        "sheet_no": 12,
        "parcel_no": 345,
        "status": "in_review",
        "certified": False,
        "allowed_transitions": ["returned", "eligible", "ineligible"],
        "next_steps": [
            {"status": "returned", "reissue": False, "blocked": None},
            {
                "status": "eligible",
                "reissue": False,
                "blocked": {
                    "rule": "origin-unconfirmed",
                    "detail": "The commune has not confirmed the time of use; a ward officer "
                    "must confirm it first.",
                },
            },
            {"status": "ineligible", "reissue": False, "blocked": None},
        ],
        "area_m2": 312.4,
        "land_uses": [{"code": "ODT", "area_m2": 312.4, "origin_codes": ["CNQ-CTT"]}],
        "backlog": ["time_of_use_unconfirmed"],
        "holders": [{"kind": "individual"}],
        "version": 4,
    },
}
FEATURE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The parcel as a GeoJSON Feature; its ETag is the version.",
        "content": {"application/geo+json": {"example": FEATURE_EXAMPLE}},
    }
}


def _feature_response(
    session: SessionDep, actor: Actor, parcel_id: int, status_code: int = 200, crs: str = "4326"
) -> GeoJSONResponse:
    body, version = parcel_views.feature(session=session, actor=actor, parcel_id=parcel_id, crs=crs)
    headers = {"ETag": etag(version)}
    if status_code == 201:
        headers["Location"] = f"/parcels/{parcel_id}"
    return GeoJSONResponse(body, status_code=status_code, headers=headers)


@router.post(
    "",
    status_code=201,
    response_class=GeoJSONResponse,
    responses={201: FEATURE[200], **problems(401, 403, 409, 422)},
)
def register_parcel(data: ParcelIn, session: SessionDep, actor: ActorDep) -> GeoJSONResponse:
    """Register a new parcel (status `unregistered`); it becomes version 1.

    The ward is found from the geometry; the geometry is stored in VN-2000 / TM-3 107-00.
    """
    parcel = parcels.create(session=session, actor=actor, data=data)
    return _feature_response(session, actor, parcel.id, status_code=201)


@router.get(
    "/{parcel_id:int}",
    response_class=GeoJSONResponse,
    responses={**FEATURE, **problems(404, 422)},
)
def read_parcel(
    parcel_id: ParcelId,
    session: SessionDep,
    actor: ActorDep,
    crs: CrsQuery = "EPSG:4326",
    as_of: Annotated[
        Instant | None,
        Query(description="Read the parcel as it was at this time (ISO 8601, with zone)."),
    ] = None,
) -> GeoJSONResponse:
    """Return one parcel, now or as of a past time.

    Holders' names and ID numbers are included only for staff allowed to see personal data.
    """
    body, version = parcel_views.feature(
        session=session, actor=actor, parcel_id=parcel_id, crs=crs, at=as_of
    )
    return GeoJSONResponse(body, headers={"ETag": etag(version)})


@router.patch(
    "/{parcel_id:int}",
    response_class=GeoJSONResponse,
    responses={**FEATURE, **problems(401, 403, 404, 409, 412, 422, 428)},
)
def amend_parcel(
    parcel_id: ParcelId,
    patch: ParcelPatch,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> GeoJSONResponse:
    """Change a parcel's geometry, numbers, areas, land uses, address, holders or extras."""
    parcels.amend(session=session, actor=actor, parcel_id=parcel_id, if_match=if_match, patch=patch)
    return _feature_response(session, actor, parcel_id)


# what a client sends for the three moves that carry documents
_TRANSITION_EXAMPLES: dict[str, dict[str, Any]] = {
    "returned": {
        "summary": "Return the dossier as incomplete",
        "value": {
            "to": "returned",
            "notice_no": "125/PYC",
            "notice_date": "2025-03-04",
            "missing_items": ["Bản sao CCCD"],
        },
    },
    "signed": {
        "summary": "Record the signed certificate",
        "value": {
            "to": "signed",
            "serial": "DK123456",
            "register_no": "CS01234",
            "signer": "Phó Giám đốc Sở",
            "signed_on": "2025-05-20",
            "custody_location": "Tủ hồ sơ số 3",
        },
    },
    "delivered": {
        "summary": "Hand the certificate over",
        "value": {
            "to": "delivered",
            "recipient": "Nguyễn Văn Hùng",
            "handed_over_on": "2025-06-02",
        },
    },
}


@router.post(
    "/{parcel_id}/transitions",
    response_class=GeoJSONResponse,
    responses={**FEATURE, **problems(401, 403, 404, 409, 412, 422, 428)},
)
def transition_parcel(
    parcel_id: ParcelId,
    step: Annotated[
        TransitionIn,
        Body(openapi_examples=_TRANSITION_EXAMPLES),
    ],
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Move the parcel through the certificate life cycle.

    unregistered → registered → in_review → returned → in_review; in_review → eligible or
    ineligible; eligible → signed → delivered; delivered → signed only as a re-issue. A refused
    move answers 409 with the rule and the allowed transitions. With `Idempotency-Key`, a
    retry (after a lost reply, say) gets the first answer back, marked `Idempotent-Replayed`.
    """

    def act() -> Response:
        transitions.apply(
            session=session, actor=actor, parcel_id=parcel_id, if_match=if_match, step=step
        )
        return _feature_response(session, actor, parcel_id)

    return once(
        session=session,
        actor=actor,
        key=idempotency_key,
        method="POST",
        path=f"/parcels/{parcel_id}/transitions",
        request=(step.model_dump(mode="json"), if_match),
        act=act,
    )


@router.put(
    "/{parcel_id}/origin",
    response_class=GeoJSONResponse,
    responses={**FEATURE, **problems(401, 403, 404, 412, 422, 428)},
)
def confirm_origin(
    parcel_id: ParcelId,
    data: OriginConfirmationIn,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> GeoJSONResponse:
    """Record or revise the commune's confirmation of land origin and time of use.

    For ward officers of the parcel's ward; the previous confirmation stays in the history.
    """
    origin.confirm(session=session, actor=actor, parcel_id=parcel_id, if_match=if_match, data=data)
    return _feature_response(session, actor, parcel_id)


@router.put(
    "/{parcel_id}/backlog-reasons",
    response_class=GeoJSONResponse,
    responses={**FEATURE, **problems(401, 403, 404, 412, 422, 428)},
)
def set_backlog_reasons(
    parcel_id: ParcelId,
    data: BacklogIn,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> GeoJSONResponse:
    """Set the reasons staff know why the parcel is not certified yet.

    Reasons the data shows (dispute, origin or time of use unconfirmed, dossier returned) are
    derived and need not be set.
    """
    origin.set_backlog(
        session=session, actor=actor, parcel_id=parcel_id, if_match=if_match, data=data
    )
    return _feature_response(session, actor, parcel_id)


@router.post(
    "/{parcel_id}/retire",
    response_class=GeoJSONResponse,
    responses={**FEATURE, **problems(401, 403, 404, 412, 422, 428)},
)
def retire_parcel(
    parcel_id: ParcelId,
    data: RetireIn,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> GeoJSONResponse:
    """Retire a parcel with a reason; it stays readable with its whole history."""
    parcels.retire(
        session=session, actor=actor, parcel_id=parcel_id, if_match=if_match, reason=data.reason
    )
    return _feature_response(session, actor, parcel_id)


@router.post(
    "/{parcel_id}/split",
    status_code=201,
    responses={
        201: {"description": "The ids of the new parcels."},
        **problems(403, 404, 409, 412, 422, 428),
    },
)
def split_parcel(
    parcel_id: ParcelId,
    data: SplitIn,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Split a parcel into parts that cover it exactly; it is retired, the parts link to it."""
    children = parcel_lineage.split(
        session=session, actor=actor, parcel_id=parcel_id, if_match=if_match, data=data
    )
    return {"parent": parcel_id, "children": [c.id for c in children]}


@router.post(
    "/merge",
    status_code=201,
    responses={
        201: {"description": "The id of the merged parcel."},
        **problems(403, 404, 409, 412, 422),
    },
)
def merge_parcels(data: MergeIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Merge adjacent parcels into a new one; they are retired and linked to it."""
    merged = parcel_lineage.merge(session=session, actor=actor, data=data)
    return {"parents": sorted(data.versions), "child": merged.id}


@router.get("/{parcel_id}/history", responses=problems(404))
def parcel_history(parcel_id: ParcelId, session: SessionDep, actor: ActorDep) -> list[VersionOut]:
    """Return every version: who, when, what changed and the previous values."""
    found = versions.history(session=session, parcel_id=parcel_id)
    personal = may(actor, Action.READ_PERSONAL, found[-1].snapshot["ward_code"])
    return [
        VersionOut(
            version=v.version,
            valid_from=v.valid_from,
            valid_to=v.valid_to,
            actor=v.actor,
            action=v.action,
            changes=v.changes
            if personal
            else {k: c for k, c in v.changes.items() if k != "holders"},
        )
        for v in found
    ]


@router.get("/{parcel_id}/disputes", responses=problems(404))
def parcel_disputes(parcel_id: ParcelId, session: SessionDep, actor: ActorDep) -> list[DisputeOut]:
    """Return the parcel's disputes, open and resolved."""
    found, parcel = disputes.for_parcel(session=session, parcel_id=parcel_id)
    return [disputes.to_out(d, actor, parcel.ward_code) for d in found]


@router.post("/{parcel_id}/disputes", status_code=201, responses=problems(401, 403, 404, 422))
def open_dispute(
    parcel_id: ParcelId, data: DisputeIn, session: SessionDep, actor: ActorDep, response: Response
) -> DisputeOut:
    """Record a dispute; while it is open the parcel cannot become eligible or signed."""
    dispute = disputes.open_dispute(session=session, actor=actor, parcel_id=parcel_id, data=data)
    parcel = parcel_lookup.load(session=session, parcel_id=parcel_id)
    response.headers["Location"] = f"/disputes/{dispute.id}"
    response.headers["ETag"] = etag(dispute.version)
    return disputes.to_out(dispute, actor, parcel.ward_code)
