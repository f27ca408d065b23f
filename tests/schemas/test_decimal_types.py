"""Shares and areas: a string is taken as written, a JSON number rounded; both kept in range.

The oracle is decimal arithmetic (Decimal's exponent and comparisons), not the pattern the
types declare: every spelling below is judged both ways and the two must agree.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from app.schemas.types import AreaM2, Share

SPELLINGS = [
    "0.4", "0.0001", "1", "1.0", "1.0000", "0.00001", "0", "0.0", "1.0001", ".5", "0.40000",
    "12", "123.45", "123.456", "999999999999.99", "1000000000000", "-1", "1e2", " 1", "01",
    "1.", "abc", "",
]  # fmt: skip


def _oracle(text: str, places: int, largest: Decimal) -> bool:
    """Is `text` a plain positive decimal of at most `places` decimals, within range?"""
    if not re.fullmatch(r"[0-9]*\.?[0-9]*", text) or text in ("", ".") or text.endswith("."):
        return False
    if len(text) > 1 and text[0] == "0" and text[1] != ".":
        return False  # a leading zero is not how anyone writes a number
    try:
        number = Decimal(text)
    except InvalidOperation:
        return False
    decimals = -number.as_tuple().exponent  # type: ignore[operator]
    return 0 < number <= largest and decimals <= places


@pytest.mark.parametrize(
    ("kind", "places", "largest"),
    [(Share, 4, Decimal(1)), (AreaM2, 2, Decimal("999999999999.99"))],
    ids=["share", "area"],
)
@pytest.mark.parametrize("text", SPELLINGS)
def test_a_string_is_taken_exactly_when_it_is_a_number_so_written(
    kind: Any, places: int, largest: Decimal, text: str
) -> None:
    adapter: TypeAdapter[Decimal] = TypeAdapter(kind)
    pattern = adapter.json_schema()["anyOf"][1]["pattern"]
    expected = _oracle(text, places, largest)
    assert (re.fullmatch(pattern, text) is not None) is expected
    if expected:
        assert adapter.validate_json(json.dumps(text)) == Decimal(text)
    else:
        with pytest.raises(ValidationError):
            adapter.validate_json(json.dumps(text))


@pytest.mark.parametrize(
    ("kind", "number", "taken"),
    [
        (Share, 0.4, "0.4000"),
        (Share, 0.12345, "0.1234"),  # half to even on the decimal written
        (Share, 0.12355, "0.1236"),
        (Share, 1, "1.0000"),
        (Share, 1.00001, None),
        (Share, 0, None),
        (Share, True, None),
        (AreaM2, 123.456, "123.46"),
        (AreaM2, 0.005, None),  # below the smallest area two decimals can write
        (AreaM2, -3, None),
    ],
)
def test_a_json_number_is_rounded_to_the_places_and_kept_in_range(
    kind: Any, number: object, taken: str | None
) -> None:
    adapter: TypeAdapter[Decimal] = TypeAdapter(kind)
    if taken is None:
        with pytest.raises(ValidationError):
            adapter.validate_json(json.dumps(number))
    else:
        assert str(adapter.validate_json(json.dumps(number))) == taken
