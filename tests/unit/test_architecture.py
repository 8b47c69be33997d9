"""The domain core stays free of web frameworks, ORMs and templating (STYLE.md, rule 1)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LEDGER = Path(__file__).resolve().parents[2] / "ledger"
FORBIDDEN = frozenset({"fastapi", "starlette", "sqlalchemy", "jinja2"})


def imported_packages(source: Path) -> set[str]:
    """Top-level package of every absolute import in one module (function bodies included)."""
    tree = ast.parse(source.read_text("utf-8"), filename=str(source))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


MODULES = sorted(LEDGER.rglob("*.py"))


def test_the_ledger_package_has_modules_to_check() -> None:
    assert LEDGER / "service" / "ledger_service.py" in MODULES
    assert LEDGER / "storage" / "recorders.py" in MODULES


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(LEDGER)))
def test_no_ledger_module_imports_a_web_framework_orm_or_template_engine(module: Path) -> None:
    assert imported_packages(module) & FORBIDDEN == set()


def test_the_import_scan_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n"
        "from fastapi import APIRouter\n"
        "def late():\n"
        "    import sqlalchemy.orm\n"
        "    from . import sibling\n"
    )
    assert imported_packages(sample) == {"os", "fastapi", "sqlalchemy"}
