"""The shipped pre-commit hook, run by the real `pre-commit` against a temporary repository,
as users run it: on a commit that touches the corpus, on one that does not, and with
--all-files. The hook's environment is built once (pip installs painlit from this checkout,
which needs the package index); PRE_COMMIT_HOME is a temporary folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "fixtures" / "corpus" / "minimal.yaml"


def _pre_commit() -> list[str]:
    import importlib.util

    if importlib.util.find_spec("pre_commit") is None:
        if os.environ.get("CI"):
            pytest.fail("pre-commit is not installed: CI must run the hook test")
        pytest.skip("pre-commit is not installed")
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("needs this checkout to be a git repository")
    return [sys.executable, "-m", "pre_commit"]


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("hooked")
    (folder / "data").mkdir()
    (folder / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(MINIMAL, folder / "data" / "studies.yaml")
    (folder / ".github" / "workflows" / "ci.yml").write_text("name: synthetic\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    for command in (["git", "init", "-q"], ["git", "add", "-A"],
                    ["git", "commit", "-qm", "synthetic corpus"]):
        subprocess.run(command, cwd=folder, env=env, check=True, capture_output=True)
    return folder, env


def _hook(repository: tuple[Path, dict[str, str]], *args: str
          ) -> subprocess.CompletedProcess[str]:
    folder, env = repository
    return subprocess.run([*_pre_commit(), "try-repo", str(ROOT), "painlit-validate", *args],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=900)


def test_all_files_on_a_valid_corpus_passes(repository: tuple[Path, dict[str, str]]) -> None:
    result = _hook(repository, "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "painlit validate" in result.stdout and "Passed" in result.stdout


def test_a_commit_touching_only_a_workflow_is_not_blocked(
        repository: tuple[Path, dict[str, str]]) -> None:
    result = _hook(repository, "--files", ".github/workflows/ci.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Skipped" in result.stdout


def test_a_broken_corpus_blocks_the_commit_with_its_line(
        repository: tuple[Path, dict[str, str]]) -> None:
    folder, _ = repository
    corpus = folder / "data" / "studies.yaml"
    good = corpus.read_text(encoding="utf-8")
    corpus.write_text(good.replace("design: randomised-parallel", "design: randomized", 1),
                      encoding="utf-8")
    try:
        result = _hook(repository, "--files", "data/studies.yaml")
    finally:
        corpus.write_text(good, encoding="utf-8")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout
    assert "data/studies.yaml:" in result.stdout and "'randomized' is not one of" in result.stdout
