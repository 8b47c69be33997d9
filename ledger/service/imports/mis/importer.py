"""MIS import: parse a school's CSV export and append its rows through LedgerService.

One row is all-or-nothing: its appends (say a registration and an
enrolment) go to ``LedgerService.execute`` together.  Rows are written in
batches, each one transaction; a batch that fails is retried row by row so a
single bad row is rejected with its reason and every other row still lands.
``all_or_nothing`` writes every row in one transaction or none at all.
Re-running a file is idempotent: each append's key is derived from a keyed
digest of the row's normalised content.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

from ledger.domain.access import Actor
from ledger.domain.errors import (
    FieldProblem,
    Forbidden,
    LedgerError,
    StorageUnavailable,
    StudentNotFound,
)
from ledger.domain.vocabulary import Role
from ledger.service.commands import Command, registration_stream_id
from ledger.service.imports.mis import (
    ImportOptions,
    ParsedFile,
    PlannedRow,
    RejectedRow,
    parse_file,
)
from ledger.service.imports.mis import known_students as students
from ledger.service.imports.mis.report import ImportReport
from ledger.service.ledger_service import LedgerService

IMPORTERS = frozenset({Role.CAREERS_LEADER, Role.SYSTEM})
SECRET_DOMAIN = b"careers-ledger/mis-import/v1"
BATCH_ROWS = 250


def import_secret(index_key: bytes) -> bytes:
    """The key for row digests, derived from the deployment's identifier-index key."""
    return hmac.new(index_key, SECRET_DOMAIN, hashlib.sha256).digest()


@dataclass(frozen=True)
class _Ready:
    row: PlannedRow
    commands: tuple[Command, ...]


class MisImport:
    """Runs one file through parsing, student matching and batched appends."""

    def __init__(self, service: LedgerService, secret: bytes, batch_rows: int = BATCH_ROWS):
        self.service = service
        self.secret = secret
        self.batch_rows = batch_rows

    def run(
        self,
        kind: str,
        data: bytes,
        *,
        actor: Actor,
        dry_run: bool = False,
        all_or_nothing: bool = False,
        encoding: str | None = None,
        institution_id: str | None = None,
        progress: Callable[[int], None] | None = None,
        on_start: Callable[[int], None] | None = None,
    ) -> ImportReport:
        """Import (or with ``dry_run`` only check) a file; raises FileRefused for the file."""
        if actor.role not in IMPORTERS:
            raise Forbidden("only a careers leader may import MIS files")
        options = ImportOptions(
            today=self.service.clock.now().date(),
            institution_id=institution_id or actor.institution_id,
        )
        parsed = parse_file(kind, data, options, self.secret, encoding)
        report = ImportReport(
            kind=parsed.kind,
            file_sha256=hashlib.sha256(data).hexdigest(),
            encoding=parsed.encoding,
            dry_run=dry_run,
            all_or_nothing=all_or_nothing,
            header=parsed.header.labels,
            warnings=list(parsed.warnings),
        )
        if on_start is not None:
            on_start(parsed.total)
        writer = _Writer(self.service, actor, report)
        matcher = _Matcher(self.service, actor, parsed, options)
        pending: list[_Ready] = []
        for planned in parsed.rows:
            report.rows += 1
            ready = planned if isinstance(planned, RejectedRow) else matcher.prepare(planned)
            if isinstance(ready, RejectedRow):
                report.rejected.append(ready)
            else:
                report.valid += 1
                if not dry_run:
                    pending.append(ready)
            if not all_or_nothing and len(pending) >= self.batch_rows:
                writer.write(pending)
                pending = []
            if progress is not None:
                progress(1)
        if dry_run:
            return report
        if all_or_nothing:
            if report.rejected:
                report.refused = "nothing was imported because some rows were rejected"
            else:
                writer.write_all(pending)
            return report
        writer.write(pending)
        return report


class _Matcher:
    """Finds each row's student (through the service, so reads are access-logged)."""

    def __init__(
        self, service: LedgerService, actor: Actor, parsed: ParsedFile, options: ImportOptions
    ) -> None:
        self.service = service
        self.actor = actor
        self.kind = parsed.kind
        self.header = parsed.header
        self.provided = frozenset(parsed.header.positions)
        self.labels = {key: parsed.header.label(key) for key in ("upn", "uln")}
        self.options = options
        self._found: dict[tuple[str, str], UUID | FieldProblem | None] = {}

    def prepare(self, row: PlannedRow) -> _Ready | RejectedRow:
        try:
            student_id = self._student(row)
        except _Unmatched as exc:
            return RejectedRow(row.number, row.values, (exc.problem,))
        if self.kind == "students":
            return self._students_row(row, student_id)
        if student_id is None:
            label = self.labels["upn"] if row.student.upn else self.labels["uln"]
            kind = "UPN" if row.student.upn else "ULN"
            problem = FieldProblem(
                label, f"no student with this {kind} is registered (import the students first)"
            )
            return RejectedRow(row.number, row.values, (problem,))
        commands = tuple(
            Command(c.kind, c.payload, student_id, row.idempotency_key(self.kind, i))
            for i, c in enumerate(row.commands)
        )
        return _Ready(row, commands)

    def _students_row(self, row: PlannedRow, student_id: UUID | None) -> _Ready | RejectedRow:
        if student_id is None:
            new_id = registration_stream_id(
                self.actor.institution_id, row.idempotency_key("students", 0)
            )
            return _Ready(row, tuple(students.new_student_commands(row, new_id)))
        try:
            history = self.service.history(student_id, actor=self.actor)
        except LedgerError as exc:
            return RejectedRow(row.number, row.values, (FieldProblem("row", exc.detail),))
        planned = students.known_student_commands(
            row, history, self.provided, self.labels, self.options.today
        )
        if isinstance(planned, FieldProblem):
            return RejectedRow(row.number, row.values, (planned,))
        return _Ready(row, tuple(planned))

    def _student(self, row: PlannedRow) -> UUID | None:
        by_upn = self._lookup("upn", row.student.upn)
        by_uln = self._lookup("uln", row.student.uln)
        if by_upn is not None and by_uln is not None and by_upn != by_uln:
            raise _Unmatched(
                FieldProblem(self.labels["uln"], "belongs to a different student than the UPN")
            )
        return by_upn or by_uln

    def _lookup(self, kind: str, value: str | None) -> UUID | None:
        if value is None:
            return None
        if (kind, value) not in self._found:
            try:
                found: UUID | FieldProblem | None = self.service.find_student(
                    actor=self.actor, **{kind: value}
                )
            except StudentNotFound:
                found = None
            except LedgerError as exc:  # e.g. an erased student: the row cannot be added
                found = FieldProblem(self.labels[kind], exc.detail)
            self._found[(kind, value)] = found
        found = self._found[(kind, value)]
        if isinstance(found, FieldProblem):
            raise _Unmatched(found)
        return found


class _Unmatched(Exception):
    def __init__(self, problem: FieldProblem) -> None:
        super().__init__(problem.reason)
        self.problem = problem


class _Writer:
    """Appends ready rows: a batch per transaction, falling back to one row at a time."""

    def __init__(self, service: LedgerService, actor: Actor, report: ImportReport) -> None:
        self.service = service
        self.actor = actor
        self.report = report

    def write(self, batch: Sequence[_Ready]) -> None:
        def one_row_at_a_time(_: LedgerError) -> None:
            for ready in batch:
                self._write_row(ready)

        self._execute(batch, one_row_at_a_time)

    def write_all(self, rows: Sequence[_Ready]) -> None:
        """Everything in one transaction: any failure leaves the ledger as it was."""

        def refuse_all(exc: LedgerError) -> None:
            self.report.refused = f"nothing was imported: {exc.detail}"

        self._execute(rows, refuse_all)

    def _write_row(self, ready: _Ready) -> None:
        def reject(exc: LedgerError) -> None:
            problem = FieldProblem("row", exc.detail)
            self.report.rejected.append(RejectedRow(ready.row.number, ready.row.values, (problem,)))
            self.report.valid -= 1

        self._execute([ready], reject)

    def _execute(self, rows: Sequence[_Ready], refused: Callable[[LedgerError], None]) -> None:
        """The rows' commands in one transaction, counted; ``refused`` handles a refusal."""
        commands = [c for ready in rows for c in ready.commands]
        if not commands:
            self.report.unchanged += len(rows)
            return
        try:
            results = self.service.execute(commands, actor=self.actor)
        except StorageUnavailable:
            raise
        except LedgerError as exc:
            refused(exc)
            return
        self._count(rows, [r.replayed for r in results])

    def _count(self, rows: Sequence[_Ready], replayed: list[bool]) -> None:
        position = 0
        for ready in rows:
            mine = replayed[position : position + len(ready.commands)]
            position += len(ready.commands)
            if mine and not all(mine):
                self.report.imported += 1
                self.report.events_written += mine.count(False)
            else:
                self.report.unchanged += 1
