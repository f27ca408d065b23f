"""The npm libraries the pages load, served by the app itself.

They are pinned in frontend/package-lock.json and installed by scripts/bootstrap.sh into
frontend/node_modules; the app serves them itself, because not every registry office has a
route to a CDN. Only the files named here are served.
"""

from __future__ import annotations

from pathlib import Path

from app.errors import PageLibrariesMissing

LEAFLET_IMAGES = ("layers.png", "layers-2x.png", "marker-icon.png")

# name under /<page>/assets/ -> file below node_modules
LEAFLET = {
    "leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet.css": "leaflet/dist/leaflet.css",
    # leaflet.css names its images relative to itself
    **{f"images/{name}": f"leaflet/dist/images/{name}" for name in LEAFLET_IMAGES},
}
CHART_JS = {"chart.umd.js": "chart.js/dist/chart.umd.js"}
OPENLAYERS = {"ol.js": "ol/dist/ol.js", "ol.css": "ol/ol.css"}


def check(modules: Path, files: dict[str, str]) -> None:
    """Raise PageLibrariesMissing unless every one of `files` is installed below `modules`."""
    missing = [path for path in files.values() if not (modules / path).is_file()]
    if missing:
        raise PageLibrariesMissing(
            f"The pages' front-end libraries are not installed ({len(missing)} files "
            f"missing below {modules.name}/, e.g. {missing[0]}); run scripts/bootstrap.sh "
            "(or any make target), which runs `npm ci` in frontend/."
        )


def library_file(name: str, modules: Path, files: dict[str, str]) -> Path | None:
    """The installed file served as `name`, if `name` is one of `files`."""
    if name not in files:
        return None
    check(modules, files)
    return modules / files[name]
