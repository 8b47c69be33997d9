"""The projection machinery on both backends: in-process catch-up, rebuild, crashes, races.

A projection's rows and its position commit together, so a batch that fails
part-way leaves no trace and a restart finishes it; two processes racing
never count an event twice; an erasure takes the student out of every table.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import orjson
import pytest
from sqlalchemy import Connection, select

from api.bootstrap import Ledger
from ledger.domain.access import SYSTEM
from ledger.service.privacy import erase
from projections.rules.facts import LoggedEvent
from projections.runner.engine import Projector
from projections.runner.log import LogReader
from projections.runner.tables import facts, metadata, positions, roll, students, timeline
from projections.views import queries
from projections.views.fact_rows import load_facts_of
from projections.views.readside import default_projections
from projections.views.sealing import REGISTRATION, RowSealer, timeline_purpose
from projections.views.student_facts import StudentFactsProjection
from tests import factories


def snapshot(ledger: Ledger) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every projection table in key order, sealed values opened.

    Facts one per fact, not per run (runs depend on batching, facts do not).
    """
    sealer = ledger.projections.sealer
    purposes = {
        students.name: lambda row: REGISTRATION,
        timeline.name: lambda row: timeline_purpose(row.sequence),
    }
    found = {}
    with ledger.engine.connect() as connection:
        for table in (students, roll, timeline):
            keys = list(table.primary_key.columns)
            found[table.name] = [
                tuple(
                    orjson.loads(sealer.open(row.student_id, purposes[table.name](row), value))
                    if name.startswith("sealed")
                    else value
                    for name, value in row._mapping.items()
                )
                for row in connection.execute(select(table).order_by(*keys))
            ]
        ids = [UUID(hex=r[0]) for r in connection.execute(select(facts.c.student_id).distinct())]
        found[facts.name] = sorted(
            (student.hex, *fact)
            for student, stored in load_facts_of(connection, sealer, ids).items()
            for fact in stored
        )
    return found


def sealer_of(ledger: Ledger) -> RowSealer:
    return ledger.projections.sealer


def a_year_of_records(ledger: Ledger) -> UUID:
    service = ledger.service
    student = service.register_student(factories.registration()).student_id
    service.record(student, "enrolment", factories.enrolment())
    service.record(student, "employer_encounter", factories.employer_encounter())
    interview = service.record(student, "guidance_interview", factories.guidance_interview())
    service.record(student, "provider_encounter", factories.provider_encounter())
    service.correct(student, interview.sequence, {"agreed_actions": ["Visit the college"]}, "typo")
    encounter = service.record(student, "employer_encounter", factories.employer_encounter())
    service.retract(student, encounter.sequence, "recorded twice")
    return student


def test_appends_are_projected_in_process_by_default(ledger: Ledger) -> None:
    student = a_year_of_records(ledger)
    status = queries.projection_status(ledger.projections)
    assert status.up_to_date
    assert status.head == 8
    advice = queries.timeline(ledger.projections, student)
    assert [e.kind for e in advice.entries] == ["enrolment", "guidance_interview"]
    assert advice.entries[1].details["agreed_actions"] == ["Visit the college"]
    assert advice.entries[1].corrected_by == (6,)


def test_a_worker_catches_up_what_was_appended_without_in_process_projection(
    quiet_ledger: Ledger,
) -> None:
    a_year_of_records(quiet_ledger)
    behind = queries.projection_status(quiet_ledger.projections)
    assert [p.lag for p in behind.projections] == [8, 8]
    assert quiet_ledger.projections.projector.catch_up() == 8
    assert queries.projection_status(quiet_ledger.projections).up_to_date


def test_a_rebuild_from_empty_ends_in_the_same_tables(ledger: Ledger) -> None:
    a_year_of_records(ledger)
    a_year_of_records(ledger)
    before = snapshot(ledger)
    assert ledger.projections.projector.rebuild() == 16
    assert snapshot(ledger) == before


class BrokenMidBatch(StudentFactsProjection):
    """Writes its rows, then fails before the batch commits (a crash mid-batch)."""

    def process(self, connection: Connection, events: Sequence[LoggedEvent]) -> None:
        super().process(connection, events)
        raise RuntimeError("the process died here")


def test_a_batch_that_dies_part_way_leaves_nothing_and_a_restart_finishes_it(
    quiet_ledger: Ledger,
) -> None:
    a_year_of_records(quiet_ledger)
    broken = Projector(
        quiet_ledger.app,
        quiet_ledger.engine,
        [
            BrokenMidBatch(sealer_of(quiet_ledger)),
            *default_projections(sealer_of(quiet_ledger))[1:],
        ],
    )
    with pytest.raises(RuntimeError):
        broken.catch_up()
    assert snapshot(quiet_ledger) == {name: [] for name in snapshot(quiet_ledger)}
    assert {
        p.position for p in queries.projection_status(quiet_ledger.projections).projections
    } == {0}

    restarted = Projector(
        quiet_ledger.app, quiet_ledger.engine, default_projections(sealer_of(quiet_ledger))
    )
    assert restarted.catch_up() == 8
    caught_up = snapshot(quiet_ledger)
    restarted.rebuild()
    assert snapshot(quiet_ledger) == caught_up


def test_two_workers_racing_never_count_an_event_twice(quiet_ledger: Ledger) -> None:
    for _ in range(3):
        a_year_of_records(quiet_ledger)
    workers = [
        Projector(
            quiet_ledger.app,
            quiet_ledger.engine,
            default_projections(sealer_of(quiet_ledger)),
            batch_size=3,
        )
        for _ in range(2)
    ]
    threads = [threading.Thread(target=w.catch_up) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert queries.projection_status(quiet_ledger.projections).up_to_date
    raced = snapshot(quiet_ledger)
    workers[0].rebuild()
    assert snapshot(quiet_ledger) == raced


def test_an_erasure_takes_the_student_out_of_every_projection(ledger: Ledger) -> None:
    kept = a_year_of_records(ledger)
    erased = a_year_of_records(ledger)
    erase(ledger.service, erased, "request", actor=SYSTEM)
    rows = snapshot(ledger)
    assert all(row[0] != erased.hex for table in rows.values() for row in table)
    assert any(row[0] == kept.hex for row in rows["proj_facts"])
    ledger.projections.projector.rebuild()  # the erased student's events no longer decrypt
    assert snapshot(ledger) == rows
    with pytest.raises(Exception, match="no student"):
        queries.student_attainment(ledger.projections, erased)


def test_the_log_reader_reads_exactly_what_the_application_lists(ledger: Ledger) -> None:
    a_year_of_records(ledger)
    expected = [
        (n.id, n.originator_id, n.originator_version, n.topic, n.state)
        for n in ledger.app.iter_notifications(0)
    ]
    reader = LogReader(ledger.app)
    found = [
        (n.id, n.originator_id, n.originator_version, n.topic, n.state)
        for page in reader.pages(0, 3)
        for n in page
    ]
    assert found == expected
    assert reader.head() == expected[-1][0]


def test_a_follower_projects_new_events_until_it_is_stopped(quiet_ledger: Ledger) -> None:
    stop = threading.Event()
    projected: list[int] = []
    worker = threading.Thread(
        target=quiet_ledger.projections.projector.follow,
        kwargs={"poll_seconds": 0.05, "stop": stop, "on_batch": projected.append},
    )
    worker.start()
    try:
        a_year_of_records(quiet_ledger)
        for _ in range(400):
            if sum(projected) >= 8:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join()
    assert sum(projected) == 8
    assert queries.projection_status(quiet_ledger.projections).up_to_date


def test_every_projection_table_lives_beside_the_ledger(ledger: Ledger) -> None:
    with ledger.engine.connect() as connection:
        names = {row[0] for row in connection.execute(select(positions.c.name))}
    assert names == {"student_facts", "timeline"}
    assert {t.name for t in metadata.sorted_tables} >= {"proj_facts", "proj_timeline"}


def test_one_append_projects_only_a_bounded_backlog(
    quiet_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    from projections.runner import engine

    a_year_of_records(quiet_ledger)
    monkeypatch.setattr(engine, "IN_PROCESS_LIMIT", 3)
    projector = Projector(
        quiet_ledger.app,
        quiet_ledger.engine,
        default_projections(sealer_of(quiet_ledger)),
        batch_size=2,
    )
    projector.after_append()
    assert {p.position for p in projector.status().projections} == {4}
    projector.after_append()
    assert {p.position for p in projector.status().projections} == {8}


def test_a_projection_whose_tables_changed_shape_starts_again_from_the_log(
    ledger: Ledger,
) -> None:
    from sqlalchemy import text

    from projections.runner.tables import create_tables

    student = a_year_of_records(ledger)
    with ledger.engine.begin() as connection:
        connection.execute(text("DROP TABLE proj_timeline"))
        connection.execute(text("CREATE TABLE proj_timeline (student_id VARCHAR(32))"))
    create_tables(ledger.engine)
    status = {p.name: p.position for p in queries.projection_status(ledger.projections).projections}
    assert status == {"student_facts": 8, "timeline": 0}
    assert ledger.projections.projector.catch_up() == 8
    assert len(queries.timeline(ledger.projections, student).entries) == 2


def test_a_long_rebuild_decodes_in_a_second_process_and_ends_where_one_process_would(
    quiet_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    from projections.runner import pipeline

    for _ in range(3):
        a_year_of_records(quiet_ledger)
    alone = Projector(
        quiet_ledger.app, quiet_ledger.engine, default_projections(sealer_of(quiet_ledger))
    )
    alone.rebuild()
    expected = snapshot(quiet_ledger)
    source = quiet_ledger.projections.projector.log_source
    assert source is not None
    monkeypatch.setattr(pipeline, "MIN_BACKLOG", 0)
    monkeypatch.setattr(pipeline, "FRAME_EVENTS", 2)
    started: list[int] = []
    real = pipeline.PipelinedLog

    def spy(*args: Any) -> pipeline.PipelinedLog:
        started.append(1)
        return real(*args)

    monkeypatch.setattr("projections.runner.engine.PipelinedLog", spy)
    batches: list[int] = []
    paired = Projector(
        quiet_ledger.app,
        quiet_ledger.engine,
        default_projections(sealer_of(quiet_ledger)),
        rebuild_batch_size=5,
        log_source=source,
    )
    assert paired.rebuild(progress=batches.append) == 24
    assert started == [1]
    assert sum(batches) == 24
    assert len(batches) >= 4  # batches of about five, committed one by one
    assert snapshot(quiet_ledger) == expected


def test_a_decoder_that_cannot_read_the_keys_leaves_the_rebuild_to_this_process(
    quiet_ledger: Ledger, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import dataclasses
    import secrets

    from projections.runner import pipeline

    for _ in range(2):
        a_year_of_records(quiet_ledger)
    quiet_ledger.projections.projector.rebuild()
    expected = snapshot(quiet_ledger)
    source = quiet_ledger.projections.projector.log_source
    assert source is not None
    wrong = dataclasses.replace(source, master_key=secrets.token_bytes(32))
    monkeypatch.setattr(pipeline, "MIN_BACKLOG", 0)
    projector = Projector(
        quiet_ledger.app,
        quiet_ledger.engine,
        default_projections(sealer_of(quiet_ledger)),
        rebuild_batch_size=4,
        log_source=wrong,
    )
    assert projector.rebuild() == 16
    assert snapshot(quiet_ledger) == expected
    assert "replaying in this process instead" in caplog.text
    assert "KeyUnavailable" in caplog.text


def test_a_decoder_from_another_version_of_the_code_is_refused_and_the_rebuild_goes_on(
    quiet_ledger: Ledger, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from projections.runner import pipeline

    a_year_of_records(quiet_ledger)
    quiet_ledger.projections.projector.rebuild()
    expected = snapshot(quiet_ledger)
    monkeypatch.setattr(pipeline, "MIN_BACKLOG", 0)
    monkeypatch.setattr(pipeline, "PROTOCOL", pipeline.PROTOCOL + 1)  # an upgrade mid-way
    assert quiet_ledger.projections.projector.rebuild() == 8
    assert snapshot(quiet_ledger) == expected
    assert "speaks protocol" in caplog.text


class ErasedMidBatch:
    """A sealer whose one student is erased between decoding and sealing."""

    def __init__(self, inner: RowSealer, erased: UUID) -> None:
        self.inner, self.erased = inner, erased

    def seal(self, student_id: UUID | str, purpose: str, data: bytes) -> bytes:
        if UUID(str(student_id)) == self.erased:
            from ledger.domain.errors import StudentErased

            raise StudentErased("erased meanwhile")
        return self.inner.seal(student_id, purpose, data)

    def open(self, student_id: UUID | str, purpose: str, sealed: bytes) -> bytes | None:
        return self.inner.open(student_id, purpose, sealed)

    def warm(self, student_ids: Any) -> None:
        self.inner.warm(student_ids)

    def scoped(self) -> RowSealer:
        return self


def test_a_student_erased_while_a_batch_is_sealed_is_left_out_of_it(quiet_ledger: Ledger) -> None:
    kept = a_year_of_records(quiet_ledger)
    gone = a_year_of_records(quiet_ledger)
    sealer = ErasedMidBatch(sealer_of(quiet_ledger), gone)
    projector = Projector(quiet_ledger.app, quiet_ledger.engine, default_projections(sealer))
    assert projector.catch_up() == 16
    rows = snapshot(quiet_ledger)
    assert {row[0] for table in ("proj_students", "proj_timeline") for row in rows[table]} == {
        kept.hex
    }
    assert {row[0] for row in rows["proj_facts"]} == {kept.hex}


def test_the_decoder_frames_raw_rows_exactly_as_it_frames_decoded_events(
    quiet_ledger: Ledger,
) -> None:
    """The decoder skips notification and event objects; its frames must not change."""
    from ledger.storage.page_reader import PageReader
    from projections.runner import pipeline
    from projections.runner.log import LogReader, decode_page

    kept, erased = a_year_of_records(quiet_ledger), a_year_of_records(quiet_ledger)
    quiet_ledger.service.erase(erased, "request")
    app = quiet_ledger.app
    log = LogReader(app)
    rows = log.rows(0, 100)
    assert len(rows) == 17
    expected = pipeline._encoded(rows[-1][0], len(rows), decode_page(app, log.notifications(rows)))
    framed = pipeline._frame(app, log, PageReader(app.ledger_mapper), rows)
    assert pipeline.decoded_frame(framed, {}) == pipeline.decoded_frame(expected, {})
    last, count, events = pipeline.decoded_frame(framed, {})
    assert (last, count, len(events)) == (rows[-1][0], 17, 9)  # the erased's 8 are left out
    assert [e.student_id for e in events] == [kept] * 8 + [erased]  # its erasure event stays


def test_a_sqlite_rebuild_checkpoints_beside_its_batches_and_restores_the_setting(
    quiet_ledger: Ledger,
) -> None:
    """Its commits do not stop to copy the log back; the log is copied back by the end."""
    from projections.runner import checkpoints

    engine = quiet_ledger.projections.engine
    if engine.dialect.name != "sqlite":
        assert checkpoints.background_checkpoints(engine) is None  # nothing to do
        return
    for _ in range(3):
        a_year_of_records(quiet_ledger)
    started: list[int] = []
    real = checkpoints.BackgroundCheckpoints._checkpoint

    def counted(self: checkpoints.BackgroundCheckpoints) -> None:
        started.append(1)
        real(self)

    projector = Projector(
        quiet_ledger.app,
        engine,
        default_projections(sealer_of(quiet_ledger)),
        rebuild_batch_size=5,
    )
    quiet_ledger.projections.projector.catch_up()
    expected = snapshot(quiet_ledger)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checkpoints.BackgroundCheckpoints, "_checkpoint", counted)
        assert projector.rebuild() == 24
    assert snapshot(quiet_ledger) == expected
    assert len(started) >= 5  # one after each batch, and a last one
    with engine.connect() as connection:
        setting = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        busy, frames, copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    assert setting == checkpoints.DEFAULT_AUTOCHECKPOINT
    assert busy == 0
    assert frames == copied


def test_a_page_holding_a_versioned_event_is_framed_through_the_mapper_to_be_upcast(
    quiet_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The raw-row path has no upcasters: a document with a class version takes the event path."""
    from ledger.storage.page_reader import PageReader
    from projections.runner import pipeline
    from projections.runner.log import LogReader, decode_page

    a_year_of_records(quiet_ledger)
    app = quiet_ledger.app
    log = LogReader(app)
    rows = log.rows(0, 100)
    expected = pipeline.decoded_frame(
        pipeline._encoded(rows[-1][0], len(rows), decode_page(app, log.notifications(rows))), {}
    )
    real = PageReader.read_rows
    upcast: list[int] = []

    def versioned(self: PageReader, page: Any) -> Any:
        documents = real(self, page)
        documents[0] = {**documents[0], "class_version": 1}
        return documents

    monkeypatch.setattr(PageReader, "read_rows", versioned)
    monkeypatch.setattr(
        "projections.runner.pipeline.decode_page",
        lambda *args: upcast.append(1) or decode_page(*args),
    )
    framed = pipeline._frame(app, log, PageReader(app.ledger_mapper), rows)
    assert upcast == [1]
    assert pipeline.decoded_frame(framed, {}) == expected
