"""The layout of README's architecture section holds in the code: the ground floor imports
nothing of veille, the watch language only the ground floor, the pipeline never the store
nor the flows, and the store none of the layers above it (imports that only the type checker
sees, under ``if TYPE_CHECKING:``, do not count)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "veille"
GROUND = ("model", "errors", "i18n", "jit", "hookspecs", "secrets")


def _imports(path: Path) -> set[str]:
    """The veille modules that ``path`` imports at run time (lazy imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(n) for n in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "veille":
                found.update(f"veille.{a.name}" for a in node.names)
            elif node.module.startswith("veille."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("veille."))
    return found


def _layer(module: str) -> str:
    return module.split(".")[1]


def _modules(package: str) -> list[Path]:
    base = SRC / package
    return sorted(base.rglob("*.py")) if base.is_dir() else [SRC / f"{package}.py"]


@pytest.mark.parametrize("name", GROUND)
def test_the_ground_floor_imports_nothing_of_veille(name: str) -> None:
    assert _imports(SRC / f"{name}.py") - {"veille.__version__"} == set()


def test_the_watch_language_stands_on_the_ground_floor_only() -> None:
    for path in _modules("query"):
        outside = {m for m in _imports(path) if _layer(m) not in {*GROUND, "query"}}
        assert not outside, f"{path.relative_to(SRC)} imports {sorted(outside)}"


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("pipeline", {"store", "flow", "cli", "web", "sources", "simulate"}),
        ("store", {"flow", "cli", "web", "pipeline", "sources", "workspace", "analytics"}),
        ("sources", {"flow", "cli", "web", "store", "pipeline", "workspace", "analytics"}),
        ("workspace", {"flow", "cli", "web", "pipeline", "analytics"}),
        ("flow", {"cli", "web"}),
    ],
)
def test_no_layer_reaches_up(package: str, forbidden: set[str]) -> None:
    for path in _modules(package):
        up = {m for m in _imports(path) if _layer(m) in forbidden}
        assert not up, f"{path.relative_to(SRC)} imports {sorted(up)}"


#: SQL lives in store/, analytics/ and query/sql.py (DESIGN.md): the other layers call them.
NO_SQL = ("cli", "web", "flow", "signals", "alerts", "reports", "graph", "sources", "pipeline")
_SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|"
    r"CREATE\s+(TABLE|VIEW|INDEX)|ALTER\s+TABLE|SET\s+TimeZone|CHECKPOINT)\b",
    re.DOTALL,
)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            found.add(id(body[0].value))
    return found


@pytest.mark.parametrize("package", NO_SQL)
def test_sql_lives_only_in_the_store_and_the_analytics(package: str) -> None:
    found = []
    for path in _modules(package):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docs
                and _SQL.search(node.value)
            ):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert found == [], found
