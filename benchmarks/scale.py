"""Measure painlit against its targets, side by side with the floor program, in one run.

1. `painlit condition fibromyalgia` on the shipped corpus against the floor program (Typer +
   Rich printing a one-row table, benchmarks/startup.py), alternating runs; target: <= 1.1x.
2. Generated corpora (benchmarks/generate.py) of 10,000 and 100,000 studies, the command
   `condition fibromyalgia`:
   * first run (no index yet);
   * unchanged (index up to date), alternating with the floor program;
   * one record edited (a study's `n` changed just before each run);
   * one record added (a copy of a study, with its own id and identifiers, mid-file; no
     target);
   * `painlit validate` after a one-record edit;
   * `map`, `studies --condition fibromyalgia`, `mechanism serotonin-5ht2a`,
     `study bench-000500` and `sources` on the up-to-date index (no target);
   * and `painlit search` (no target): the first search, which makes the full-text index, then
     the same search again.
   Targets (medians): 10,000 studies: first run <= 6 s, unchanged <= 0.35 s, edited
   <= 0.5 s; 100,000 studies: first run <= 60 s and <= 400 MB, unchanged <= 1 s, edited
   <= 1.5 s, validate after an edit <= 2 s.

Every run is a fresh process, timed by GNU time (`/usr/bin/time -f '%e %M'`: wall seconds and
peak resident memory), but for the start-up comparison, timed here to the microsecond. Prints
each median beside the floor's median over runs alternating with it (this machine's speed
drifts from minute to minute) and whether the target is met.

    python benchmarks/scale.py                 # everything (about 6 minutes on 2 cores)
    python benchmarks/scale.py --sizes 10000   # only the smaller corpus
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import write  # noqa: E402
from startup import FLOOR  # noqa: E402

TIME = "/usr/bin/time"
COMMAND = ["condition", "fibromyalgia"]
#: Other queries timed on the up-to-date index (no target): the gap map, a filtered list.
QUERIES = (["map"], ["studies", "--condition", "fibromyalgia"],
           ["mechanism", "serotonin-5ht2a"], ["study", "bench-000500"], ["sources"])
#: `search` words: a phrase many generated records hold, and a word none holds.
SEARCHES = ("cold pressor", "zyxwvut")
STARTUP_RATIO = 1.1
#: size: (first run s, first run MB, unchanged s, edited s, validate after an edit s)
TARGETS = {10_000: (6.0, None, 0.35, 0.5, None), 100_000: (60.0, 400.0, 1.0, 1.5, 2.0)}


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


def verdict(value: float, target: float | None) -> str:
    if target is None:
        return ""
    return f" [target <= {target:g}: {'met' if value <= target else 'NOT met'}]"


def edit_one_record(corpus: Path, number: int) -> None:
    """Change one study's `n` (a record in the middle of the file) to another value."""
    data = corpus.read_bytes()
    found = re.compile(rb"\n  n: (\d+)\n").search(data, len(data) // 3)
    assert found is not None
    value = b"%d" % (number % 7 + 1000)
    corpus.write_bytes(data[:found.start(1)] + value + data[found.end(1):])


def add_one_record(corpus: Path, number: int) -> None:
    """Put a copy of a study (a record in the middle of the file), with an id and identifiers
    of its own, in front of it."""
    data = corpus.read_bytes()
    start = data.index(b"\n- id: ", len(data) // 3) + 1
    end = data.index(b"\n- id: ", start + 1) + 1
    record = re.sub(rb"^- id: \S+", b"- id: added-%d" % number, data[start:end], count=1)
    record = re.sub(rb"\n  doi: \S+", b"\n  doi: 10.5555/painlit-added.%d" % number, record,
                    count=1)
    record = re.sub(rb"\n  pmid: \S+", b"\n  pmid: '8%07d'" % number, record, count=1)
    record = re.sub(rb"\n  registry: \S+", b"\n  registry: NCT8%07d" % number, record, count=1)
    corpus.write_bytes(data[:start] + record + data[start:])


def wall(command: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one run, timed here: GNU time's 10 ms steps are 5 % of a start-up."""
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    return time.perf_counter() - start


def startup(runs: int, env: dict[str, str], floor: list[str]) -> str:
    painlit = [sys.executable, "-m", "painlit", *COMMAND]
    wall(floor, env), wall(painlit, env)  # warm the file cache, .pyc files and the index
    times: dict[str, list[float]] = {"floor": [], "painlit": []}
    for _ in range(runs):
        times["floor"].append(wall(floor, env))
        times["painlit"].append(wall(painlit, env))
    low, high = statistics.median(times["floor"]), statistics.median(times["painlit"])
    return (f"shipped corpus, condition fibromyalgia ({runs} runs each): floor {low:.3f} s, "
            f"painlit {high:.3f} s, ratio {high / low:.2f}{verdict(high / low, STARTUP_RATIO)}")


def scale(size: int, cold_runs: int, runs: int, env: dict[str, str], folder: Path,
          floor: list[str]) -> list[str]:
    corpus = folder / f"corpus-{size}.yaml"
    write(size, corpus)
    first_s, first_mb, unchanged_s, edited_s, validate_s = TARGETS.get(
        size, (None, None, None, None, None))
    full = [sys.executable, "-m", "painlit", "--data", str(corpus), *COMMAND]
    lines = [f"{size:,} studies ({corpus.stat().st_size / 1e6:.0f} MB of YAML), "
             f"painlit {' '.join(COMMAND)}"]
    cold = [run(full, {**env, "PAINLIT_CACHE_DIR": str(folder / f"cold-{size}-{attempt}")})
            for attempt in range(cold_runs)]
    c = median(cold)
    lines.append(f"  first run      {c.seconds:7.2f} s {c.megabytes:6.0f} MB"
                 f"{verdict(c.seconds, first_s)}{verdict(c.megabytes, first_mb)}")
    warm_env = {**env, "PAINLIT_CACHE_DIR": str(folder / f"cold-{size}-0")}
    time.sleep(2.1)  # older than the racily-clean window: unchanged runs read no YAML
    run(full, warm_env)
    warm, floor_times = [], []
    for _ in range(runs):
        floor_times.append(run(floor, env))
        warm.append(run(full, warm_env))
    w, f = median(warm), median(floor_times)
    lines.append(f"  unchanged      {w.seconds:7.2f} s {w.megabytes:6.0f} MB"
                 f"{verdict(w.seconds, unchanged_s)} (floor meanwhile {f.seconds:.2f} s)")
    edited, floor_times = [], []
    for number in range(runs):
        floor_times.append(run(floor, env))
        edit_one_record(corpus, number)
        edited.append(run(full, warm_env))
    e, f = median(edited), median(floor_times)
    lines.append(f"  one record edited {e.seconds:4.2f} s {e.megabytes:6.0f} MB"
                 f"{verdict(e.seconds, edited_s)} (floor meanwhile {f.seconds:.2f} s)")
    added = []
    for number in range(runs):
        add_one_record(corpus, number)
        added.append(run(full, warm_env))
    a = median(added)
    lines.append(f"  one record added {a.seconds:5.2f} s {a.megabytes:6.0f} MB (a study, mid-file)")
    checks = []
    for number in range(max(1, runs // 2)):
        edit_one_record(corpus, number + runs)
        checks.append(run([sys.executable, "-m", "painlit", "validate", str(corpus)],
                          warm_env))
    v = median(checks)
    lines.append(f"  validate after an edit {v.seconds:.2f} s {v.megabytes:6.0f} MB"
                 f"{verdict(v.seconds, validate_s)}")
    time.sleep(2.1)  # as above: the index is brought up to date, then the queries timed
    run([*full[:-len(COMMAND)], *QUERIES[0]], warm_env)
    for query in QUERIES:
        timed = median([run([*full[:-len(COMMAND)], *query], warm_env)
                        for _ in range(max(1, runs // 2))])
        lines.append(f"  {' '.join(query)} {timed.seconds:.2f} s {timed.megabytes:6.0f} MB")

    def search(words: str) -> list[str]:
        return [sys.executable, "-m", "painlit", "--data", str(corpus), "search", words]

    first = run(search(SEARCHES[0]), warm_env)  # the first search makes the full-text index
    lines.append(f"  first search (makes the full-text index) {first.seconds:.2f} s "
                 f"{first.megabytes:.0f} MB")
    for words in SEARCHES:
        again = median([run(search(words), warm_env) for _ in range(max(1, runs // 2))])
        lines.append(f"  search {words!r} {again.seconds:.2f} s {again.megabytes:6.0f} MB")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="comma-separated corpus sizes (default: 10000,100000)")
    parser.add_argument("--startup-runs", type=int, default=15)
    parser.add_argument("--cold-runs", type=int, default=3,
                        help="first runs below 100,000 studies (one at 100,000)")
    parser.add_argument("--runs", type=int, default=7,
                        help="unchanged and edited runs (each alternating with the floor)")
    arguments = parser.parse_args()
    if not Path(TIME).exists():
        raise SystemExit("needs GNU time at /usr/bin/time (Debian: apt-get install time)")
    with tempfile.TemporaryDirectory(prefix="painlit-bench-") as name:
        folder = Path(name)
        env = {**os.environ, "PAINLIT_CACHE_DIR": str(folder / "startup-index")}
        for variable in ("PAINLIT_NO_CACHE", "PYTHONDONTWRITEBYTECODE"):  # run as installed
            env.pop(variable, None)
        floor_script = folder / "floor.py"
        floor_script.write_text(FLOOR, encoding="utf-8")
        floor = [sys.executable, str(floor_script), "fibromyalgia"]
        print(startup(arguments.startup_runs, env, floor), flush=True)
        for size in (int(s) for s in arguments.sizes.split(",") if s.strip()):
            cold_runs = arguments.cold_runs if size < 100_000 else 1
            for line in scale(size, cold_runs, arguments.runs, env, folder, floor):
                print(line, flush=True)


if __name__ == "__main__":
    main()
