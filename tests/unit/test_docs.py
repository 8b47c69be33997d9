"""The documents stand alone: they cite nothing outside the repository, and every path they
name in code (backticks or a fenced block) into the code's folders exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted(
    [
        ROOT / "README.md",
        ROOT / "CONTRIBUTING.md",
        ROOT / "bench" / "README.md",
        *(ROOT / "docs").rglob("*.md"),
    ]
)
OUTSIDE = ("../shared", "DESIGN.md", "STYLE.md")
FOLDERS = ("ledger", "projections", "api", "tests", "bench", "docs")
# A path starts at one of the folders, not inside a longer word, URL or path (`/api/v1/docs`,
# `example.org.uk/ledger`, `5432/test`), and runs over path characters (a `*` is a glob).
REPOSITORY_PATH = re.compile(rf"(?<![\w./@:-])(?:{'|'.join(FOLDERS)})/[\w./*-]*")
CODE = re.compile(r"```.*?```|`[^`]+`", re.DOTALL)


def name(document: Path) -> str:
    return document.relative_to(ROOT).as_posix()


def paths_written_in_code(text: str) -> set[str]:
    found = set()
    for code in CODE.findall(text):
        for path in REPOSITORY_PATH.findall(code):
            found.add(path.rstrip(".,:;"))
    return found


def exists(path: str) -> bool:
    return any(ROOT.glob(path)) if "*" in path else (ROOT / path).exists()


@pytest.mark.parametrize("document", DOCUMENTS, ids=name)
def test_a_document_cites_nothing_outside_the_repository(document: Path) -> None:
    text = document.read_text("utf-8")
    cited = [outside for outside in OUTSIDE if outside in text]
    assert not cited, f"{name(document)} cites {cited}: say the rule, or point to a doc here"


@pytest.mark.parametrize("document", DOCUMENTS, ids=name)
def test_every_path_a_document_names_in_code_is_in_the_repository(document: Path) -> None:
    missing = sorted(p for p in paths_written_in_code(document.read_text("utf-8")) if not exists(p))
    assert not missing, f"{name(document)} names paths that do not exist: {missing}"


def test_the_path_finder_reads_paths_and_leaves_urls_and_words_alone() -> None:
    text = (
        "See `ledger/domain/calendar.py` and `api/cli/`; run\n"
        "```sh\npython bench/rebuild.py --sqlite /tmp/bench/x.db\n```\n"
        "`GET /api/v1/docs`, `careers.example.org.uk/ledger`, `postgresql://h:5432/test`, "
        "the ledger/domain folder outside code."
    )
    assert paths_written_in_code(text) == {
        "ledger/domain/calendar.py",
        "api/cli/",
        "bench/rebuild.py",
    }


def test_a_path_that_is_not_there_is_reported() -> None:
    assert exists("ledger/domain/calendar.py")
    assert exists("ledger/domain/evidence/bundle*.py")
    assert not exists("ledger/settings.py")
