"""The ward a role is bound to: a ward officer's key or account names one ward, any other
role none; checked once for API keys and staff accounts alike."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.db.models import Ward
from app.domain.permissions import Role
from app.errors import UnknownWard, WardMismatch

__all__ = ["check_ward"]


def check_ward(session: Session, role: Role, ward_code: str | None, what: str) -> None:
    """Refuse a ward officer's `what` (key, account) without a ward, another role's with
    one, and a ward the registry does not hold."""
    if role is Role.WARD_OFFICER and ward_code is None:
        raise WardMismatch(f"A ward officer's {what} needs the ward (--ward CODE).")
    if role is not Role.WARD_OFFICER and ward_code is not None:
        raise WardMismatch(f"Only a ward officer's {what} is bound to a ward.")
    if ward_code is not None and session.get(Ward, ward_code) is None:
        raise UnknownWard(f"There is no ward {ward_code}.")
