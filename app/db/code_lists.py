"""SQL of the code lists as the API serves them: land-use types, land origins."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text


def land_use_types(conn: Connection) -> Any:
    """The land-use code list with group names, current codes first, as JSON."""
    return conn.execute(
        text(
            "SELECT coalesce(json_agg(json_build_object('code', t.code, 'name', t.name,"
            " 'group', t.group_code, 'group_name', g.name, 'is_current', t.is_current,"
            " 'replaced_by', t.replaced_by) ORDER BY NOT t.is_current, g.sort_order, t.code),"
            " '[]') FROM land_use_type t JOIN land_use_group g ON g.code = t.group_code"
        )
    ).scalar_one()


def land_origin_types(conn: Connection) -> Any:
    """The land-origin code list, as JSON."""
    return conn.execute(
        text(
            "SELECT coalesce(json_agg(json_build_object('code', code, 'name', name)"
            " ORDER BY sort_order), '[]') FROM land_origin_type"
        )
    ).scalar_one()
