"""A student moves on: their record travels from one ledger to another, verified first.

The origin ledger is the ``ledger`` fixture (SQLite or PostgreSQL); the
receiving one is a second, empty deployment on the same backend with its own
keys, so its log origin differs.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import pytest

from api.bootstrap import Ledger, build
from api.config import Settings
from api.render import RENDERERS
from api.store.trust import TrustRefused, TrustStore
from ledger.domain.access import Actor
from ledger.domain.clock import SimulatedClock
from ledger.domain.errors import Forbidden
from ledger.domain.evidence.bundle_verify import verify_bundle
from ledger.domain.vocabulary import Role
from ledger.service.export import export_record
from ledger.service.imports.transition import BundleRefused, TransitionImport, TransitionReport
from tests import factories
from tests.backends import START, postgres_schema

SCHOOL, COLLEGE = "100001", "100002"
DAY = date(2025, 12, 5)
ADVISER = Actor("adviser-1", Role.ADVISER, SCHOOL)
INTAKE = Actor("leader-9", Role.CAREERS_LEADER, COLLEGE)


@pytest.fixture
def college(database_url: str, tmp_path: Path) -> Iterator[Ledger]:
    """The receiving deployment: empty, same backend, its own keys and log origin."""
    with ExitStack() as stack:
        if database_url.startswith("sqlite"):
            url = f"sqlite:///{tmp_path / 'college.db'}"
        else:
            url = stack.enter_context(postgres_schema("c"))
        settings = Settings(database_url=url, key_file=tmp_path / "college.keys")
        built = build(settings, SimulatedClock(START + timedelta(days=30)))
        yield built
        built.close()


def school_record(ledger: Ledger, upn: str) -> UUID:
    """Year 9 at school: enrolment, a talk corrected once, an interview, a mistake withdrawn,
    the student's own reflection on the talk, a legal hold and a destination."""
    service = ledger.service
    amara = service.register_student(factories.registration(upn=upn), actor=ADVISER).student_id
    service.record(amara, "enrolment", factories.enrolment(), actor=ADVISER)
    talk = service.record(
        amara, "employer_encounter", factories.employer_encounter(), actor=ADVISER
    )
    service.correct(amara, talk.sequence, {"sector": "Water"}, "sector mistyped", actor=ADVISER)
    service.record(amara, "guidance_interview", factories.guidance_interview(), actor=ADVISER)
    wrong = service.record(
        amara, "provider_encounter", factories.provider_encounter(), actor=ADVISER
    )
    service.retract(amara, wrong.sequence, "recorded for the wrong pupil", actor=ADVISER)
    student = Actor("amara", Role.STUDENT, student_id=amara)
    reflection = {"occurred_on": "2024-10-04", "about_sequence": talk.sequence, "text": "Useful."}
    service.record(amara, "reflection", reflection, actor=student)
    service.record(amara, "legal_hold_placed", {"occurred_on": "2024-10-05", "reason": "complaint"})
    service.record(amara, "destination", factories.destination(), actor=ADVISER)
    return amara


def bundle_of(ledger: Ledger, student: UUID, **options: Any) -> bytes:
    out = io.BytesIO()
    prepared = export_record(ledger.service, ledger.evidence, student, actor=ADVISER, **options)
    RENDERERS["json"].render(prepared, out)
    return out.getvalue()


def trust(college: Ledger, school: Ledger) -> TrustStore:
    store = TrustStore(college.engine)
    store.add(school.evidence.origin, school.evidence.public_key(), college.clock.now())
    return store


def import_into(
    college: Ledger, data: bytes, actor: Actor = INTAKE, **options: bool
) -> TransitionReport:
    return TransitionImport(college.service, TrustStore(college.engine)).run(
        data, actor=actor, **options
    )


@pytest.fixture
def upn() -> str:
    return factories.fresh_upn()


@pytest.fixture
def amara(ledger: Ledger, upn: str) -> UUID:
    return school_record(ledger, upn)


def test_a_verified_record_arrives_with_its_origin_on_every_entry(
    ledger: Ledger, college: Ledger, amara: UUID, upn: str
) -> None:
    trust(college, ledger)
    data = bundle_of(ledger, amara)
    report = import_into(college, data)
    here = college.service.find_student(upn=upn)
    assert (report.student_id, report.registered) == (here, True)
    assert (report.imported, report.already_present, report.not_carried) == (9, 0, 1)
    entries = college.service.history(here).entries
    origin_kinds = [e.kind for e in ledger.service.history(amara).entries]
    assert [e.kind for e in entries] == [
        "registration",
        "prior_record_import",
        *[k for k in origin_kinds[1:] if k != "legal_hold_placed"],
    ]
    prior = entries[1]
    assert prior.provenance is None
    assert prior.data["origin"] == ledger.evidence.origin
    assert prior.data["origin_student_id"] == str(amara)
    assert prior.data["event_count"] == len(origin_kinds)
    imported = [e for e in entries if e.provenance is not None]
    assert all(e.provenance["origin"] == ledger.evidence.origin for e in imported)
    assert all(e.provenance["bundle_digest"] == report.bundle_sha256 for e in imported)
    assert [e.provenance["origin_sequence"] for e in imported] == [
        s for s, k in enumerate(origin_kinds, start=1) if k != "legal_hold_placed"
    ]
    assert college.service.verify().ok


def test_corrections_and_reflections_point_at_the_local_copies(
    ledger: Ledger, college: Ledger, amara: UUID, upn: str
) -> None:
    trust(college, ledger)
    import_into(college, bundle_of(ledger, amara))
    entries = college.service.history(college.service.find_student(upn=upn)).entries
    origin_of = {e.sequence: e.provenance["origin_sequence"] for e in entries if e.provenance}
    by_kind = {e.kind: e for e in entries}
    talk_here = by_kind["employer_encounter"].sequence
    assert by_kind["correction"].data["amends_sequence"] == talk_here
    assert origin_of[talk_here] == 3
    assert by_kind["reflection"].data["about_sequence"] == talk_here
    withdrawn = by_kind["retraction"].data["amends_sequence"]
    assert origin_of[withdrawn] == 6


def test_importing_the_same_bundle_twice_changes_nothing(
    ledger: Ledger, college: Ledger, amara: UUID
) -> None:
    trust(college, ledger)
    data = bundle_of(ledger, amara)
    import_into(college, data)
    before = college.service.event_count()
    again = import_into(college, data)
    assert (again.imported, again.registered, again.already_present) == (0, False, 9)
    assert college.service.event_count() == before


def test_a_later_longer_bundle_adds_only_what_is_new(
    ledger: Ledger, college: Ledger, amara: UUID, upn: str
) -> None:
    trust(college, ledger)
    import_into(college, bundle_of(ledger, amara))
    interview = ledger.service.record(
        amara, "guidance_interview", factories.guidance_interview(occurred_on="2024-12-02")
    )
    ledger.service.correct(amara, interview.sequence, {"duration_minutes": 50}, "ran over")
    later = import_into(college, bundle_of(ledger, amara))
    assert (later.imported, later.already_present) == (2, 9)
    entries = college.service.history(college.service.find_student(upn=upn)).entries
    assert [e.kind for e in entries[-3:]] == [
        "prior_record_import",
        "guidance_interview",
        "correction",
    ]
    assert entries[-1].data["amends_sequence"] == entries[-2].sequence
    assert len([e for e in entries if e.kind == "prior_record_import"]) == 2
    assert college.service.verify().ok


def test_a_student_already_known_here_keeps_their_registration(
    ledger: Ledger, college: Ledger, amara: UUID, upn: str
) -> None:
    local = college.service.register_student(
        factories.registration(upn=upn, occurred_on="2025-01-20"), actor=INTAKE
    ).student_id
    trust(college, ledger)
    report = import_into(college, bundle_of(ledger, amara))
    assert (report.student_id, report.registered, report.not_carried) == (local, False, 2)
    entries = college.service.history(local).entries
    assert [e.kind for e in entries[:2]] == ["registration", "prior_record_import"]
    assert entries[0].provenance is None


def test_a_bundle_from_an_untrusted_origin_is_refused_and_nothing_is_written(
    ledger: Ledger, college: Ledger, amara: UUID
) -> None:
    with pytest.raises(BundleRefused) as refused:
        import_into(college, bundle_of(ledger, amara))
    assert "is not trusted here" in refused.value.detail
    assert college.service.event_count() == 0


def _changed_byte(bundle: dict[str, Any]) -> None:
    bundle["events"][2]["data"]["sector"] = "Utilitiez"


def _removed_event(bundle: dict[str, Any]) -> None:
    del bundle["events"][4]


def _reordered_events(bundle: dict[str, Any]) -> None:
    events = bundle["events"]
    events[2], events[3] = events[3], events[2]


def _bad_signature(bundle: dict[str, Any]) -> None:
    note = bundle["statement"]
    body, signature = note.rsplit(" ", 1)
    flipped = ("A" if signature[5] != "A" else "B").join((signature[:5], signature[6:]))
    bundle["statement"] = f"{body} {flipped}"


def _stored_byte(bundle: dict[str, Any]) -> None:
    chain = bundle["events"][1]["chain"]
    stored = bytearray(chain["stored_bytes"].encode())
    stored[10] = ord("A") if stored[10] != ord("A") else ord("B")
    chain["stored_bytes"] = stored.decode()


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (_changed_byte, "does not match its commitment"),
        (_removed_event, "missing or reordered"),
        (_reordered_events, "missing or reordered"),
        (_bad_signature, "export statement is refused"),
        (_stored_byte, "do not match the chain link"),
    ],
    ids=["changed-byte", "removed-event", "reordered-events", "bad-signature", "stored-byte"],
)
def test_a_tampered_bundle_is_refused_with_the_reason_and_nothing_is_written(
    ledger: Ledger, college: Ledger, amara: UUID, tamper: Any, reason: str
) -> None:
    trust(college, ledger)
    bundle = orjson.loads(bundle_of(ledger, amara))
    tampered = copy.deepcopy(bundle)
    tamper(tampered)
    with pytest.raises(BundleRefused) as refused:
        import_into(college, orjson.dumps(tampered))
    assert "failed verification" in refused.value.detail
    assert reason in refused.value.detail
    assert college.service.event_count() == 0


def test_a_bundle_signed_by_another_key_for_the_origin_is_refused(
    ledger: Ledger, college: Ledger, amara: UUID
) -> None:
    trust(college, ledger)
    bundle = orjson.loads(bundle_of(ledger, amara))
    bundle["public_key"]["vkey"] = college.evidence.public_key()
    with pytest.raises(BundleRefused) as refused:
        import_into(college, orjson.dumps(bundle))
    assert "does not trust" in refused.value.detail
    assert college.service.event_count() == 0


@pytest.mark.parametrize("data", [b"not json", b"[]", b'{"events": "no"}'])
def test_what_is_not_a_bundle_is_refused(ledger: Ledger, college: Ledger, data: bytes) -> None:
    with pytest.raises(BundleRefused) as refused:
        import_into(college, data)
    assert "is not a JSON export bundle" in refused.value.detail


def test_a_newer_bundle_must_prove_it_extends_the_checkpoint_seen_before(
    ledger: Ledger, college: Ledger, amara: UUID
) -> None:
    trust(college, ledger)
    import_into(college, bundle_of(ledger, amara))
    ledger.service.record(
        amara, "labour_market_information", factories.PAYLOADS["labour_market_information"]()
    )
    unproven = bundle_of(ledger, amara, consistency_limit=0)
    before = college.service.event_count()
    with pytest.raises(BundleRefused) as refused:
        import_into(college, unproven)
    assert "no consistency proof from the trusted size" in refused.value.detail
    assert college.service.event_count() == before
    assert import_into(college, bundle_of(ledger, amara)).imported == 1


def test_a_dry_run_verifies_and_reports_without_writing(
    ledger: Ledger, college: Ledger, amara: UUID
) -> None:
    trust(college, ledger)
    report = import_into(college, bundle_of(ledger, amara), dry_run=True)
    assert (report.imported, report.registered) == (9, True)
    assert college.service.event_count() == 0


@pytest.mark.parametrize("role", [Role.STUDENT, Role.AUDITOR, Role.DATA_PROTECTION_OFFICER])
def test_only_staff_who_write_records_may_import_them(
    ledger: Ledger, college: Ledger, amara: UUID, role: Role
) -> None:
    trust(college, ledger)
    with pytest.raises(Forbidden):
        import_into(college, bundle_of(ledger, amara), actor=Actor("x", role, COLLEGE))
    assert college.service.event_count() == 0


def test_a_key_is_trusted_only_for_the_origin_it_signs_for(ledger: Ledger, college: Ledger) -> None:
    store = TrustStore(college.engine)
    with pytest.raises(TrustRefused) as refused:
        store.add("another.example/log", ledger.evidence.public_key(), college.clock.now())
    assert "signs for" in refused.value.detail
    store.add(ledger.evidence.origin, ledger.evidence.public_key(), college.clock.now())
    other = f"{ledger.evidence.origin}+00000000+AAAA"
    with pytest.raises(TrustRefused):
        store.add(ledger.evidence.origin, other, college.clock.now())
    assert [o.origin for o in store.all()] == [ledger.evidence.origin]


def five_years_at_school(ledger: Ledger, clock: SimulatedClock, upn: str) -> UUID:
    """A demo-like career: Years 7-11 at one school, then college."""
    service = ledger.service
    record = service.record
    clock.set(START.replace(year=2025, month=12, day=1))
    born = factories.registration(upn=upn, date_of_birth="2009-01-15", occurred_on="2020-09-02")
    amara = service.register_student(born, actor=ADVISER).student_id
    for year in range(5):
        enrolment = factories.enrolment(
            occurred_on=f"{2020 + year}-09-02", year_group=7 + year, academic_year=2020 + year
        )
        record(amara, "enrolment", enrolment, actor=ADVISER)
        talk = factories.employer_encounter(occurred_on=f"{2021 + year}-02-10")
        record(amara, "employer_encounter", talk, actor=ADVISER)
        learning = {"occurred_on": f"{2020 + year}-11-05", "subject": "Physics", "stem": True}
        record(amara, "curriculum_learning", learning, actor=ADVISER)
    record(
        amara,
        "labour_market_information",
        factories.PAYLOADS["labour_market_information"](occurred_on="2022-03-01"),
        actor=ADVISER,
    )
    for provider in ("sixth_form", "fe_college", "university", "apprenticeship_provider"):
        visit = factories.provider_encounter(occurred_on="2023-10-20", provider_type=provider)
        record(amara, "provider_encounter", visit, actor=ADVISER)
    placement = factories.workplace_experience(occurred_on="2024-07-01", end_on="2024-07-05")
    record(amara, "workplace_experience", placement, actor=ADVISER)
    interview = record(amara, "guidance_interview", factories.guidance_interview(), actor=ADVISER)
    service.correct(amara, interview.sequence, {"duration_minutes": 45}, "ran over", actor=ADVISER)
    wrong = record(amara, "employer_encounter", factories.employer_encounter(), actor=ADVISER)
    service.retract(amara, wrong.sequence, "recorded for the wrong pupil", actor=ADVISER)
    record(
        amara,
        "higher_education_intent",
        {"occurred_on": "2024-12-01", "considering": True},
        actor=ADVISER,
    )
    record(amara, "leaving", factories.leaving(occurred_on="2025-07-18"), actor=ADVISER)
    record(
        amara,
        "destination",
        factories.destination(occurred_on="2025-11-01", start_on="2025-09-04"),
        actor=ADVISER,
    )
    return amara


def test_round_trip_the_college_sees_the_same_record_and_benchmark_results(
    ledger: Ledger, clock: SimulatedClock, college: Ledger, upn: str
) -> None:
    from projections.views.queries import student_attainment, timeline

    amara = five_years_at_school(ledger, clock, upn)
    data = bundle_of(ledger, amara)
    assert verify_bundle(orjson.loads(data), ledger.evidence.public_key()).ok  # offline
    college_clock = college.clock
    assert isinstance(college_clock, SimulatedClock)
    college_clock.set(START.replace(year=2025, month=12, day=8))
    trust(college, ledger)
    here = import_into(college, data).student_id
    assert here is not None
    assert college.service.verify().ok
    origin_sequence = {
        e.sequence: e.provenance["origin_sequence"]
        for e in college.service.history(here).entries
        if e.provenance
    }

    def same_evidence(result: Any) -> list[Any]:
        return [(p.part, p.state, p.deadline, p.detail, sorted(p.evidence)) for p in result.parts]

    def there(result: Any) -> list[Any]:
        return [
            (p.part, p.state, p.deadline, p.detail, sorted(origin_sequence[s] for s in p.evidence))
            for p in result.parts
        ]

    states: set[str] = set()
    for ruleset in ("gatsby-2014", "gatsby-2025"):
        at_school = student_attainment(ledger.projections, amara, ruleset=ruleset, as_of=DAY)
        states |= {p.state.value for b in at_school.benchmarks for p in b.parts}
        at_college = student_attainment(college.projections, here, ruleset=ruleset, as_of=DAY)
        assert [(b.benchmark, b.state) for b in at_college.benchmarks] == [
            (b.benchmark, b.state) for b in at_school.benchmarks
        ]
        for mine, theirs in zip(at_school.benchmarks, at_college.benchmarks, strict=True):
            assert there(theirs) == same_evidence(mine), mine.benchmark
        assert there(at_college.provider_access) == same_evidence(at_school.provider_access)
    assert {"met", "not_met"} <= states  # a record with something to compare
    school_view = timeline(ledger.projections, amara)
    college_view = timeline(college.projections, here)
    carried = [e for e in college_view.entries if e.origin == "imported"]
    assert [(e.kind, e.occurred_on, e.details) for e in carried] == [
        (e.kind, e.occurred_on, e.details) for e in school_view.entries
    ]
    assert {e.imported_from for e in carried} == {ledger.evidence.origin}
