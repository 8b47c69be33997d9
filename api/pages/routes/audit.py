"""The auditor's pages: replay as of a date, verification, the evidence pack (HTML, PDF)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.http.deps import LedgerDep
from api.pages.dashboard import YEAR_GROUPS, build, gap_rows
from api.pages.deps import PageActor, PostedForm
from api.pages.evidence import evidence_pack, latest, verify
from api.pages.evidence_pdf import render_pdf
from api.pages.routes.cohort import filters_from
from api.pages.web import SECURITY_HEADERS, PageRoute, render
from projections.rules import ruleset_names

router = APIRouter(route_class=PageRoute)
FILTERS = ("ruleset", "academic_year", "year_group", "benchmark", "as_of", "known_at")


def _params(source: Any) -> dict[str, str | None]:
    return {name: (str(source.get(name)) if source.get(name) else None) for name in FILTERS}


def _context(
    request: Request, ledger: Any, actor: Any, params: dict[str, str | None], **extra: Any
) -> dict[str, Any]:
    board = build(ledger, actor, filters_from(params))
    query = "&".join(f"{k}={v}" for k, v in params.items() if v)
    return {
        "nav": "audit",
        "board": board,
        "rulesets": ruleset_names(),
        "year_groups": YEAR_GROUPS,
        "gap_rows": gap_rows,
        "checkpoint": latest(ledger),
        "query": query,
        **extra,
    }


@router.get("/audit", name="page_audit")
def audit_page(request: Request, actor: PageActor, ledger: LedgerDep) -> Response:
    """Replay the cohort as of a date (what had happened, what was recorded)."""
    params = _params(request.query_params)
    return render(request, "audit/audit.html", _context(request, ledger, actor, params))


@router.post("/audit/verify", name="page_audit_verify")
def audit_verify(
    request: Request, actor: PageActor, ledger: LedgerDep, form: PostedForm
) -> Response:
    """Verify every chain and the global log now, and show the result."""
    verification = verify(ledger, actor)
    params = _params(form)
    context = _context(request, ledger, actor, params, verification=verification)
    return render(request, "audit/audit.html", context)


@router.get("/audit/evidence", name="page_evidence_pack")
def evidence_page(request: Request, actor: PageActor, ledger: LedgerDep) -> Response:
    """The evidence pack as a printable page."""
    pack = evidence_pack(ledger, actor, filters_from(_params(request.query_params)))
    return render(
        request,
        "audit/evidence.html",
        {
            "nav": "audit",
            "pack": pack,
            "board": pack.board,
            "year_groups": YEAR_GROUPS,
            "gap_rows": gap_rows,
            "query": request.url.query,
        },
    )


@router.get("/audit/evidence.pdf", name="page_evidence_pack_pdf")
def evidence_pdf(request: Request, actor: PageActor, ledger: LedgerDep) -> Response:
    """The evidence pack as a PDF: the same charts and verification details."""
    pack = evidence_pack(ledger, actor, filters_from(_params(request.query_params)))
    stamp = pack.generated_at.strftime("%Y%m%d-%H%M")
    headers = {
        **SECURITY_HEADERS,
        "Content-Disposition": f'attachment; filename="evidence-pack-{stamp}.pdf"',
    }
    return Response(render_pdf(pack), media_type="application/pdf", headers=headers)
