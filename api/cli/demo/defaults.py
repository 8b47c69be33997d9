"""The demo's defaults, apart from the generator so ``careers-ledger --help`` can show them
without importing it."""

from __future__ import annotations

DEFAULT_SEED = 2014  # the year Gatsby published the benchmarks
DEFAULT_STUDENTS = 1000
