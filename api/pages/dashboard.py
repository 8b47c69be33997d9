"""The cohort dashboard's numbers and charts, from the read use cases (``ledger.service.reads``).

Shared by the careers leader's dashboard, its CSV and the auditor's evidence
pack: benchmark states by year group under one rule set, the equality gaps
between groups, Provider Access compliance and three-year destinations, all
as of a date (``as_of``) and, for replay, as the ledger knew them (``known_at``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup

from api.bootstrap import Ledger
from api.pages import charts
from api.pages.labels import STATE_LABELS, SUSTAINED_LABELS, academic, group_label, part_label
from ledger.domain.access import Actor
from ledger.service.reads import (
    CohortReport,
    DestinationsReport,
    ProviderAccessReport,
)
from projections.rules import State, get_ruleset
from projections.rules.cohorts import (
    BINARY_CHARACTERISTICS,
    BenchmarkSummary,
    GroupComparison,
    StateCounts,
)

YEAR_GROUPS = tuple(range(7, 14))
PROVIDER_ACCESS_YEARS = tuple(range(8, 14))


@dataclass(frozen=True)
class Filters:
    ruleset: str
    academic_year: int | None
    year_group: int | None  # for the equality gaps; None is the whole cohort
    benchmark: str | None  # for the equality gaps
    as_of: date | None
    known_at: date | None


@dataclass
class Dashboard:
    filters: Filters
    institution_id: str | None
    academic_year: int
    as_of: date
    by_year: dict[int, CohortReport]
    whole: CohortReport
    access: dict[int, ProviderAccessReport]
    destinations: DestinationsReport
    benchmark: str
    charts: dict[str, Markup] = field(default_factory=dict)

    @property
    def benchmarks(self) -> tuple[BenchmarkSummary, ...]:
        return self.whole.benchmarks

    def gaps(self) -> BenchmarkSummary | None:
        for summary in (*self.whole.benchmarks, self.whole.provider_access):
            if summary.benchmark == self.benchmark:
                return summary
        return None


def _segments(counts: StateCounts) -> tuple[charts.Segment, ...]:
    return tuple(charts.Segment(s.value, STATE_LABELS[s.value], counts.count(s)) for s in State)


def build(ledger: Ledger, actor: Actor, filters: Filters) -> Dashboard:
    """Every number on the dashboard, for the actor's own institution."""
    scope = ledger.service.report_scope(None, actor=actor)
    reads = ledger.service.reads
    ruleset = get_ruleset(filters.ruleset).name
    common = {
        "actor": actor,
        "institution_id": scope,
        "as_of": filters.as_of,
        "known_at": filters.known_at,
    }
    whole = reads.cohort_report(
        ruleset=ruleset,
        academic_year=filters.academic_year,
        year_group=filters.year_group,
        **common,
    )
    year = whole.academic_year
    by_year = {
        g: reads.cohort_report(ruleset=ruleset, academic_year=year, year_group=g, **common)
        for g in YEAR_GROUPS
    }
    access = {
        g: reads.provider_access_report(academic_year=year, year_group=g, **common)
        for g in PROVIDER_ACCESS_YEARS
    }
    destinations = reads.destinations_report(**common)
    codes = [s.benchmark for s in (*whole.benchmarks, whole.provider_access)]
    chosen = filters.benchmark if filters.benchmark in codes else _default_benchmark(codes)
    board = Dashboard(
        filters, scope, year, whole.as_of, by_year, whole, access, destinations, chosen
    )
    board.charts = draw(board)
    return board


def _default_benchmark(codes: list[str]) -> str:
    return "BM8" if "BM8" in codes else codes[0]


def draw(board: Dashboard) -> dict[str, Markup]:
    drawn: dict[str, Markup] = {}
    present = [g for g in YEAR_GROUPS if board.by_year[g].students]
    for summary in board.whole.benchmarks:
        bars = []
        for g in present:
            found = next(b for b in board.by_year[g].benchmarks if b.benchmark == summary.benchmark)
            bars.append(charts.Bar(f"Year {g}", _segments(found.overall)))
        drawn[summary.benchmark] = charts.stacked_bars(
            f"{summary.benchmark} {summary.title}: states by year group",
            bars,
            charts.STATE_COLOURS,
        )
    gaps = board.gaps()
    if gaps is not None:
        drawn["gaps"] = charts.diverging_bars(
            f"{gaps.benchmark} met rate: each group against the rest of the cohort",
            [(group_label(c.characteristic, c.group), c.gap_pp) for c in gap_rows(gaps)],
        )
    access_years = [g for g in PROVIDER_ACCESS_YEARS if board.access[g].students]
    drawn["provider_access"] = charts.stacked_bars(
        "Provider Access Legislation encounters by year group",
        [charts.Bar(f"Year {g}", _segments(board.access[g].summary.overall)) for g in access_years],
        charts.STATE_COLOURS,
    )
    for cohort in board.destinations.cohorts:
        bars = [
            charts.Bar(
                f"Year {y.year_after} after",
                tuple(
                    charts.Segment(key, SUSTAINED_LABELS[key], value)
                    for key, value in (
                        ("sustained", y.sustained),
                        ("not_sustained", y.not_sustained),
                        ("not_captured", y.not_captured),
                        ("pending", y.pending),
                    )
                ),
            )
            for y in cohort.years
        ]
        label = "Year 11" if cohort.stage == "ks4" else "Year 13"
        drawn[f"destinations-{cohort.stage}-{cohort.leaving_year}"] = charts.stacked_bars(
            f"{label} leavers of {academic(cohort.leaving_year)}: destinations over three years",
            bars,
            charts.SUSTAINED_COLOURS,
            unit="leavers",
        )
    return drawn


def gap_rows(summary: BenchmarkSummary) -> list[GroupComparison]:
    """The groups worth comparing: each characteristic's "yes" group, and every gender."""
    return [
        c
        for c in summary.groups
        if (c.characteristic in BINARY_CHARACTERISTICS and c.group == "yes")
        or c.characteristic == "gender"
    ]


CSV_COLUMNS = (
    "section",
    "ruleset",
    "academic_year",
    "as_of",
    "known_at",
    "year_group",
    "benchmark",
    "title",
    "part",
    "characteristic",
    "group",
    "students",
    "met",
    "on_track",
    "at_risk",
    "not_met",
    "not_applicable",
    "met_rate",
    "gap_pp",
    "leaving_stage",
    "leaving_year",
    "year_after",
    "sustained",
    "not_sustained",
    "not_captured",
    "pending",
    "sustained_rate",
    "neet",
    "unknown",
)


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def to_csv(board: Dashboard) -> bytes:
    """Every figure behind the charts, one row each; UTF-8 with a BOM for Excel."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    f = board.filters
    head = {
        "ruleset": board.whole.ruleset,
        "academic_year": board.academic_year,
        "as_of": board.as_of.isoformat(),
        "known_at": f.known_at.isoformat() if f.known_at else "",
    }

    def counts(c: StateCounts) -> dict[str, object]:
        return {
            "students": c.total,
            **{s.value: c.count(s) for s in State},
            "met_rate": _rate(c.met_rate),
        }

    for g in YEAR_GROUPS:
        report = board.by_year[g]
        if not report.students:
            continue
        for s in (*report.benchmarks, report.provider_access):
            row = {
                **head,
                "section": "benchmark",
                "year_group": g,
                "benchmark": s.benchmark,
                "title": s.title,
            }
            writer.writerow({**row, "part": "overall", **counts(s.overall)})
            for p in s.parts:
                writer.writerow({**row, "part": part_label(p.part), **counts(p.counts)})
    for s in (*board.whole.benchmarks, board.whole.provider_access):
        for c in s.groups:
            writer.writerow(
                {
                    **head,
                    "section": "equality_gap",
                    "year_group": f.year_group or "all",
                    "benchmark": s.benchmark,
                    "title": s.title,
                    "characteristic": c.characteristic,
                    "group": c.group,
                    "students": c.students,
                    "met_rate": _rate(c.rate),
                    "gap_pp": "" if c.gap_pp is None else f"{c.gap_pp:.1f}",
                }
            )
    for cohort in board.destinations.cohorts:
        for y in cohort.years:
            writer.writerow(
                {
                    **head,
                    "section": "destinations",
                    "leaving_stage": cohort.stage,
                    "leaving_year": cohort.leaving_year,
                    "year_after": y.year_after,
                    "students": y.students,
                    "sustained": y.sustained,
                    "not_sustained": y.not_sustained,
                    "not_captured": y.not_captured,
                    "pending": y.pending,
                    "sustained_rate": _rate(y.sustained_rate),
                    "neet": y.neet,
                    "unknown": y.unknown,
                }
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
