"""Staff accounts: an admin creates, disables and enables them and resets a password; each
person changes their own. Every change goes to the audit log."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.models import StaffAccount, StaffSession
from app.domain import clock
from app.domain.permissions import Action, Actor, Role, authorize
from app.domain.sign_in_rules import password_problem
from app.errors import (
    AccountExists,
    InvalidCredentials,
    NotFound,
    WeakPassword,
)
from app.services import audit, passwords
from app.services.role_scope import check_ward

__all__ = ["change_password", "create", "get", "list_all", "reset_password", "set_disabled"]


def _check_password(password: str, user_name: str) -> None:
    problem = password_problem(password, user_name)
    if problem is not None:
        rule, detail = problem
        raise WeakPassword(detail, rule=rule)


def create(
    *,
    session: Session,
    actor: Actor,
    user_name: str,
    display_name: str,
    role: Role,
    password: str,
    ward_code: str | None = None,
) -> StaffAccount:
    """Create an account (admin only); the password is hashed, never kept."""
    authorize(actor, Action.ACCOUNT_MANAGE)
    user_name = user_name.lower()
    check_ward(session, role, ward_code, "account")
    if session.scalars(select(StaffAccount.id).where(StaffAccount.user_name == user_name)).first():
        raise AccountExists(f"There is already an account {user_name!r}.")
    _check_password(password, user_name)
    now = clock.now().astimezone(UTC)
    account = StaffAccount(
        user_name=user_name,
        display_name=display_name,
        role=role.value,
        ward_code=ward_code,
        password_hash=passwords.hash_password(password),
        created_at=now,
        created_by=actor.label,
        password_changed_at=now,
    )
    session.add(account)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="account.create",
        target_type="staff_account",
        target_id=account.id,
        ward_code=ward_code,
        after={"user_name": user_name, "role": role.value, "ward_code": ward_code},
    )
    return account


def list_all(*, session: Session, actor: Actor) -> list[StaffAccount]:
    """Return every account, by user name (admin only)."""
    authorize(actor, Action.ACCOUNT_MANAGE)
    return list(session.scalars(select(StaffAccount).order_by(StaffAccount.user_name)))


def get(*, session: Session, actor: Actor, user_name: str) -> StaffAccount:
    """Return the account of a user name (admin only); raise NotFound."""
    authorize(actor, Action.ACCOUNT_MANAGE)
    return _by_name(session, user_name)


def _by_name(session: Session, user_name: str) -> StaffAccount:
    account = session.scalars(
        select(StaffAccount).where(StaffAccount.user_name == user_name.lower())
    ).one_or_none()
    if account is None:
        raise NotFound(f"There is no account {user_name!r}.")
    return account


def set_disabled(*, session: Session, actor: Actor, user_name: str, disabled: bool) -> StaffAccount:
    """Disable an account (its sessions end at once) or enable it again (admin only)."""
    authorize(actor, Action.ACCOUNT_MANAGE)
    account = _by_name(session, user_name)
    if disabled == (account.disabled_at is not None):
        return account
    now = clock.now().astimezone(UTC)
    account.disabled_at = now if disabled else None
    if disabled:
        _end_sessions(session, account.id)
    else:
        account.failed_attempts = 0
        account.locked_until = None
    audit.record(
        session,
        actor=actor,
        action="account.disable" if disabled else "account.enable",
        target_type="staff_account",
        target_id=account.id,
        ward_code=account.ward_code,
    )
    return account


def reset_password(
    *, session: Session, actor: Actor, user_name: str, password: str
) -> StaffAccount:
    """Give an account a new password (admin only): its sessions end, its lock lifts."""
    authorize(actor, Action.ACCOUNT_MANAGE)
    account = _by_name(session, user_name)
    _set_password(session, account, password)
    audit.record(
        session,
        actor=actor,
        action="account.password_reset",
        target_type="staff_account",
        target_id=account.id,
        ward_code=account.ward_code,
    )
    return account


def change_password(
    *, session: Session, actor: Actor, current: str, new: str, keep_session: int | None
) -> None:
    """Change the signed-in person's own password, given the current one; their other
    sessions end (`keep_session`: the one making the change)."""
    if actor.account_id is None:
        raise InvalidCredentials("Only a signed-in account changes its password here.")
    account = session.get(StaffAccount, actor.account_id)
    if account is None or not passwords.verify(account.password_hash, current):
        raise InvalidCredentials("The current password is not right.")
    _set_password(session, account, new, keep_session=keep_session)
    audit.record(
        session,
        actor=actor,
        action="account.password_change",
        target_type="staff_account",
        target_id=account.id,
        ward_code=account.ward_code,
    )


def _set_password(
    session: Session, account: StaffAccount, password: str, keep_session: int | None = None
) -> None:
    _check_password(password, account.user_name)
    account.password_hash = passwords.hash_password(password)
    account.password_changed_at = clock.now().astimezone(UTC)
    account.failed_attempts = 0
    account.locked_until = None
    _end_sessions(session, account.id, keep=keep_session)


def _end_sessions(session: Session, account_id: int, keep: int | None = None) -> None:
    statement = update(StaffSession).where(
        StaffSession.account_id == account_id, StaffSession.ended_at.is_(None)
    )
    if keep is not None:
        statement = statement.where(StaffSession.id != keep)
    session.execute(statement.values(ended_at=clock.now().astimezone(UTC)))
