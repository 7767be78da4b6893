"""Shared test set-up: no test sees the real home directory, cache or a stray corpus."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("COLUMNS", "120")
    for name in ("PAINLIT_DATA", "NO_COLOR", "FORCE_COLOR", "PAINLIT_DEBUG"):
        monkeypatch.delenv(name, raising=False)
