"""Rule sets by name: the engine and reports look them up here, never import them.

A new rule set (a college one, say) is a module that builds a
:class:`~projections.rules.base.RuleSet` and calls :func:`register_ruleset`.
"""

from __future__ import annotations

from ledger.domain.errors import FieldProblem, ValidationFailed
from projections.rules.base import RuleSet

_RULESETS: dict[str, RuleSet] = {}


def register_ruleset(ruleset: RuleSet) -> RuleSet:
    existing = _RULESETS.get(ruleset.name)
    if existing is not None and existing is not ruleset:
        raise ValueError(f"a rule set named {ruleset.name!r} is already registered")
    _RULESETS[ruleset.name] = ruleset
    return ruleset


def get_ruleset(name: str) -> RuleSet:
    """The rule set called ``name``; an unknown name is a validation error on ``ruleset``."""
    found = _RULESETS.get(name)
    if found is None:
        reason = "is not a known rule set (known: " + ", ".join(ruleset_names()) + ")"
        raise ValidationFailed(f"ruleset: {reason}", (FieldProblem("ruleset", reason),))
    return found


def ruleset_names() -> tuple[str, ...]:
    return tuple(sorted(_RULESETS))


def forget_ruleset(name: str) -> None:
    """Remove a registered rule set (tests that register their own use this)."""
    _RULESETS.pop(name, None)
