"""Properties of the projections over random histories, on both backends.

Whatever was appended, in whatever batches: the tables maintained event by
event equal a rebuild from scratch, and each student's stored facts equal the
pure fold of their stream.  A worker that dies inside a batch, after writing
some rows, and is restarted, ends in that same state.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection

from api.bootstrap import Ledger
from ledger.domain.calendar import academic_year_of
from ledger.service.commands import Command
from projections.rules.facts import Fact, LoggedEvent, fold
from projections.runner.engine import Projector
from projections.runner.log import stream_events
from projections.views.fact_rows import load_student_facts, roll_rows
from projections.views.readside import default_projections
from projections.views.sealing import RowSealer
from projections.views.student_facts import StudentFactsProjection
from projections.views.timeline import TimelineProjection
from tests import factories
from tests.integration.test_projection_engine import snapshot

KINDS = (
    "employer_encounter",
    "guidance_interview",
    "provider_encounter",
    "labour_market_information",
    "enrolment",
    "leaving",
    "destination",
)
step = st.one_of(
    st.tuples(st.just("record"), st.sampled_from(KINDS), st.integers(0, 700)),
    st.tuples(st.just("correct"), st.integers(0, 30), st.integers(0, 700)),
    st.tuples(st.just("retract"), st.integers(0, 30), st.just(0)),
    st.tuples(st.just("flush"), st.just(""), st.just(0)),
)
histories = st.lists(st.lists(step, max_size=12), min_size=1, max_size=3)
EXAMPLE_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _day(offset: int) -> str:
    return (date(2022, 9, 1) + timedelta(days=offset)).isoformat()


def _payload(kind: str, offset: int) -> dict[str, Any]:
    day = _day(offset)
    if kind == "enrolment":
        year = int(day[:4]) if day[5:] >= "09-01" else int(day[:4]) - 1
        return factories.enrolment(occurred_on=day, academic_year=year, year_group=year - 2015)
    if kind == "leaving":
        return factories.leaving(occurred_on=day, year_group=9)
    if kind == "destination":
        return factories.destination(occurred_on=day, start_on=day)
    return factories.PAYLOADS[kind](occurred_on=day)


def append(ledger: Ledger, history: list[list[tuple[str, Any, int]]]) -> list[UUID]:
    """Register one student per list of steps and append the steps in random batches."""
    service = ledger.service
    students = []
    for steps in history:
        student = service.register_student(factories.registration()).student_id
        students.append(student)
        batch: list[Command] = []
        live: list[int] = []
        sequence = 1
        for op, arg, offset in steps:
            if op in {"correct", "retract"} and live:
                # The service reads the corrected entry from the store: save first.
                if batch:
                    service.execute(batch)
                    batch = []
                target = live[arg % len(live)]
                if op == "correct":
                    service.correct(student, target, {"occurred_on": _day(offset)}, "date")
                else:
                    service.retract(student, target, "wrong pupil")
                    live.remove(target)
                sequence += 1
            elif op == "record":
                batch.append(Command(arg, _payload(arg, offset), student_id=student))
                sequence += 1
                live.append(sequence)
            elif op == "flush" and batch:
                service.execute(batch)
                batch = []
        if batch:
            service.execute(batch)
    return students


def stream_of(ledger: Ledger, student: UUID) -> list[LoggedEvent]:
    return list(stream_events(ledger.app, student))


@EXAMPLE_SETTINGS
@given(history=histories)
def test_incremental_projection_equals_a_rebuild_and_the_pure_fold(
    ledger: Ledger, history: list[list[tuple[str, Any, int]]]
) -> None:
    students = append(ledger, history)
    incremental = snapshot(ledger)
    ledger.projections.projector.rebuild()
    assert snapshot(ledger) == incremental
    sealer = ledger.projections.sealer
    in_small_batches = Projector(
        ledger.app, ledger.engine, default_projections(sealer), rebuild_batch_size=3
    )
    in_small_batches.rebuild()  # caches carried from batch to batch (e.g. unchanged rolls)
    assert snapshot(ledger) == incremental
    with ledger.engine.connect() as connection:
        stored = {f.student_id: f for f in load_student_facts(connection, sealer, students)}
    for student in students:
        assert stored[student] == fold(student, stream_of(ledger, student))


class DiesInBatch(StudentFactsProjection):
    """Writes its rows for a batch, then dies before the commit, on the n-th batch."""

    def __init__(self, sealer: RowSealer, die_at: int) -> None:
        super().__init__(sealer)
        self.batches = 0
        self.die_at = die_at

    def process(self, connection: Connection, events: Sequence[LoggedEvent]) -> None:
        super().process(connection, events)
        self.batches += 1
        if self.batches == self.die_at:
            raise RuntimeError("killed mid-batch")


@EXAMPLE_SETTINGS
@given(history=histories, die_at=st.integers(1, 4), batch=st.integers(1, 6))
def test_a_worker_killed_mid_batch_and_restarted_ends_in_the_same_state(
    quiet_ledger: Ledger, history: list[list[tuple[str, Any, int]]], die_at: int, batch: int
) -> None:
    append(quiet_ledger, history)
    sealer = quiet_ledger.projections.sealer
    dying = Projector(
        quiet_ledger.app,
        quiet_ledger.engine,
        [DiesInBatch(sealer, die_at), TimelineProjection(sealer)],
        batch_size=batch,
    )
    with contextlib.suppress(RuntimeError):  # the worker died; its batch rolled back
        dying.catch_up()
    restarted = Projector(
        quiet_ledger.app, quiet_ledger.engine, default_projections(sealer), batch_size=batch
    )
    restarted.catch_up()
    recovered = snapshot(quiet_ledger)
    restarted.rebuild()
    assert snapshot(quiet_ledger) == recovered


def reference_roll_rows(
    student: UUID, spells_and_leavings: Sequence[Fact]
) -> list[tuple[Any, ...]]:
    """The rolls rule stated plainly: each spell ends at the earliest of its institution's
    later leavings and every later enrolment; in-step yearly spells at one place merge."""
    ordered = sorted(spells_and_leavings, key=lambda f: (f.occurred_on, f.sequence))
    enrolments = sorted(
        (f for f in ordered if f.kind == "enrolment"),
        key=lambda f: (int(f.data["academic_year"]), f.occurred_on, f.sequence),
    )
    leavings = [f for f in ordered if f.kind == "leaving"]
    rows: list[list[Any]] = []
    for index, spell in enumerate(enrolments):
        institution = str(spell.data["institution_id"])
        ends = [
            academic_year_of(leaving.occurred_on)
            for leaving in leavings
            if leaving.data.get("institution_id") == institution
            and leaving.occurred_on >= spell.occurred_on
        ]
        ends += [int(later.data["academic_year"]) for later in enrolments[index + 1 :]]
        year = int(spell.data["academic_year"])
        until = max(min(ends), year) if ends else None
        year0 = year - int(spell.data["year_group"])
        last = rows[-1] if rows else None
        if last is not None and last[2] == institution and last[6] == year0 and last[5] == year:
            last[5] = until
            continue
        kind = str(spell.data.get("institution_kind", "school"))
        rows.append([student.hex, spell.sequence, institution, kind, year, until, year0])
    return [tuple(row) for row in rows]


spell_or_leaving = st.one_of(
    st.builds(
        lambda year, group, where, kind, day: (
            "enrolment",
            {
                "academic_year": year,
                "year_group": group,
                "institution_id": where,
                "institution_kind": kind,
            },
            date(year, 9, 1) + timedelta(days=day),
        ),
        st.integers(2015, 2022),
        st.integers(7, 13),
        st.sampled_from(["100001", "100002", "130003"]),
        st.sampled_from(["school", "college"]),
        st.integers(-30, 300),
    ),
    st.builds(
        lambda where, day: ("leaving", {"institution_id": where}, date(2015, 7, 1) + day),
        st.sampled_from(["100001", "100002", "130003", None]),
        st.timedeltas(timedelta(0), timedelta(days=3_000)),
    ),
)


@settings(max_examples=300, deadline=None)
@given(entries=st.lists(spell_or_leaving, max_size=12))
def test_the_rolls_index_rows_follow_the_plainly_stated_rule(
    entries: list[tuple[str, dict[str, Any], date]],
) -> None:
    student = UUID(int=7)
    facts = [
        Fact(sequence, kind, day, {k: v for k, v in data.items() if v is not None})
        for sequence, (kind, data, day) in enumerate(entries, start=2)
    ]
    assert roll_rows(student, facts) == reference_roll_rows(student, facts)
