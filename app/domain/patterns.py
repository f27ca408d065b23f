"""The spellings the API takes for codes and lists, as regular expressions.

One pattern serves twice: the OpenAPI document declares it, and the API checks values against
it, so what the document allows is exactly what is taken. Patterns use the syntax common to
JSON Schema (ECMA 262), Rust's regex (pydantic) and Python's re: no look-arounds, no classes
that differ between them.
"""

from __future__ import annotations

from app.domain.lifecycle import STATUSES

PARCEL_ID = "[1-9][0-9]{0,17}"
WARD_CODE = "[0-9]{5}"
LAND_USE_CODE = "[A-Z]{3}"
# query strings take land-use codes in either case
LAND_USE_CODE_ANY_CASE = "[A-Za-z]{3}"
# digits with spaces, dots or dashes, after an optional +: 20 characters at most
PHONE = r"\+?[0-9 .-]{6,19}"
SHEET_NO = "[0-9]{1,9}"
# a staff account's user name: lower-case letters, digits, dot, dash, underscore; 3 to 64
USER_NAME = "[a-z][a-z0-9._-]{2,63}"
# as typed at sign-in, before it is trimmed and lower-cased
USER_NAME_TYPED = " *[A-Za-z][A-Za-z0-9._-]{2,63} *"
NUMBER = r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,2})?"
STATUS = "|".join(STATUSES)


def anchored(item: str) -> str:
    """The pattern of a value that is one `item` and nothing else."""
    return f"^({item})$"


WARD_CODE_ONLY = anchored(WARD_CODE)


def comma_list(item: str) -> str:
    """The pattern of a value listing `item`s separated by commas (spaces allowed around
    them); an empty value lists none."""
    one = f" *({item}) *"
    return f"^({one}(,{one})*)?$"


def bbox() -> str:
    """The pattern of a bbox value: four numbers, or six (with heights), comma-separated."""
    one = f" *({NUMBER}) *"
    return f"^{one}(,{one}){{3}}((,{one}){{2}})?$"
