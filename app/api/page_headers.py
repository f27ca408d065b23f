"""The headers of the app's own pages (dashboard, workbench) and of the files they load."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request, Response
from fastapi.responses import FileResponse

# every script and style comes from the app itself: no CDN, nothing inline
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
# revalidate every time (the ETag makes that cheap): a new release's page must not meet an
# old script
CACHE = {"Cache-Control": "no-cache"}


def page_file(path: Path, request: Request) -> Response:
    """Serve one of a page's files with the pages' headers; 304 when the client has it."""
    response = FileResponse(path, headers={**SECURITY_HEADERS, **CACHE}, stat_result=path.stat())
    if request.headers.get("if-none-match") == response.headers["etag"]:
        return Response(status_code=304, headers={"ETag": response.headers["etag"], **CACHE})
    return response
