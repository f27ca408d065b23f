"""The coverage dashboard: its page, its own script and style, and the npm libraries it loads.

The libraries (Leaflet, Chart.js) are those of app.pages.libraries, served by the app itself.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from app.domain.labels_vi import BACKLOG, STATUS
from app.errors import NotFound
from app.pages import libraries

HERE = Path(__file__).parent
STATIC = HERE / "static"

LIBRARIES = {**libraries.LEAFLET, **libraries.CHART_JS}
OWN = ("dashboard.js", "dashboard.css", "favicon.svg")


def check_libraries(modules: Path) -> None:
    """Raise PageLibrariesMissing unless every library file is installed below `modules`."""
    libraries.check(modules, LIBRARIES)


def asset(name: str, modules: Path) -> Path:
    """Return the file served as /dashboard/assets/`name`; NotFound for any other name."""
    if name in OWN:
        return STATIC / name
    if found := libraries.library_file(name, modules, LIBRARIES):
        return found
    raise NotFound(f"The dashboard has no file {name!r}.")


@lru_cache(maxsize=1)
def page() -> str:
    """Return the dashboard's HTML, with the Vietnamese labels its script reads."""
    labels = json.dumps({"backlog": BACKLOG, "status": STATUS}, ensure_ascii=False)
    html = (HERE / "page.html").read_text("utf-8")
    # inside <script>, "</" could close the element early
    return html.replace("{{labels}}", labels.replace("</", "<\\/"))
