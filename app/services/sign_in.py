"""Signing in to the workbench: a user name and password give a session (a cookie's token and
a CSRF token); failures slow the next attempt and lock the account after too many.

A failure is written in its own transaction, committed before the refusal is answered, so
that neither the count nor its audit event is rolled back with the request.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import StaffAccount, StaffSession
from app.domain import clock
from app.domain.permissions import Actor, Role
from app.domain.sign_in_rules import LOCK_AFTER_FAILURES, LOCK_FOR, SessionPolicy, retry_after
from app.errors import InvalidCredentials, SessionExpired, TooManyAttempts
from app.services import audit, passwords

__all__ = ["SignedIn", "resolve", "sign_in", "sign_out"]

COOKIE = "registry_session"
SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SignedIn:
    """A live session: who it is, its tokens, and until when it lasts."""

    actor: Actor
    session_id: int
    token: str  # the cookie's value; only its hash is kept
    csrf_token: str
    display_name: str
    expires_at: datetime


def _hash(token: str) -> str:
    # tokens are 256-bit random: a fast hash is enough
    return hashlib.sha256(token.encode()).hexdigest()


def _actor(account: StaffAccount) -> Actor:
    return Actor(
        name=account.user_name,
        role=Role(account.role),
        ward_code=account.ward_code,
        account_id=account.id,
    )


def _now() -> datetime:
    return clock.now().astimezone(UTC)


def sign_in(
    factory: sessionmaker[Session], *, user_name: str, password: str, policy: SessionPolicy
) -> SignedIn:
    """Return a new session for the right user name and password; otherwise raise
    InvalidCredentials (the same for an unknown name, a wrong password and a disabled
    account) or TooManyAttempts (while the back-off or the lock lasts)."""
    with factory.begin() as session:
        account = session.scalars(
            select(StaffAccount)
            .where(StaffAccount.user_name == user_name.strip().lower())
            .with_for_update()
        ).one_or_none()
        if account is None:
            passwords.verify_nothing(password)
            audit.record(
                session,
                actor=f"{user_name[:64]} (unknown account)",
                action="account.sign_in_failed",
                target_type="staff_account",
            )
            refusal: Exception = InvalidCredentials("The user name or the password is wrong.")
        else:
            outcome = _attempt(session, account, password, policy)
            if isinstance(outcome, SignedIn):
                return outcome
            refusal = outcome
    raise refusal


def _attempt(
    session: Session, account: StaffAccount, password: str, policy: SessionPolicy
) -> SignedIn | Exception:
    """Check one attempt at an account; return the session, or the refusal to raise once
    what the failure changed is committed."""
    now = _now()
    wait = retry_after(account.failed_attempts, account.last_failure_at, account.locked_until, now)
    if wait.total_seconds() > 0:
        seconds = math.ceil(wait.total_seconds())
        return TooManyAttempts(
            f"Too many failed sign-ins: try again in {seconds} s.",
            retry_after_s=seconds,
            locked=account.locked_until is not None and account.locked_until > now,
        )
    if account.disabled_at is not None or not passwords.verify(account.password_hash, password):
        return _failure(session, account, now)
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash_password(password)
    account.failed_attempts = 0
    account.locked_until = None
    account.last_sign_in_at = now
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    record = StaffSession(
        token_hash=_hash(token),
        account_id=account.id,
        csrf_token=csrf,
        started_at=now,
        last_seen_at=now,
    )
    session.add(record)
    session.flush()
    actor = _actor(account)
    audit.record(
        session,
        actor=actor,
        action="account.sign_in",
        target_type="staff_account",
        target_id=account.id,
        ward_code=account.ward_code,
    )
    return SignedIn(
        actor=actor,
        session_id=record.id,
        token=token,
        csrf_token=csrf,
        display_name=account.display_name,
        expires_at=policy.expires_at(now, now),
    )


def _failure(session: Session, account: StaffAccount, now: datetime) -> Exception:
    account.failed_attempts += 1
    account.last_failure_at = now
    _record(
        session, account, "account.sign_in_failed", {"failed_attempts": account.failed_attempts}
    )
    if account.failed_attempts >= LOCK_AFTER_FAILURES:
        account.locked_until = now + LOCK_FOR
        account.failed_attempts = 0
        _record(
            session, account, "account.lock", {"locked_until": account.locked_until.isoformat()}
        )
    return InvalidCredentials("The user name or the password is wrong.")


def _record(session: Session, account: StaffAccount, action: str, after: dict[str, Any]) -> None:
    """Audit what happened at sign-in to an account, before anyone is signed in."""
    audit.record(
        session,
        actor=f"{account.user_name} (sign-in)",
        action=action,
        target_type="staff_account",
        target_id=account.id,
        ward_code=account.ward_code,
        after=after,
    )


def resolve(factory: sessionmaker[Session], *, token: str, policy: SessionPolicy) -> SignedIn:
    """Return the live session a cookie names, noting it was seen now; raise SessionExpired
    for an unknown, ended or expired one, or a disabled account.

    In a transaction of its own: a read request's transaction is read-only, and the session
    must still count as used."""
    with factory.begin() as session:
        found = session.execute(
            select(StaffSession, StaffAccount)
            .join(StaffAccount, StaffAccount.id == StaffSession.account_id)
            .where(StaffSession.token_hash == _hash(token))
        ).one_or_none()
        now = _now()
        if found is None:
            raise SessionExpired("The session is unknown or has ended; sign in again.")
        record, account = found
        ends = policy.expires_at(record.started_at, record.last_seen_at)
        if record.ended_at is not None or account.disabled_at is not None or ends <= now:
            raise SessionExpired("The session has ended; sign in again.")
        # written at most once a minute: a page's bursts of requests cost one write
        if now - record.last_seen_at >= SEEN_EVERY:
            record.last_seen_at = now
        return SignedIn(
            actor=_actor(account),
            session_id=record.id,
            token=token,
            csrf_token=record.csrf_token,
            display_name=account.display_name,
            expires_at=policy.expires_at(record.started_at, record.last_seen_at),
        )


def sign_out(*, session: Session, signed_in: SignedIn) -> None:
    """End the session now."""
    record = session.get(StaffSession, signed_in.session_id)
    if record is not None and record.ended_at is None:
        record.ended_at = _now()
        audit.record(
            session,
            actor=signed_in.actor,
            action="account.sign_out",
            target_type="staff_account",
            target_id=signed_in.actor.account_id,
            ward_code=signed_in.actor.ward_code,
        )
