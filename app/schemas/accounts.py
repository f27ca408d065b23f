"""Staff account and session bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.domain import patterns
from app.domain.permissions import Role
from app.domain.sign_in_rules import MAX_PASSWORD_LENGTH
from app.schemas.parcels import StrictModel
from app.schemas.types import Name, WardCode

# sign-in takes any case and trims (people type "NguyenVanA "); the account keeps lower case
UserNameTyped = Annotated[
    str,
    StringConstraints(
        pattern=patterns.anchored(patterns.USER_NAME_TYPED), strip_whitespace=True, to_lower=True
    ),
]
UserName = Annotated[str, StringConstraints(pattern=patterns.anchored(patterns.USER_NAME))]
Password = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PASSWORD_LENGTH)]


class SignInBody(StrictModel):
    """A user name and password."""

    user_name: UserNameTyped = Field(examples=["nguyenvana"])
    password: Password


class PasswordChange(StrictModel):
    """The current password and the new one."""

    current_password: Password
    new_password: Password


class SessionOut(BaseModel):
    """The signed-in account, the CSRF token its pages send with writes, and until when the
    session lasts without a request."""

    user_name: str
    display_name: str
    role: Role
    ward_code: str | None
    csrf_token: str
    expires_at: datetime


class AccountIn(StrictModel):
    """An account to create."""

    user_name: UserName = Field(examples=["nguyenvana"])
    display_name: Name = Field(examples=["Nguyễn Văn An"])
    role: Role
    ward_code: WardCode | None = None
    password: Password


class AccountPatch(StrictModel):
    """What an admin changes of an account: disable or enable it, give it a new password."""

    disabled: bool | None = None
    password: Password | None = None


class AccountOut(BaseModel):
    """An account's record (never its password)."""

    user_name: str
    display_name: str
    role: Role
    ward_code: str | None
    created_at: datetime
    created_by: str
    disabled_at: datetime | None
    locked_until: datetime | None
    last_sign_in_at: datetime | None
