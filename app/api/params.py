"""Query parameter types declared in OpenAPI exactly as they are enforced.

pydantic alone reads more than the document says (`0` as a day, `0.5` as a time: Unix
timestamps); these types take the ISO spellings the document names and nothing else.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# the register holds nothing before 2000 (progress.FIRST_DAY): figures start there
FIGURES_DAY_PATTERN = r"^2[0-9]{3}-[0-9]{2}-[0-9]{2}$"
_TIME = r"[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
# PostgreSQL takes offsets up to 15:59; real zones end at +14:00
_ZONE = r"([Zz]|[+-](0[0-9]|1[0-4]):[0-5][0-9])"
INSTANT_PATTERN = rf"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}[Tt ]{_TIME}{_ZONE}$"


def _spelled(pattern: str, example: str) -> BeforeValidator:
    regex = re.compile(pattern)

    def check(value: object) -> object:
        if isinstance(value, str) and regex.fullmatch(value) is None:
            raise ValueError(f"write it as {example}")
        return value

    return BeforeValidator(check)


Day = Annotated[
    date,
    _spelled(DAY_PATTERN, "YYYY-MM-DD, e.g. 2025-06-30"),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DAY_PATTERN}),
]
FiguresDay = Annotated[
    date,
    _spelled(DAY_PATTERN, "YYYY-MM-DD, e.g. 2025-06-30"),
    WithJsonSchema({"type": "string", "format": "date", "pattern": FIGURES_DAY_PATTERN}),
]
Instant = Annotated[
    datetime,
    _spelled(INSTANT_PATTERN, "an RFC 3339 time with its zone, e.g. 2025-06-30T08:00:00+07:00"),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": INSTANT_PATTERN}),
]
