"""Rich tables for the cohort reports (``report`` and the demo's summary print these).

They sit below both ``api.cli.commands`` and ``api.cli.demo``, so the demo never
imports the commands (the commands import the demo).
"""

from __future__ import annotations

from rich.table import Table

from ledger.service.reads import CohortReport, DestinationsReport
from projections.rules import State
from projections.rules.cohorts import GroupComparison
from projections.views.destinations_report import LeaverCohort

STATE_LABELS = {
    State.MET: "met",
    State.ON_TRACK: "on track",
    State.AT_RISK: "at risk",
    State.NOT_MET: "not met",
    State.NOT_APPLICABLE: "n/a",
}
GAP_GROUPS = (
    ("fsm", "yes", "FSM"),
    ("send", "yes", "SEND"),
    ("pupil_premium", "yes", "PP"),
    ("care_experienced", "yes", "care exp."),
    ("gender", "female", "female"),
    ("gender", "male", "male"),
)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _gap(found: GroupComparison | None) -> str:
    if found is None or found.gap_pp is None:
        return "-"
    return f"{found.gap_pp:+.0f}"


def scope(report: CohortReport | DestinationsReport) -> str:
    parts = [f"institution {report.institution_id}" if report.institution_id else "all students"]
    if isinstance(report, CohortReport):
        parts.append(_year(report.academic_year))
        if report.year_group is not None:
            parts.append(f"Year {report.year_group}")
    parts.append(f"as of {report.as_of.isoformat()}")
    if report.known_at is not None:
        parts.append(f"as known on {report.known_at.isoformat()}")
    return ", ".join(parts)


def benchmark_table(report: CohortReport) -> Table:
    """One row per benchmark (BM2..BM8, then Provider Access): the share in each state."""
    table = Table(
        "benchmark",
        *(STATE_LABELS[s] for s in State),
        "met rate",
        title=f"{report.ruleset}: {report.students} students, {scope(report)}",
        caption="shares of the cohort; met rate: of the students it applies to",
    )
    for summary in (*report.benchmarks, report.provider_access):
        table.add_row(
            summary.benchmark,
            *(_pct(summary.overall.share(s)) if report.students else "-" for s in State),
            _pct(summary.overall.met_rate),
        )
    return table


def gaps_table(report: CohortReport) -> Table:
    """Each group's met rate against the rest of the cohort, in percentage points."""
    table = Table(
        "benchmark",
        *(label for _, _, label in GAP_GROUPS),
        title="Gaps (points of met rate against the rest of the cohort)",
    )
    for summary in (*report.benchmarks, report.provider_access):
        groups = {(g.characteristic, g.group): g for g in summary.groups}
        table.add_row(
            summary.benchmark, *(_gap(groups.get((name, group))) for name, group, _ in GAP_GROUPS)
        )
    return table


def parts_table(report: CohortReport) -> Table:
    table = Table("benchmark", "part", *(STATE_LABELS[s] for s in State), title="By part")
    for summary in (*report.benchmarks, report.provider_access):
        for part in summary.parts:
            table.add_row(summary.benchmark, part.part, *(str(part.counts.count(s)) for s in State))
    return table


def destinations_table(cohort: LeaverCohort) -> Table:
    stage = "Year 11 (KS4)" if cohort.stage == "ks4" else "Year 13 (KS5)"
    table = Table(
        "after",
        "year",
        "sustained",
        "not sust.",
        "not capt.",
        "pending",
        "rate",
        "NEET",
        "unknown",
        title=f"{stage} leavers of {_year(cohort.leaving_year)}: {cohort.students} students",
        caption=f"intended destination recorded for {cohort.intended.with_intended}; "
        f"agreeing with year 1: {cohort.intended.agreeing} of {cohort.intended.comparable} "
        f"({_pct(cohort.intended.agreement_rate)})",
    )
    for year in cohort.years:
        table.add_row(
            str(year.year_after),
            _year(year.academic_year),
            str(year.sustained),
            str(year.not_sustained),
            str(year.not_captured),
            str(year.pending),
            _pct(year.sustained_rate),
            _pct(year.neet_rate),
            _pct(year.unknown_rate),
        )
    return table


def _year(academic_year: int) -> str:
    return f"{academic_year}/{(academic_year + 1) % 100:02d}"


def destination_gaps_table(cohort: LeaverCohort) -> Table:
    """Sustained-rate gaps per destination year, in points against the rest of the cohort."""
    table = Table(
        "after",
        *(label for _, _, label in GAP_GROUPS),
        title="Gaps (points of sustained rate against the rest of the cohort)",
    )
    for year in cohort.years:
        groups = {(g.characteristic, g.group): g for g in year.groups}
        table.add_row(
            str(year.year_after),
            *(_gap(groups.get((name, group))) for name, group, _ in GAP_GROUPS),
        )
    return table
