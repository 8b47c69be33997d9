"""Rich tables for the cohort reports (``report`` and the demo's summary print these).

They sit below both ``api.cli.commands`` and ``api.cli.demo``, so the demo never
imports the commands (the commands import the demo).  They speak the pages' words
(``api.render.labels``: part and state labels, never a rule set's keys) and fit an
80-column terminal: every column folds rather than cutting a word with an ellipsis.
The CSV output (``report ... --format csv``) keeps the stable machine keys.
"""

from __future__ import annotations

from typing import Any

from rich.table import Column, Table

from api.render.labels import STATE_LABELS as STATE_WORDS
from api.render.labels import group_label, part_label
from ledger.service.reads import CohortReport, DestinationsReport
from projections.rules import State
from projections.rules.cohorts import GroupComparison
from projections.views.destinations_report import LeaverCohort

STATE_LABELS = {state: STATE_WORDS[state.value] for state in State}
# Short headers, so seven columns fit 80; GAP_LEGEND spells each out (the pages' words).
GAP_GROUPS = (
    ("fsm", "yes", "FSM"),
    ("send", "yes", "SEND"),
    ("pupil_premium", "yes", "PP"),
    ("care_experienced", "yes", "Care-exp."),
    ("gender", "female", "Female"),
    ("gender", "male", "Male"),
)
GAP_LEGEND = "; ".join(
    f"{short}: {group_label(name, group).lower()}"
    for name, group, short in GAP_GROUPS
    if short != group_label(name, group)
)


def _table(*headers: str, widths: tuple[int, ...] = (), **options: Any) -> Table:
    """A table whose columns wrap at words and never narrow below a header's longest word
    (rich would otherwise shrink every column in proportion, splitting words); a word
    longer than its column folds rather than ending in an ellipsis.  ``widths`` fixes
    the columns' widths where the natural ones would not fit 80 columns."""
    columns = [
        Column(h, overflow="fold", min_width=max(len(w) for w in h.split())) for h in headers
    ]
    for column, width in zip(columns, widths, strict=False):
        column.width = width
    return Table(*columns, **options)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _gap(found: GroupComparison | None) -> str:
    if found is None or found.gap_pp is None:
        return "-"
    return whole_points(found.gap_pp)


def whole_points(value: float) -> str:
    """A gap in whole points, signed; a gap that rounds to nothing is "0", never "-0"."""
    rounded = round(value)
    return "0" if rounded == 0 else f"{rounded:+d}"


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
    table = _table(
        "Benchmark",
        *(STATE_LABELS[s] for s in State),
        "Met rate",
        title=f"{report.ruleset}: {report.students:,} students, {scope(report)}",
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
    table = _table(
        "Benchmark",
        *(label for _, _, label in GAP_GROUPS),
        title="Gaps (points of met rate against the rest of the cohort)",
        caption=GAP_LEGEND,
    )
    for summary in (*report.benchmarks, report.provider_access):
        groups = {(g.characteristic, g.group): g for g in summary.groups}
        table.add_row(
            summary.benchmark, *(_gap(groups.get((name, group))) for name, group, _ in GAP_GROUPS)
        )
    return table


def parts_table(report: CohortReport) -> Table:
    table = _table(
        "Benchmark",
        "Part",
        *(STATE_LABELS[s] for s in State),
        title="By part (students)",
    )
    for summary in (*report.benchmarks, report.provider_access):
        for part in summary.parts:
            table.add_row(
                summary.benchmark,
                part_label(part.part),
                *(str(part.counts.count(s)) for s in State),
            )
    return table


def destinations_table(cohort: LeaverCohort) -> Table:
    stage = "Year 11 (KS4)" if cohort.stage == "ks4" else "Year 13 (KS5)"
    table = _table(
        "Year after leaving",
        "Sustained",
        "Not sustained",
        "Not captured",
        "Year not over",
        "Rate",
        "NEET",
        "Unknown",
        # The longest word of each header or cell ("2021/22", "sustained"): 77 columns in all.
        widths=(7, 9, 9, 8, 4, 4, 4, 7),
        title=f"{stage} leavers of {_year(cohort.leaving_year)}: {cohort.students} students",
        caption="Rate: sustained, of the students whose year is over; NEET and Unknown: of "
        "the students whose year has begun. Intended destination recorded for "
        f"{cohort.intended.with_intended}; agreeing with year 1: {cohort.intended.agreeing} of "
        f"{cohort.intended.comparable} ({_pct(cohort.intended.agreement_rate)})",
    )
    for year in cohort.years:
        table.add_row(
            f"{year.year_after} in {_year(year.academic_year)}",
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
    table = _table(
        "Year after leaving",
        *(label for _, _, label in GAP_GROUPS),
        title="Gaps (points of sustained rate against the rest of the cohort)",
        caption=GAP_LEGEND,
    )
    for year in cohort.years:
        groups = {(g.characteristic, g.group): g for g in year.groups}
        table.add_row(
            f"{year.year_after} in {_year(year.academic_year)}",
            *(_gap(groups.get((name, group))) for name, group, _ in GAP_GROUPS),
        )
    return table
