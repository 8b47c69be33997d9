"""The demo school as planned, before anything is written: seeds, dates and the summary.

The school written to a ledger, and the `demo` command: tests/e2e/test_demo.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from api.cli.demo.generate import plan_school
from api.cli.demo.plan import in_recorded_order
from api.cli.demo.summary import where
from ledger.domain.events import EVENT_CLASSES

TODAY = date(2025, 11, 20)  # a Thursday in the autumn term; fixed, so runs repeat
NOW = datetime(2025, 11, 20, 20, 0, tzinfo=UTC)
SEED = 7
STUDENTS = 40


def test_another_seed_plans_another_school() -> None:
    first = plan_school(SEED, STUDENTS, TODAY, NOW)
    other = plan_school(SEED + 1, STUDENTS, TODAY, NOW)
    names = [(p.given_name, p.family_name, p.date_of_birth) for p in first.pupils]
    assert names != [(p.given_name, p.family_name, p.date_of_birth) for p in other.pupils]


@pytest.mark.parametrize("today", [date(2023, 9, 1), date(2024, 8, 20), date(2025, 3, 2)])
def test_every_planned_entry_is_valid_whatever_the_seed_and_the_day(today: date) -> None:
    now = datetime.combine(today, time(20, 0), tzinfo=UTC)
    for seed in range(3):
        for moment, command in in_recorded_order(plan_school(seed, 60, today, now).streams):
            EVENT_CLASSES[command.kind].PAYLOAD.model_validate(command.payload)
            occurred = command.payload["occurred_on"]
            assert occurred <= moment.date() <= occurred + timedelta(days=14)


def test_the_summary_names_the_database_file_and_never_a_password(tmp_path: Path) -> None:
    assert str(tmp_path / "school.db") in where(f"sqlite:///{tmp_path / 'school.db'}")
    shown = where("postgresql+psycopg://leader:s3cret@db.example:5432/ledger?schema=demo")
    assert shown == "postgresql+psycopg://leader:***@db.example:5432/ledger?schema=demo"
