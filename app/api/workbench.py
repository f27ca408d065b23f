"""/workbench: the staff workbench page and its files. The page is public; what it shows
comes from the API, with the permissions of the signed-in account."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from app import workbench
from app.api.deps import SettingsDep
from app.api.page_headers import CACHE, SECURITY_HEADERS, page_file
from app.api.responses import problems
from app.services import tiles

router = APIRouter(tags=["workbench"])


@router.get("/workbench", response_class=HTMLResponse, responses=problems(503))
def workbench_page(settings: SettingsDep) -> HTMLResponse:
    """The staff workbench, in Vietnamese: sign-in, the upload desk, the parcel page, the
    account, the accounts (admin)."""
    workbench.check_libraries(settings.frontend_modules)
    return HTMLResponse(
        workbench.page(tiles.PARCELS_MIN_ZOOM, settings.max_upload_mb * 1024 * 1024),
        headers={**SECURITY_HEADERS, **CACHE},
    )


@router.get("/workbench/assets/{name:path}", include_in_schema=False)
def workbench_asset(name: str, request: Request, settings: SettingsDep) -> Response:
    """The workbench's script, style sheet or map library; 304 when the client has it."""
    return page_file(workbench.asset(name, settings.frontend_modules), request)
