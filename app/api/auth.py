"""Who is calling: `Authorization: Bearer KEY`, or anonymous."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from app.api.deps import SessionDep
from app.domain.permissions import ANONYMOUS, Actor
from app.errors import Unauthenticated
from app.services import apikeys


def current_actor(
    session: SessionDep,
    authorization: Annotated[
        str | None,
        Header(description="`Bearer <API key>`; leave it out to act anonymously."),
    ] = None,
) -> Actor:
    """Return the actor the request's API key names, or the anonymous actor."""
    if authorization is None:
        return ANONYMOUS
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthenticated("Send the API key as 'Authorization: Bearer <key>'.")
    return apikeys.authenticate(session=session, key=key.strip())


ActorDep = Annotated[Actor, Depends(current_actor)]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag of the version you read; required, 412 when it is stale.",
    ),
]
