"""How long the ``careers-ledger`` command line takes to start, next to its floor.

    python bench/cli_startup.py
    python bench/cli_startup.py --runs 9

Times, in wall-clock seconds, ``careers-ledger --help`` and
``careers-ledger verify --help`` as a person runs them (the installed console
script next to this interpreter, in a fresh process each time), next to the
floor measured in the same run: ``python -c "import typer, rich"``, the two
libraries every CLI start needs, and the bare interpreter (``python -c pass``).
Each command is run once to warm the byte-code and file caches, then the
commands take turns ``--runs`` times, so background load on a shared machine
falls on all of them alike.  The median is the figure to read; the target is at
most 0.5 s for both commands.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = str(Path(sys.executable).parent / "careers-ledger")
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    'python -c "import typer, rich" (floor)': [sys.executable, "-c", "import typer, rich"],
    "careers-ledger --help": [SCRIPT, "--help"],
    "careers-ledger verify --help": [SCRIPT, "verify", "--help"],
}
FLOOR = 'python -c "import typer, rich" (floor)'


def wall_seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command")
    runs = parser.parse_args().runs
    for command in COMMANDS.values():
        wall_seconds(command)  # warm-up, not counted
    timings: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, command in COMMANDS.items():
            timings[name].append(wall_seconds(command))
    floor = statistics.median(timings[FLOOR])
    width = max(map(len, COMMANDS))
    print(f"{'command':<{width}}  {'median s':>8}  {'min s':>6}  {'max s':>6}  {'over floor':>10}")
    for name, found in timings.items():
        median = statistics.median(found)
        print(
            f"{name:<{width}}  {median:8.3f}  {min(found):6.3f}  {max(found):6.3f}  "
            f"{median - floor:+10.3f}"
        )
    print(f"{runs} runs each; Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
