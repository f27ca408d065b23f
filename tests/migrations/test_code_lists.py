"""The code lists revision 0003 fills: land-use groups and types, land-origin types."""

from __future__ import annotations

import unicodedata
from contextlib import closing

import psycopg2
import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from app.db import migrate
from tests.support import fresh_database

# Current codes of Circular 08/2024/TT-BTNMT named in the domain notes, by group.
AGRICULTURAL = {"LUC", "LUK", "HNK", "CLN", "RSX", "RPH", "RDD", "NTS", "CNT", "LMU", "NKH"}
RESIDENTIAL = {"ONT", "ODT"}
OTHER_NON_AGRICULTURAL = {
    "TSC", "CQP", "CAN", "DVH", "DYT", "DGD", "DTT", "DKH", "TMD", "SKC", "SKS", "DGT",
    "DTL", "DNL", "DBV", "DDT", "DRA", "TON", "TIN", "NTD", "SON", "MNC", "PNK",
}  # fmt: skip
UNUSED = {"BCS", "DCS", "NCS"}
CURRENT = AGRICULTURAL | RESIDENTIAL | OTHER_NON_AGRICULTURAL | UNUSED

# Older codes the domain notes say cadastral files still carry, and what replaced them.
LEGACY = {"LUN": "LUK", "BHK": "HNK", "NHK": "HNK"}

ORIGINS = {"DG-CTT", "DG-KTT", "DG-QL", "DT-THN", "DT-TML", "CNQ", "CNQ-CTT", "CNQ-KTT"}
# Origin codes whose meaning the code alone does not tell: a word the name must carry.
ORIGIN_MEANING = {
    "DG-CTT": "có thu tiền",
    "DG-KTT": "không thu tiền",
    "DT-THN": "hàng năm",
    "DT-TML": "một lần",
    "CNQ-CTT": "có thu tiền",
    "CNQ-KTT": "không thu tiền",
    "NCQ-2": "đấu giá",
    "NCQ-8": "chuyển nhượng",
    "NCQ-9": "thừa kế",
    "NCQ-10": "tặng cho",
}

# The official names start with "Đất" except a few that open with another word.
FIRST_WORDS = {"Đất", "Núi", "Nhà", "Công", "Nhận"}


def _types(connection: Connection) -> dict[str, tuple[str, str, bool, str | None]]:
    rows = connection.execute(
        text("SELECT code, name, group_code, is_current, replaced_by FROM land_use_type")
    )
    return {code: (name, group, current, replaced) for code, name, group, current, replaced in rows}


def _names(connection: Connection) -> list[str]:
    return list(
        connection.scalars(
            text(
                "SELECT name FROM land_use_group UNION ALL SELECT name FROM land_use_type"
                " UNION ALL SELECT name FROM land_origin_type"
            )
        )
    )


def test_every_current_code_of_the_circular_is_present_and_current(
    connection: Connection,
) -> None:
    types = _types(connection)
    missing = CURRENT - types.keys()
    assert not missing
    not_current = {code for code in CURRENT if not types[code][2]}
    assert not not_current


def test_legacy_codes_map_to_a_current_code_of_the_same_group(connection: Connection) -> None:
    types = _types(connection)
    legacy = {code: row for code, row in types.items() if not row[2]}
    assert LEGACY.keys() <= legacy.keys()
    for code, replacement in LEGACY.items():
        assert legacy[code][3] == replacement, code
    for code, (_, group, _, replaced_by) in legacy.items():
        assert replaced_by in types, code
        _, target_group, target_current, _ = types[replaced_by]
        assert target_current, f"{code} -> {replaced_by} is a chain to a legacy code"
        assert target_group == group, f"{code} and {replaced_by} are in different groups"


def test_current_codes_sit_in_their_groups(connection: Connection) -> None:
    types = _types(connection)
    by_group: dict[str, set[str]] = {}
    for code, (_, group, current, _) in types.items():
        if current:
            by_group.setdefault(group, set()).add(code)
    assert by_group["OTC"] == RESIDENTIAL
    assert AGRICULTURAL <= by_group["NNP"]
    assert OTHER_NON_AGRICULTURAL <= by_group["PNN"]
    assert by_group["CSD"] == UNUSED
    groups = set(connection.scalars(text("SELECT code FROM land_use_group")))
    assert groups == {"NNP", "OTC", "PNN", "CSD"}


def test_groups_and_origins_have_distinct_sort_orders(connection: Connection) -> None:
    for table in ("land_use_group", "land_origin_type"):
        orders = list(connection.scalars(text(f"SELECT sort_order FROM {table}")))
        assert len(orders) == len(set(orders)), table


def test_names_are_nfc_vietnamese(connection: Connection) -> None:
    names = _names(connection)
    assert names
    for name in names:
        assert unicodedata.normalize("NFC", name) == name, name
        assert name == name.strip() and "  " not in name, name
        assert name.split()[0] in FIRST_WORDS, name
        assert any(c.isalpha() and not c.isascii() for c in name), name


def test_land_use_names_are_distinct(connection: Connection) -> None:
    names = [name for name, *_ in _types(connection).values()]
    assert len(names) == len(set(names))


def test_origin_codes_are_present_with_their_meaning(connection: Connection) -> None:
    origins = dict(connection.execute(text("SELECT code, name FROM land_origin_type")).all())
    assert ORIGINS | ORIGIN_MEANING.keys() <= origins.keys()
    for code, words in ORIGIN_MEANING.items():
        assert words in origins[code], code
    # "có thu tiền" must not match inside "không thu tiền"
    assert "không" not in origins["DG-CTT"] and "không" not in origins["CNQ-CTT"]


@pytest.mark.parametrize(
    ("is_current", "replaced_by"),
    [(False, None), (True, "LUC"), (False, "XYZ")],
    ids=["legacy-without-replacement", "current-with-replacement", "unknown-replacement"],
)
def test_land_use_type_rejects_inconsistent_rows(
    connection: Connection, is_current: bool, replaced_by: str | None
) -> None:
    with pytest.raises(IntegrityError), connection.begin_nested():
        connection.execute(
            text(
                "INSERT INTO land_use_type (code, name, group_code, is_current, replaced_by)"
                " VALUES ('ZZZ', 'Đất thử', 'NNP', :current, :replaced_by)"
            ),
            {"current": is_current, "replaced_by": replaced_by},
        )


def _rows(url: str, query: str) -> list[tuple[object, ...]]:
    with closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(query)
        return cur.fetchall()


def _code_list_tables(url: str) -> set[object]:
    return {
        name
        for (name,) in _rows(
            url,
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename IN ('land_use_group', 'land_use_type', 'land_origin_type')",
        )
    }


def test_code_lists_revision_steps_down_and_up(server_url: str) -> None:
    tables = {"land_use_group", "land_use_type", "land_origin_type"}
    with fresh_database(server_url, "code_lists") as url:
        migrate.upgrade(url, "0003")
        assert _code_list_tables(url) == tables
        migrate.downgrade(url, "0002")
        assert _code_list_tables(url) == set()
        migrate.upgrade(url, "0003")
        [(current,)] = _rows(url, "SELECT count(*) FROM land_use_type WHERE is_current")
        assert current == len(CURRENT)  # refilled, not left empty or doubled
