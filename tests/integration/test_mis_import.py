"""MIS import into a real ledger (SQLite and PostgreSQL): what lands, what is refused,
and that nothing is ever half-written or written twice."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import pytest

from api.bootstrap import Ledger
from ledger.domain import access
from ledger.domain.access import Actor
from ledger.domain.errors import Forbidden, RuleViolation
from ledger.domain.vocabulary import Role
from ledger.service.commands import Appended, Command
from ledger.service.imports.mis.importer import MisImport, import_secret
from ledger.service.imports.mis.report import ImportReport, rejected_csv
from ledger.service.ledger_service import LedgerService
from tests import factories

DATA = Path(__file__).parents[1] / "data" / "mis"
SECRET = import_secret(b"i" * 32)
LEADER = Actor("leader-1", Role.CAREERS_LEADER, institution_id="100001")
SAMPLES = (
    ("students", "students-sims.csv"),
    ("students", "students-arbor.csv"),
    ("enrolments", "enrolments.csv"),
    ("activities", "activities.csv"),
    ("destinations", "destinations.csv"),
)


def run(
    ledger: Ledger,
    kind: str,
    data: bytes,
    *,
    actor: Actor = LEADER,
    service: LedgerService | None = None,
    **options: bool,
) -> ImportReport:
    importer = MisImport(service or ledger.service, SECRET, batch_rows=3)
    return importer.run(kind, data, actor=actor, **options)


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def csv_bytes(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def kinds_of(ledger: Ledger, upn: str) -> list[str]:
    student_id = ledger.service.find_student(upn=upn)
    return [entry.kind for entry in ledger.service.history(student_id).entries]


def test_a_students_file_registers_each_student_and_enrols_them(ledger: Ledger) -> None:
    report = run(ledger, "students", sample("students-sims.csv"))
    assert (report.rows, report.imported, report.rejected) == (4, 4, [])
    assert report.events_written == 8
    assert kinds_of(ledger, "Q801400019001") == ["registration", "enrolment"]
    history = ledger.service.history(ledger.service.find_student(uln="4123456714"))
    registration, enrolment = history.entries
    assert registration.data["family_name"] == "Okafor"
    assert registration.institution_id == "100001"
    assert enrolment.data["year_group"] == 10
    assert enrolment.data["academic_year"] == 2024


def test_importing_the_same_file_again_writes_nothing(ledger: Ledger) -> None:
    for kind, name in SAMPLES:
        run(ledger, kind, sample(name))
    before = ledger.service.event_count()
    for kind, name in SAMPLES:
        again = run(ledger, kind, sample(name))
        assert (again.imported, again.events_written, again.rejected) == (0, 0, [])
        assert again.unchanged == again.rows
    assert ledger.service.event_count() == before
    assert ledger.service.verify().ok


def test_every_sample_file_imports_into_records_that_verify(ledger: Ledger) -> None:
    for kind, name in SAMPLES:
        report = run(ledger, kind, sample(name))
        assert report.ok, (name, [r.reason for r in report.rejected])
    assert kinds_of(ledger, "Q801400019001") == [
        "registration",
        "enrolment",
        "enrolment",
        "employer_encounter",
        "workplace_experience",
        "provider_encounter",
        "guidance_interview",
        "labour_market_information",
        "curriculum_learning",
        "intended_destination",
    ]
    assert kinds_of(ledger, "X801400019005")[-3:] == [
        "leaving",
        "intended_destination",
        "destination",
    ]
    assert ledger.service.verify().ok


def test_a_dry_run_reports_row_errors_and_writes_nothing(ledger: Ledger) -> None:
    good, bad = factories.fresh_upn(), factories.fresh_upn()
    data = csv_bytes(
        "UPN,Surname,Forename,DOB",
        f"{good},Okafor,Amara,14/03/2011",
        f"B{bad[1:] if bad[0] != 'B' else 'C' + bad[1:]},Hughes,Callum,31/02/2010",
    )
    report = run(ledger, "students", data, dry_run=True)
    assert (report.rows, report.valid, report.imported) == (2, 1, 0)
    assert [(r.number, [p.field for p in r.problems]) for r in report.rejected] == [
        (3, ["UPN", "DOB"])
    ]
    assert ledger.service.event_count() == 0


def test_a_real_run_imports_valid_rows_and_returns_rejected_ones_with_reasons(
    ledger: Ledger,
) -> None:
    run(ledger, "students", sample("students-sims.csv"))
    data = csv_bytes(
        "UPN,Activity Type,Date,Employer,Sector",
        "Q801400019001,Employer Talk,03/10/2024,Severn Trent,Utilities",
        "Q801400019001,Hackathon,03/10/2024,Severn Trent,Utilities",
        "E801400019002,Careers Fair,31/09/2024,Skills Show,Various",
        "U801400019003,LMI,01/10/2024,,",
    )
    before = ledger.service.event_count()
    report = run(ledger, "activities", data)
    assert (report.imported, report.events_written) == (2, 2)
    assert ledger.service.event_count() == before + 2
    rejected = list(csv.reader(io.StringIO(rejected_csv(report).decode("utf-8-sig"))))
    assert rejected == [
        ["UPN", "Activity Type", "Date", "Employer", "Sector", "Import Row", "Import Errors"],
        [
            "Q801400019001",
            "Hackathon",
            "03/10/2024",
            "Severn Trent",
            "Utilities",
            "3",
            "Activity Type: is not a known activity type (see docs/mis-import.md)",
        ],
        [
            "E801400019002",
            "Careers Fair",
            "31/09/2024",
            "Skills Show",
            "Various",
            "4",
            "Date: is not a real calendar date (dates are DD/MM/YYYY or YYYY-MM-DD)",
        ],
    ]


def test_the_rejected_rows_file_imports_once_its_rows_are_fixed(ledger: Ledger) -> None:
    run(ledger, "students", sample("students-sims.csv"))
    data = csv_bytes("UPN,Activity Type,Date", "Q801400019001,LMI,31/09/2024")
    report = run(ledger, "activities", data)
    fixed = rejected_csv(report).replace(b"31/09/2024", b"30/09/2024")
    again = run(ledger, "activities", fixed)
    assert (again.imported, again.rejected) == (1, [])
    assert again.warnings == ["columns not used: Import Row, Import Errors"]


def test_all_or_nothing_imports_nothing_when_any_row_fails(ledger: Ledger) -> None:
    data = sample("students-sims.csv") + b"U801400019099,Lee,Sam,01/01/2010,M,N,N,N,N,9,\r\n"
    report = run(ledger, "students", data, all_or_nothing=True)
    assert report.refused == "nothing was imported because some rows were rejected"
    assert [r.number for r in report.rejected] == [6]
    assert ledger.service.event_count() == 0


def test_all_or_nothing_imports_every_row_in_one_transaction_when_all_are_valid(
    ledger: Ledger,
) -> None:
    report = run(ledger, "students", sample("students-sims.csv"), all_or_nothing=True)
    assert report.ok
    assert (report.imported, ledger.service.event_count()) == (4, 8)


class RefusingLeavings(LedgerService):
    """Refuses any write that carries a leaving, like a rule checked only at append time."""

    def execute(
        self, commands: Sequence[Command], *, actor: Actor = access.SYSTEM
    ) -> list[Appended]:
        if any(command.kind == "leaving" for command in commands):
            raise RuleViolation("a leaving cannot be recorded for this student")
        return super().execute(commands, actor=actor)


def test_a_row_refused_at_append_time_is_not_half_written_and_other_rows_land(
    ledger: Ledger,
) -> None:
    run(ledger, "students", sample("students-sims.csv"))
    before = ledger.service.event_count()
    service = RefusingLeavings(ledger.app, ledger.clock)
    data = csv_bytes(
        "UPN,URN,Year Group,Academic Year,Leaving Date",
        "Q801400019001,100001,9,2023/24,",
        "E801400019002,100001,9,2023/24,19/07/2024",
        "U801400019003,100001,9,2023/24,",
    )
    report = run(ledger, "enrolments", data, service=service)
    assert [(r.number, r.reason) for r in report.rejected] == [
        (3, "row: a leaving cannot be recorded for this student")
    ]
    assert report.imported == 2
    assert ledger.service.event_count() == before + 2
    assert kinds_of(ledger, "E801400019002") == ["registration", "enrolment"]


def test_an_activity_for_an_unregistered_student_is_rejected(ledger: Ledger) -> None:
    upn = factories.fresh_upn()
    report = run(ledger, "activities", csv_bytes("UPN,Activity Type,Date", f"{upn},LMI,01/10/2024"))
    assert [r.reason for r in report.rejected] == [
        "UPN: no student with this UPN is registered (import the students first)"
    ]


def test_students_are_matched_by_uln_when_the_file_has_no_upn(ledger: Ledger) -> None:
    run(ledger, "students", sample("students-sims.csv"))
    report = run(
        ledger, "activities", csv_bytes("ULN,Activity Type,Date", "4123456722,LMI,01/10/2024")
    )
    assert report.imported == 1
    assert kinds_of(ledger, "E801400019002")[-1] == "labour_market_information"


def test_a_upn_and_uln_of_two_different_students_are_refused(ledger: Ledger) -> None:
    run(ledger, "students", sample("students-sims.csv"))
    data = csv_bytes("UPN,ULN,Activity Type,Date", "Q801400019001,4123456722,LMI,01/10/2024")
    report = run(ledger, "activities", data)
    assert [r.reason for r in report.rejected] == [
        "ULN: belongs to a different student than the UPN"
    ]


def test_a_re_exported_student_with_changed_details_gets_a_correction(ledger: Ledger) -> None:
    run(ledger, "students", sample("students-sims.csv"))
    changed = sample("students-sims.csv").replace(
        b"Q801400019001,4123456714,Okafor,Amara,14/03/2010,F,Y",
        b"Q801400019001,4123456714,Okafor,Amara,14/03/2010,F,N",
    )
    report = run(ledger, "students", changed)
    assert (report.imported, report.unchanged) == (1, 3)
    student_id = ledger.service.find_student(upn="Q801400019001")
    correction = ledger.service.history(student_id).entries[-1]
    assert correction.kind == "correction"
    assert correction.data["amends_sequence"] == 1
    assert correction.data["changes"]["characteristics"]["fsm"] is False
    assert run(ledger, "students", changed).imported == 0


def test_an_identifier_an_import_would_add_is_refused(ledger: Ledger) -> None:
    run(ledger, "students", sample("students-sims.csv"))
    with_uln = sample("students-sims.csv").replace(
        b"U801400019003,,Hughes", b"U801400019003,4123456773,Hughes"
    )
    report = run(ledger, "students", with_uln)
    assert [r.number for r in report.rejected] == [4]
    assert "identifiers cannot be added or changed" in report.rejected[0].reason


def test_only_careers_leaders_and_the_system_import(ledger: Ledger) -> None:
    adviser = Actor("adviser-1", Role.ADVISER, institution_id="100001")
    with pytest.raises(Forbidden):
        run(ledger, "students", sample("students-sims.csv"), actor=adviser)
    assert ledger.service.event_count() == 0


def test_a_leader_cannot_add_activities_for_another_institutions_student(
    ledger: Ledger,
) -> None:
    run(ledger, "students", sample("students-sims.csv"))
    other = Actor("leader-2", Role.CAREERS_LEADER, institution_id="100002")
    report = run(
        ledger,
        "activities",
        csv_bytes("UPN,Activity Type,Date", "Q801400019001,LMI,01/10/2024"),
        actor=other,
    )
    assert report.imported == 0
    assert [r.problems[0].field for r in report.rejected] == ["UPN"]


def test_progress_is_reported_for_every_row(ledger: Ledger) -> None:
    seen: list[int] = []
    totals: list[int] = []
    MisImport(ledger.service, SECRET).run(
        "students",
        sample("students-sims.csv"),
        actor=LEADER,
        progress=seen.append,
        on_start=totals.append,
    )
    assert (totals, sum(seen)) == ([4], 4)
