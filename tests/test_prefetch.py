"""Reading a large corpus while the command line starts (painlit.prefetch).

The corpora here are generated from the shipped one by benchmarks/generate.py (synthetic
records, marked as such), large enough to be read in parts.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from painlit import cache, loader, prefetch
from painlit.cli import app
from painlit.paths import default_corpus_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import write

NO_ENV: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _files_written_long_ago(monkeypatch: pytest.MonkeyPatch) -> None:
    """The corpus here was written a moment ago: the racily-clean rule (tests/test_cache.py)
    would keep it from being remembered by its signature."""
    monkeypatch.setattr(cache, "RACY_SECONDS", 0)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("prefetch") / "large.yaml"
    write(2200, path)
    assert path.stat().st_size >= prefetch.FROM_BYTES
    return path


@pytest.mark.parametrize(("arguments", "environ", "expected"), [
    (["condition", "fibromyalgia"], NO_ENV, "shipped"),
    (["--data", "x.yaml", "claims"], NO_ENV, "x.yaml"),
    (["--data=x.yaml", "--json", "--limit", "3", "studies", "--design", "rct"], NO_ENV,
     "x.yaml"),
    (["--limit=0", "claims"], {"PAINLIT_DATA": "env.yaml"}, "env.yaml"),
    (["--data", "x.yaml", "claims"], {"PAINLIT_DATA": "env.yaml"}, "x.yaml"),
    (["--data", "--json", "claims"], NO_ENV, "--json"),  # a file named so, as Typer reads it
    (["--no-cache", "claims"], NO_ENV, None),
    (["claims", "--help"], NO_ENV, None),
    (["-h"], NO_ENV, None),
    (["--version"], NO_ENV, None),
    (["--install-completion"], NO_ENV, None),
    (["validate", "x.yaml"], NO_ENV, None),
    (["draft", "10.1000/x"], NO_ENV, None),
    (["--unknown", "claims"], NO_ENV, None),
    ([], NO_ENV, None),
])
def test_the_corpus_is_found_only_when_plain(arguments: list[str], environ: dict[str, str],
                                             expected: str | None) -> None:
    found = prefetch.corpus_path(arguments, environ)
    if expected == "shipped":
        assert found == default_corpus_path()
    else:
        assert found == (Path(expected) if expected else None)


def test_the_options_known_here_are_painlits_own() -> None:
    group: Any = typer.main.get_command(app)  # Click's, or the copy newer Typers carry
    takes_value: set[str] = set()
    flags: set[str] = set()
    for parameter in group.params:
        if parameter.param_type_name == "option":
            names = set(parameter.opts) | set(parameter.secondary_opts)
            (flags if parameter.is_flag else takes_value).update(names)
    assert takes_value == prefetch.VALUE_OPTIONS
    assert flags | {"--help", "-h"} == prefetch.FLAG_OPTIONS | prefetch.STOP_OPTIONS


def test_the_commands_named_here_read_the_corpus_first() -> None:
    group: Any = typer.main.get_command(app)
    for name in prefetch.CORPUS_COMMANDS:
        command = group.commands[name]
        assert command.callback is not None
        body = inspect.getsource(inspect.unwrap(command.callback))
        assert "current_corpus()" in body, name


def test_the_size_is_the_loaders() -> None:
    assert prefetch.FROM_BYTES == loader.PARTS_FROM_BYTES


def test_a_large_corpus_is_cached_by_the_time_it_is_needed(
        large: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINLIT_CACHE_DIR", str(tmp_path / "cache"))
    assert not cache.is_cached(large)
    prefetch.start(["--data", str(large), "claims"])
    assert prefetch._child is not None  # a process is reading it
    prefetch.wait()
    assert prefetch._child is None
    assert cache.is_cached(large)
    prefetch.start(["--data", str(large), "claims"])  # cached now: nothing to start
    assert prefetch._child is None


def test_small_uncached_or_unwanted_files_start_nothing(
        large: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINLIT_CACHE_DIR", str(tmp_path / "cache"))
    prefetch.start(["condition", "fibromyalgia"])  # the shipped corpus is small
    prefetch.start(["--data", str(tmp_path / "missing.yaml"), "claims"])
    monkeypatch.setenv("PAINLIT_NO_CACHE", "1")
    prefetch.start(["--data", str(large), "claims"])
    assert prefetch._child is None


def test_a_prefetch_not_needed_is_stopped(large: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINLIT_CACHE_DIR", str(tmp_path / "cache"))
    prefetch.start(["--data", str(large), "claims"])
    pid = prefetch._child
    assert pid is not None
    prefetch.stop()
    assert prefetch._child is None
    with pytest.raises(ChildProcessError):  # ended and reaped: no process left behind
        os.waitpid(pid, os.WNOHANG)


def _painlit(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "painlit", *arguments], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("PAINLIT_NO_CACHE", "PAINLIT_DATA", "PAINLIT_DEBUG")}
    env.update(PAINLIT_CACHE_DIR=str(tmp_path / "cache"), COLUMNS="100",
               HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    return env


def test_a_first_run_prints_what_an_uncached_run_prints(large: Path, tmp_path: Path) -> None:
    env = _environment(tmp_path)
    first = _painlit("--data", str(large), "condition", "fibromyalgia", env=env)
    uncached = _painlit("--no-cache", "--data", str(large), "condition", "fibromyalgia",
                        env=env)
    assert first.returncode == uncached.returncode == 0, first.stderr
    assert first.stdout == uncached.stdout and first.stderr == uncached.stderr == ""
    assert list((tmp_path / "cache").glob("*.pickle"))


def test_a_large_corpus_with_errors_is_reported_as_always(large: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(large.read_text(encoding="utf-8").replace("n: 5\n", "n: five\n", 1),
                      encoding="utf-8")
    env = _environment(tmp_path)
    first = _painlit("--data", str(broken), "claims", env=env)
    uncached = _painlit("--no-cache", "--data", str(broken), "claims", env=env)
    assert first.returncode == uncached.returncode == 3
    assert first.stderr == uncached.stderr and "expected a whole number" in first.stderr
    assert "Traceback" not in first.stderr
