"""/api-keys: admins create, list and revoke keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from app.api.auth import ActorDep
from app.api.deps import SessionDep
from app.api.responses import problems
from app.domain.permissions import Action, authorize
from app.schemas.apikeys import ApiKeyCreated, ApiKeyIn, ApiKeyOut
from app.services import apikeys

router = APIRouter(prefix="/api-keys", tags=["api keys"])


@router.post("", status_code=201, responses=problems(401, 403, 422))
def create_key(data: ApiKeyIn, session: SessionDep, actor: ActorDep) -> ApiKeyCreated:
    """Create a key; the response is the only place the key is ever shown."""
    authorize(actor, Action.APIKEY_MANAGE)
    record, key = apikeys.create(
        session=session, actor=actor, name=data.name, role=data.role, ward_code=data.ward_code
    )
    session.refresh(record)
    return ApiKeyCreated(
        **ApiKeyOut.model_validate(record, from_attributes=True).model_dump(), key=key
    )


@router.get("", responses=problems(401, 403))
def list_keys(session: SessionDep, actor: ActorDep) -> list[ApiKeyOut]:
    """Return every key's record, newest first."""
    authorize(actor, Action.APIKEY_MANAGE)
    return [
        ApiKeyOut.model_validate(k, from_attributes=True) for k in apikeys.listing(session=session)
    ]


@router.delete("/{key_id}", responses=problems(401, 403, 404))
def revoke_key(
    key_id: Annotated[int, Path(gt=0)], session: SessionDep, actor: ActorDep
) -> ApiKeyOut:
    """Revoke a key; it stays on record."""
    authorize(actor, Action.APIKEY_MANAGE)
    record = apikeys.revoke(session=session, actor=actor, key_id=key_id)
    session.flush()
    return ApiKeyOut.model_validate(record, from_attributes=True)
