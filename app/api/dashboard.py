"""/dashboard: the coverage dashboard page and the files it loads. Readable without login."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from app import dashboard
from app.api.deps import SettingsDep
from app.api.page_headers import CACHE, SECURITY_HEADERS, page_file
from app.api.responses import problems

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard", response_class=HTMLResponse, responses=problems(503))
def dashboard_page(settings: SettingsDep) -> HTMLResponse:
    """The coverage dashboard, in Vietnamese: the wards' map coloured by certified share, the
    table of wards against their targets, the backlog reasons, the timeline, report links."""
    dashboard.check_libraries(settings.frontend_modules)
    return HTMLResponse(dashboard.page(), headers={**SECURITY_HEADERS, **CACHE})


@router.get("/dashboard/assets/{name:path}", include_in_schema=False)
def dashboard_asset(name: str, request: Request, settings: SettingsDep) -> Response:
    """One script, style sheet or image of the dashboard; 304 when the client has it."""
    return page_file(dashboard.asset(name, settings.frontend_modules), request)
