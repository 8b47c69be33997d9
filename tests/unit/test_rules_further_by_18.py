"""The by-16 / by-18 split of BM6 and BM8, for random histories under both rule sets.

"Further" by 18 means in Years 12-13 (docs/projections.md, "The rules in brief"): a
second interview or experience before the end of Year 11 satisfies only the by-16
part. The pupil of ``tests.factories.pupil`` is in Year G during academic year
2015 + G (Year 7 in 2022/23, Year 13 in 2028/29).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.rules import State, get_ruleset
from tests.factories import entry as e
from tests.factories import pupil

FURTHER_YEARS = range(12, 14)
AFTER_YEAR_13 = date(2029, 9, 1)
BEFORE_YEAR_12 = date(2027, 8, 31)


def _on(year_group: int, day: int) -> date:
    """A day of Year ``year_group``: ``day`` days after 10 September of that year."""
    return date(2015 + year_group, 9, 10) + timedelta(days=day)


def _year_group(on: date) -> int:
    return (on.year if on.month >= 9 else on.year - 1) - 2015


# (year group, day in the year, kind) in any order; sorted by date, the pupil records them
# in that order, so the entry order is the (date, sequence) order the rules read.
moments = st.tuples(st.integers(7, 13), st.integers(0, 300))
experiences = st.lists(
    st.tuples(moments, st.sampled_from(["visit", "shadowing", "placement"])), max_size=5
)
# An interview's or offer's kind and its adviser's qualification level (None: not recorded).
interviews = st.lists(
    st.tuples(
        moments,
        st.tuples(
            st.sampled_from(["guidance_interview", "guidance_interview_not_taken"]),
            st.sampled_from([None, 4, 6, 7]),
        ),
    ),
    max_size=5,
)
QUALIFIED = 6


def _dated(history: list[tuple[tuple[int, int], Any]]) -> list[tuple[date, Any]]:
    return sorted(
        ((_on(*moment), kind) for moment, kind in history), key=lambda t: (t[0], repr(t[1]))
    )


def _part(ruleset: str, story: object, benchmark: str, as_of: date) -> State:
    attainment = get_ruleset(ruleset).evaluate(story.facts(), as_of)  # type: ignore[attr-defined]
    (found,) = [p for p in attainment.benchmark(benchmark).parts if p.part == "by_18"]
    return found.state


def _workplace_story(history: list[tuple[date, str]]) -> object:
    return pupil(
        *(
            e("workplace_experience", on.isoformat(), kind=kind, end_on=on.isoformat(), days="1")
            for on, kind in history
        )
    )


def _guidance_story(history: list[tuple[date, tuple[str, int | None]]]) -> object:
    def one(on: date, kind: str, level: int | None) -> tuple[str, dict[str, Any]]:
        if kind == "guidance_interview":  # the interview records a level always
            return e(kind, on.isoformat(), adviser_qualification_level=level or 4)
        return e(kind, on.isoformat(), adviser_qualification_level=level)

    return pupil(*(one(on, kind, level) for on, (kind, level) in history))


@settings(max_examples=60, deadline=None)
@given(experiences)
def test_bm6_by_18_is_met_only_by_an_experience_in_years_12_13(
    raw: list[tuple[tuple[int, int], str]],
) -> None:
    history = _dated(raw)
    story = _workplace_story(history)
    in_further = [on for on, _ in history if _year_group(on) in FURTHER_YEARS]
    # 2014: a second experience, the second one in Years 12-13.
    second_in_further = any(_year_group(on) in FURTHER_YEARS for on, _ in history[1:])
    assert (_part("gatsby-2014", story, "BM6", AFTER_YEAR_13) is State.MET) == second_in_further
    # 2025: one experience in Years 12-13 (the by-16 days are their own parts).
    assert (_part("gatsby-2025", story, "BM6", AFTER_YEAR_13) is State.MET) == bool(in_further)
    for ruleset in ("gatsby-2014", "gatsby-2025"):
        assert _part(ruleset, story, "BM6", BEFORE_YEAR_12) is not State.MET


@settings(max_examples=60, deadline=None)
@given(interviews)
def test_bm8_by_18_is_met_only_by_a_further_interview_in_years_12_13(
    raw: list[tuple[tuple[int, int], tuple[str, int | None]]],
) -> None:
    history = _dated(raw)
    story = _guidance_story(history)
    # Both rule sets: only a Level 6+ adviser's interview or offer counts.
    qualified = [(on, kind) for on, (kind, level) in history if (level or 0) >= QUALIFIED]
    held = [i for i, (_, kind) in enumerate(qualified) if kind == "guidance_interview"]
    first = held[0] if held else None
    # 2014: after the first interview, a further one held or offered, in Years 12-13.
    offered_later = first is not None and any(
        _year_group(on) in FURTHER_YEARS for on, _ in qualified[first + 1 :]
    )
    # 2025: after the first meeting, a further one held, in Years 12-13.
    held_later = any(_year_group(qualified[i][0]) in FURTHER_YEARS for i in held[1:])
    assert (_part("gatsby-2014", story, "BM8", AFTER_YEAR_13) is State.MET) == offered_later
    assert (_part("gatsby-2025", story, "BM8", AFTER_YEAR_13) is State.MET) == held_later
    for ruleset in ("gatsby-2014", "gatsby-2025"):
        assert _part(ruleset, story, "BM8", BEFORE_YEAR_12) is not State.MET
