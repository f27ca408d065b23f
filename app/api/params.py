"""Query parameter types declared in OpenAPI exactly as they are enforced (days: Day and
FiguresDay of app.schemas.types, shared with the bodies).

pydantic alone reads more than the document says (`0.5` as a time: a Unix timestamp); an
instant is the RFC 3339 spelling the document names and nothing else.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

_TIME = r"[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
# PostgreSQL takes offsets up to 15:59; real zones end at +14:00
_ZONE = r"([Zz]|[+-](0[0-9]|1[0-4]):[0-5][0-9])"
INSTANT_PATTERN = rf"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}[Tt ]{_TIME}{_ZONE}$"


_INSTANT = re.compile(INSTANT_PATTERN)


def _written_instant(value: object) -> object:
    if isinstance(value, str) and _INSTANT.fullmatch(value) is None:
        raise ValueError(
            "write it as an RFC 3339 time with its zone, e.g. 2025-06-30T08:00:00+07:00"
        )
    return value


Instant = Annotated[
    datetime,
    BeforeValidator(_written_instant),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": INSTANT_PATTERN}),
]
