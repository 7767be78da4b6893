"""Measure painlit against its targets: start-up on the shipped corpus, and large corpora.

1. `painlit condition fibromyalgia` on the shipped corpus against the floor program (Typer +
   Rich printing a one-row table), alternating runs; target: ratio <= 1.2.
2. Generated corpora (benchmarks/generate.py) of 10,000 and 100,000 studies: `condition
   fibromyalgia`, `claims` and `studies --design rct` on a first run (empty cache) and when
   nothing changed (cache filled), and `validate`. Targets: first run < 3 s / 30 s and
   < 1.5 GB; unchanged < 0.5 s / 2 s and < 500 MB; validate at 100,000 < 60 s.

Every run is a fresh process timed by GNU time (`/usr/bin/time -f '%e %M'`: wall seconds and
peak resident memory). Prints a table of medians and whether each target is met; beside each
unchanged median, the floor program's median over runs alternating with it, since this
machine's speed drifts from minute to minute.

    python benchmarks/scale.py                 # everything (5 to 8 minutes on 2 cores)
    python benchmarks/scale.py --sizes 10000   # only the smaller corpus
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import write  # noqa: E402
from startup import FLOOR  # noqa: E402

TIME = "/usr/bin/time"
COMMANDS = (["condition", "fibromyalgia"], ["claims"], ["studies", "--design", "rct"])
#: size: (first-run seconds, unchanged seconds)
TIME_TARGETS = {10_000: (3.0, 0.5), 100_000: (30.0, 2.0)}
FIRST_RUN_MB, UNCHANGED_MB, VALIDATE_S = 1500, 500, 60.0


@dataclass
class Sample:
    seconds: float
    megabytes: float


def run(command: list[str], env: dict[str, str]) -> Sample:
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        done = subprocess.run([TIME, "-f", "%e %M", "-o", report.name, *command], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              check=False)
        if done.returncode not in (0, 1):  # validate exits 1 when it finds problems
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): "
                             f"{done.stderr[-500:]}")
        seconds, kilobytes = report.read().split()[-2:]
    return Sample(float(seconds), int(kilobytes) / 1024)


def median(samples: list[Sample]) -> Sample:
    return Sample(statistics.median(s.seconds for s in samples),
                  statistics.median(s.megabytes for s in samples))


def floor_command(folder: Path) -> list[str]:
    """The floor program: Typer + Rich printing a one-row table (benchmarks/startup.py)."""
    floor_script = folder / "floor.py"
    floor_script.write_text(FLOOR, encoding="utf-8")
    return [sys.executable, str(floor_script), "fibromyalgia"]


def startup(runs: int, env: dict[str, str], folder: Path) -> list[str]:
    floor = floor_command(folder)
    painlit = [sys.executable, "-m", "painlit", "condition", "fibromyalgia"]
    run(floor, env), run(painlit, env)  # warm the file cache, .pyc files and painlit's cache
    times: dict[str, list[Sample]] = {"floor": [], "painlit": []}
    for _ in range(runs):
        times["floor"].append(run(floor, env))
        times["painlit"].append(run(painlit, env))
    low, high = median(times["floor"]).seconds, median(times["painlit"]).seconds
    ratio = high / low
    verdict = "met" if ratio <= 1.2 else "NOT met"
    return [f"start-up ({runs} runs each): floor {low:.3f} s, painlit condition fibromyalgia "
            f"{high:.3f} s, ratio {ratio:.2f} (target <= 1.2: {verdict})"]


def scale(size: int, cold_runs: int, warm_runs: int, env: dict[str, str], folder: Path
          ) -> list[str]:
    corpus = folder / f"corpus-{size}.yaml"
    write(size, corpus)
    first_target, warm_target = TIME_TARGETS.get(size, (float("inf"), float("inf")))
    lines = [f"{size:,} studies ({corpus.stat().st_size / 1e6:.0f} MB of YAML)"]
    floor_program = floor_command(folder)
    for command in COMMANDS:
        full = [sys.executable, "-m", "painlit", "--data", str(corpus), *command]
        cold = []
        for attempt in range(cold_runs):
            cold.append(run(full, {**env, "PAINLIT_CACHE_DIR": str(folder / f"c{size}-{attempt}"
                                                                   f"-{command[0]}")}))
        warm_env = {**env, "PAINLIT_CACHE_DIR": str(folder / f"warm-{size}")}
        run(full, warm_env)  # fill the cache
        warm, floor = [], []
        for _ in range(warm_runs):  # the floor alongside: this machine's speed drifts
            floor.append(run(floor_program, env))
            warm.append(run(full, warm_env))
        c, w = median(cold), median(warm)
        ok_cold = c.seconds < first_target and c.megabytes < FIRST_RUN_MB
        ok_warm = w.seconds < warm_target and w.megabytes < UNCHANGED_MB
        lines.append(
            f"  {' '.join(command):<24} first run {c.seconds:6.2f} s {c.megabytes:6.0f} MB "
            f"[{'met' if ok_cold else 'NOT met'}]   unchanged {w.seconds:5.2f} s "
            f"{w.megabytes:5.0f} MB [{'met' if ok_warm else 'NOT met'}] "
            f"(floor meanwhile {median(floor).seconds:.2f} s)")
    check = run([sys.executable, "-m", "painlit", "validate", str(corpus)], env)
    lines.append(f"  {'validate':<24} {check.seconds:6.2f} s {check.megabytes:6.0f} MB"
                 + (f" [{'met' if check.seconds < VALIDATE_S else 'NOT met'}: < 60 s]"
                    if size >= 100_000 else ""))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="comma-separated corpus sizes (default: 10000,100000)")
    parser.add_argument("--startup-runs", type=int, default=15)
    parser.add_argument("--cold-runs", type=int, default=5,
                        help="first runs per command below 100,000 studies (one at 100,000)")
    parser.add_argument("--warm-runs", type=int, default=7)
    arguments = parser.parse_args()
    if not Path(TIME).exists():
        raise SystemExit("needs GNU time at /usr/bin/time (Debian: apt-get install time)")
    with tempfile.TemporaryDirectory(prefix="painlit-bench-") as name:
        folder = Path(name)
        env = {**os.environ, "PAINLIT_CACHE_DIR": str(folder / "startup-cache")}
        for name in ("PAINLIT_NO_CACHE", "PYTHONDONTWRITEBYTECODE"):  # run as installed
            env.pop(name, None)
        lines = startup(arguments.startup_runs, env, folder)
        print(lines[-1], flush=True)
        for size in (int(s) for s in arguments.sizes.split(",") if s.strip()):
            cold_runs = arguments.cold_runs if size < 100_000 else 1
            for line in scale(size, cold_runs, arguments.warm_runs, env, folder):
                print(line, flush=True)


if __name__ == "__main__":
    main()
