"""The evidence pack as a PDF (fpdf2): the dashboard's charts and the verification details.

The charts are the same server-drawn SVG the pages show, embedded as vector
graphics.  DejaVu Sans is used when the system has it (Debian's
fonts-dejavu); otherwise the core Helvetica font (Latin-1; dashes become
hyphens).  A character the font lacks is never dropped or replaced: the pack
is refused (``PdfCannotShow``), naming what could not be shown.
"""

from __future__ import annotations

import io

from fpdf import FPDF

from api.pages import charts
from api.pages.evidence import EvidencePack
from api.pages.labels import STATE_LABELS, academic, group_label, percent, points, when
from api.render.pdf_layout import LATIN_1, add_unicode_font, covered_by, refusal

MONO = "Courier"
CHART_WIDTH = 180  # mm


class _Pack(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.family, self.unicode = add_unicode_font(self)
        self.covers = covered_by(self.family, self.unicode)
        self.set_auto_page_break(True, margin=15)
        self.set_title("Careers evidence pack")
        self.set_creator("Careers Ledger")
        self.add_page()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.cell(
            0, 6, self.safe(f"Careers Ledger evidence pack - page {self.page_no()}"), align="C"
        )

    def safe(self, text: str, covers: frozenset[int] | None = None) -> str:
        if not self.unicode or covers is not None:
            text = text.replace("\u2013", "-").replace("\u2014", "-")
        if not all(ord(c) in (covers or self.covers[self.family]) for c in text):
            raise refusal(["the evidence pack's text"], "The dashboard pages show it.")
        return text

    def heading(self, text: str, size: int = 14) -> None:
        self.ln(2)
        self.set_font(self.family, "B", size)
        self.multi_cell(0, 7, self.safe(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def para(self, text: str, size: int = 10, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, 5, self.safe(text), new_x="LMARGIN", new_y="NEXT")

    def facts(self, rows: list[tuple[str, str]]) -> None:
        for label, value in rows:
            self.set_font(self.family, "B", 10)
            self.cell(55, 6, self.safe(label))
            self.set_font(self.family, "", 10)
            self.multi_cell(0, 6, self.safe(value), new_x="LMARGIN", new_y="NEXT")

    def mono(self, text: str) -> None:
        self.set_font(MONO, "", 8)
        self.multi_cell(0, 4, self.safe(text, LATIN_1), new_x="LMARGIN", new_y="NEXT")

    def chart(self, title: str, svg: str) -> None:
        drawing = charts.for_pdf(svg)
        width_px, height_px = charts.WIDTH, _height(drawing)
        height_mm = CHART_WIDTH * height_px / width_px
        if self.get_y() + height_mm + 12 > self.h - self.b_margin:
            self.add_page()
        self.para(title, 10, bold=True)
        self.image(io.BytesIO(drawing), x=self.l_margin, y=self.get_y(), w=CHART_WIDTH)
        self.set_y(self.get_y() + height_mm + 3)


def _height(svg: bytes) -> float:
    head = svg[:300].decode("utf-8", "replace")
    marker = 'height="'
    start = head.index(marker) + len(marker)
    return float(head[start : head.index('"', start)])


def render_pdf(pack: EvidencePack) -> bytes:
    pdf = _Pack()
    board, v = pack.board, pack.verification
    pdf.heading("Careers evidence pack", 18)
    pdf.facts(
        [
            ("Institution", board.institution_id or "all"),
            ("Rule set", board.whole.ruleset),
            ("Academic year", academic(board.academic_year)),
            ("What had happened by", when(board.as_of)),
            ("As recorded by", when(board.filters.known_at) if board.filters.known_at else "now"),
            ("Generated", when(pack.generated_at)),
        ]
    )

    pdf.heading("Verification")
    pdf.facts(
        [
            ("Result", "Verified: no changes found" if v.ok else "PROBLEMS FOUND"),
            ("Student chains", f"{v.chain.streams} records, {v.chain.events} entries"),
            ("Global log", f"{v.log.leaves} leaves, {v.log.checkpoints} signed checkpoints"),
            ("Checked at", when(v.checked_at)),
        ]
    )
    for failure in [*v.chain.failures, *v.log.failures]:
        pdf.para(
            f"- student {failure.student_id or '-'}, entry {failure.sequence or '-'}: "
            f"{failure.problem}"
        )
    pdf.heading("Latest signed checkpoint", 12)
    if v.checkpoint is None:
        pdf.para("No checkpoint has been signed yet.")
    else:
        pdf.facts(
            [
                ("Log", v.checkpoint.origin),
                ("Tree size", str(v.checkpoint.size)),
                ("Root hash", v.root_b64),
            ]
        )
        pdf.mono(v.checkpoint.note.replace("\u2014", "--"))
    pdf.heading("Verifier key", 12)
    pdf.mono(v.public_key)

    pdf.add_page()
    pdf.heading("Benchmark states by year group")
    pdf.para(
        f"{board.whole.students} students. Colours: "
        + ", ".join(STATE_LABELS.values())
        + " (left to right)."
    )
    for summary in board.benchmarks:
        pdf.chart(f"{summary.benchmark} {summary.title}", board.charts[summary.benchmark])
    gaps = board.gaps()
    if gaps is not None and "gaps" in board.charts:
        pdf.heading(f"Equality gaps: {gaps.benchmark} {gaps.title}")
        pdf.chart("Met rate, each group against the rest of the cohort", board.charts["gaps"])
        for c in gaps.groups:
            pdf.para(
                f"{group_label(c.characteristic, c.group)}: {c.students} students, "
                f"met rate {percent(c.rate)}, gap {points(c.gap_pp)}",
                9,
            )
    pdf.heading("Provider Access Legislation")
    pdf.chart("Provider Access by year group", board.charts["provider_access"])
    for g, report in board.access.items():
        if report.students:
            pdf.para(f"Year {g}: {report.compliant} of {report.students} compliant", 9)
    pdf.heading("Destinations over three years")
    if not board.destinations.cohorts:
        pdf.para("No leavers are being followed yet.")
    for cohort in board.destinations.cohorts:
        key = f"destinations-{cohort.stage}-{cohort.leaving_year}"
        stage = "Year 11" if cohort.stage == "ks4" else "Year 13"
        pdf.chart(
            f"{stage} leavers of {academic(cohort.leaving_year)} ({cohort.students})",
            board.charts[key],
        )
    return bytes(pdf.output())
