"""Domain errors and their rendering as RFC 9457 problem+json."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


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


class DatabaseUnavailable(RegistryError):
    """The database cannot be reached."""

    status = 503
    slug = "database-unavailable"
    title = "Database unavailable"


class DashboardUnavailable(RegistryError):
    """The front-end libraries of /dashboard are not installed."""

    status = 503
    slug = "dashboard-unavailable"
    title = "Dashboard unavailable"


class ProblemResponse(JSONResponse):
    """A JSON response with the problem+json media type."""

    media_type = PROBLEM_MEDIA_TYPE


def problem(
    request: Request,
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    **extra: Any,
) -> ProblemResponse:
    """Return an RFC 9457 problem document for this request."""
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update(extra)
    headers = {"Retry-After": "5"} if status == 503 else {}
    if "retry_after_s" in extra:
        headers["Retry-After"] = str(extra["retry_after_s"])
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="parcel-registry"'
    return ProblemResponse(body, status_code=status, headers=headers)


async def _registry_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RegistryError)
    return problem(
        request,
        status=exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        **exc.extra,
    )


async def _http_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed", 413: "Request too large"}
    slug = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}.get(
        exc.status_code, "http-error"
    )
    detail = str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No resource at {request.url.path}; the API is listed at /docs."
    response = problem(
        request,
        status=exc.status_code,
        slug=slug,
        title=titles.get(exc.status_code, "HTTP error"),
        detail=detail,
    )
    if exc.headers:
        response.headers.update(exc.headers)
    if exc.status_code == 405:
        response.headers["Allow"] = ", ".join(_allowed_methods(request))
    return response


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this path (the router names only the first route's)."""
    allowed = []
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


async def _validation_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    where = ", ".join(".".join(str(p) for p in e["loc"]) + f": {e['msg']}" for e in errors[:5])
    return problem(
        request,
        status=422,
        slug="validation-error",
        title="Invalid request",
        detail=f"The request does not match the API: {where}",
        errors=errors,
    )


async def _unexpected_error(request: Request, exc: Exception) -> ProblemResponse:
    # one log line with the traceback; the client learns nothing about internals
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        request,
        status=500,
        slug="internal-error",
        title="Internal error",
        detail="The registry failed to handle this request; the error has been logged.",
    )


# Constraints a concurrent request can trip after the service's own checks passed.
CONSTRAINT_PROBLEMS = {
    "uq_parcel_survey_commune_code_sheet_no_parcel_no": (
        "duplicate-parcel",
        "Parcel already registered",
        "A parcel with this survey commune, map sheet and parcel number was registered "
        "at the same moment; read it and decide again.",
    ),
    "uq_certificate_serial": (
        "conflict",
        "Conflict",
        "This certificate serial was recorded at the same moment for another parcel.",
    ),
}


async def _integrity_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, IntegrityError)
    constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    slug, title, detail = CONSTRAINT_PROBLEMS.get(
        constraint or "",
        ("conflict", "Conflict", "The change conflicts with data written at the same moment."),
    )
    logger.info("integrity error on %s: %s", request.url.path, constraint)
    return problem(request, status=409, slug=slug, title=title, detail=detail)


# SQLSTATEs the service's own limits raise
QUERY_CANCELED = "57014"  # statement_timeout
LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout
CANNOT_CONNECT = ("08000", "08001", "08003", "08004", "08006", "57P01", "57P02", "57P03")


async def _database_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, DBAPIError)
    code = getattr(exc.orig, "pgcode", None)
    if code == QUERY_CANCELED:
        logger.warning("statement timeout on %s %s", request.method, request.url.path)
        return problem(
            request,
            status=422,
            slug="statement-timeout",
            title="Request too expensive",
            detail="The database stopped this request at the statement time limit; ask for "
            "less (a smaller area, fewer features, a page at a time).",
        )
    if code == LOCK_NOT_AVAILABLE:
        return problem(
            request,
            status=409,
            slug="busy",
            title="Record busy",
            detail="Another change to the same record is in progress; try again shortly.",
            retry_after_s=2,
        )
    if exc.connection_invalidated or code in CANNOT_CONNECT or code is None:
        logger.error("database unreachable on %s: %s", request.url.path, exc.orig)
        return problem(
            request,
            status=503,
            slug="database-unavailable",
            title="Database unavailable",
            detail="The registry cannot reach its database right now; try again shortly.",
        )
    return await _unexpected_error(request, exc)


async def _value_error(request: Request, exc: Exception) -> ProblemResponse:
    # psycopg2 refuses a text holding NUL before it reaches the database
    if "NUL" in str(exc) and "0x00" in str(exc):
        return problem(
            request,
            status=422,
            # a rule of the storage for every text field, not stated field by field
            slug="nul-character",
            title="NUL character in text",
            detail="Text in the request holds a NUL character (0x00), which no field may hold.",
        )
    return await _unexpected_error(request, exc)


def install_handlers(app: FastAPI) -> None:
    """Render every error of the app as problem+json."""
    app.add_exception_handler(RegistryError, _registry_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(ValueError, _value_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)


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
