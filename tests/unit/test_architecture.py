"""The architecture holds: every import-linter contract in pyproject.toml is kept.

The contracts (``[tool.importlinter]``; docs/architecture.md explains the layers) are
checked by import-linter's own ``lint-imports``, the command CI runs (once per test
process), with one test per contract so a broken one is named.  The last tests show the
contracts bite: a copy of the code with one deliberate bad import fails them.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ledger", "projections", "api")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONTRACTS: list[dict[str, Any]] = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))[
    "tool"
]["importlinter"]["contracts"]


def lint_imports(root: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the code under ``root`` (first on the path): all contracts, or some."""
    path = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)
    chosen = [arg for contract in contracts for arg in ("--contract", contract)]
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", *chosen],
        cwd=root,
        env={**os.environ, "PYTHONPATH": path, "COLUMNS": "400"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@functools.cache
def the_codes_report() -> str:
    """One run of every contract on the code itself, shared by the tests in this process."""
    run = lint_imports(ROOT)
    return run.stdout + run.stderr


def squeezed(text: str) -> str:
    """Text without whitespace, so a line the report wrapped still matches."""
    return re.sub(r"\s+", "", text)


def contract(identifier: str) -> dict[str, Any]:
    found = [c for c in CONTRACTS if c["id"] == identifier]
    assert found, f"pyproject.toml declares no import-linter contract {identifier!r}"
    return found[0]


def test_pyproject_declares_the_layers_from_the_entrypoints_down_to_the_domain() -> None:
    assert contract("layers")["layers"][0] == "api"
    assert contract("layers")["layers"][-1] == "ledger.domain"


@pytest.mark.parametrize("declared", CONTRACTS, ids=lambda c: c["id"])
def test_the_code_keeps_every_architecture_contract(declared: dict[str, Any]) -> None:
    report = the_codes_report()
    verdicts = {line.strip() for line in report.splitlines()}
    assert f"{declared['name']} KEPT" in verdicts, report


def copy_of_the_code(destination: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, destination / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", destination / "pyproject.toml")
    return destination


@pytest.mark.parametrize(
    ("folder", "bad_import", "identifier"),
    [
        ("ledger/domain", "api.server", "layers"),  # the domain reaching up to the entrypoint
        ("projections/rules", "sqlite3", "pure-domain"),  # a benchmark rule opening a database
    ],
    ids=["upward-import-breaks-the-layers", "database-in-the-rules-breaks-purity"],
)
def test_a_deliberate_bad_import_in_a_copy_of_the_code_breaks_its_contract(
    tmp_path: Path, folder: str, bad_import: str, identifier: str
) -> None:
    copy = copy_of_the_code(tmp_path)
    victim = min(p for p in (copy / folder).glob("*.py") if p.name != "__init__.py")
    victim.write_text(victim.read_text("utf-8") + f"\nimport {bad_import}  # deliberate\n")
    module = ".".join(victim.relative_to(copy).with_suffix("").parts)

    run = lint_imports(copy, identifier)

    report = squeezed(run.stdout)
    assert run.returncode == 1, run.stdout + run.stderr
    assert squeezed(f"{contract(identifier)['name']} BROKEN") in report, run.stdout
    assert squeezed(f"{module} -> {bad_import}") in report, run.stdout
