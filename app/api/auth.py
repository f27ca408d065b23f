"""Who is calling: `Authorization: Bearer KEY`, a signed-in staff account (the session
cookie, with the CSRF token on writes), or anonymous."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from app.api.deps import ReadSessionDep, SessionDep
from app.api.signed_in import signed_in
from app.domain.permissions import ANONYMOUS, Actor
from app.errors import Unauthenticated
from app.services import apikeys

Authorization = Annotated[
    str | None,
    Header(description="`Bearer <API key>`; leave it out to act anonymously."),
]


def current_actor(
    request: Request, session: SessionDep, authorization: Authorization = None
) -> Actor:
    """Return the actor the request's API key or session names, or the anonymous actor."""
    return _actor(request, session, authorization)


def current_reader(
    request: Request, session: ReadSessionDep, authorization: Authorization = None
) -> Actor:
    """The same, looked up in the request's read session: a read that streams holds one
    connection, not one for the key and another for the page."""
    return _actor(request, session, authorization)


def _actor(request: Request, session: Session, authorization: str | None) -> Actor:
    if authorization is None:
        signed = signed_in(request)
        return ANONYMOUS if signed is None else signed.actor
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthenticated("Send the API key as 'Authorization: Bearer <key>'.")
    return apikeys.authenticate(session=session, key=key.strip())


ActorDep = Annotated[Actor, Depends(current_actor)]
# for endpoints that read through ReadSessionDep
ReadActorDep = Annotated[Actor, Depends(current_reader)]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag of the version you read; required, 412 when it is stale.",
    ),
]
