"""Finding a student, their record page, and downloading their record."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request
from starlette.responses import Response, StreamingResponse

from api.http.deps import LedgerDep, ServiceDep
from api.pages.deps import PageActor, PostedForm
from api.pages.forms import entry_form
from api.pages.record import STAFF_KINDS, STUDENT_KINDS, day_param, read_record, ruleset_param
from api.pages.web import PageRoute, redirect, render
from api.render import RENDERERS
from ledger.domain import access
from ledger.domain.errors import FieldProblem, LedgerError, StudentNotFound, ValidationFailed
from ledger.domain.vocabulary import Role
from ledger.service.commands import parse_student_id
from ledger.service.export import export_record

router = APIRouter(route_class=PageRoute)
DOWNLOAD_CHUNK = 64 * 1024


@router.get("/students", name="page_find_student")
def find_page(request: Request, actor: PageActor) -> Response:
    """Find a student by UPN or ULN (staff only: a student has only their own record)."""
    access.check_staff(actor)
    return render(request, "students/find.html", {"nav": "students", "errors": {}, "values": {}})


@router.post("/students/find", name="page_find_student_submit")
def find(request: Request, actor: PageActor, service: ServiceDep, form: PostedForm) -> Response:
    # Identifiers travel in the body and come back as a redirect to the student's id,
    # so they never appear in a URL, a server log or the browser's history.
    access.check_staff(actor)
    kind = "uln" if form.get("by") == "uln" else "upn"
    value = str(form.get("identifier") or "").strip()
    # What was typed goes back into the box (this no-store page only, never a URL,
    # a log line or an error message) so a one-character typo is fixed, not retyped.
    values = {"by": kind, "identifier": value}
    if not value:
        errors = {"identifier": f"Enter a {kind.upper()}"}
        return render(
            request,
            "students/find.html",
            {"nav": "students", "errors": errors, "values": values},
            status=422,
        )
    try:
        student_id = service.find_student(actor=actor, **{kind: value})
    except (ValidationFailed, StudentNotFound) as exc:
        reason = exc.problems[0].reason if exc.problems else exc.detail
        message = reason[:1].upper() + reason[1:]
        status = 404 if isinstance(exc, StudentNotFound) else 422
        return render(
            request,
            "students/find.html",
            {"nav": "students", "errors": {"identifier": message}, "values": values},
            status=status,
        )
    return redirect(f"/students/{student_id}")


@router.get("/students/{student_id}", name="page_student_record")
def record_page(
    request: Request,
    actor: PageActor,
    ledger: LedgerDep,
    student_id: Annotated[str, Path(max_length=64)],
    ruleset: str | None = None,
    as_of: str | None = None,
    known_at: str | None = None,
    recorded: int | None = None,
    replayed: bool = False,
) -> Response:
    """A student's record: benchmarks at a glance, advice, destinations, timeline."""
    view = read_record(
        ledger,
        parse_student_id(student_id),
        actor,
        ruleset=ruleset_param(ruleset),
        as_of=day_param(as_of, "as_of"),
        known_at=day_param(known_at, "known_at"),
    )
    own = actor.role is Role.STUDENT
    # Only the forms this role may submit (an auditor gets none).
    kinds = [k for k in (STUDENT_KINDS if own else STAFF_KINDS) if access.may_append_kind(actor, k)]
    return render(
        request,
        "students/student_record.html" if own else "students/record.html",
        {
            "nav": "record" if own else "students",
            "view": view,
            "kinds": [entry_form(k) for k in kinds],
            "recorded": recorded,
            "replayed": replayed,
            "formats": [f for f in ("json", "csv", "pdf") if f in RENDERERS],
            "missing_formats": [f for f in ("json", "csv", "pdf") if f not in RENDERERS],
        },
    )


@router.get("/students/{student_id}/download/{fmt}", name="page_student_download")
def download(
    actor: PageActor,
    ledger: LedgerDep,
    student_id: Annotated[str, Path(max_length=64)],
    fmt: Annotated[str, Path(max_length=10)],
) -> Response:
    """The student's record as JSON (verifiable bundle), CSV or PDF, from the export renderers."""
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        reason = "must be one of " + ", ".join(RENDERERS)
        raise ValidationFailed(f"format: {reason}", (FieldProblem("format", reason),))
    prepared = export_record(
        ledger.service, ledger.evidence, parse_student_id(student_id), actor=actor
    )
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (streamed, closed below)
    try:
        renderer.render(prepared, spool)
    except LedgerError:
        spool.close()
        raise
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        with spool:
            while block := spool.read(DOWNLOAD_CHUNK):
                yield block

    day = ledger.clock.now().date().isoformat()
    name = f"careers-record-{day}{renderer.suffix}"
    return StreamingResponse(
        chunks(),
        media_type=renderer.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def student_path(student_id: UUID) -> str:
    return f"/students/{student_id}"
