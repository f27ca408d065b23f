"""The layers the README's layout promises, read from the imports of every module of app/.

HTTP (app.api) reaches the register through the services only; the services hold the use
cases over the database (app.db, where all hand-written SQL lives) and the file work
(app.ingest, which knows nothing of services or the database); code lists, patterns and
rules live in app.domain, which imports nothing else of the app but the errors it raises;
errors are plain domain errors (app.errors), rendered as problem+json by app.api.problems.
The entry points (app.main, app.cli) wire everything and may import anything.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"

BASE = {"app.domain", "app.errors", "app.limits"}
# what each part of the app may import of the app itself
MAY_IMPORT: dict[str, set[str]] = {
    "app.domain": {"app.domain", "app.errors"},
    "app.errors": set(),
    "app.limits": set(),
    "app.config": {"app.limits"},
    "app.logging": {"app.config"},
    "app.spatial": BASE | {"app.spatial"},
    "app.schemas": BASE | {"app.spatial", "app.schemas"},
    "app.db": BASE | {"app.spatial", "app.config", "app.db"},
    "app.ingest": BASE | {"app.spatial", "app.ingest"},
    "app.services": BASE
    | {"app.spatial", "app.config", "app.schemas", "app.db", "app.ingest", "app.services"},
    "app.api": BASE
    | {
        "app.spatial",
        "app.config",
        "app.schemas",
        "app.services",
        "app.dashboard",
        "app.workbench",
        "app.api",
    },
    "app.pages": BASE | {"app.pages"},
    "app.dashboard": BASE | {"app.pages", "app.dashboard"},
    "app.workbench": BASE | {"app.spatial", "app.pages", "app.workbench"},
    "app.localdb": {"app.localdb"},
}
ENTRY_POINTS = {"app.main", "app.cli", "app.__init__"}
# third-party frameworks a part must not reach: HTTP below the API, the database above db
MUST_NOT_IMPORT: dict[str, set[str]] = {
    "app.domain": {"fastapi", "starlette", "sqlalchemy", "geoalchemy2", "psycopg2"},
    "app.errors": {"fastapi", "starlette", "sqlalchemy", "psycopg2"},
    "app.spatial": {"fastapi", "starlette", "sqlalchemy"},
    "app.ingest": {"fastapi", "starlette", "sqlalchemy", "geoalchemy2", "psycopg2"},
    "app.schemas": {"fastapi", "starlette", "sqlalchemy"},
    "app.services": {"fastapi", "starlette"},
    "app.db": {"fastapi", "starlette"},
}
# the API hands requests a database session; that wiring is the one use of app.db it has
WIRING = {("app.api.deps", "app.db.session")}


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(APP.rglob("*.py")):
        parts = path.relative_to(APP.parent).with_suffix("").parts
        yield ".".join(parts), path


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


# parsed while the tests are collected, before any live service starts its threads: on
# Python 3.11.7 ast.parse is not safe while another thread compiles a module it imports
# for the first time (a CPython bug: "AST constructor recursion depth mismatch")
for _, _path in _modules():
    _tree(_path)


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def _part(module: str) -> str:
    """The part of the app a module belongs to: app.api, app.db, ..., or the module itself."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _crossings() -> Iterator[tuple[str, str]]:
    for module, path in _modules():
        if module in ENTRY_POINTS or _part(module) in ENTRY_POINTS:
            continue
        part = _part(module)
        allowed = MAY_IMPORT[part]
        forbidden = MUST_NOT_IMPORT.get(part, set())
        for imported in _imports(path):
            top = imported.split(".")[0]
            if top == "app":
                target = _part(imported)
                if target == "app" or (module, imported) in WIRING:
                    continue
                if target not in allowed:
                    yield module, imported
            elif top in forbidden:
                yield module, imported


def test_every_part_of_the_app_has_its_place() -> None:
    parts = {_part(module) for module, _ in _modules()} - ENTRY_POINTS
    assert parts <= set(MAY_IMPORT), f"a new part needs its place here: {parts - set(MAY_IMPORT)}"


def test_each_layer_imports_only_the_layers_below_it() -> None:
    crossings = sorted(set(_crossings()))
    assert not crossings, "\n".join(f"{module} imports {target}" for module, target in crossings)


def test_hand_written_sql_lives_in_app_db() -> None:
    """`sqlalchemy.text` (SQL in a string) is used in app.db only (and the local cluster's
    tooling, which runs no app query)."""
    users = []
    for module, path in _modules():
        if _part(module) in {"app.db", "app.localdb"}:
            continue
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy":
                if any(alias.name == "text" for alias in node.names):
                    users.append(module)
    assert not users, f"SQL text outside app.db: {users}"


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from app.db import queries\n", [("app.api.x", "app.db")]),
        ("from app.services import parcels\n", []),
        ("import sqlalchemy\n", []),
        ("from fastapi import Request\n", []),
    ],
)
def test_the_check_sees_a_crossing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, found: list[tuple[str, str]]
) -> None:
    """The check itself: a router importing app.db is a crossing; one importing a service
    is not (the oracle is the rule as written in MAY_IMPORT, on a made-up module)."""
    fake = tmp_path / "app" / "api"
    fake.mkdir(parents=True)
    (fake / "x.py").write_text(source)
    monkeypatch.setattr(__import__(__name__, fromlist=["APP"]), "APP", tmp_path / "app")
    assert [(m, i) for m, i in _crossings() if i.startswith("app.")][:1] == found[:1]


# how big a module or a function may grow before it is split by what it does
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _long_functions(path: Path) -> Iterator[tuple[str, int]]:
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                yield node.name, length


def test_no_module_grows_past_its_subject() -> None:
    long = {
        module: lines
        for module, path in _modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_no_function_does_several_things() -> None:
    long = [
        f"{module}.{name} ({lines} lines)"
        for module, path in _modules()
        for name, lines in _long_functions(path)
    ]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_the_size_check_sees_a_long_function(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    source = tmp_path / "long.py"
    source.write_text(f"def short():\n    pass\n\n\ndef long():\n{body}")
    assert list(_long_functions(source)) == [("long", MAX_FUNCTION_LINES + 1)]
