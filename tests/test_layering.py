"""Apps import one way only (product.md, house style rule 6): a lower app never imports a
higher one. Inventory learns about visits through a directory scheduling registers
(``inventory.visits``), never by importing scheduling; this test keeps it that way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ORDER = ("common", "accounts", "patients", "inventory", "therapies", "content", "scheduling")
ROOT = Path(__file__).resolve().parent.parent


def imported_apps(path: Path) -> set[str]:
    """Top-level packages that ``path`` imports (absolute imports, anywhere in the file)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("app", ORDER)
def test_an_app_imports_no_app_above_it(app: str) -> None:
    above = set(ORDER[ORDER.index(app) + 1 :]) | {"infusion_portal"}
    offending = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) & above)
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and imported_apps(path) & above
    }

    assert offending == {}
