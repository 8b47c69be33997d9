"""Planned entries and the order in which the demo records them.

Every entry is planned with the date it happened and the moment the school
recorded it: at the next weekly data-entry session, sometimes a later one,
never more than 14 days after the day itself.  Entries
that point at another one (a reflection, a correction, a retraction) name
their target object; the target's sequence number is only known once each
student's stream is put in recorded order, so references are filled in last.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from typing import Any
from uuid import UUID

from ledger.service.commands import Command

# The careers administrator enters the week's paperwork on Thursday afternoons;
# pupils write up their careers journals in Wednesday tutor time.
STAFF_SESSIONS, STAFF_TIME = (3,), time(15, 30, tzinfo=UTC)
STUDENT_SESSIONS, STUDENT_TIME = (2,), time(9, 0, tzinfo=UTC)
MAX_LAG_DAYS = 14
# Most entries make the next session; some wait for a later one.
STAFF_LAGS = (0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 7, 9)
STUDENT_LAGS = (0, 0, 0, 1, 3, 5)
FIRST, ORDINARY, REFERRING = 0, 1, 2


@dataclass(eq=False)
class Planned:
    """One entry to record; ``reference`` (field, target) is resolved to a sequence."""

    kind: str
    occurred_on: date
    recorded_at: datetime
    payload: dict[str, Any]
    rank: int
    order: int
    reference: tuple[str, Planned] | None = None
    sequence: int = 0

    def to_command(self, student_id: UUID) -> Command:
        payload = {"occurred_on": self.occurred_on, **self.payload}
        if self.reference is not None:
            name, target = self.reference
            payload[name] = target.sequence
        return Command(self.kind, payload, student_id=student_id)


class Recording:
    """When the school gets round to recording something (the "known at" axis)."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self._rng = rng
        self.now = now

    def staff(self, occurred_on: date, lag: int | None = None) -> datetime:
        """At a data-entry session ``lag`` days or more after the day (random when None)."""
        lag = self._rng.choice(STAFF_LAGS) if lag is None else lag
        return self._session(occurred_on, lag, STAFF_SESSIONS, STAFF_TIME)

    def student(self, occurred_on: date) -> datetime:
        lag = self._rng.choice(STUDENT_LAGS)
        return self._session(occurred_on, lag, STUDENT_SESSIONS, STUDENT_TIME)

    def _session(
        self, occurred_on: date, lag: int, weekdays: tuple[int, ...], at: time
    ) -> datetime:
        day = _next_session(occurred_on + timedelta(days=lag), weekdays)
        if (day - occurred_on).days > MAX_LAG_DAYS:
            day = _next_session(occurred_on, weekdays)
        return self.clamp(datetime.combine(day, at))

    def clamp(self, moment: datetime) -> datetime:
        return min(moment, self.now)


def _next_session(day: date, weekdays: tuple[int, ...]) -> date:
    while day.weekday() not in weekdays:
        day += timedelta(days=1)
    return day


@dataclass(eq=False)
class Stream:
    """One student's planned entries, in the order they were thought of."""

    student_id: UUID
    index: int
    recording: Recording
    today: date
    entries: list[Planned] = field(default_factory=list)
    _orders: Iterator[int] = field(default_factory=count)

    def add(
        self,
        kind: str,
        occurred_on: date,
        payload: dict[str, Any],
        *,
        recorded_at: datetime | None = None,
        by_student: bool = False,
        reference: tuple[str, Planned] | None = None,
    ) -> Planned | None:
        """Plan an entry; nothing is planned for a day after the demo's today."""
        if occurred_on > self.today:
            return None
        if recorded_at is None:
            recording = self.recording
            recorded_at = (
                recording.student(occurred_on) if by_student else recording.staff(occurred_on)
            )
        if (recorded_at.date() - occurred_on).days > MAX_LAG_DAYS:
            recorded_at = self.recording.staff(occurred_on, lag=0)  # a shared sitting too late
        recorded_at = min(max(recorded_at, self._not_before(reference)), self.recording.now)
        rank = FIRST if kind == "registration" else REFERRING if reference else ORDINARY
        entry = Planned(
            kind, occurred_on, recorded_at, payload, rank, next(self._orders), reference
        )
        self.entries.append(entry)
        return entry

    def _not_before(self, reference: tuple[str, Planned] | None) -> datetime:
        # Nothing can be recorded before the student is registered, nor a note
        # about an entry before that entry.
        floor = self.entries[0].recorded_at if self.entries else datetime.min.replace(tzinfo=UTC)
        return max(floor, reference[1].recorded_at) if reference else floor

    def number(self) -> None:
        """Put the stream in recorded order and give each entry its sequence number."""
        self.entries.sort(key=lambda e: (e.recorded_at, e.rank, e.occurred_on, e.order))
        for sequence, entry in enumerate(self.entries, start=1):
            entry.sequence = sequence


def in_recorded_order(streams: list[Stream]) -> list[tuple[datetime, Command]]:
    """Every stream's entries merged by recorded time; each stream keeps its own order."""
    for stream in streams:
        stream.number()
    planned = [(entry, stream) for stream in streams for entry in stream.entries]
    planned.sort(key=lambda pair: (pair[0].recorded_at, pair[1].index, pair[0].sequence))
    return [(entry.recorded_at, entry.to_command(stream.student_id)) for entry, stream in planned]


def batches(
    ordered: list[tuple[datetime, Command]], size: int
) -> Iterator[tuple[datetime, list[Command]]]:
    """Consecutive commands sharing one recorded moment, at most ``size`` at a time."""
    start = 0
    while start < len(ordered):
        moment = ordered[start][0]
        end = start
        while end < len(ordered) and end - start < size and ordered[end][0] == moment:
            end += 1
        yield moment, [command for _, command in ordered[start:end]]
        start = end
