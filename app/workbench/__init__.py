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
from app.domain.permissions import ALLOWED, Action, Role
from app.domain.sign_in_rules import MIN_PASSWORD_LENGTH
from app.errors import NotFound
from app.pages import libraries
from app.spatial.crs import SUPPORTED
from app.spatial.vn_zones import NAMES

HERE = Path(__file__).parent
STATIC = HERE / "static"
OWN = ("workbench.js", "api.js", "upload.js", "workbench.css")
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


@lru_cache(maxsize=1)
def page() -> str:
    """Return the workbench's HTML, with the Vietnamese labels its script reads."""
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
            # the roles the permission table lets upload (and the admin, who may do anything)
            "import_roles": sorted({Role.ADMIN.value, *(r.value for r in ALLOWED[Action.IMPORT])}),
        },
        ensure_ascii=False,
    )
    html = (HERE / "page.html").read_text("utf-8")
    # inside <script>, "</" could close the element early
    return html.replace("{{labels}}", labels.replace("</", "<\\/"))
