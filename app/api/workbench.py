"""/workbench: the staff workbench page and its files. The page is public; what it shows
comes from the API, with the permissions of the signed-in account."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from app import workbench
from app.api.page_headers import CACHE, SECURITY_HEADERS, page_file

router = APIRouter(tags=["workbench"])


@router.get("/workbench", response_class=HTMLResponse)
def workbench_page() -> HTMLResponse:
    """The staff workbench, in Vietnamese: sign-in, the account, the accounts (admin)."""
    return HTMLResponse(workbench.page(), headers={**SECURITY_HEADERS, **CACHE})


@router.get("/workbench/assets/{name:path}", include_in_schema=False)
def workbench_asset(name: str, request: Request) -> Response:
    """The workbench's script or style sheet; 304 when the client has it."""
    return page_file(workbench.asset(name), request)
