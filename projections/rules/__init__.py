"""Pure, versioned benchmark rules: facts and a date in, states with evidence out.

Importing the package registers the built-in rule sets ``gatsby-2014`` and
``gatsby-2025``; look rule sets up with :func:`get_ruleset`.
"""

from projections.rules import gatsby_2014, gatsby_2025
from projections.rules.base import Attainment, BenchmarkResult, PartResult, RuleSet, State
from projections.rules.provider_access import provider_access
from projections.rules.registry import forget_ruleset, get_ruleset, register_ruleset, ruleset_names

__all__ = [
    "Attainment",
    "BenchmarkResult",
    "PartResult",
    "RuleSet",
    "State",
    "forget_ruleset",
    "gatsby_2014",
    "gatsby_2025",
    "get_ruleset",
    "provider_access",
    "register_ruleset",
    "ruleset_names",
]
