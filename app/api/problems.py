"""Errors as RFC 9457 problem+json: the domain's errors, the framework's and the database's."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.errors import RegistryError

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


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
