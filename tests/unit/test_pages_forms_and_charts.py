"""The pages' parts without a server: the session cookie, entry forms and charts.

Sessions, CSRF and forms over HTTP against a real ledger: tests/integration/test_pages_http.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.datastructures import FormData

from api.config import Settings
from api.pages import charts
from api.pages.forms import entry_form, errors_by_field, read_payload
from api.pages.session import Session, SessionCodec
from api.store.keys import session_key
from ledger.domain.errors import FieldProblem, ValidationFailed


def test_a_tampered_or_foreign_cookie_is_no_session() -> None:
    codec = SessionCodec(b"k" * 16 + bytes(range(16)), secure=False)
    sealed = codec.seal(Session(csrf="c", token="clt_secret"))
    assert codec.open(sealed) == Session(csrf="c", token="clt_secret")
    assert "clt_secret" not in sealed
    middle = len(sealed) // 2
    flipped = "A" if sealed[middle] != "A" else "B"
    assert codec.open(sealed[:middle] + flipped + sealed[middle + 1 :]) is None
    other = SessionCodec(bytes(range(32)), secure=False)
    assert other.open(sealed) is None


def test_production_refuses_to_run_the_pages_without_a_session_key(tmp_path: Path) -> None:
    settings = Settings(mode="production", database_url=f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(ValidationFailed) as refused:
        session_key(settings)
    assert refused.value.problems[0].field == "CAREERS_LEDGER_SESSION_KEY"


def test_an_entry_form_takes_its_rules_from_the_payload_model() -> None:
    form = entry_form("guidance_interview")
    fields = {f.name: f for f in form.fields}
    assert fields["adviser_qualification_level"].attrs["min"] == "2"
    assert fields["adviser_qualification_level"].attrs["max"] == "8"
    assert fields["advice_given"].required
    assert fields["advice_given"].widget == "textarea"
    assert fields["agreed_actions"].widget == "lines"
    assert fields["follow_up_on"].attrs["data-not-before"] == "f-occurred-on"
    sent = FormData(
        [
            ("agreed_actions", "Visit the college\n\n  Ask for a taster day "),
            ("duration_minutes", "40"),
            ("intended_destination", ""),
        ]
    )
    payload = read_payload(form, sent)
    assert payload["agreed_actions"] == ["Visit the college", "Ask for a taster day"]
    assert "intended_destination" not in payload
    errors, general = errors_by_field(
        form,
        (
            FieldProblem("duration_minutes", "Input should be greater than or equal to 5"),
            FieldProblem("body", "follow_up_on must not be before occurred_on"),
        ),
    )
    assert errors == {
        "duration_minutes": "Input should be greater than or equal to 5",
        "follow_up_on": "Must not be before date of the interview",
    }
    assert general == []


def test_charts_are_self_contained_svg_with_every_label_escaped() -> None:
    drawn = str(
        charts.stacked_bars(
            "BM5 <by year>",
            [
                charts.Bar(
                    "Year 7",
                    (charts.Segment("met", "Met", 3), charts.Segment("not_met", "Not met", 1)),
                )
            ],
            charts.STATE_COLOURS,
        )
    )
    assert drawn.startswith("<svg")
    assert 'role="img"' in drawn
    assert "BM5 &lt;by year&gt;" in drawn
    assert "http" not in drawn.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "Year 7: Met 3 of 4 (75%)" in drawn
    assert b"<title" not in charts.for_pdf(drawn)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize(
    "palette", [charts.STATE_COLOURS, charts.SUSTAINED_COLOURS], ids=["states", "destinations"]
)
def test_numbers_printed_on_chart_bars_meet_the_wcag_aa_contrast_ratio(
    palette: dict[str, tuple[str, str]],
) -> None:
    for fill, ink in palette.values():
        assert _contrast(fill, ink) >= 4.5, (fill, ink)
