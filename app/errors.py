"""The registry's domain errors: what went wrong, in words, with the HTTP status and problem
type a client sees (rendered as problem+json by app.api.problems)."""

from __future__ import annotations

from typing import Any


class RegistryError(Exception):
    """Base of every error the registry reports to a client."""

    status = 500
    slug = "registry-error"
    title = "Registry error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class FileRefused(RegistryError):
    """An uploaded file cannot be imported at all; status and slug say why."""

    title = "File refused"

    def __init__(self, detail: str, *, status: int = 422, slug: str = "import-refused") -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug


class UploadTooLarge(RegistryError):
    """The upload is larger than the limit."""

    status = 413
    slug = "upload-too-large"
    title = "Upload too large"


class DatabaseUnavailable(RegistryError):
    """The database cannot be reached."""

    status = 503
    slug = "database-unavailable"
    title = "Database unavailable"


class PageLibrariesMissing(RegistryError):
    """The front-end libraries the pages load (/dashboard, /workbench) are not installed."""

    status = 503
    slug = "page-libraries-missing"
    title = "Page libraries missing"


class Unauthenticated(RegistryError):
    """The API key is missing where one is needed, unknown, or revoked."""

    status = 401
    slug = "unauthenticated"
    title = "Not authenticated"


class Forbidden(RegistryError):
    """The caller's role or ward does not allow this action."""

    status = 403
    slug = "forbidden"
    title = "Not allowed"


class NotFound(RegistryError):
    """The resource does not exist."""

    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(RegistryError):
    """The request conflicts with the register's current state."""

    status = 409
    slug = "conflict"
    title = "Conflict"


class DuplicateParcel(Conflict):
    """A parcel with the same survey commune, map sheet and parcel number exists."""

    slug = "duplicate-parcel"
    title = "Parcel already registered"


class TransitionRefused(Conflict):
    """A status transition that the life-cycle rules do not allow now."""

    slug = "transition-refused"
    title = "Transition refused"


class PreconditionRequired(RegistryError):
    """An update came without If-Match."""

    status = 428
    slug = "precondition-required"
    title = "If-Match required"


class PreconditionFailed(RegistryError):
    """If-Match names a version that is no longer current."""

    status = 412
    slug = "precondition-failed"
    title = "Stale version"


class NotAsDeclared(RegistryError):
    """A request the OpenAPI document does not allow, found by a check of the API's own (a
    list parameter's items, say) rather than by pydantic: the same problem as pydantic's."""

    status = 422
    slug = "validation-error"
    title = "Invalid request"


class InvalidInput(RegistryError):
    """Input that parses but breaks a rule of the register (code, geometry, place)."""

    status = 422
    slug = "invalid-input"
    title = "Invalid input"


class InvalidGeometry(InvalidInput):
    """A geometry that is not a valid, non-empty polygon or multipolygon."""

    slug = "invalid-geometry"
    title = "Invalid geometry"


class DayOutOfRange(InvalidInput):
    """A day the register holds no figures for: one still to come, or one before it began."""

    slug = "day-out-of-range"
    title = "No figures for that day"


class PeriodReversed(InvalidInput):
    """A period (or timeline) that starts after it ends."""

    slug = "period-reversed"
    title = "Period starts after it ends"


class UnknownWard(InvalidInput):
    """A ward (or old commune) code of the right shape that names no ward of the register
    and no commune of the crosswalk."""

    slug = "unknown-ward"
    title = "No such ward"


class WardMismatch(InvalidInput):
    """A ward that does not go with the rest of the request: a parcel of another ward, or a
    ward given for a role that is not bound to one (or missing for one that is)."""

    slug = "ward-mismatch"
    title = "Ward does not match"


class InvalidBBox(InvalidInput):
    """A bbox of four (or six) numbers whose minimum lies past its maximum."""

    slug = "invalid-bbox"
    title = "Invalid bbox"


class InvalidCursor(InvalidInput):
    """A paging cursor this service did not give, or gave for another sort order."""

    slug = "invalid-cursor"
    title = "Invalid cursor"


class InvalidFieldMap(InvalidInput):
    """An import's field_map that is not a JSON object mapping fields to column names."""

    slug = "invalid-field-map"
    title = "Invalid field map"


class ParcelRetired(InvalidInput):
    """A change to a parcel that has been retired (split, merged or withdrawn)."""

    slug = "parcel-retired"
    title = "Parcel retired"


class InvalidFilter(RegistryError):
    """A CQL2 filter that does not parse, names what cannot be queried, or asks for more than
    basic CQL2 (OGC API - Features answers 400 to an invalid parameter)."""

    status = 400
    slug = "invalid-filter"
    title = "Invalid filter"


class InvalidCredentials(RegistryError):
    """The user name or the password is wrong (which one is not said), or the account is
    disabled."""

    status = 401
    slug = "invalid-credentials"
    title = "Sign-in refused"


class SessionExpired(Unauthenticated):
    """The session cookie names no live session: signed out, expired, or unknown."""

    slug = "session-expired"
    title = "Session ended"


class TooManyAttempts(RegistryError):
    """Sign-in failed too often in a row: wait (Retry-After), or until the lock ends."""

    status = 429
    slug = "too-many-attempts"
    title = "Too many failed sign-ins"


class CsrfFailed(RegistryError):
    """A write made with the session cookie lacks the session's CSRF token."""

    status = 403
    slug = "csrf-failed"
    title = "CSRF token missing or wrong"


class WeakPassword(InvalidInput):
    """A new password breaks a rule (the `rule` member says which)."""

    slug = "weak-password"
    title = "Password refused"


class AccountExists(Conflict):
    """A staff account with this user name exists already."""

    slug = "account-exists"
    title = "Account exists"
