"""Password hashes: argon2id (argon2-cffi's defaults, RFC 9106's second recommendation)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["hash_password", "needs_rehash", "verify", "verify_nothing"]

_HASHER = PasswordHasher()
# checked against when the user name is unknown, so that a miss costs the time a hit does
_DUMMY = _HASHER.hash("no account has this password")


def hash_password(password: str) -> str:
    """Return the argon2id hash of a password (its salt and parameters included)."""
    return _HASHER.hash(password)


def verify(password_hash: str, password: str) -> bool:
    """Return whether the password is the one hashed."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_nothing(password: str) -> None:
    """Spend the time of a verification, for a user name that has no account."""
    verify(_DUMMY, password)


def needs_rehash(password_hash: str) -> bool:
    """Return whether the hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(password_hash)
