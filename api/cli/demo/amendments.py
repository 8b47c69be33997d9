"""A few corrections and retractions, as real records have.

Staff fix a mistyped duration, add a reflection they received late, record
half a day's absence from a placement, or withdraw an entry made twice or for
a pupil who was not there.  History keeps both the original and the change.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from api.cli.demo.plan import Planned
from api.cli.demo.school import Context, Journey
from ledger.domain.vocabulary import ExperienceKind


def amendments(ctx: Context, journey: Journey) -> None:
    for entry in list(journey.stream.entries):
        payload = entry.payload
        if entry.kind == "employer_encounter":
            if not payload["reflection_recorded"] and ctx.chance(0.015):
                _correct(
                    ctx,
                    journey,
                    entry,
                    {"reflection_recorded": True},
                    "Reflection handed in after the encounter was recorded",
                )
            elif ctx.chance(0.003):
                _recorded_twice(ctx, journey, entry)
        elif entry.kind == "workplace_experience":
            if (
                payload["kind"] == ExperienceKind.PLACEMENT
                and payload["days"] == 5
                and ctx.chance(0.03)
            ):
                _correct(
                    ctx,
                    journey,
                    entry,
                    {"days": Decimal("4.5")},
                    "Absent for half a day of the placement",
                )
        elif entry.kind == "guidance_interview" and ctx.chance(0.02):
            minutes = payload["duration_minutes"]
            _correct(
                ctx,
                journey,
                entry,
                {"duration_minutes": minutes + 15},
                "Duration mistyped in the adviser's notes",
            )
        elif entry.kind == "provider_encounter" and payload["attended"] and ctx.chance(0.004):
            _retract(ctx, journey, entry, "Pupil was absent on the day")


def _when(ctx: Context, entry: Planned) -> Any:
    return entry.recorded_at.date() + timedelta(days=ctx.rng.randint(1, 20))


def _correct(
    ctx: Context, journey: Journey, entry: Planned, changes: dict[str, Any], reason: str
) -> None:
    day = _when(ctx, entry)
    journey.stream.add(
        "correction",
        day,
        {"changes": changes, "reason": reason},
        recorded_at=ctx.recording.staff(day, lag=0),
        reference=("amends_sequence", entry),
    )


def _retract(ctx: Context, journey: Journey, entry: Planned, reason: str) -> None:
    day = _when(ctx, entry)
    journey.stream.add(
        "retraction",
        day,
        {"reason": reason},
        recorded_at=ctx.recording.staff(day, lag=0),
        reference=("amends_sequence", entry),
    )


def _recorded_twice(ctx: Context, journey: Journey, entry: Planned) -> None:
    twin = journey.stream.add(
        entry.kind, entry.occurred_on, dict(entry.payload), recorded_at=entry.recorded_at
    )
    if twin is not None:
        _retract(ctx, journey, twin, "Recorded twice in error")
