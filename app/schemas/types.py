"""Field types bodies and query strings share, declared in OpenAPI exactly as enforced."""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema

from app.domain import patterns
from app.domain.codes import PERSONAL_PROPERTY_NAMES, PUBLIC_PROPERTY_NAMES, SORT_KEY_NAMES
from app.spatial import crs as crs_codes


def _exactly(pattern: str) -> StringConstraints:
    # bodies trim free text (str_strip_whitespace); a code is taken exactly as the document
    # declares it, with no trimming first
    return StringConstraints(strip_whitespace=False, pattern=patterns.anchored(pattern))


# the names of parcel properties and sort keys, as a query or body gives them
PROPERTY = "|".join((*PUBLIC_PROPERTY_NAMES, *PERSONAL_PROPERTY_NAMES))
SORT_KEY = "-?(" + "|".join(SORT_KEY_NAMES) + ")"

WardCode = Annotated[str, _exactly(patterns.WARD_CODE)]
LandUseCode = Annotated[str, _exactly(patterns.LAND_USE_CODE)]
ParcelIdKey = Annotated[str, _exactly(patterns.PARCEL_ID)]
Phone = Annotated[str, _exactly(patterns.PHONE)]
StatusName = Annotated[str, _exactly(patterns.STATUS)]
PropertyName = Annotated[str, _exactly(PROPERTY)]
SortKey = Annotated[str, _exactly(SORT_KEY)]


SPACES = " \t\n\r\x0b\x0c"
# holds a character that is not a space: the same class in JSON Schema, Rust and Python
NOT_BLANK = r"[^ \t\n\r\x0b\x0c]"


def text(min_length: int, max_length: int) -> StringConstraints:
    """Free text of min_length..max_length characters as sent, not all spaces (with TRIM:
    kept without the spaces around it). Bodies trim other strings before their limits are
    checked; text is checked as the document declares it, then trimmed."""
    return StringConstraints(
        strip_whitespace=False, min_length=min_length, max_length=max_length, pattern=NOT_BLANK
    )


TRIM = AfterValidator(lambda value: value.strip(SPACES))
Name = Annotated[str, text(1, 200), TRIM]
Reason = Annotated[str, text(3, 500), TRIM]


def _known_crs(value: str | int) -> str | int:
    crs_codes.parse_crs(value)  # ValueError: pydantic's 422 names the CRSs the registry takes
    return value


CRS_SCHEMA = {
    "anyOf": [
        {"type": "integer", "enum": sorted(crs_codes.SUPPORTED)},
        {"type": "string", "pattern": crs_codes.PATTERN},
    ],
    "description": "An EPSG code (9214), EPSG:n, an OGC URI, or CRS84. " + crs_codes.USAGE + ".",
}
CrsValue = Annotated[str | int, AfterValidator(_known_crs), WithJsonSchema(CRS_SCHEMA)]


def _positive_pattern(places: int, integer_digits: int, at_most_one: bool) -> str:
    """A regex of the positive decimals written with at most `places` decimals."""
    # a fraction with a digit other than 0 among its first `places`
    nonzero = "|".join(
        "0" * zeros + "[1-9]" + (f"[0-9]{{0,{places - 1 - zeros}}}" if zeros < places - 1 else "")
        for zeros in range(places)
    )
    whole = (
        rf"1(?:\.0{{1,{places}}})?"
        if at_most_one
        else rf"[1-9][0-9]{{0,{integer_digits - 1}}}(?:\.[0-9]{{1,{places}}})?"
    )
    return rf"^(?:{whole}|0?\.(?:{nonzero}))$"


def positive_decimal(places: int, *, integer_digits: int = 12, at_most_one: bool = False) -> Any:
    """A positive decimal of at most `places` decimals: a string is taken as written (and must
    be so written); a JSON number, binary by nature, is rounded to `places`."""
    unit = Decimal(1).scaleb(-places)
    largest = Decimal(1) if at_most_one else Decimal(10**integer_digits) - unit
    pattern = _positive_pattern(places, integer_digits, at_most_one)
    regex = re.compile(pattern)

    def read(value: object) -> object:
        if isinstance(value, bool):
            raise ValueError("a number is expected")
        if isinstance(value, (int, float)):
            number = Decimal(repr(value))
            if not unit <= number <= largest:
                raise ValueError(f"must lie between {unit} and {largest}")
            return number.quantize(unit, rounding=ROUND_HALF_EVEN)
        if isinstance(value, str) and regex.fullmatch(value) is None:
            raise ValueError(f"write a positive number with at most {places} decimals, e.g. 0.4")
        return value

    schema = {
        "anyOf": [
            {"type": "number", "minimum": float(unit), "maximum": float(largest)},
            {"type": "string", "pattern": pattern},
        ],
        "description": f"At most {places} decimals; a JSON number is rounded to {places}.",
    }
    return Annotated[
        Decimal,
        BeforeValidator(read),
        Field(gt=0, le=largest, decimal_places=places),
        WithJsonSchema(schema),
    ]


Share = positive_decimal(4, at_most_one=True)
AreaM2 = positive_decimal(2)


DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# the register holds nothing before 2000 (progress.FIRST_DAY): figures start there
FIGURES_DAY_PATTERN = r"^2[0-9]{3}-[0-9]{2}-[0-9]{2}$"
_DAY = re.compile(DAY_PATTERN)


def _written_day(value: object) -> object:
    """A day is the string YYYY-MM-DD (pydantic alone reads 0 as 1970-01-01)."""
    if isinstance(value, date) or isinstance(value, str) and _DAY.fullmatch(value) is not None:
        return value
    raise ValueError("write the day as YYYY-MM-DD, e.g. 2025-06-30")


def _day(pattern: str) -> Any:
    return Annotated[
        date,
        BeforeValidator(_written_day),
        WithJsonSchema({"type": "string", "format": "date", "pattern": pattern}),
    ]


# in bodies and query strings alike
Day = _day(DAY_PATTERN)
# a day of the figures; a day before 2000 is refused by the figures themselves
FiguresDay = _day(FIGURES_DAY_PATTERN)
