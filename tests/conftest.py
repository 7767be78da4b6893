"""Shared test set-up: no test sees the real home directory, cache or a stray corpus."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _isolated_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Module- and session-scoped fixtures run before the per-test isolation below: they get
    a home of their own too."""
    home = tmp_path_factory.mktemp("session-home")
    saved = {name: os.environ.get(name) for name in ("HOME", "XDG_CACHE_HOME")}
    os.environ["HOME"] = str(home)
    os.environ["XDG_CACHE_HOME"] = str(home / ".cache")
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("COLUMNS", "120")
    for name in ("PAINLIT_DATA", "NO_COLOR", "FORCE_COLOR", "PAINLIT_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    # No test writes a screening log into the repository: beside a corpus copied to a
    # temporary folder is where tests that need one put it (`--log` or PAINLIT_LOG).
    monkeypatch.setenv("PAINLIT_LOG", str(tmp_path / "screening.yaml"))
