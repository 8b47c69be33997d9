"""The facts fold: corrections applied, retractions removed, free text left behind."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.rules.facts import DROPPED_FIELDS, FactsBuilder, slim
from tests.factories import StudentStory, pupil
from tests.factories import entry as e


def test_a_correction_changes_the_fact_and_joins_its_evidence() -> None:
    story = pupil(e("employer_encounter", "2023-01-10", sector="Retail"))
    story.correct(3, sector="Health", occurred_on="2023-01-12")
    (encounter,) = story.facts().of_kind("employer_encounter")
    assert encounter.data["sector"] == "Health"
    assert encounter.occurred_on == date(2023, 1, 12)
    assert encounter.evidence == (3, 4)


def test_a_retraction_removes_the_fact_but_nothing_else() -> None:
    story = pupil(e("employer_encounter", "2023-01-10"), e("employer_encounter", "2023-02-10"))
    story.retract(3)
    assert [f.sequence for f in story.facts().of_kind("employer_encounter")] == [4]


def test_retracting_the_registration_withdraws_the_student() -> None:
    story = pupil()
    story.retract(1)
    assert story.facts().withdrawn


def test_a_corrected_registration_changes_the_characteristics() -> None:
    story = pupil(fsm=False)
    story.correct(1, characteristics={"gender": "male", "fsm": True})
    facts = story.facts()
    assert facts.characteristics.fsm
    assert facts.characteristics.gender == "male"
    assert facts.registration_evidence == (1, 3)


def test_names_and_free_text_are_left_out_of_the_facts() -> None:
    story = pupil(e("guidance_interview", "2026-11-12"), e("employer_encounter", "2023-01-10"))
    interview, encounter = story.facts().of_kind("guidance_interview", "employer_encounter")[::-1]
    assert "advice_given" not in interview.data
    assert "adviser_name" not in interview.data
    assert interview.data["advice_recorded"]
    assert interview.data["decisions_recorded"]
    assert "employer_name" not in encounter.data


def test_as_of_keeps_what_had_happened_by_that_day() -> None:
    story = pupil(e("employer_encounter", "2023-01-10"), e("employer_encounter", "2023-03-10"))
    assert len(story.facts().as_of(date(2023, 2, 1)).of_kind("employer_encounter")) == 1


# -- the fold against a plain model of the record --------------------------------------
KINDS = ["employer_encounter", "labour_market_information", "curriculum_learning"]
operations = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.sampled_from(KINDS), st.integers(0, 400)),
        st.tuples(st.just("correct"), st.integers(0, 50), st.integers(0, 400)),
        st.tuples(st.just("retract"), st.integers(0, 50), st.just(0)),
    ),
    max_size=25,
)


def _day(offset: int) -> str:
    return (date(2023, 1, 2) + timedelta(days=offset)).isoformat()


@settings(max_examples=150, deadline=None)
@given(operations, st.integers(1, 5))
def test_the_fold_equals_a_plain_model_of_the_record_however_it_is_fed(
    ops: list[tuple[str, Any, int]], chunk: int
) -> None:
    story = StudentStory()
    model: dict[int, tuple[str, str, dict[str, Any], list[int]]] = {}
    for op, arg, offset in ops:
        live = sorted(model)
        if op == "add":
            sequence = story.add(arg, occurred_on=_day(offset))
            kind = arg
            model[sequence] = (kind, _day(offset), story.events[-1].data, [])
        elif live and op == "correct":
            target = live[arg % len(live)]
            kind, _, data, amended = model[target]
            sequence = story.correct(target, occurred_on=_day(offset))
            model[target] = (kind, _day(offset), data, [*amended, sequence])
        elif live and op == "retract":
            target = live[arg % len(live)]
            story.retract(target)
            del model[target]
    builder = FactsBuilder(story.student_id)
    for start in range(0, len(story.events), chunk):
        for event in story.events[start : start + chunk]:
            builder.apply(event)
    folded = builder.build()
    assert folded == story.facts()
    assert [
        (f.sequence, f.kind, f.occurred_on.isoformat(), dict(f.data), list(f.amended_by))
        for f in folded.facts
    ] == [
        (seq, kind, day, slim(kind, data), amended)
        for seq, (kind, day, data, amended) in sorted(model.items())
    ]
    for fact in folded.facts:
        assert not DROPPED_FIELDS[fact.kind] & set(fact.data)
