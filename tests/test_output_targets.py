"""`-o` targets: a regular file is replaced in one step; a FIFO or device is refused (exit 5)
and left as it was; a symlink is written through (the link stays); `/dev/stdout` means stdout;
SIGTERM during a write leaves no temporary file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from painlit.cli import app

REAL = Path(__file__).resolve().parents[1] / "data" / "studies.yaml"


def _cite(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--data", str(REAL), "--no-cache", "cite",
                                      "bonnelle-2022", *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_fifo_is_refused_and_left_alone(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _, err = _cite("-o", str(fifo), "--force")
    assert code == 5
    assert "not a regular file" in err
    assert fifo.is_fifo()


def test_a_symlink_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real.bib"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.bib"
    link.symlink_to(real)
    code, _, err = _cite("-o", str(link), "--force")
    assert code == 0, err
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8").startswith("@")


def test_dev_stdout_means_standard_output() -> None:
    code, out, _ = _cite("-o", "/dev/stdout")
    assert code == 0
    assert out.startswith("@")


_WRITER = """
import os, signal, sys
from pathlib import Path
from painlit.commands.shared import _errors, handle_termination
from painlit.atomic import write_atomic

handle_termination()

def pieces():
    yield b"first part"
    os.kill(os.getpid(), signal.{name})
    yield b"never written"

try:
    with _errors():
        write_atomic(Path(sys.argv[1]), pieces())
except SystemExit as end:
    raise SystemExit(end.code)
except BaseException as error:  # typer.Exit
    raise SystemExit(getattr(error, "exit_code", 99))
"""


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_signal_during_a_write_leaves_no_temporary_file(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "out.txt"
    done = subprocess.run([sys.executable, "-c", _WRITER.format(name=name), str(target)],
                          capture_output=True, timeout=60)
    assert done.returncode == 130, done.stderr
    assert b"interrupted" in done.stderr
    assert list(folder.iterdir()) == []  # neither the target nor a .out.txt.*.tmp
