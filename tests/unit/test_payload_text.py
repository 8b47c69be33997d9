"""Names and free text of every payload refuse NUL and bidirectional controls.

A NUL cuts the text short in C-string readers and PostgreSQL text; an embedding,
override or isolate control (U+202A-U+202E, U+2066-U+2069) reorders what a reader sees
(a name or an adviser's note that displays differently from what is stored). Each is
refused naming the field and the reason, never the value (docs/identifiers.md).
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ledger.domain.events import EVENT_CLASSES
from tests.factories import PAYLOADS, registration

OTHER_BASES: dict[str, dict[str, Any]] = {
    "correction": {
        "occurred_on": "2024-10-01",
        "amends_sequence": 3,
        "changes": {"outcome": "declined"},
        "reason": "typo",
    },
    "retraction": {"occurred_on": "2024-10-01", "amends_sequence": 3, "reason": "wrong pupil"},
    "legal_hold_lifted": {"occurred_on": "2024-10-01", "reason": "closed"},
    "erasure": {"occurred_on": "2024-10-01", "reason": "request"},
}
REFUSED = {
    "\x00": "NUL",
    "\u202a": "LRE",
    "\u202b": "RLE",
    "\u202c": "PDF",
    "\u202d": "LRO",
    "\u202e": "RLO",
    "\u2066": "LRI",
    "\u2067": "RLI",
    "\u2068": "FSI",
    "\u2069": "PDI",
}


def _base(kind: str) -> dict[str, Any]:
    if kind == "registration":
        return registration()
    if kind in PAYLOADS:
        return dict(PAYLOADS[kind]())
    return dict(OTHER_BASES[kind])


def _valid(model: type[BaseModel], data: dict[str, Any]) -> bool:
    try:
        model.model_validate(data)
    except ValidationError:
        return False
    return True


def _text_fields() -> list[tuple[str, str, bool]]:
    """(kind, field, is a list) for every field that accepts a plain name as text."""
    found = []
    for kind, event_class in EVENT_CLASSES.items():
        model, base = event_class.PAYLOAD, _base(kind)
        assert _valid(model, base), kind
        for name in model.model_fields:
            if _valid(model, {**base, name: "Ann Lee"}):
                found.append((kind, name, False))
            elif _valid(model, {**base, name: ["Ann Lee"]}):
                found.append((kind, name, True))
    return found


TEXT_FIELDS = _text_fields()


def test_the_sweep_finds_the_names_and_free_text_of_the_payloads() -> None:
    fields = {(kind, name) for kind, name, _ in TEXT_FIELDS}
    expected = {
        ("registration", "given_name"),
        ("guidance_interview", "advice_given"),
        ("guidance_interview", "agreed_actions"),
        ("guidance_interview_not_taken", "adviser_name"),
        ("reflection", "text"),
        ("intended_destination", "notes"),
        ("correction", "reason"),
    }
    assert expected <= fields


@pytest.mark.parametrize("char", list(REFUSED), ids=list(REFUSED.values()))
@pytest.mark.parametrize(("kind", "name", "is_list"), TEXT_FIELDS, ids=lambda v: str(v))
def test_a_nul_or_bidi_control_in_any_text_field_is_refused_naming_the_field(
    kind: str, name: str, is_list: bool, char: str
) -> None:
    bad = f"Ann{char}eL yrraH"
    value: object = [bad] if is_list else bad
    with pytest.raises(ValidationError) as caught:
        EVENT_CLASSES[kind].PAYLOAD.model_validate({**_base(kind), name: value})
    errors = caught.value.errors(include_input=False, include_url=False)
    assert [e["loc"][0] for e in errors] == [name]
    reason = str(errors[0]["msg"])
    expected = "NUL" if char == "\x00" else "bidirectional"
    assert expected in reason
    assert bad not in str(caught.value.errors(include_input=False))


@pytest.mark.parametrize("mark", ["\u200e", "\u200f"])
def test_left_to_right_and_right_to_left_marks_are_kept_in_names(mark: str) -> None:
    data = registration(given_name=f"\u0633\u0627\u0631\u0629{mark} 2")
    model = EVENT_CLASSES["registration"].PAYLOAD.model_validate(data)
    assert mark in model.given_name  # type: ignore[attr-defined]
