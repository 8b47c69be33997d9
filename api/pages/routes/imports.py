"""The MIS import: upload a CSV export, see what was imported and every rejected row."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from api.http.deps import LedgerDep
from api.pages.deps import PageActor, PostedForm
from api.pages.web import PageRoute, render
from api.store.keys import load_keys
from ledger.domain import access
from ledger.domain.errors import FieldProblem, ValidationFailed
from ledger.service.imports.mis import FILE_KINDS
from ledger.service.imports.mis.importer import MisImport, import_secret
from ledger.service.imports.mis.report import rejected_csv

router = APIRouter(route_class=PageRoute)
MAX_UPLOAD = 20 * 1024 * 1024
KIND_LABELS = {
    "students": "Students (registrations and characteristics)",
    "enrolments": "Enrolments and leavers",
    "activities": "Careers activities (encounters, experiences, interviews...)",
    "destinations": "Destinations",
}


def _page(request: Request, status: int = 200, **context: Any) -> Response:
    kinds = [(k, KIND_LABELS.get(k, k)) for k in FILE_KINDS]
    values = {"kind": "students", "dry_run": False, "all_or_nothing": False}
    values.update(context.pop("values", {}))
    return render(
        request,
        "imports/upload.html",
        {"nav": "imports", "kinds": kinds, "values": values, "errors": {}, **context},
        status=status,
    )


@router.get("/imports", name="page_imports")
def upload_page(request: Request, actor: PageActor) -> Response:
    """Upload a MIS export (SIMS, Arbor, Bromcom column names are recognised)."""
    access.check_import(actor)
    return _page(request)


@router.post("/imports", name="page_imports_submit")
def upload(request: Request, actor: PageActor, ledger: LedgerDep, form: PostedForm) -> Response:
    access.check_import(actor)
    kind = str(form.get("kind") or "")
    values = {
        "kind": kind,
        "dry_run": form.get("dry_run") == "on",
        "all_or_nothing": form.get("all_or_nothing") == "on",
    }
    upload = form.get("file")
    data = _read(upload)
    if kind not in FILE_KINDS:
        return _page(request, 422, values=values, errors={"kind": "Choose what the file holds"})
    if data is None:
        return _page(request, 422, values=values, errors={"file": "Choose a CSV file to import"})
    importer = MisImport(ledger.service, import_secret(load_keys(ledger.settings)["index_key"]))
    try:
        report = importer.run(
            kind,
            data,
            actor=actor,
            dry_run=bool(values["dry_run"]),
            all_or_nothing=bool(values["all_or_nothing"]),
        )
    except ValidationFailed as exc:
        # The whole file was refused (encoding, header, size): nothing was imported.
        reasons = "; ".join(f"{p.field}: {p.reason}" for p in exc.problems) or exc.detail
        return _page(request, 422, values=values, errors={"file": reasons})
    rejected = (
        "data:text/csv;charset=utf-8;base64," + base64.b64encode(rejected_csv(report)).decode()
        if report.rejected
        else None
    )
    return _page(
        request,
        values=values,
        report=report,
        rejected_href=rejected,
        filename=getattr(upload, "filename", None) or "import.csv",
    )


def _read(upload: object) -> bytes | None:
    if not isinstance(upload, UploadFile):
        return None
    data = upload.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        reason = f"must be at most {MAX_UPLOAD // (1024 * 1024)} MB"
        raise ValidationFailed(f"file: {reason}", (FieldProblem("file", reason),))
    return data or None
