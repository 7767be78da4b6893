"""Time `painlit condition fibromyalgia` against the floor of its stack.

The floor is a minimal Typer + Rich program that prints a one-row table. Both run as fresh
processes with the same Python, alternating, so machine noise hits both alike. Prints the
median wall time of each and the ratio (the target is at most 1.1).

    python benchmarks/startup.py [--runs 21]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = '''
import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer()


@app.command()
def main(name: str) -> None:
    table = Table("condition")
    table.add_row(name)
    Console().print(table)


app()
'''


#: As installed programs run: compiled modules are written once and reused (some shells set
#: PYTHONDONTWRITEBYTECODE, which would make every run compile painlit from source).
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _time(command: list[str], ok: tuple[int, ...] = (0,)) -> float:
    """Wall seconds of one run; an exit code not in `ok` is an error."""
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          env=ENV)
    if done.returncode not in ok:
        raise subprocess.CalledProcessError(done.returncode, command)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        floor_script = Path(folder) / "floor.py"
        floor_script.write_text(FLOOR, encoding="utf-8")
        commands = {
            "floor (typer + rich, one-row table)": [sys.executable, str(floor_script),
                                                    "fibromyalgia"],
            "painlit condition fibromyalgia": [sys.executable, "-m", "painlit", "condition",
                                               "fibromyalgia"],
        }
        for command in commands.values():  # warm the file cache and .pyc files
            _time(command)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, command in commands.items():
                times[name].append(_time(command))
    medians = {name: statistics.median(values) for name, values in times.items()}
    floor, painlit = medians.values()
    width = max(len(name) for name in medians)
    print(f"{'command':<{width}}  median (s)  runs={runs}")
    for name, value in medians.items():
        print(f"{name:<{width}}  {value:10.3f}")
    print(f"ratio painlit / floor: {painlit / floor:.2f} (target <= 1.1)")


if __name__ == "__main__":
    main()
