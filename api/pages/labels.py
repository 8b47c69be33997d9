"""Words people read on the pages: the shared labels (``api.render.labels``) as Jinja
filters, with dates and academic years."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from jinja2 import Environment

from api.render.labels import (
    CHARACTERISTIC_LABELS,
    KIND_LABELS,
    ROLE_LABELS,
    STAGE_LABELS,
    STATE_LABELS,
    STUDENT_STATE_LABELS,
    SUSTAINED_LABELS,
    group_label,
    kind_label,
    part_label,
    percent,
    points,
    state_label,
    student_state_label,
)
from api.render.readable import academic, day

__all__ = [
    "CHARACTERISTIC_LABELS",
    "KIND_LABELS",
    "ROLE_LABELS",
    "STAGE_LABELS",
    "STATE_LABELS",
    "STUDENT_STATE_LABELS",
    "SUSTAINED_LABELS",
    "academic",
    "group_label",
    "install",
    "kind_label",
    "part_label",
    "percent",
    "points",
    "state_label",
    "student_state_label",
    "when",
]


def when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d %b %Y %H:%M").lstrip("0") + " UTC"
    if isinstance(value, date | str) and value:
        return day(value)
    return ""


def install(env: Environment) -> None:
    env.filters.update(
        kind=kind_label,
        state=state_label,
        student_state=student_state_label,
        part=part_label,
        percent=percent,
        points=points,
        when=when,
        academic=academic,
        role=lambda role: ROLE_LABELS.get(str(role), str(role)),
        stage=lambda stage: STAGE_LABELS.get(str(stage), str(stage)),
        sustained=lambda state: SUSTAINED_LABELS.get(str(state), str(state)),
        group=lambda pair: group_label(*pair),
    )
