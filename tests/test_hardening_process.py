"""Hardening, the process side: painlit as a real process under the things that go wrong.

A reader that goes away, Ctrl-C, output files that cannot be written, a cache that cannot be
used, a corpus that changes while it is read, and hostile text in every field. Each case
checks the exit code (README: 0 ok, 1 changes, 5 output, 130 interrupted), that no traceback
reaches the user, that no partial file is left behind and that the corpus is never touched.

Most cases run `python -m painlit` in a subprocess; the ones that need a failure the system
will not produce on demand (a full disk, a file rewritten at an exact moment) run in-process
with `typer.testing.CliRunner` and a monkeypatched OS call.
"""

from __future__ import annotations

import errno
import hashlib
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import pytest
from typer.testing import CliRunner, Result

import painlit.indexing
import painlit.loader
import painlit.yamlfile
from painlit.cli import app
from painlit.paths import default_corpus_path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "report"
HOSTILE = FIXTURES / "hostile.yaml"
SMALL = FIXTURES / "small.yaml"
#: Studies in the generated corpus that makes a command slow enough to interrupt.
BIG_STUDIES = 6000
#: Resident memory that shows a command is well into parsing the big corpus (start-up with
#: every import is about 25 MB; reading the big corpus takes it past 150 MB).
BUSY_RSS_KB = 60 * 1024
#: A colour (SGR) sequence, as Rich writes them.
SGR = re.compile(r"\x1b\[[0-9;]*m")
#: The hostile fixture's Rich markup, shown literally (or as markdown escapes in markdown).
LITERAL_MARKUP = ("[bold]markup[/]", "\\[bold\\]markup\\[/\\]")
#: The hostile fixture's own ANSI escape, raw.
RAW_ANSI = "\x1b[31mANSI"

runner = CliRunner()


# --- helpers ---------------------------------------------------------------------------------

def _environment(base: Path, **extra: str) -> dict[str, str]:
    """A child's environment: no home, cache or corpus of the user's, fixed width."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PAINLIT_DATA", "PAINLIT_NO_CACHE", "PAINLIT_DEBUG", "NO_COLOR",
                          "FORCE_COLOR", "TERM", "COLUMNS")}
    home = base / "home"
    home.mkdir(parents=True, exist_ok=True)
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), COLUMNS="120",
               PAINLIT_CACHE_DIR=str(base / "cache"), PYTHONIOENCODING="utf-8")
    env.update(extra)
    return env


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "painlit", *args]


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(_command(*args), env=env, cwd=cwd, capture_output=True, timeout=120,
                          check=False)


def _quiet(stderr: str) -> None:
    """Nothing a user should never see: a traceback, or Python's shutdown complaints."""
    assert "Traceback" not in stderr, stderr
    assert "Exception ignored" not in stderr, stderr


def _one_error_line(stderr: str) -> str:
    """The single `painlit: error:` line of a failure; there must be exactly one."""
    lines = [line for line in stderr.splitlines() if line.startswith("painlit: error:")]
    assert len(lines) == 1, stderr
    return lines[0]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _invoke(args: list[str], **env: str) -> Result:
    return runner.invoke(app, args, env=env or None)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return _environment(tmp_path)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Iterator[Path]:
    """A private copy of the shipped corpus, checked unchanged after the test."""
    target = tmp_path / "corpus" / "studies.yaml"
    target.parent.mkdir()
    target.write_bytes(default_corpus_path().read_bytes())
    before = _digest(target)
    yield target
    assert _digest(target) == before, "the corpus file was changed"


# --- a reader that goes away -----------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["--limit", "0", "studies"],  # Rich terminal output
    ["--json", "studies"],        # JSON written straight to stdout
    ["report", "--format", "html"],  # bytes through write_output
    ["cite", "--all"],
], ids=["terminal", "json", "report", "cite"])
def test_a_reader_gone_before_any_output_is_a_quiet_exit_0(
        args: list[str], env: dict[str, str], tmp_path: Path) -> None:
    process = subprocess.Popen(_command(*args), env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.close()  # `| true`: the read end is gone before painlit has started
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert stderr == b""


@pytest.mark.parametrize("args", [
    ["--json", "studies"],                # 140 kB, more than a pipe holds
    ["report", "--format", "html"],       # 160 kB
], ids=["json", "report"])
def test_a_reader_that_stops_after_one_line_is_a_quiet_exit_0(
        args: list[str], env: dict[str, str], tmp_path: Path) -> None:
    process = subprocess.Popen(_command(*args), env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stdout.readline()  # `| head -1`
    process.stdout.close()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert stderr == b""


# --- Ctrl-C ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated corpus (benchmarks/generate.py) that takes seconds to read."""
    spec = importlib.util.spec_from_file_location(
        "painlit_benchmark_generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    generator: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    target = tmp_path_factory.mktemp("big") / "big.yaml"
    generator.write(BIG_STUDIES, target)
    return target


def _resident_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return 0


def _interrupt_when_busy(args: list[str], env: dict[str, str], cwd: Path
                         ) -> tuple[int, str]:
    """Run painlit, send SIGINT once it is deep in reading the corpus, return code and stderr.

    "Deep in reading" is seen in its memory (Linux); elsewhere, after 0.7 s.
    """
    process = subprocess.Popen(_command(*args), env=env, cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    started = time.monotonic()
    while True:
        if process.poll() is not None:
            pytest.fail("the command finished before it could be interrupted")
        resident = _resident_kb(process.pid)
        if resident is None and time.monotonic() - started > 0.7:
            break
        if resident is not None and resident >= BUSY_RSS_KB:
            break
        assert time.monotonic() - started < 60, "the command never got busy"
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr.decode("utf-8", "replace")


@pytest.mark.parametrize("args", [
    ["condition", "fibromyalgia"],
    ["report", "--format", "html", "-o", "report.html"],
    ["cite", "--all", "-o", "refs.bib"],
], ids=["condition", "report-o", "cite-o"])
def test_ctrl_c_exits_130_and_leaves_nothing(args: list[str], big_corpus: Path,
                                             tmp_path: Path) -> None:
    before = _digest(big_corpus)
    out = tmp_path / "out"
    out.mkdir()
    code, stderr = _interrupt_when_busy(["--no-cache", "--data", str(big_corpus), *args],
                                        _environment(tmp_path), out)
    assert code == 130, stderr
    assert "painlit: interrupted" in stderr
    _quiet(stderr)
    assert list(out.iterdir()) == []  # no report, no .tmp file
    assert _digest(big_corpus) == before


def test_ctrl_c_while_the_command_line_is_still_imported_exits_130_quietly(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import builtins

    from painlit import __main__ as entry
    from painlit import cli

    real_import = builtins.__import__

    def cut_short(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "painlit.cli":
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", cut_short)
    with pytest.raises(SystemExit) as stopped:
        entry.main()
    assert stopped.value.code == entry.EXIT_INTERRUPTED == cli.EXIT_INTERRUPTED == 130
    assert capsys.readouterr().err == "painlit: interrupted\n"


def test_the_collector_is_off_while_starting_up_and_on_again_for_the_command(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import gc

    from painlit import __main__ as entry
    from painlit import cli
    from painlit.commands import corpus as corpus_commands

    at_start: list[bool] = []
    in_command: list[bool] = []
    real_corpus = corpus_commands.current_corpus  # type: ignore[attr-defined]

    def spy_corpus() -> Any:
        in_command.append(gc.isenabled())
        return real_corpus()

    monkeypatch.setattr(corpus_commands, "current_corpus", spy_corpus)
    monkeypatch.setattr(sys, "argv", ["painlit", "conditions"])
    try:
        monkeypatch.setattr(cli, "main", lambda: at_start.append(gc.isenabled()))
        entry.main()
        monkeypatch.undo()
        monkeypatch.setattr(corpus_commands, "current_corpus", spy_corpus)
        monkeypatch.setattr(sys, "argv", ["painlit", "conditions"])
        with pytest.raises(SystemExit) as done:
            entry.main()
    finally:
        gc.enable()
    assert at_start == [False] and in_command == [True] and done.value.code == 0
    assert "fibromyalgia" in capsys.readouterr().out


@pytest.mark.parametrize("existing", [False, True], ids=["new", "replacing"])
def test_ctrl_c_while_the_file_is_written_leaves_it_as_it_was(
        existing: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        corpus_copy: Path) -> None:
    target = tmp_path / "out" / "report.md"
    target.parent.mkdir()
    if existing:
        target.write_bytes(b"the old report\n")

    def interrupted(descriptor: int) -> None:  # Ctrl-C between writing and renaming
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    result = _invoke(["--no-cache", "--data", str(corpus_copy), "report", "-o", str(target),
                      "--force"])
    assert result.exit_code == 130, result.output
    assert "painlit: interrupted" in result.stderr
    assert [p.name for p in target.parent.iterdir()] == (["report.md"] if existing else [])
    if existing:
        assert target.read_bytes() == b"the old report\n"


# --- output files that cannot be written -----------------------------------------------------

WRITERS = {"report": ["report"], "cite": ["cite", "--all"]}


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("where", ["missing-directory", "parent-is-a-file", "read-only"])
def test_an_unwritable_output_path_exits_5_naming_it(
        writer: str, where: str, tmp_path: Path, corpus_copy: Path) -> None:
    place = tmp_path / "place"
    if where == "missing-directory":
        target, reason = place / "missing" / "out.txt", "the directory does not exist"
        place.mkdir()
    elif where == "parent-is-a-file":
        place.mkdir()
        (place / "a-file").write_text("not a directory\n", encoding="utf-8")
        target, reason = place / "a-file" / "out.txt", "a parent of the path is not a directory"
    else:
        if os.geteuid() == 0:
            pytest.skip("root ignores directory permissions (see the in-process EACCES case)")
        place.mkdir(mode=0o500)
        target, reason = place / "out.txt", "permission denied"
    before = sorted(p.name for p in place.iterdir())
    try:
        done = _run(["--data", str(corpus_copy), *WRITERS[writer], "-o", str(target)],
                    _environment(tmp_path), tmp_path)
    finally:
        place.chmod(0o700)
    stderr = done.stderr.decode()
    assert done.returncode == 5, stderr
    assert _one_error_line(stderr) == f"painlit: error: cannot write {target}: {reason}"
    _quiet(stderr)
    assert done.stdout == b""
    assert sorted(p.name for p in place.iterdir()) == before  # no partial or temporary file


class _DiskFull:
    """A file object whose writes stop halfway with ENOSPC, as on a full disk."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def write(self, data: bytes) -> int:
        self._stream.write(data[: len(data) // 2])
        self._stream.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def __enter__(self) -> _DiskFull:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stream.close()


def _disk_full_on_write(monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.fdopen

    def fdopen(descriptor: int, *args: Any, **kwargs: Any) -> Any:
        return _DiskFull(real(descriptor, *args, **kwargs))

    monkeypatch.setattr(os, "fdopen", fdopen)


def _disk_full_on_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    def fsync(descriptor: int) -> None:  # delayed allocation: the disk fills at fsync
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fsync)


def _permission_denied(monkeypatch: pytest.MonkeyPatch) -> None:
    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:  # a read-only directory
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr("tempfile.mkstemp", mkstemp)


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize(("failure", "reason"), [
    (_disk_full_on_write, "the disk is full"),
    (_disk_full_on_fsync, "the disk is full"),
    (_permission_denied, "permission denied"),
], ids=["enospc-write", "enospc-fsync", "eacces"])
@pytest.mark.parametrize("existing", [False, True], ids=["new", "replacing"])
def test_a_failing_write_exits_5_and_changes_nothing(
        writer: str, failure: Callable[[pytest.MonkeyPatch], None], reason: str,
        existing: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        corpus_copy: Path) -> None:
    target = tmp_path / "out" / "result.txt"
    target.parent.mkdir()
    if existing:
        target.write_bytes(b"the old file\n")
    failure(monkeypatch)
    result = _invoke(["--no-cache", "--data", str(corpus_copy), *WRITERS[writer], "-o",
                      str(target), "--force"])
    assert result.exit_code == 5, result.output
    assert _one_error_line(result.stderr) == f"painlit: error: cannot write {target}: {reason}"
    _quiet(result.stderr)
    assert [p.name for p in target.parent.iterdir()] == (["result.txt"] if existing else [])
    if existing:
        assert target.read_bytes() == b"the old file\n"


# --- a cache that cannot be used -------------------------------------------------------------

CACHE_COMMANDS = [["condition", "fibromyalgia"], ["--json", "claims"]]


def _damage_entries(folder: Path, damage: Callable[[bytes], bytes]) -> None:
    damaged = 0
    for entry in folder.iterdir():
        entry.write_bytes(damage(entry.read_bytes()))
        damaged += 1
    assert damaged, "the first run wrote no cache entry"


def _truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _zero_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + b"\x00" * 64 + data[middle + 64:]


@pytest.mark.parametrize("trouble", [
    "not-a-directory", "inside-a-file", "read-only", "truncated-entries",
    "zeroed-middle", "entries-are-directories",
])
def test_a_cache_that_cannot_be_used_changes_nothing(
        trouble: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        corpus_copy: Path) -> None:
    expected = [_invoke(["--no-cache", "--data", str(corpus_copy), *args]).stdout
                for args in CACHE_COMMANDS]
    folder = tmp_path / "cache"
    if trouble == "not-a-directory":
        folder.write_text("a file where the cache should be\n", encoding="utf-8")
    elif trouble == "inside-a-file":
        (tmp_path / "blocker").write_text("x\n", encoding="utf-8")
        folder = tmp_path / "blocker" / "cache"
    elif trouble == "read-only":
        if os.geteuid() == 0:
            pytest.skip("root ignores directory permissions")
        folder.mkdir(mode=0o500)
    monkeypatch.setenv("PAINLIT_CACHE_DIR", str(folder))
    if trouble in ("truncated-entries", "zeroed-middle", "entries-are-directories"):
        _invoke(["--data", str(corpus_copy), "claims"])  # fills the cache
        if trouble == "truncated-entries":
            _damage_entries(folder, _truncate)
        elif trouble == "zeroed-middle":
            _damage_entries(folder, _zero_middle)
        else:
            for entry in list(folder.iterdir()):
                entry.unlink()
                entry.mkdir()
    try:
        for _ in range(2):  # the first run meets the trouble; the second whatever it left
            for args, want in zip(CACHE_COMMANDS, expected, strict=True):
                result = _invoke(["--data", str(corpus_copy), *args])
                assert result.exit_code == 0, result.output
                _quiet(result.stderr)
                assert result.stdout == want
    finally:
        if folder.is_dir():
            folder.chmod(0o700)


# --- a corpus that changes while it is read --------------------------------------------------

OLD_TITLE = "Synthetic example crossover trial E"
NEW_TITLE = "Rewritten while painlit was reading it: trial E, longer"


def _title(result: Result) -> str:
    assert result.exit_code == 0, result.output
    title: str = json.loads(result.stdout)["study"]["title"]
    return title


@pytest.mark.parametrize("cached", [True, False], ids=["cache", "no-cache"])
def test_a_corpus_rewritten_while_read_is_reported_as_read(
        cached: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = SMALL.read_bytes()
    after = before.replace(OLD_TITLE.encode(), NEW_TITLE.encode())
    assert after != before
    corpus = tmp_path / "studies.yaml"
    corpus.write_bytes(before)
    monkeypatch.setenv("PAINLIT_CACHE_DIR", str(tmp_path / "cache"))
    options = ["--data", str(corpus)] + ([] if cached else ["--no-cache"])
    query = [*options, "--json", "study", "example-2021"]
    original = painlit.yamlfile.read_bytes
    rewrites: list[Path] = []

    def read_then_rewrite(path: Path, max_bytes: int | None = None) -> bytes:
        raw = original(path, max_bytes)
        if not rewrites:  # another program saves the file just after painlit read it
            rewrites.append(Path(path))
            Path(path).write_bytes(after)
        return raw

    for module in (painlit.yamlfile, painlit.indexing, painlit.loader):
        monkeypatch.setattr(module, "read_bytes", read_then_rewrite, raising=False)
    assert _title(_invoke(query)) == OLD_TITLE  # what was read, consistently
    assert rewrites == [corpus] and corpus.read_bytes() == after
    for module in (painlit.yamlfile, painlit.indexing, painlit.loader):
        monkeypatch.setattr(module, "read_bytes", original, raising=False)
    # What was stored is keyed by the bytes parsed: the new content reads as the new content,
    # and the old content (written back) as the old, from the cache or not.
    assert _title(_invoke(query)) == NEW_TITLE
    assert _title(_invoke([*query[:-3], "--no-cache", *query[-3:]])) == NEW_TITLE
    corpus.write_bytes(before)
    assert _title(_invoke(query)) == OLD_TITLE
    corpus.write_bytes(after)
    assert _title(_invoke(query)) == NEW_TITLE


def test_a_damaged_index_that_still_reads_is_not_served(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "studies.yaml"
    corpus.write_bytes(SMALL.read_bytes())
    folder = tmp_path / "cache"
    monkeypatch.setenv("PAINLIT_CACHE_DIR", str(folder))
    query = ["--data", str(corpus), "--json", "study", "example-2021"]
    assert _title(_invoke(query)) == OLD_TITLE
    damaged = 0
    for entry in folder.glob("*.sqlite"):  # bit rot: one letter of the title changes
        data = entry.read_bytes()
        if OLD_TITLE.encode() in data:
            entry.write_bytes(data.replace(OLD_TITLE.encode(), OLD_TITLE[:-1].encode() + b"F"))
            damaged += 1
    assert damaged
    assert _title(_invoke(query)) == OLD_TITLE


# --- hostile text in every field -------------------------------------------------------------

#: Every offline command that prints corpus text, on the hostile fixture; the exit code wanted.
HOSTILE_COMMANDS: dict[str, tuple[list[str], int]] = {
    "condition": (["condition", "hostile-pain"], 0),
    "condition-child": (["condition", "hostile-sub-pain"], 0),
    "mechanism": (["mechanism", "hostile-mechanism"], 0),
    "claims": (["claims"], 0),
    "claim": (["claim", "hostile-claim"], 0),
    "studies": (["studies"], 0),
    "study": (["study", "hostile-2021"], 0),
    "study-registration": (["study", "hostile-registration-2019"], 0),
    "search": (["search", "markup"], 0),
    "map-design": (["map"], 0),
    "map-mechanism": (["map", "--by", "mechanism"], 0),
    "map-dose": (["map", "--by", "dose"], 0),
    "conditions": (["conditions"], 0),
    "mechanisms": (["mechanisms"], 0),
    "report-markdown": (["report"], 0),
    "report-html": (["report", "--format", "html"], 0),
    "report-json": (["report", "--format", "json"], 0),
    "cite-bibtex": (["cite", "--all"], 0),
    "cite-ris": (["cite", "--all", "--format", "ris"], 0),
    "cite-csl-json": (["cite", "--all", "--format", "csl-json"], 0),
    "diff": (["diff", str(SMALL)], 0),
    "diff-exit-code": (["diff", str(SMALL), "--exit-code"], 1),
}
#: Commands whose output is a file format, the same whatever the terminal.
FILE_FORMATS = {name for name in HOSTILE_COMMANDS if name.startswith(("report", "cite"))}
#: Commands that take --json (cite writes its own formats).
JSON_COMMANDS = [name for name in HOSTILE_COMMANDS if not name.startswith("cite")]


#: Runs painlit's app once per argument list in one real process (start-up is most of the cost
#: of a run), closing each command's stdout and stderr with a marker that holds its exit code.
_BATCH = """
import json, sys
from painlit.cli import app
for args in json.loads(sys.argv[1]):
    try:
        app(args, prog_name="painlit")
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
        stream.buffer.write(b"\\0painlit-exit %d\\0\\n" % code)
        stream.buffer.flush()
"""
_MARK = re.compile(rb"\0painlit-exit (-?\d+)\0\n")

Run = tuple[int, str, str]


def _batch(commands: list[list[str]], env: dict[str, str], cwd: Path) -> list[Run]:
    done = subprocess.run([sys.executable, "-c", _BATCH, json.dumps(commands)], env=env,
                          cwd=cwd, capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-3000:]
    outs, errs = _MARK.split(done.stdout), _MARK.split(done.stderr)
    assert len(outs) == len(errs) == 2 * len(commands) + 1
    return [(int(outs[i + 1]), outs[i].decode("utf-8"), errs[i].decode("utf-8"))
            for i in range(0, 2 * len(commands), 2)]


@pytest.fixture(scope="module")
def hostile_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Run]:
    """Every hostile command on a pipe, without and with colour (two processes at once)."""
    base = tmp_path_factory.mktemp("hostile")
    commands = [["--data", str(HOSTILE), *args] for args, _ in HOSTILE_COMMANDS.values()]
    modes = {"plain": _environment(base, NO_COLOR="1"),
             "colour": _environment(base, FORCE_COLOR="1", TERM="xterm")}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {mode: pool.submit(_batch, commands, env, base) for mode, env in modes.items()}
        return {(name, mode): run for mode, future in futures.items()
                for name, run in zip(HOSTILE_COMMANDS, future.result(), strict=True)}


def _shows_markup_literally(text: str) -> None:
    assert any(literal in text for literal in LITERAL_MARKUP), text[:2000]


@pytest.mark.parametrize("name", HOSTILE_COMMANDS)
def test_hostile_text_without_colour_is_inert(
        name: str, hostile_runs: dict[tuple[str, str], Run]) -> None:
    code, stdout, stderr = hostile_runs[(name, "plain")]
    assert code == HOSTILE_COMMANDS[name][1], stderr
    _quiet(stderr)
    assert "\x1b" not in stdout and "\x1b" not in stderr
    _shows_markup_literally(stdout)
    if name not in FILE_FORMATS:  # the terminal shows control and bidi characters as escapes
        assert "\u202e" not in stdout
        assert "\\x1b[31mANSI" in stdout


@pytest.mark.parametrize("name", HOSTILE_COMMANDS)
def test_hostile_text_in_colour_is_inert(
        name: str, hostile_runs: dict[tuple[str, str], Run]) -> None:
    _, plain, _ = hostile_runs[(name, "plain")]
    code, stdout, stderr = hostile_runs[(name, "colour")]
    assert code == HOSTILE_COMMANDS[name][1], stderr
    _quiet(stderr)
    assert RAW_ANSI not in stdout and RAW_ANSI not in stderr
    if name in FILE_FORMATS:  # a file format never gets colour
        assert stdout == plain
    else:  # the same text as without colour, colour sequences aside: nothing else is raw
        if name not in ("conditions", "mechanisms"):  # these two print unstyled text
            assert SGR.search(stdout), "no colour: FORCE_COLOR did not take effect"
        assert SGR.sub("", stdout) == plain


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize("name", JSON_COMMANDS)
def test_hostile_text_in_json_is_exact_and_inert(name: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINLIT_CACHE_DIR", str(tmp_path / "cache"))
    args, code = HOSTILE_COMMANDS[name]
    result = _invoke(["--data", str(HOSTILE), "--json", *args], NO_COLOR="1")
    assert result.exit_code == code, result.output
    _quiet(result.stderr)
    assert "\x1b" not in result.stdout  # JSON writes it as \u001b
    strings = list(_strings(json.loads(result.stdout)))
    assert any("[bold]markup[/]" in text for text in strings)
    assert any(RAW_ANSI in text for text in strings)  # the exact text, once decoded
