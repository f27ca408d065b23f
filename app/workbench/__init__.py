"""The staff workbench: one page and its own script and style, a client of the same API that
scripts use (every action goes through the same endpoints, rules and permission table).

Served by the app itself with nothing from outside, for town halls whose intranet has no
route to the internet; what users read is in Vietnamese.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from app.domain import labels_vi
from app.domain.codes import STAFF_BACKLOG_REASONS
from app.domain.lifecycle import STATUSES
from app.domain.map_colours import STATUS_COLOURS
from app.domain.permissions import ALLOWED, Action, Role
from app.domain.sign_in_rules import MIN_PASSWORD_LENGTH
from app.errors import NotFound
from app.pages import libraries
from app.spatial.crs import SUPPORTED
from app.spatial.vn_zones import NAMES

HERE = Path(__file__).parent
STATIC = HERE / "static"
# the page's own files: every file of static/, and nothing else by name
OWN = tuple(sorted(p.name for p in STATIC.iterdir() if p.suffix in (".js", ".css")))
LIBRARIES = libraries.OPENLAYERS


def check_libraries(modules: Path) -> None:
    """Raise PageLibrariesMissing unless OpenLayers is installed below `modules`."""
    libraries.check(modules, LIBRARIES)


def asset(name: str, modules: Path) -> Path:
    """Return the file served as /workbench/assets/`name`; NotFound for any other name."""
    if name in OWN:
        return STATIC / name
    if found := libraries.library_file(name, modules, LIBRARIES):
        return found
    raise NotFound(f"The workbench has no file {name!r}.")


def _roles(action: Action) -> list[str]:
    """The roles the permission table lets do `action` (and the admin, who may do anything)."""
    return sorted({Role.ADMIN.value, *(r.value for r in ALLOWED[action])})


@lru_cache(maxsize=1)
def page(parcels_min_zoom: int, max_upload_bytes: int) -> str:
    """Return the workbench's HTML, with the Vietnamese labels its script reads, the zoom
    from which the parcels' tiles draw anything and the largest upload the service takes."""
    labels = json.dumps(
        {
            "role": labels_vi.ROLE,
            "import_status": labels_vi.IMPORT_STATUS,
            "import_phase": labels_vi.IMPORT_PHASE,
            "import_field": labels_vi.IMPORT_FIELD,
            "import_mode": labels_vi.IMPORT_MODE,
            "issue_kind": labels_vi.ISSUE_KIND,
            "text_encoding": labels_vi.TEXT_ENCODING,
            "crs": {str(code): NAMES[code] for code in sorted(SUPPORTED)},
            "min_password_length": MIN_PASSWORD_LENGTH,
            "status": labels_vi.STATUS,
            "step": labels_vi.STEP,
            "statuses": list(STATUSES),
            "backlog": labels_vi.BACKLOG,
            "staff_backlog": list(STAFF_BACKLOG_REASONS),
            "holder_kind": labels_vi.HOLDER_KIND,
            "dispute_kind": labels_vi.DISPUTE_KIND,
            "dispute_status": labels_vi.DISPUTE_STATUS,
            "refusal": labels_vi.REFUSAL,
            "history_action": labels_vi.AUDIT_ACTION,
            "audit_target": labels_vi.AUDIT_TARGET,
            "complaint_status": labels_vi.COMPLAINT_STATUS,
            "complaint_channel": labels_vi.COMPLAINT_CHANNEL,
            "parcel_field": labels_vi.PARCEL_FIELD,
            "parcels_min_zoom": parcels_min_zoom,
            "status_colours": STATUS_COLOURS,
            "max_upload_bytes": max_upload_bytes,
            # what the pages offer each role; the API refuses the others all the same
            "import_roles": _roles(Action.IMPORT),
            "personal_roles": _roles(Action.READ_PERSONAL),
            "audit_roles": _roles(Action.AUDIT_READ),
            "transition_roles": _roles(Action.TRANSITION),
            "complaint_roles": _roles(Action.COMPLAINT_HANDLE),
            "report_roles": _roles(Action.REPORT_READ),
        },
        ensure_ascii=False,
    )
    html = (HERE / "page.html").read_text("utf-8")
    # inside <script>, "</" could close the element early
    return html.replace("{{labels}}", labels.replace("</", "<\\/"))
