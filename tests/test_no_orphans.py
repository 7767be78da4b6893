"""A first run of a large corpus, stopped by SIGINT or SIGTERM sent to the main process only
(as a supervisor or a CI timeout does), at several moments: no process is left behind, and the
index is not left broken (SQLite finds it sound, and the next run answers as a run without
any index does). And several runs started at once on a corpus not indexed yet all answer
correctly. The same for `search` while it makes the full-text index."""

from __future__ import annotations

import importlib.util
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
STUDIES = 5000  # a first run takes about 2 s


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = importlib.util.spec_from_file_location(
        "painlit_generate_for_orphans", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    generator: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    target = tmp_path_factory.mktemp("orphans") / "big-orphans.yaml"
    generator.write(STUDIES, target)
    return target


def _left_behind(marker: str) -> list[int]:
    """Processes whose command line names `marker` (the corpus path: only painlit's)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in command and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
@pytest.mark.parametrize("after", [0.4, 1.0, 2.0])
def test_a_signal_to_the_main_process_leaves_no_process_and_no_broken_index(
        big: Path, tmp_path: Path, signum: int, after: float) -> None:
    env = {**os.environ, "PAINLIT_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "100"}
    command = [sys.executable, "-m", "painlit", "--data", str(big), "claims", "--limit", "0"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    time.sleep(after)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode in (0, 130), stderr  # finished first, or interrupted
    deadline = time.monotonic() + 10
    while _left_behind(str(big)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _left_behind(str(big)) == [], "processes outlived the command"
    for index in (tmp_path / "cache").glob("*.sqlite"):
        db = sqlite3.connect(index)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        db.close()
    cached = subprocess.run(command, env=env, capture_output=True, timeout=300)
    fresh = subprocess.run(command, env={**env, "PAINLIT_NO_CACHE": "1"}, capture_output=True,
                           timeout=300)
    assert cached.returncode == fresh.returncode == 0, cached.stderr
    assert cached.stdout == fresh.stdout


@pytest.mark.parametrize("runs", [2, 5])
def test_runs_started_at_once_on_a_new_corpus_all_answer_correctly(
        big: Path, tmp_path: Path, runs: int) -> None:
    env = {**os.environ, "PAINLIT_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "100"}
    command = [sys.executable, "-m", "painlit", "--data", str(big), "studies", "--design",
               "rct", "--limit", "0"]
    fresh = subprocess.run(command, env={**env, "PAINLIT_NO_CACHE": "1"}, capture_output=True,
                           timeout=300)
    assert fresh.returncode == 0, fresh.stderr
    started = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE) for _ in range(runs)]
    for process in started:
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
        assert stdout == fresh.stdout
    again = subprocess.run(command, env=env, capture_output=True, timeout=300)
    assert again.stdout == fresh.stdout


def _full_text_sound(folder: Path) -> None:
    """Every indexed text has its record's row, and the other way round."""
    for index in folder.glob("*.sqlite"):
        db = sqlite3.connect(index)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        if db.execute("SELECT name FROM sqlite_master WHERE name = 'searchable'").fetchone():
            (texts,) = db.execute("SELECT count(*) FROM search").fetchone()
            (rows,) = db.execute("SELECT count(*) FROM searchable").fetchone()
            (joined,) = db.execute("SELECT count(*) FROM search JOIN searchable "
                                   "ON searchable.row = search.rowid").fetchone()
            assert texts == rows == joined
        db.close()


def _search(big: Path) -> list[str]:
    return [sys.executable, "-m", "painlit", "--data", str(big), "search", "cold pressor",
            "--json"]


def test_searches_started_at_once_share_the_making_of_the_full_text_index(
        big: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PAINLIT_CACHE_DIR": str(tmp_path / "cache")}
    fresh = subprocess.run(_search(big), env={**env, "PAINLIT_NO_CACHE": "1"},
                           capture_output=True, timeout=300)
    assert fresh.returncode == 0, fresh.stderr
    subprocess.run([sys.executable, "-m", "painlit", "--data", str(big), "validate"], env=env,
                   capture_output=True, timeout=300, check=True)  # indexed, not searched
    started = [subprocess.Popen(_search(big), env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE) for _ in range(3)]
    for process in started:
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
        assert stdout == fresh.stdout
    _full_text_sound(tmp_path / "cache")
    with sqlite3.connect(next((tmp_path / "cache").glob("*.sqlite"))) as db:
        (records,) = db.execute("SELECT count(*) FROM records").fetchone()
        (rows,) = db.execute("SELECT count(*) FROM searchable").fetchone()
    assert rows == records  # each record's text indexed once


@pytest.mark.parametrize("after", [0.6, 1.1])
def test_a_search_stopped_while_it_makes_the_full_text_index_leaves_it_sound(
        big: Path, tmp_path: Path, after: float) -> None:
    env = {**os.environ, "PAINLIT_CACHE_DIR": str(tmp_path / "cache")}
    subprocess.run([sys.executable, "-m", "painlit", "--data", str(big), "validate"], env=env,
                   capture_output=True, timeout=300, check=True)
    process = subprocess.Popen(_search(big), env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    time.sleep(after)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode in (0, 130), stderr
    _full_text_sound(tmp_path / "cache")
    again = subprocess.run(_search(big), env=env, capture_output=True, timeout=300)
    fresh = subprocess.run(_search(big), env={**env, "PAINLIT_NO_CACHE": "1"},
                           capture_output=True, timeout=300)
    assert again.returncode == fresh.returncode == 0, again.stderr
    assert again.stdout == fresh.stdout
    _full_text_sound(tmp_path / "cache")
