"""Time `painlit diff` of two large corpora against the time of loading both.

Generates a corpus of N studies (benchmarks/generate.py) and a copy with every 97th study's
`n` changed, then, with the corpus cache off, alternates `painlit diff` with `painlit validate`
of each file. Prints the medians and the ratio diff / (load A + load B); the target is at most
3 (a diff that compares records one to one, not each to every other).

    python benchmarks/diff.py [--studies 30000] [--runs 3]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
from pathlib import Path

from generate import write
from startup import _time


def _edited(source: Path, target: Path) -> None:
    count = 0

    def change(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return match.group(0) if count % 97 else f"  n: {int(match.group(1)) + 1}\n"

    text = source.read_text(encoding="utf-8")
    target.write_text(re.sub(r"^  n: (\d+)\n", change, text, flags=re.M), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        old, new = Path(folder) / "old.yaml", Path(folder) / "new.yaml"
        write(arguments.studies, old)
        _edited(old, new)
        painlit = [sys.executable, "-m", "painlit", "--no-cache"]
        commands = {
            "load old (validate)": [*painlit, "validate", str(old)],
            "load new (validate)": [*painlit, "validate", str(new)],
            "diff old new": [*painlit, "--data", str(new), "diff", str(old), "--quiet"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(arguments.runs):
            for name, command in commands.items():
                times[name].append(_time(command, ok=(0, 1)))
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"{'command':<24} median (s)  studies={arguments.studies:,} runs={arguments.runs}")
    for name, value in medians.items():
        print(f"{name:<24} {value:10.2f}")
    both = medians["load old (validate)"] + medians["load new (validate)"]
    print(f"ratio diff / (load old + load new): {medians['diff old new'] / both:.2f} "
          "(target <= 3)")


if __name__ == "__main__":
    main()
