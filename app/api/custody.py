"""/custody-inventories: the monthly count of the signed certificates in custody."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from app.api.auth import ActorDep
from app.api.deps import SessionDep
from app.api.responses import problems
from app.schemas.custody import InventoryCheckIn, InventoryIn
from app.services import custody, custody_record

router = APIRouter(prefix="/custody-inventories", tags=["custody inventory"])

InventoryId = Annotated[int, Path(gt=0)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("", status_code=201, responses=problems(401, 403, 404, 409, 422))
def start_inventory(data: InventoryIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Start the count of a ward's (or the town's) certificates in custody on a day: it lists
    every one the undelivered report lists for that day (registry officers)."""
    return custody.start(
        session=session, actor=actor, ward_code=data.ward_code, taken_on=data.taken_on
    )


@router.get("", responses=problems(401, 403))
def list_inventories(
    session: SessionDep, actor: ActorDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[dict[str, Any]]:
    """The inventories, the newest first, with how many certificates each lists, found,
    missing and unchecked (registry officers, inspectors)."""
    return custody.listing(session=session, actor=actor, limit=limit)


@router.get("/{inventory_id:int}", responses=problems(401, 403, 404))
def read_inventory(
    inventory_id: InventoryId, session: SessionDep, actor: ActorDep
) -> dict[str, Any]:
    """An inventory and every certificate it lists, with what the count found."""
    return custody.get(session=session, actor=actor, inventory_id=inventory_id)


@router.put("/{inventory_id}/items/{certificate_id}", responses=problems(401, 403, 404, 409, 422))
def check_certificate(
    inventory_id: InventoryId,
    certificate_id: Annotated[int, Path(gt=0)],
    data: InventoryCheckIn,
    session: SessionDep,
    actor: ActorDep,
) -> dict[str, Any]:
    """Tick one certificate found (or not found) in an open inventory; answers the counts."""
    return custody.check(
        session=session,
        actor=actor,
        inventory_id=inventory_id,
        certificate_id=certificate_id,
        found=data.found,
        note=data.note,
    )


@router.post("/{inventory_id}/close", responses=problems(401, 403, 404, 409))
def close_inventory(
    inventory_id: InventoryId, session: SessionDep, actor: ActorDep
) -> dict[str, Any]:
    """Close an inventory: every certificate not ticked is recorded missing; it is kept."""
    return custody.close(session=session, actor=actor, inventory_id=inventory_id)


@router.get(
    "/{inventory_id}.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}, **problems(401, 403, 404)},
)
def inventory_record(inventory_id: InventoryId, session: SessionDep, actor: ActorDep) -> Response:
    """The inventory's record (biên bản kiểm kê) as an XLSX workbook, Vietnamese headings."""
    inventory = custody.get(session=session, actor=actor, inventory_id=inventory_id)
    scope = custody.scope_name(session=session, ward_code=inventory["ward_code"])
    name = f"kiem-ke-gcn-{inventory['taken_on']}-{inventory['ward_code'] or 'toan-thi-xa'}.xlsx"
    return Response(
        custody_record.to_xlsx(inventory, scope),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
