"""Charts drawn on the server as inline SVG: no chart library, no network, printable.

Each chart is a ``role="img"`` SVG with a title and a one-sentence
description; every bar segment carries a tooltip with its count, and the
pages put the same numbers in a table beside it.  Text inside charts stays in
plain ASCII so the PDF renderer (fpdf2, which draws the same SVG) can set it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 520  # drawn at the size shown: pages never scale a chart below it (pages.css)
LABEL_WIDTH = 170  # at most
RIGHT_PAD = 56
ROW = 26
BAR = 18
LEGEND_ROW = 22
SEGMENT_GAP = 2  # px of white between neighbouring segments of a stacked bar
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'
_ids = itertools.count(1)

# Every fill is at least 3:1 against the white page (WCAG 1.4.11) and its ink at least
# 4.5:1 against the fill; tests/unit/test_chart_colours.py computes both.
STATE_COLOURS = {
    "met": ("#00703c", "#ffffff"),
    "on_track": ("#1d70b8", "#ffffff"),
    "at_risk": ("#a34a00", "#ffffff"),
    "not_met": ("#d4351c", "#ffffff"),
    "not_applicable": ("#858b8e", "#0b0c0c"),  # 3.45:1 on white; was #b1b4b6, 2.08:1
}
SUSTAINED_COLOURS = {
    "sustained": ("#00703c", "#ffffff"),
    "not_sustained": ("#d4351c", "#ffffff"),
    "not_captured": ("#505a5f", "#ffffff"),
    "pending": ("#858b8e", "#0b0c0c"),
}


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    value: int


@dataclass(frozen=True)
class Bar:
    label: str
    segments: tuple[Segment, ...]

    @property
    def total(self) -> int:
        return sum(s.value for s in self.segments)


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    fill: str = "#0b0c0c",
    size: int = 12,
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" {FONT} font-size="{size}" font-weight="{weight}" '
        f'fill="{fill}" text-anchor="{anchor}">{escape(text)}</text>'
    )


def _frame(title: str, description: str, height: float, body: list[str]) -> Markup:
    n = next(_ids)
    # Every piece of text was escaped as it was added; the rest is our own markup.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-labelledby="chart-{n}-title chart-{n}-desc">'
        f'<title id="chart-{n}-title">{escape(title)}</title>'
        f'<desc id="chart-{n}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def _label_width(labels: Sequence[str]) -> int:
    """Room for the longest row label (about 7 px a character at 12 px), within limits."""
    return max(60, min(LABEL_WIDTH, 16 + 7 * max((len(t) for t in labels), default=0)))


def _legend(
    entries: Sequence[tuple[str, str, str]], y: float, left: int
) -> tuple[list[str], float]:
    """Legend swatches wrapped across rows; returns the markup and the height used."""
    parts: list[str] = []
    x = left
    for _key, label, colour in entries:
        width = 22 + 7 * len(label)
        if x + width > WIDTH - 8:
            x = left
            y += LEGEND_ROW
        parts.append(
            f'<rect x="{x}" y="{y - 11}" width="14" height="14" fill="{colour}" '
            'stroke="#0b0c0c" stroke-width="0.5"/>'
        )
        parts.append(_text(x + 19, y, label))
        x += width + 12
    return parts, y + LEGEND_ROW


def stacked_bars(
    title: str,
    bars: Sequence[Bar],
    colours: dict[str, tuple[str, str]],
    *,
    unit: str = "students",
) -> Markup:
    """100% stacked horizontal bars, one per row (a year group, a cohort), with counts."""
    keys: dict[str, str] = {}
    for bar in bars:
        for segment in bar.segments:
            keys.setdefault(segment.key, segment.label)
    left = _label_width([bar.label for bar in bars])
    legend, top = _legend([(k, label, colours[k][0]) for k, label in keys.items()], 16, left)
    body = list(legend)
    span = WIDTH - left - RIGHT_PAD
    y = top + 4
    for bar in bars:
        body.append(_text(left - 8, y + BAR - 5, bar.label, anchor="end"))
        if bar.total == 0:
            body.append(_text(left, y + BAR - 5, f"no {unit}", fill="#505a5f"))
        shown = [s for s in bar.segments if s.value] if bar.total else []
        # Neighbouring fills differ by as little as 1.05:1, so a white gap, not colour
        # alone, marks where one segment ends (WCAG 1.4.11); the gaps come out of the
        # span first, so every segment keeps its share and a 1-in-200 one is still drawn.
        share_span = span - SEGMENT_GAP * max(len(shown) - 1, 0)
        x = float(left)
        for segment in shown:
            width = share_span * segment.value / bar.total
            fill, ink = colours[segment.key]
            share = 100 * segment.value / bar.total
            tip = f"{bar.label}: {segment.label} {segment.value} of {bar.total} ({share:.0f}%)"
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{BAR}" fill="{fill}">'
                f"<title>{escape(tip)}</title></rect>"
            )
            if width >= 22:
                body.append(
                    _text(
                        x + width / 2,
                        y + BAR - 5,
                        str(segment.value),
                        anchor="middle",
                        fill=ink,
                        size=11,
                        weight="bold",
                    )
                )
            x += width + SEGMENT_GAP
        body.append(
            _text(WIDTH - RIGHT_PAD + 6, y + BAR - 5, f"n={bar.total}", fill="#505a5f", size=11)
        )
        y += ROW
    description = f"{title}: " + "; ".join(
        f"{bar.label} " + ", ".join(f"{s.label.lower()} {s.value}" for s in bar.segments if s.value)
        for bar in bars
    )
    return _frame(title, description, y + 4, body)


def diverging_bars(
    title: str, rows: Sequence[tuple[str, float | None]], *, limit: float = 40.0
) -> Markup:
    """Gaps in percentage points either side of zero (a group's rate minus the rest's)."""
    widest = max([abs(v) for _, v in rows if v is not None] + [10.0])
    scale_max = min(limit, max(10.0, (int(widest) // 10 + 1) * 10))
    left = _label_width([label for label, _ in rows])
    span = (WIDTH - left - RIGHT_PAD) / 2
    zero = left + span
    body = [
        _text(zero - span, 14, f"-{scale_max:.0f} pp", fill="#505a5f", size=11),
        _text(zero, 14, "0", anchor="middle", fill="#505a5f", size=11),
        _text(zero + span, 14, f"+{scale_max:.0f} pp", anchor="end", fill="#505a5f", size=11),
    ]
    y = 24.0
    for label, value in rows:
        body.append(_text(left - 8, y + BAR - 5, label, anchor="end"))
        if value is None:
            body.append(_text(zero + 6, y + BAR - 5, "no comparison", fill="#505a5f", size=11))
        else:
            shown = max(-scale_max, min(scale_max, value))
            width = span * abs(shown) / scale_max
            x = zero if shown >= 0 else zero - width
            fill = "#1d70b8" if value >= 0 else "#d4351c"
            tip = f"{label}: {value:+.1f} percentage points against the rest of the cohort"
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 1):.1f}" height="{BAR}" '
                f'fill="{fill}"><title>{escape(tip)}</title></rect>'
            )
            tx, anchor = (x + width + 4, "start") if shown >= 0 else (x - 4, "end")
            body.append(_text(tx, y + BAR - 5, f"{value:+.1f}", anchor=anchor, size=11))
        y += ROW
    body.append(
        f'<line x1="{zero:.1f}" y1="20" x2="{zero:.1f}" y2="{y:.1f}" '
        'stroke="#0b0c0c" stroke-width="1"/>'
    )
    description = f"{title}: " + "; ".join(
        f"{label} {'no comparison' if v is None else f'{v:+.1f} points'}" for label, v in rows
    )
    return _frame(title, description, y + 4, body)


def for_pdf(svg: str) -> bytes:
    """The same chart for fpdf2, which draws shapes and text but not titles."""
    cleaned = re.sub(r"<title[^>]*>.*?</title>|<desc[^>]*>.*?</desc>", "", svg, flags=re.S)
    return cleaned.encode("utf-8")
