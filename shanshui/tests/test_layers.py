"""The import graph follows the layers drawn in docs/architecture.md.

``lib`` → ``orgs`` → ``ledger`` → ``complaints``, ``monitoring`` (each may raise ledger tasks) →
``reports`` (may read them all). Nothing imports upward or sideways between siblings; production
code never imports the test helpers (``shanshui.testing``); inside an app, selectors never import
services (services may use selectors). Every import counts, at the top of a module or inside a
function, so a lazy import cannot hide a layer break.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # the shanshui package

# Each app and the apps (besides itself) it may import. A new app gets a line here.
MAY_IMPORT: dict[str, set[str]] = {
    "lib": set(),
    "jobs": {"lib", "orgs"},
    "orgs": {"lib"},
    "ledger": {"lib", "orgs"},
    "complaints": {"lib", "orgs", "ledger"},
    "monitoring": {"lib", "orgs", "ledger"},
    "directives": {"lib", "orgs", "ledger"},
    "carbon": {"lib", "orgs", "ledger", "jobs"},
    "reports": {"lib", "orgs", "ledger", "complaints", "monitoring", "jobs"},
}
TEST_ONLY = "testing"


def _is_test_code(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return "tests" in parts or parts[0] == TEST_ONLY or path.name == "conftest.py"


def _production_modules() -> list[Path]:
    return sorted(
        p for p in ROOT.rglob("*.py") if not _is_test_code(p) and "migrations" not in p.parts
    )


def imported_modules(path: Path) -> set[str]:
    """Every ``shanshui.…`` module the file imports, resolving relative imports."""
    package = ".".join(("shanshui", *path.relative_to(ROOT).with_suffix("").parts[:-1]))
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            out.add(module)
            # ``from shanshui.ledger import services`` imports a module, not a name.
            out.update(f"{module}.{alias.name}" for alias in node.names)
    return {m for m in out if m == "shanshui" or m.startswith("shanshui.")}


def layer_breaks(path: Path) -> list[str]:
    parts = path.relative_to(ROOT).parts
    if len(parts) < 2:  # shanshui/__init__.py and the like
        return []
    app = parts[0]
    allowed = MAY_IMPORT.get(app)
    breaks = []
    for module in sorted(imported_modules(path)):
        target = module.split(".")
        if len(target) < 2:
            continue
        other = target[1]
        if other == TEST_ONLY:
            breaks.append(f"{module} (test helpers in production code)")
        elif allowed is not None and other != app and other in MAY_IMPORT and other not in allowed:
            breaks.append(f"{module} ({app} may not import {other})")
        elif (
            other == app
            and path.stem == "selectors"
            and len(target) > 2
            and target[2] == "services"
        ):
            breaks.append(f"{module} (selectors may not import services)")
    return breaks


def test_every_app_is_placed_in_the_layers():
    apps = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", TEST_ONLY}
    assert apps <= set(MAY_IMPORT), f"apps without a layer: {sorted(apps - set(MAY_IMPORT))}"


@pytest.mark.parametrize(
    "path", _production_modules(), ids=lambda p: str(p.relative_to(ROOT.parent))
)
def test_imports_follow_the_layers(path):
    assert layer_breaks(path) == []


def test_the_check_finds_an_upward_import(tmp_path, monkeypatch):
    # The check itself: a ledger module importing reports, and a selectors module importing
    # services, are both reported (run on throwaway files laid out like the package).
    root = tmp_path / "shanshui"
    (root / "ledger").mkdir(parents=True)
    upward = root / "ledger" / "views.py"
    upward.write_text("def f():\n    from shanshui.reports import figures\n")
    backward = root / "ledger" / "selectors.py"
    backward.write_text("from . import services\nfrom shanshui.testing import personas\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", root)
    assert layer_breaks(upward) == [
        "shanshui.reports (ledger may not import reports)",
        "shanshui.reports.figures (ledger may not import reports)",
    ]
    assert layer_breaks(backward) == [
        "shanshui.ledger.services (selectors may not import services)",
        "shanshui.testing (test helpers in production code)",
        "shanshui.testing.personas (test helpers in production code)",
    ]
