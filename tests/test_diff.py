"""`painlit diff` and `painlit.diff`: what changed between two corpus versions, and why grades
moved. Versions are files or git revisions (a throwaway repository made in tmp_path).
The fixture corpora are synthetic."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from painlit.cli import app
from painlit.diff import (
    FieldChange,
    diff_corpora,
    load_version,
    parse_version,
)
from painlit.loader import load_corpus
from painlit.model import Certainty, Domain, RiskOfBias

FIXTURES = Path(__file__).parent / "fixtures"
OLD = FIXTURES / "diff" / "old.yaml"
NEW = FIXTURES / "diff" / "new.yaml"
HOSTILE = FIXTURES / "cite" / "hostile.yaml"
CITE_CORPUS = FIXTURES / "cite" / "corpus.yaml"

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


# --- the library ----------------------------------------------------------------------------

def test_studies_added_removed_and_changed_field_by_field() -> None:
    result = diff_corpora(load_corpus(OLD), load_corpus(NEW))
    studies = result.section("studies")
    assert studies.added == ("example-2021",)
    assert studies.removed == ("example-2019",)
    assert [change.id for change in studies.changed] == ["example-2020"]
    assert studies.changed[0].fields == (
        FieldChange("n", 40, 44),
        FieldChange("finding", "Synthetic result: no difference from placebo.",
                    "Synthetic result: no difference from placebo (corrected)."),
    )
    assert result.info == (FieldChange("version", "0.0.1", "0.0.2"),)
    for name in ("conditions", "mechanisms", "substances", "sources"):
        assert result.section(name).empty


def test_claims_added_removed_and_evidence_links_changed() -> None:
    result = diff_corpora(load_corpus(OLD), load_corpus(NEW))
    claims = result.section("claims")
    assert claims.added == ("example-claim-added",)
    assert claims.removed == ("example-claim-dropped",)
    (efficacy,) = claims.changed
    assert efficacy.id == "example-claim-efficacy"
    assert efficacy.fields == (
        FieldChange("evidence[example-2021]", None,
                    {"stance": "refutes", "note": "larger synthetic trial, no difference"}),
        FieldChange("evidence[example-2019]",
                    {"stance": "supports", "note": "synthetic survey reported benefit"}, None),
    )


def test_certainty_rises_when_evidence_is_added_with_the_steps_that_explain_it() -> None:
    result = diff_corpora(load_corpus(OLD), load_corpus(NEW))
    changed = [g for g in result.grades if g.change == "changed"]
    (grade,) = changed
    assert grade.claim == "example-claim-efficacy"
    assert grade.old is not None and grade.new is not None
    assert grade.old.certainty is Certainty.LOW
    assert grade.new.certainty is Certainty.HIGH
    # risk of bias is 100% low in both versions, so its step is unchanged and not listed
    assert [step.domain for step in grade.steps] == [
        None, Domain.INCONSISTENCY, Domain.IMPRECISION]
    imprecision = grade.steps[-1]
    assert imprecision.old is not None and imprecision.new is not None
    assert (imprecision.old.change, imprecision.new.change) == (-2, 0)
    assert imprecision.new.reason.startswith("not serious: 444 participants")
    # unchanged domains (indirectness, publication bias) are not listed
    assert Domain.INDIRECTNESS not in [step.domain for step in grade.steps]


def test_added_and_removed_claims_carry_their_grade() -> None:
    result = diff_corpora(load_corpus(OLD), load_corpus(NEW))
    by_claim = {g.claim: g for g in result.grades}
    added, removed = by_claim["example-claim-added"], by_claim["example-claim-dropped"]
    assert added.change == "added" and added.old is None and added.new is not None
    assert added.new.certainty is Certainty.NO_EVIDENCE
    assert removed.change == "removed" and removed.new is None and removed.old is not None
    assert removed.old.certainty is Certainty.VERY_LOW


def test_a_study_change_alone_can_move_a_grade() -> None:
    """The claim is untouched; its study's risk of bias changes, and so does its grade."""
    old = load_corpus(OLD)
    study = old.study_by_id["example-2020"]
    worse = dataclasses.replace(study, risk_of_bias=RiskOfBias.HIGH)
    new = dataclasses.replace(old, studies=tuple(
        worse if s.id == study.id else s for s in old.studies))
    result = diff_corpora(old, new)
    assert result.section("claims").empty
    assert result.section("studies").changed[0].fields == (
        FieldChange("risk_of_bias", "low", "high"),)
    (grade,) = result.grades
    assert grade.old is not None and grade.new is not None
    assert (grade.old.certainty, grade.new.certainty) == (Certainty.LOW, Certainty.VERY_LOW)
    assert [step.domain for step in grade.steps] == [Domain.RISK_OF_BIAS]


def test_identical_corpora_have_no_changes() -> None:
    corpus = load_corpus(OLD)
    result = diff_corpora(corpus, load_corpus(OLD))
    assert not result.changed
    assert result.grades == ()
    assert result.summary() == "no changes"


@pytest.mark.parametrize(("text", "fields"), [
    ("data/studies.yaml", (Path("data/studies.yaml"), None, None)),
    ("HEAD~1", (Path("HEAD~1"), None, None)),
    ("git:HEAD~1", (None, "HEAD~1", None)),
    ("git:main:data/studies.yaml", (None, "main", "data/studies.yaml")),
])
def test_version_names(text: str, fields: tuple[Path | None, str | None, str | None]) -> None:
    version = parse_version(text)
    assert (version.path, version.rev, version.git_path) == fields


@pytest.mark.parametrize("text", ["git:", "git::x", "git:-p", "git:--output=x", "git:HEAD:",
                                  "git:a b"])
def test_malformed_git_names_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"revision|ends in ':'"):
        parse_version(text)


# --- the command ----------------------------------------------------------------------------

GOLDEN_TEXT = """\
painlit diff: {old} → {new}
corpus:
  ~ version: "0.0.1" → "0.0.2"
studies: 1 added, 1 removed, 1 changed
  + example-2021: Synthetic example trial C
  - example-2019: Synthetic example survey B
  ~ example-2020
      n: 40 → 44
      finding: "Synthetic result: no difference from placebo." → "Synthetic result: no \
difference from placebo (corrected)."
claims: 1 added, 1 removed, 1 changed
  + example-claim-added: Substance A causes example headaches.
  - example-claim-dropped: Substance A acts through the example mechanism.
  ~ example-claim-efficacy
      evidence[example-2021]: (none) → {{stance: "refutes", note: "larger synthetic trial, \
no difference"}}
      evidence[example-2019]: {{stance: "supports", note: "synthetic survey reported \
benefit"}} → (none)
claim grades:
  ~ example-claim-efficacy: Low ⊕⊕◯◯, refuted → High ⊕⊕⊕⊕, refuted
      - Started High: 1 randomised study
      + Started High: 2 randomised studies
      - ±0 inconsistency: not assessable with a single study; not rated down
      + ±0 inconsistency: not serious: no study points the other way
      - -2 imprecision: very serious: 40 participants, far below the optimal information \
size (painlit: under 100 of 400) (no 95% interval recorded: judged on the information size)
      + ±0 imprecision: not serious: 444 participants (no 95% interval recorded: judged on \
the information size)
  + example-claim-added: No evidence ◯◯◯◯, insufficient (new claim)
  - example-claim-dropped: was Very low ⊕◯◯◯, insufficient (claim removed)
"""


def test_text_output_golden() -> None:
    result = run("--data", str(NEW), "diff", str(OLD))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == GOLDEN_TEXT.format(old=OLD, new=NEW)
    assert result.stderr == ""


def test_new_defaults_to_the_current_corpus_and_can_be_given() -> None:
    implicit = run("--data", str(NEW), "diff", str(OLD))
    explicit = run("diff", str(OLD), str(NEW))
    assert implicit.stdout == explicit.stdout


def test_changes_exit_0_by_default_and_1_with_exit_code() -> None:
    assert run("diff", str(OLD), str(NEW)).exit_code == 0
    result = run("diff", str(OLD), str(NEW), "--exit-code")
    assert result.exit_code == 1
    assert result.stdout.startswith("painlit diff:")
    assert "studies: 1 added, 1 removed, 1 changed" in result.stderr


def test_no_changes_exit_0_with_exit_code() -> None:
    result = run("diff", str(OLD), str(OLD), "--exit-code")
    assert result.exit_code == 0
    assert result.stdout == f"painlit diff: {OLD} → {OLD}\nno changes\n"


def test_quiet_prints_nothing_and_sets_the_exit_status() -> None:
    changed = run("diff", str(OLD), str(NEW), "--quiet")
    assert (changed.exit_code, changed.stdout, changed.stderr) == (1, "", "")
    same = run("diff", str(NEW), str(NEW), "-q")
    assert (same.exit_code, same.stdout, same.stderr) == (0, "", "")


def test_json_shape() -> None:
    result = run("diff", str(OLD), str(NEW), "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["painlit"] == 1 and data["kind"] == "diff"
    assert data["old"] == {"source": str(OLD), "version": "0.0.1"}
    assert data["new"] == {"source": str(NEW), "version": "0.0.2"}
    assert data["changed"] is True
    assert data["info"] == [{"field": "version", "old": "0.0.1", "new": "0.0.2"}]
    assert data["studies"]["added"] == ["example-2021"]
    assert data["studies"]["changed"][0] == {"id": "example-2020", "fields": [
        {"field": "n", "old": 40, "new": 44},
        {"field": "finding", "old": "Synthetic result: no difference from placebo.",
         "new": "Synthetic result: no difference from placebo (corrected)."}]}
    assert data["mechanisms"] == {"added": [], "removed": [], "changed": []}
    grade = data["grades"][0]
    assert grade["claim"] == "example-claim-efficacy" and grade["change"] == "changed"
    assert (grade["old"]["certainty"], grade["new"]["certainty"]) == ("low", "high")
    assert grade["new"]["symbols"] == "⊕⊕⊕⊕" and grade["new"]["level"] == 4
    assert [s["domain"] for s in grade["steps"]] == [
        "start", "inconsistency", "imprecision"]
    assert grade["steps"][-1]["old"]["change"] == -2
    assert grade["steps"][-1]["new"]["reason"].startswith("not serious: 444 participants")
    assert [g["change"] for g in data["grades"]] == ["changed", "added", "removed"]
    assert data["grades"][1]["old"] is None and data["grades"][2]["new"] is None


def test_global_json_and_exit_code_together() -> None:
    result = run("--json", "diff", str(OLD), str(NEW), "--exit-code")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["changed"] is True


def test_unchanged_json() -> None:
    data = json.loads(run("diff", str(OLD), str(OLD), "--json").stdout)
    assert data["changed"] is False and data["grades"] == []
    assert data["summary"] == "no changes"


def test_hostile_text_is_escaped_on_the_terminal() -> None:
    result = run("diff", str(CITE_CORPUS), str(HOSTILE))
    assert result.exit_code == 0, result.stderr
    assert "\u202e" not in result.stdout and "\x07" not in result.stdout
    assert "\\u202e" in result.stdout
    assert "+ example-hostile-2021: \\emph{50%} {of} users" in result.stdout
    assert "<script>alert('x')</script>" in result.stdout  # shown literally, as text


def test_a_missing_file_exits_3_and_suggests_the_git_syntax(tmp_path: Path) -> None:
    result = run("diff", "HEAD~1", str(NEW))
    assert result.exit_code == 3
    assert "HEAD~1: no such file" in result.stderr
    assert "git:HEAD~1" in result.stderr


def test_an_invalid_old_corpus_exits_3(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("corpus: [\n", encoding="utf-8")
    result = run("diff", str(broken), str(NEW))
    assert result.exit_code == 3
    assert "the corpus cannot be loaded" in result.stderr


def test_help_has_an_example() -> None:
    result = run("diff", "--help")
    assert result.exit_code == 0
    assert "Example: painlit diff" in result.stdout
    assert "git:REV" in result.stdout


# --- git revisions --------------------------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True)
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose data/studies.yaml is old.yaml at HEAD~1 and new.yaml at HEAD."""
    for name, value in {
        "GIT_AUTHOR_NAME": "Synthetic Tester", "GIT_AUTHOR_EMAIL": "tester@example.org",
        "GIT_COMMITTER_NAME": "Synthetic Tester", "GIT_COMMITTER_EMAIL": "tester@example.org",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
    }.items():
        monkeypatch.setenv(name, value)
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    git(root, "init", "-q")
    corpus = root / "data" / "studies.yaml"
    shutil.copyfile(OLD, corpus)
    git(root, "add", "data/studies.yaml")
    git(root, "commit", "-q", "-m", "old")
    shutil.copyfile(NEW, corpus)
    git(root, "commit", "-q", "-a", "-m", "new")
    return root


def unchanged(repo: Path, head: str) -> None:
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain", "--ignored") == ""


@needs_git
def test_git_revision_of_the_current_corpus(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    corpus = repo / "data" / "studies.yaml"
    result = run("--data", str(corpus), "diff", "git:HEAD~1", "--exit-code")
    assert result.exit_code == 1, result.stderr
    assert result.stdout == GOLDEN_TEXT.format(old="git:HEAD~1:data/studies.yaml", new=corpus)
    same = run("--data", str(corpus), "diff", "git:HEAD", "--exit-code")
    assert same.exit_code == 0, same.stderr
    assert "no changes" in same.stdout
    unchanged(repo, head)


@needs_git
def test_git_revision_with_a_path_and_two_revisions(repo: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    head = git(repo, "rev-parse", "HEAD")
    monkeypatch.chdir(repo)
    result = run("diff", "git:HEAD~1:data/studies.yaml", "git:HEAD:data/studies.yaml",
                 "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["old"]["source"] == "git:HEAD~1:data/studies.yaml"
    assert data["new"]["source"] == "git:HEAD:data/studies.yaml"
    assert data["studies"]["added"] == ["example-2021"]
    unchanged(repo, head)


@needs_git
def test_git_version_loads_like_a_file(repo: Path) -> None:
    corpus = load_version(parse_version("git:HEAD~1"), repo / "data" / "studies.yaml")
    assert corpus.path == "git:HEAD~1:data/studies.yaml"
    assert corpus.info.version == "0.0.1"


@needs_git
@pytest.mark.parametrize(("name", "message"), [
    ("git:no-such-ref", "invalid object name 'no-such-ref'"),
    ("git:HEAD:data/missing.yaml", "'data/missing.yaml' does not exist in 'HEAD'"),
    ("git:HEAD:data", "git:HEAD:data is a tree, not a file"),
])
def test_git_errors_exit_3_with_a_clear_message(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                name: str, message: str) -> None:
    monkeypatch.chdir(repo)
    result = run("--data", str(repo / "data" / "studies.yaml"), "diff", name)
    assert result.exit_code == 3
    assert message in result.stderr
    assert result.stdout == ""


@needs_git
def test_an_invalid_corpus_at_a_revision_is_named_by_its_revision(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "bad.yaml").write_text("corpus: [\n", encoding="utf-8")
    git(repo, "add", "bad.yaml")
    git(repo, "commit", "-q", "-m", "bad")
    monkeypatch.chdir(repo)
    result = run("diff", "git:HEAD:bad.yaml", str(NEW))
    assert result.exit_code == 3
    assert "git:HEAD:bad.yaml:2:1:" in result.stderr
    assert "painlit-diff-" not in result.stderr  # not the temporary file


@needs_git
def test_a_corpus_outside_a_repository(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    corpus = outside / "studies.yaml"
    shutil.copyfile(NEW, corpus)
    result = run("--data", str(corpus), "diff", "git:HEAD")
    assert result.exit_code == 3
    assert "not a git repository" in result.stderr
    assert "git:REV:PATH" in result.stderr


def test_git_not_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    result = run("--data", str(NEW), "diff", "git:HEAD~1")
    assert result.exit_code == 3
    assert "git is not installed" in result.stderr


@pytest.mark.parametrize("name", ["git:", "git:-p", "git:HEAD:"])
def test_malformed_git_names_exit_2(name: str) -> None:
    result = run("--data", str(NEW), "diff", name)
    assert result.exit_code == 2
    assert result.stdout == ""
