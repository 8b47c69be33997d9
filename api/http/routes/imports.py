"""Imports for careers leaders: a MIS CSV upload, and a record from an earlier institution.

Both take a multipart file.  A MIS upload answers a per-row report (a dry run
writes nothing); with ``all_or_nothing`` any rejected row makes it a 422 and
nothing is written.  A record bundle is verified against the trusted origins
before anything is written; a refused bundle is a 422 naming the reasons.
Reports name rows, columns and rules, never the values in the file.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from api.http.deps import CurrentActor, LedgerDep
from api.http.limits import JsonDepthRoute
from api.http.problems import ProblemField, responses
from api.store.keys import load_keys
from api.store.trust import TrustStore
from ledger.domain.errors import FieldProblem, LedgerError
from ledger.service.imports.mis.importer import MisImport, import_secret
from ledger.service.imports.mis.report import ImportReport
from ledger.service.imports.transition import TransitionImport, TransitionReport

router = APIRouter(prefix="/imports", tags=["imports"], route_class=JsonDepthRoute)

FileKind = Literal["students", "enrolments", "activities", "destinations"]


class FileTooLarge(LedgerError):
    code = "file_too_large"
    status = 413
    title = "The uploaded file is too large"


class AllOrNothingRefused(LedgerError):
    code = "import_refused"
    status = 422
    title = "Some rows were rejected, so nothing was imported"


class _Public(BaseModel):
    model_config = ConfigDict(frozen=True)


class RejectedRowPublic(_Public):
    row: int = Field(description="The row as a spreadsheet numbers it (header = 1)")
    errors: list[ProblemField]


class MisImportPublic(_Public):
    kind: str
    file_sha256: str
    encoding: str
    dry_run: bool
    all_or_nothing: bool
    rows: int = Field(description="Rows read (blank lines skipped)")
    valid: int = Field(description="Rows that passed every check")
    imported: int = Field(description="Rows that added entries (0 on a dry run)")
    unchanged: int = Field(description="Rows already in the ledger (a re-run of the file)")
    entries_written: int
    rejected: list[RejectedRowPublic]
    warnings: list[str]

    @classmethod
    def of(cls, report: ImportReport) -> MisImportPublic:
        return cls(
            kind=report.kind,
            file_sha256=report.file_sha256,
            encoding=report.encoding,
            dry_run=report.dry_run,
            all_or_nothing=report.all_or_nothing,
            rows=report.rows,
            valid=report.valid,
            imported=report.imported,
            unchanged=report.unchanged,
            entries_written=report.events_written,
            rejected=[
                RejectedRowPublic(
                    row=r.number,
                    errors=[ProblemField(field=p.field, reason=p.reason) for p in r.problems],
                )
                for r in report.rejected_by_row
            ],
            warnings=report.warnings,
        )


class RecordImportPublic(_Public):
    student_id: UUID | None
    registered: bool = Field(description="A new student was registered from the bundle")
    origin: str
    origin_student_id: str
    bundle_sha256: str
    checkpoint_size: int
    events_in_bundle: int
    imported: int
    already_present: int
    not_carried: int = Field(description="Legal holds and entries amending them stay behind")
    dry_run: bool

    @classmethod
    def of(cls, report: TransitionReport) -> RecordImportPublic:
        return cls(**{name: getattr(report, name) for name in cls.model_fields})


def _read(upload: UploadFile, limit: int) -> bytes:
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(f"file: must be at most {limit} bytes")
    return data


@router.post("/mis", response_model=MisImportPublic, responses=responses(403, 413))
def import_mis_file(
    actor: CurrentActor,
    ledger: LedgerDep,
    kind: Annotated[FileKind, Form(description="Which MIS export this is")],
    file: Annotated[UploadFile, File(description="The CSV file (UTF-8, with or without BOM)")],
    dry_run: Annotated[bool, Form(description="Check every row, write nothing")] = False,
    all_or_nothing: Annotated[bool, Form(description="Import nothing if any row fails")] = False,
    encoding: Annotated[
        Literal["cp1252", "latin-1"] | None, Form(description="Read a non-UTF-8 file as")
    ] = None,
) -> MisImportPublic:
    """Import a MIS CSV export (docs/mis-import.md); answers a per-row report."""
    data = _read(file, ledger.settings.max_upload_bytes)
    secret = import_secret(load_keys(ledger.settings)["index_key"])
    report = MisImport(ledger.service, secret).run(
        kind,
        data,
        actor=actor,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
        encoding=encoding,
    )
    if report.refused is not None:
        problems = tuple(
            FieldProblem(f"row {r.number}: {p.field}", p.reason)
            for r in report.rejected_by_row
            for p in r.problems
        )
        raise AllOrNothingRefused(report.refused, problems)
    return MisImportPublic.of(report)


@router.post("/records", response_model=RecordImportPublic, responses=responses(403, 413))
def import_record(
    actor: CurrentActor,
    ledger: LedgerDep,
    file: Annotated[UploadFile, File(description="A JSON export bundle from another ledger")],
    dry_run: Annotated[bool, Form(description="Verify and report, write nothing")] = False,
) -> RecordImportPublic:
    """Import a student's record from an earlier institution, verified against trusted keys."""
    data = _read(file, ledger.settings.max_upload_bytes)
    importer = TransitionImport(ledger.service, TrustStore(ledger.engine), ledger.evidence.origin)
    return RecordImportPublic.of(importer.run(data, actor=actor, dry_run=dry_run))
