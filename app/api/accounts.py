"""/accounts: the workbench's staff accounts, managed by an admin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from app.api.auth import ActorDep
from app.api.deps import SessionDep
from app.api.responses import problems
from app.domain import patterns
from app.domain.permissions import Role
from app.schemas.accounts import AccountIn, AccountOut, AccountPatch
from app.services import accounts

router = APIRouter(prefix="/accounts", tags=["accounts"])

UserNamePath = Annotated[str, Path(pattern=patterns.anchored(patterns.USER_NAME))]


def _out(account: Any) -> AccountOut:
    return AccountOut.model_validate(account, from_attributes=True)


@router.get("", responses=problems(401, 403))
def list_accounts(session: SessionDep, actor: ActorDep) -> list[AccountOut]:
    """Every staff account, by user name (admin)."""
    return [_out(a) for a in accounts.list_all(session=session, actor=actor)]


@router.post("", status_code=201, responses=problems(401, 403, 409, 422))
def create_account(body: AccountIn, session: SessionDep, actor: ActorDep) -> AccountOut:
    """Create a staff account with its first password (admin); the role and ward are those
    an API key would carry."""
    account = accounts.create(
        session=session,
        actor=actor,
        user_name=body.user_name,
        display_name=body.display_name,
        role=Role(body.role),
        ward_code=body.ward_code,
        password=body.password,
    )
    return _out(account)


@router.patch("/{user_name}", responses=problems(401, 403, 404, 422))
def change_account(
    user_name: UserNamePath, body: AccountPatch, session: SessionDep, actor: ActorDep
) -> AccountOut:
    """Disable or enable an account, or give it a new password (admin): a disabled
    account's sessions end at once; a new password ends them too and lifts a lock."""
    account = accounts.get(session=session, actor=actor, user_name=user_name)
    if body.password is not None:
        account = accounts.reset_password(
            session=session, actor=actor, user_name=user_name, password=body.password
        )
    if body.disabled is not None:
        account = accounts.set_disabled(
            session=session, actor=actor, user_name=user_name, disabled=body.disabled
        )
    return _out(account)
