"""The coverage dashboard: its page, its own script and style, and the npm libraries it loads.

The libraries (Leaflet, Chart.js) are pinned in dashboard/package-lock.json and installed by
scripts/bootstrap.sh into dashboard/node_modules; the app serves them itself, because not every
registry office has a route to a CDN.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from app.domain.labels_vi import BACKLOG, STATUS
from app.errors import DashboardUnavailable, NotFound

HERE = Path(__file__).parent
STATIC = HERE / "static"

LEAFLET_IMAGES = ("layers.png", "layers-2x.png", "marker-icon.png")

# name under /dashboard/assets/ -> file below node_modules: the only library files served
LIBRARIES = {
    "leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet.css": "leaflet/dist/leaflet.css",
    # leaflet.css names its images relative to itself
    **{f"images/{name}": f"leaflet/dist/images/{name}" for name in LEAFLET_IMAGES},
    "chart.umd.js": "chart.js/dist/chart.umd.js",
}
OWN = ("dashboard.js", "dashboard.css", "favicon.svg")


def check_libraries(modules: Path) -> None:
    """Raise DashboardUnavailable unless every library file is installed below `modules`."""
    missing = [path for path in LIBRARIES.values() if not (modules / path).is_file()]
    if missing:
        raise DashboardUnavailable(
            f"The dashboard's front-end libraries are not installed ({len(missing)} files "
            f"missing below {modules.name}/, e.g. {missing[0]}); run scripts/bootstrap.sh "
            "(or any make target), which runs `npm ci` in dashboard/."
        )


def asset(name: str, modules: Path) -> Path:
    """Return the file served as /dashboard/assets/`name`; NotFound for any other name."""
    if name in OWN:
        return STATIC / name
    if name in LIBRARIES:
        check_libraries(modules)
        return modules / LIBRARIES[name]
    raise NotFound(f"The dashboard has no file {name!r}.")


@lru_cache(maxsize=1)
def page() -> str:
    """Return the dashboard's HTML, with the Vietnamese labels its script reads."""
    labels = json.dumps({"backlog": BACKLOG, "status": STATUS}, ensure_ascii=False)
    html = (HERE / "page.html").read_text("utf-8")
    # inside <script>, "</" could close the element early
    return html.replace("{{labels}}", labels.replace("</", "<\\/"))
