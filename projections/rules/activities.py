"""NCCIS activity codes as the read side groups them (codes are versioned data)."""

from __future__ import annotations

from functools import cache

from ledger.domain.nccis import CURRENT_VERSION, activity_codes

EDUCATION_GROUPS = frozenset({"education", "training"})
EMPLOYMENT_GROUPS = frozenset({"employment", "apprenticeship"})
APPRENTICESHIP = "apprenticeship"


@cache
def activity_group(code: str, version: str = CURRENT_VERSION) -> str:
    """The group of a code in the list version that validated it; ``unknown`` if absent.

    An event names the list version it was checked against, so an old code
    keeps its meaning after the list changes; a version this build does not
    ship falls back to the current list.
    """
    try:
        codes = activity_codes(version)
    except (FileNotFoundError, ModuleNotFoundError, ValueError):
        codes = activity_codes(CURRENT_VERSION)
    found = codes.get(code)
    return found.group if found is not None else "unknown"
