"""NCCIS current-activity codes, kept as versioned data (codes change by year).

The code list lives in ``ledger/data/nccis-<year>.json``; an event records
which list version validated its code so an old event stays meaningful after
the list changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

ActivityGroup = Literal[
    "below_leaving_age",
    "education",
    "apprenticeship",
    "employment",
    "training",
    "neet",
    "other",
    "unknown",
]
CURRENT_VERSION = "nccis-2024"


@dataclass(frozen=True)
class ActivityCode:
    code: str
    label: str
    group: ActivityGroup


@cache
def activity_codes(version: str = CURRENT_VERSION) -> dict[str, ActivityCode]:
    """All codes of one list version, keyed by code."""
    text = resources.files("ledger.domain.data").joinpath(f"{version}.json").read_text("utf-8")
    raw = json.loads(text)
    return {
        code: ActivityCode(code, entry["label"], entry["group"])
        for code, entry in raw["codes"].items()
    }


def lookup(code: str, version: str = CURRENT_VERSION) -> ActivityCode | None:
    return activity_codes(version).get(code)
