"""The careers leader's cohort dashboard and its CSV download."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.http.deps import LedgerDep
from api.pages.dashboard import YEAR_GROUPS, Filters, build, gap_rows, to_csv
from api.pages.deps import PageActor
from api.pages.record import day_param, ruleset_param
from api.pages.web import SECURITY_HEADERS, PageRoute, render
from ledger.domain.errors import FieldProblem, ValidationFailed
from projections.rules import get_ruleset, ruleset_names

router = APIRouter(route_class=PageRoute)


def _year(value: str | None, name: str, low: int, high: int) -> int | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not text.isdigit() or not low <= int(text) <= high:
        reason = f"must be a whole number from {low} to {high}"
        raise ValidationFailed(f"{name}: {reason}", (FieldProblem(name, reason),))
    return int(text)


def filters_from(params: dict[str, str | None]) -> Filters:
    """The dashboard's filters from a query string (bad values are refused by name)."""
    return Filters(
        ruleset=ruleset_param(params.get("ruleset")),
        academic_year=_year(params.get("academic_year"), "academic_year", 2000, 2100),
        year_group=_year(params.get("year_group"), "year_group", 7, 14),
        benchmark=(params.get("benchmark") or None),
        as_of=day_param(params.get("as_of"), "as_of"),
        known_at=day_param(params.get("known_at"), "known_at"),
    )


def _params(request: Request) -> dict[str, str | None]:
    names = ("ruleset", "academic_year", "year_group", "benchmark", "as_of", "known_at")
    return {name: request.query_params.get(name) for name in names}


@router.get("/cohort", name="page_cohort")
def cohort_page(request: Request, actor: PageActor, ledger: LedgerDep) -> Response:
    """Benchmarks by year group, equality gaps, Provider Access and destinations."""
    board = build(ledger, actor, filters_from(_params(request)))
    context: dict[str, Any] = {
        "nav": "cohort",
        "board": board,
        "rulesets": ruleset_names(),
        "ruleset_title": get_ruleset(board.whole.ruleset).title,
        "year_groups": YEAR_GROUPS,
        "gap_rows": gap_rows,
        "query": request.url.query,
    }
    return render(request, "cohort/dashboard.html", context)


@router.get("/cohort.csv", name="page_cohort_csv")
def cohort_csv(request: Request, actor: PageActor, ledger: LedgerDep) -> Response:
    """Every figure behind the dashboard's charts, for a spreadsheet."""
    board = build(ledger, actor, filters_from(_params(request)))
    name = f"cohort-{board.whole.ruleset}-{board.academic_year}-{board.as_of.isoformat()}.csv"
    headers = {**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(to_csv(board), media_type="text/csv; charset=utf-8", headers=headers)
