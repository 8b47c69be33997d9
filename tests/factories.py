"""Builders for valid payloads; tests override only what their story is about."""

from __future__ import annotations

import itertools
from typing import Any

from ledger.domain.identifiers import make_uln, make_upn

_serials = itertools.count(1)


def fresh_upn() -> str:
    serial = next(_serials)
    return make_upn(801, 2000 + serial // 1000, 24, serial % 1000)


def fresh_uln() -> str:
    while True:
        uln = make_uln(100_000_000 + next(_serials))
        if uln:
            return uln


def registration(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "occurred_on": "2024-09-02",
        "given_name": "Amara",
        "family_name": "Okafor",
        "date_of_birth": "2011-03-14",
        "upn": fresh_upn(),
        "characteristics": {"gender": "female", "fsm": True},
    }
    payload.update(overrides)
    return payload


def enrolment(**overrides: Any) -> dict[str, Any]:
    return {
        "occurred_on": "2024-09-02",
        "institution_id": "100001",
        "year_group": 9,
        "academic_year": 2024,
        **overrides,
    }


def leaving(**overrides: Any) -> dict[str, Any]:
    return {"occurred_on": "2026-07-20", "institution_id": "100001", "year_group": 11, **overrides}


def guidance_interview(**overrides: Any) -> dict[str, Any]:
    return {
        "occurred_on": "2024-11-12",
        "adviser_name": "Priya Shah",
        "adviser_qualification_level": 6,
        "format": "one_to_one",
        "duration_minutes": 40,
        "topics": ["post-16 options"],
        "advice_given": "Explore the engineering apprenticeship at the local college.",
        "agreed_actions": ["Attend the college open evening"],
        "intended_destination": "Level 3 engineering apprenticeship",
        **overrides,
    }


def employer_encounter(**overrides: Any) -> dict[str, Any]:
    return {
        "occurred_on": "2024-10-03",
        "employer_name": "Severn Trent",
        "sector": "Utilities",
        "activity": "talk",
        "shared_purpose": True,
        "learning_outcomes_defined": True,
        "two_way_interaction": True,
        "reflection_recorded": True,
        "learning_outcome_tags": ["explore_possibilities"],
        **overrides,
    }


def workplace_experience(**overrides: Any) -> dict[str, Any]:
    return {
        "occurred_on": "2024-07-01",
        "kind": "placement",
        "employer_name": "Midlands Metro",
        "end_on": "2024-07-05",
        "days": "5",
        **overrides,
    }


def provider_encounter(**overrides: Any) -> dict[str, Any]:
    return {
        "occurred_on": "2024-10-20",
        "provider_type": "fe_college",
        "provider_name": "City College",
        "mode": "visit",
        "met_staff": True,
        "met_students": True,
        "provider_access": True,
        **overrides,
    }


def destination(**overrides: Any) -> dict[str, Any]:
    return {
        "occurred_on": "2024-12-01",
        "nccis_code": "230",
        "provider_or_employer": "City College",
        "start_on": "2024-09-05",
        "source": "local_authority",
        **overrides,
    }


PAYLOADS = {
    "enrolment": enrolment,
    "leaving": leaving,
    "guidance_interview": guidance_interview,
    "employer_encounter": employer_encounter,
    "workplace_experience": workplace_experience,
    "provider_encounter": provider_encounter,
    "destination": destination,
    "higher_education_intent": lambda **o: {"occurred_on": "2024-10-01", "considering": True, **o},
    "guidance_interview_not_taken": lambda **o: {
        "occurred_on": "2024-10-01",
        "outcome": "declined",
        **o,
    },
    "labour_market_information": lambda **o: {
        "occurred_on": "2024-10-01",
        "activity": "LMI for All session",
        **o,
    },
    "curriculum_learning": lambda **o: {
        "occurred_on": "2024-10-01",
        "subject": "Physics",
        "stem": True,
        **o,
    },
    "reflection": lambda **o: {"occurred_on": "2024-10-04", "text": "I liked the talk.", **o},
    "part_time_work": lambda **o: {
        "occurred_on": "2024-06-01",
        "employer_name": "Cafe",
        "role": "Barista",
        "hours_per_week": "8",
        **o,
    },
    "intended_destination": lambda **o: {"occurred_on": "2024-10-01", "nccis_code": "310", **o},
    "september_guarantee": lambda **o: {
        "occurred_on": "2024-09-20",
        "provider_name": "City College",
        "programme": "T Level Engineering",
        **o,
    },
    "prior_record_import": lambda **o: {
        "occurred_on": "2024-09-01",
        "origin": "100002",
        "origin_student_id": "abc",
        "bundle_digest": "0" * 64,
        "checkpoint": "cp",
        "event_count": 3,
        **o,
    },
    "legal_hold_placed": lambda **o: {"occurred_on": "2024-10-01", "reason": "complaint", **o},
}


class StudentStory:
    """One student's events built in memory and validated as the service would: for
    pure tests of the projections' fold and rules (no database)."""

    def __init__(self, born: str = "2011-03-14", **characteristics: Any) -> None:
        import uuid

        self.student_id = uuid.uuid4()
        self.events: list[Any] = []
        traits = {"gender": "female", **characteristics}
        self.add("registration", **registration(date_of_birth=born, characteristics=traits))

    def add(
        self,
        kind: str,
        /,
        *,
        recorded_by: str | None = "100001",
        provenance: dict[str, Any] | None = None,
        **overrides: Any,
    ) -> int:
        """Append an entry of ``kind`` (factory defaults, overridden); returns its sequence."""
        from datetime import date

        from ledger.domain.events import EVENT_CLASSES
        from projections.rules.facts import LoggedEvent

        build = registration if kind == "registration" else PAYLOADS.get(kind, dict)
        model = EVENT_CLASSES[kind].PAYLOAD
        data = model.model_validate(build(**overrides)).model_dump(mode="json")
        occurred_on = date.fromisoformat(data.pop("occurred_on"))
        sequence = len(self.events) + 1
        self.events.append(
            LoggedEvent(
                position=sequence,
                student_id=self.student_id,
                sequence=sequence,
                kind=kind,
                occurred_on=occurred_on,
                recorded_at=f"{occurred_on.isoformat()}T16:00:00+00:00",
                data=data,
                institution_id=recorded_by,
                provenance=provenance,
            )
        )
        return sequence

    def correct(self, sequence: int, on: str = "2025-01-06", **changes: Any) -> int:
        return self.add(
            "correction", occurred_on=on, amends_sequence=sequence, changes=changes, reason="typo"
        )

    def retract(self, sequence: int, on: str = "2025-01-06") -> int:
        return self.add(
            "retraction", occurred_on=on, amends_sequence=sequence, reason="wrong pupil"
        )

    def facts(self) -> Any:
        from projections.rules.facts import fold

        return fold(self.student_id, self.events)


def entry(kind: str, on: str, /, **fields: Any) -> tuple[str, dict[str, Any]]:
    """One entry for :func:`pupil`: its kind, date and the fields that differ."""
    return kind, {"occurred_on": on, **fields}


def pupil(
    *entries: tuple[str, dict[str, Any]],
    joined: int = 7,
    left: tuple[int, str] | None = None,
    born: str = "2011-03-14",
    **characteristics: Any,
) -> StudentStory:
    """A pupil born 14 March 2011 (Year 7 in 2022/23) enrolled in Year ``joined`` on
    5 September, then ``entries`` in order (sequences from 3), then leaving (year group,
    date) if given."""
    story = StudentStory(born=born, **characteristics)
    year = int(born[:4]) + (4 if born[5:] < "09-01" else 5) + joined
    story.add("enrolment", occurred_on=f"{year}-09-05", year_group=joined, academic_year=year)
    for kind, fields in entries:
        story.add(kind, **fields)
    if left is not None:
        story.add("leaving", year_group=left[0], occurred_on=left[1])
    return story
