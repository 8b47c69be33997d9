"""Chart colours against WCAG 2.x: every segment stands out from the white page (1.4.11 asks
3:1 for graphics), and segments next to each other, whose colours differ by as little as
1.05:1, are told apart by a white gap between them rather than by colour alone."""

from __future__ import annotations

import itertools
import re

import pytest

from api.pages import charts

PAGE = "#ffffff"
GAP_PX = 2.0
SEGMENT = re.compile(
    r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="\d+" fill="(#\w+)"[^>]*><title>'
)
PALETTES = {"states": charts.STATE_COLOURS, "destinations": charts.SUSTAINED_COLOURS}


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_matches_wcags_reference_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#b1b4b6", "#ffffff") == pytest.approx(2.08, abs=0.01)  # the old grey


@pytest.mark.parametrize("palette", PALETTES.values(), ids=PALETTES.keys())
def test_every_segment_colour_has_at_least_3_to_1_against_the_white_page(
    palette: dict[str, tuple[str, str]],
) -> None:
    weak = {key: round(contrast(fill, PAGE), 2) for key, (fill, _) in palette.items()}
    assert {key: ratio for key, ratio in weak.items() if ratio < 3.0} == {}


@pytest.mark.parametrize("palette", PALETTES.values(), ids=PALETTES.keys())
def test_adjacent_segments_of_a_stacked_bar_are_separated_by_a_white_gap(
    palette: dict[str, tuple[str, str]],
) -> None:
    keys = list(palette)
    bars = [
        charts.Bar("Year 10", tuple(charts.Segment(k, k, n) for n, k in enumerate(keys, 1))),
        charts.Bar("Year 11", tuple(charts.Segment(k, k, 1) for k in keys)),
        charts.Bar(
            "Year 12", (charts.Segment(keys[0], keys[0], 200), charts.Segment(keys[1], keys[1], 1))
        ),
    ]
    drawn = str(charts.stacked_bars("Every state", bars, palette))
    segments = [
        (float(y), float(x), float(width), fill) for x, y, width, fill in SEGMENT.findall(drawn)
    ]
    rows: dict[float, list[tuple[float, float, str]]] = {}
    for y, x, width, fill in segments:
        rows.setdefault(y, []).append((x, width, fill))
    assert [len(row) for row in rows.values()] == [len(keys), len(keys), 2]
    for row in rows.values():
        row.sort()
        for (x, width, _), (next_x, next_width, _) in itertools.pairwise(row):
            assert next_x - (x + width) >= GAP_PX - 0.11, (
                row
            )  # the page shows through (coordinates round to 0.1)
            assert min(width, next_width) > 0  # even a 1-in-201 segment is drawn
