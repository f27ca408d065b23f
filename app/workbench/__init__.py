"""The staff workbench: one page and its own script and style, a client of the same API that
scripts use (every action goes through the same endpoints, rules and permission table).

Served by the app itself with nothing from outside, for town halls whose intranet has no
route to the internet; what users read is in Vietnamese.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from app.domain.labels_vi import ROLE
from app.domain.sign_in_rules import MIN_PASSWORD_LENGTH
from app.errors import NotFound

HERE = Path(__file__).parent
STATIC = HERE / "static"
OWN = ("workbench.js", "workbench.css")


def asset(name: str) -> Path:
    """Return the file served as /workbench/assets/`name`; NotFound for any other name."""
    if name in OWN:
        return STATIC / name
    raise NotFound(f"The workbench has no file {name!r}.")


@lru_cache(maxsize=1)
def page() -> str:
    """Return the workbench's HTML, with the Vietnamese labels its script reads."""
    labels = json.dumps(
        {"role": ROLE, "min_password_length": MIN_PASSWORD_LENGTH}, ensure_ascii=False
    )
    html = (HERE / "page.html").read_text("utf-8")
    # inside <script>, "</" could close the element early
    return html.replace("{{labels}}", labels.replace("</", "<\\/"))
