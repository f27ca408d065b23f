"""CQL2 text filters, the basic conformance class (OGC API - Features Part 3), in SQL.

Basic CQL2: comparisons (=, <>, <, <=, >, >=) of a queryable with a literal, IS [NOT] NULL,
AND, OR, NOT and parentheses. pygeofilter parses; this module maps its syntax tree to a WHERE
fragment with bound parameters, over the queryables only, with their types checked, so a
filter can never reach a column or a function the API does not name.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from itertools import count
from typing import Any

from pygeofilter import ast
from pygeofilter.parsers.cql2_text import parse

from app.db.parcel_features import PUBLIC_PROPERTIES
from app.errors import InvalidFilter
from app.limits import MAX_FILTER_LENGTH


@dataclass(frozen=True)
class Queryable:
    """A property filters may name: its SQL (p = parcel), JSON Schema type and title."""

    sql: str
    type: str
    title: str


PARCEL_QUERYABLES: dict[str, Queryable] = {
    "id": Queryable("p.id", "integer", "Parcel id"),
    "ward_code": Queryable(PUBLIC_PROPERTIES["ward_code"], "string", "Ward code"),
    "survey_commune_code": Queryable(
        PUBLIC_PROPERTIES["survey_commune_code"], "string", "Commune code at survey time"
    ),
    "sheet_no": Queryable(PUBLIC_PROPERTIES["sheet_no"], "integer", "Map sheet number"),
    "parcel_no": Queryable(PUBLIC_PROPERTIES["parcel_no"], "integer", "Parcel number"),
    "status": Queryable(PUBLIC_PROPERTIES["status"], "string", "Certificate status"),
    "certified": Queryable(f"({PUBLIC_PROPERTIES['certified']})", "boolean", "Certified"),
    "registered": Queryable(f"({PUBLIC_PROPERTIES['registered']})", "boolean", "Registered"),
    "area_m2": Queryable(PUBLIC_PROPERTIES["area_m2"], "number", "Surveyed area (m²)"),
    "legal_area_m2": Queryable(PUBLIC_PROPERTIES["legal_area_m2"], "number", "Legal area (m²)"),
    "disputed": Queryable(PUBLIC_PROPERTIES["disputed"], "boolean", "Open dispute"),
    "origin_confirmed": Queryable(
        PUBLIC_PROPERTIES["origin_confirmed"], "boolean", "Land origin confirmed"
    ),
    "time_of_use_confirmed": Queryable(
        PUBLIC_PROPERTIES["time_of_use_confirmed"], "boolean", "Time of use confirmed"
    ),
    "address": Queryable(PUBLIC_PROPERTIES["address"], "string", "Address"),
}

COMPARISONS: dict[type, str] = {
    ast.Equal: "=",
    ast.NotEqual: "<>",
    ast.LessThan: "<",
    ast.LessEqual: "<=",
    ast.GreaterThan: ">",
    ast.GreaterEqual: ">=",
}
ORDERED = ("integer", "number", "string")


def _lift_escaped_strings(text: str) -> tuple[str, dict[str, str]]:
    """Return the text with each string literal that holds an escaped quote ('' or \\')
    replaced by a placeholder literal, and the placeholders' values.

    CQL2 text escapes a quote inside a string by doubling it; pygeofilter's grammar has no
    escapes at all, so those literals are taken out before it parses and put back after.
    """
    out: list[str] = []
    strings: dict[str, str] = {}
    marker = secrets.token_hex(8)
    i = 0
    while i < len(text):
        if text[i] != "'":
            out.append(text[i])
            i += 1
            continue
        j, value, escaped = i + 1, [], False
        while j < len(text):
            if text[j] in "'\\" and text[j + 1 : j + 2] == "'":
                value.append("'")
                j += 2
                escaped = True
            elif text[j] == "'":
                break
            else:
                value.append(text[j])
                j += 1
        else:  # no closing quote: the parser says where
            out.append(text[i:])
            break
        if escaped:  # a marker of this call only: no user text can name another literal
            key = f"\ue000{marker}{len(strings)}\ue001"
            strings[key] = "".join(value)
            out.append(f"'{key}'")
        else:
            out.append(text[i : j + 1])
        i = j + 1
    return "".join(out), strings


def _literal(value: Any, queryable: Queryable, name: str) -> Any:
    kind = queryable.type
    if kind == "boolean" and isinstance(value, bool):
        return value
    if (
        kind in ("integer", "number")
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        if kind == "integer" and not float(value).is_integer():
            raise InvalidFilter(f"{name} is an integer; {value} is not.")
        return int(value) if kind == "integer" else value
    if kind == "string" and isinstance(value, str):
        return value
    if isinstance(value, ast.Node):
        raise InvalidFilter("Basic CQL2 compares a property with a literal value.")
    article = "an" if kind[0] in "aeiou" else "a"
    raise InvalidFilter(f"{name} is {article} {kind}; {value!r} is not.")


class _Translator:
    def __init__(self, queryables: dict[str, Queryable], strings: dict[str, str]) -> None:
        self.queryables = queryables
        self.strings = strings
        self.params: dict[str, Any] = {}
        self._names = count()

    def _queryable(self, node: Any) -> tuple[str, Queryable]:
        if not isinstance(node, ast.Attribute):
            raise InvalidFilter("Basic CQL2 compares a property with a literal value.")
        found = self.queryables.get(node.name)
        if found is None:
            known = ", ".join(sorted(self.queryables))
            raise InvalidFilter(f"{node.name} is not a queryable; these are: {known}.")
        return node.name, found

    def _bind(self, value: Any) -> str:
        name = f"cql_{next(self._names)}"
        self.params[name] = value
        return f":{name}"

    def sql(self, node: Any) -> str:
        if isinstance(node, ast.And):
            return f"({self.sql(node.lhs)} AND {self.sql(node.rhs)})"
        if isinstance(node, ast.Or):
            return f"({self.sql(node.lhs)} OR {self.sql(node.rhs)})"
        if isinstance(node, ast.Not):
            return f"(NOT {self.sql(node.sub_node)})"
        if isinstance(node, ast.IsNull):
            name, queryable = self._queryable(node.lhs)
            return f"({queryable.sql} IS {'NOT ' if node.not_ else ''}NULL)"
        operator = COMPARISONS.get(type(node))
        if operator is not None:
            lhs, rhs = node.lhs, node.rhs
            if isinstance(rhs, ast.Attribute) and not isinstance(lhs, ast.Attribute):
                lhs, rhs = rhs, lhs  # 200 < area_m2
                operator = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(operator, operator)
            name, queryable = self._queryable(lhs)
            if operator not in ("=", "<>") and queryable.type not in ORDERED:
                raise InvalidFilter(f"{name} is true or false: only = and <> apply.")
            if isinstance(rhs, str):
                rhs = self.strings.get(rhs, rhs)
            value = self._bind(_literal(rhs, queryable, name))
            return f"({queryable.sql} {operator} {value})"
        if isinstance(node, bool):  # a literal TRUE or FALSE on its own
            return "TRUE" if node else "FALSE"
        what = type(node).__name__
        raise InvalidFilter(
            f"{what} is beyond basic CQL2 here: use comparisons (=, <>, <, <=, >, >=),"
            " IS NULL, AND, OR and NOT."
        )


def to_sql(
    text: str, queryables: dict[str, Queryable] = PARCEL_QUERYABLES
) -> tuple[str, dict[str, Any]]:
    """Return the WHERE fragment and parameters of a CQL2 text filter; InvalidFilter (400)
    when it does not parse or goes beyond basic CQL2 over the queryables."""
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidFilter(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
    lifted, strings = _lift_escaped_strings(text)
    try:
        tree = parse(lifted)
    except RecursionError:
        raise InvalidFilter("The filter nests too deeply.") from None
    except Exception as exc:  # lark's errors, and pygeofilter's own, name the position
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidFilter(f"The filter is not CQL2 text: {first}") from None
    translator = _Translator(queryables, strings)
    try:
        return translator.sql(tree), translator.params
    except RecursionError:
        raise InvalidFilter("The filter nests too deeply.") from None


def queryables_schema(
    url: str, title: str, queryables: dict[str, Queryable] = PARCEL_QUERYABLES
) -> dict[str, Any]:
    """Return the queryables as the JSON Schema Part 3 asks for."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": title,
        "properties": {name: {"title": q.title, "type": q.type} for name, q in queryables.items()},
        "additionalProperties": False,
    }
