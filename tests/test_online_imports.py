"""Only the online commands import httpx; every online command has help with an example."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from test_online_support import run

ONLINE = ["draft", "verify", "update", "trials"]

_PROBE = """
import sys
from painlit.cli import app
try:
    app(sys.argv[1:], prog_name="painlit")
except SystemExit:
    pass
loaded = sorted(m for m in sys.modules if m == "httpx" or m.startswith("painlit.online"))
sys.stderr.write("LOADED=" + ",".join(loaded) + "\\n")
"""


def _loaded(*args: str) -> str:
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True,
                          env={**os.environ}, check=False, timeout=60, text=True)
    marker = [line for line in done.stderr.splitlines() if line.startswith("LOADED=")]
    assert marker, done.stderr
    return marker[-1].removeprefix("LOADED=")


def test_offline_commands_never_import_httpx() -> None:
    assert _loaded("condition", "fibromyalgia") == ""
    assert _loaded("draft", "--help") == ""  # not even an online command's help


def test_importtime_shows_no_httpx() -> None:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "painlit", "condition",
                           "fibromyalgia"], capture_output=True, text=True, check=False,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "| httpx" not in done.stderr
    assert "painlit.online" not in done.stderr


@pytest.mark.parametrize("command", ONLINE)
def test_every_online_command_has_help_with_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert f"Example: painlit {command}" in result.stdout
    assert "--no-cache" in result.stdout and "--refresh" in result.stdout
