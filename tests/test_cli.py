"""The command line, end to end: exit codes, stdout and stderr asserted separately."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from painlit.cli import app

runner = CliRunner()
#: Every registered command, so a new one cannot go undocumented.
COMMANDS = sorted(info.name or info.callback.__name__  # type: ignore[union-attr]
                  for info in app.registered_commands)


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, list(args), env=env)


def as_json(*args: str) -> dict[str, Any]:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    assert data["painlit"] == 1
    return data


def test_condition_fibromyalgia_is_the_demo() -> None:
    result = run("condition", "fibromyalgia")
    assert result.exit_code == 0
    out = result.stdout
    assert "Fibromyalgia" in out
    assert "Not medical advice" in out
    assert "fibromyalgia-microdosing-improves-symptoms" in out
    assert "Very low" in out and "⊕◯◯◯" in out
    assert "aday-2025" in out  # the study behind it, with its dose
    assert "full" in out
    assert "Registered trials without published results" in out
    assert "Safety considerations" in out
    assert "No randomised, placebo-controlled trial of microdosing in fibromyalgia" in out
    assert result.stderr == ""


@pytest.mark.parametrize("name", ["fibromyalgia", "FIBROMYALGIA", "FMS", "D005356",
                                  "fibromyalgia syndrome"])
def test_conditions_are_found_by_id_name_alias_and_mesh(name: str) -> None:
    assert as_json("condition", name)["id"] == "fibromyalgia"


def test_a_parent_condition_includes_its_children() -> None:
    data = as_json("condition", "neuropathic-pain")
    assert {"diabetic-neuropathy", "trigeminal-neuralgia"} <= set(data["includes"])
    claim_ids = {c["id"] for c in data["claims"]}
    assert "diabetic-neuropathy-responds-to-microdosing" in claim_ids


def test_a_child_condition_shows_broader_claims() -> None:
    data = as_json("condition", "fibromyalgia")
    assert "microdosing-relieves-chronic-pain" in {c["id"] for c in data["broader_claims"]}


def test_unknown_name_exits_2_with_closest_matches_on_stderr() -> None:
    result = run("condition", "fibromialgia")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "no condition called 'fibromialgia'" in result.stderr
    assert "did you mean 'fibromyalgia'?" in result.stderr


def test_unknown_name_with_json_prints_nothing_on_stdout() -> None:
    result = run("claim", "no-such-claim", "--json")
    assert result.exit_code == 2
    assert result.stdout == ""


def test_mechanism_summary() -> None:
    data = as_json("mechanism", "serotonin signaling")
    assert data["id"] == "serotonin-5ht2a"
    assert data["claims"]
    assert any("microdoses" in gap for gap in data["gaps"]) or data["gaps"] == []


def test_claims_filters() -> None:
    every = as_json("claims")["claims"]
    article = as_json("claims", "--source", "source-article")["claims"]
    assert 0 < len(article) < len(every)
    assert all("source-article" in c["sources"] for c in article)
    # On the shipped corpus every graded claim is Very low (issue 17's re-grading).
    graded = as_json("claims", "--min-certainty", "very-low")["claims"]
    assert graded and all(c["grade"]["level"] >= 1 for c in graded)
    assert len(graded) < len(every)
    low = as_json("claims", "--min-certainty", "low")["claims"]
    assert all(c["grade"]["level"] >= 2 for c in low)
    insufficient = as_json("claims", "--verdict", "insufficient")["claims"]
    assert insufficient and all(c["grade"]["verdict"] == "insufficient" for c in insufficient)
    headache = as_json("claims", "--condition", "headache")["claims"]
    assert {"microdosing-reduces-migraine", "microdosing-reduces-cluster-headache"} <= {
        c["id"] for c in headache}
    plasticity = as_json("claims", "--mechanism", "neuroplasticity")["claims"]
    assert [c["id"] for c in plasticity] == ["microdosing-enhances-neuroplasticity"]


def test_claims_rejects_a_bad_certainty() -> None:
    result = run("claims", "--min-certainty", "certain")
    assert result.exit_code == 2
    assert "expected one of" in result.stderr


def test_claim_shows_every_grading_step() -> None:
    result = run("claim", "microdosing-relieves-chronic-pain")
    assert result.exit_code == 0
    for domain in ("risk-of-bias", "inconsistency", "indirectness", "imprecision",
                   "publication-bias"):
        assert domain in result.stdout
    assert "Started High" in result.stdout
    data = as_json("claim", "microdosing-relieves-chronic-pain")["claim"]
    assert data["grade"]["steps"][0]["domain"] == "start"
    assert data["grade"]["certainty"] == "very-low"


def test_studies_filters() -> None:
    rct = as_json("studies", "--design", "rct")["studies"]
    assert rct and all(s["randomised"] for s in rct)
    micro = as_json("studies", "--dose", "micro", "--population", "healthy-volunteers")["studies"]
    assert micro and all(s["dose"]["category"] == "micro" for s in micro)
    lsd = as_json("studies", "--substance", "LSD")["studies"]
    assert lsd and all("lsd" in s["substances"] for s in lsd)
    recent = as_json("studies", "--from", "2024", "--to", "2025")["studies"]
    assert recent and all(2024 <= s["year"] <= 2025 for s in recent)
    cluster = as_json("studies", "--condition", "headache", "--mechanism",
                      "serotonin-5ht2a")["studies"]
    assert all("serotonin-5ht2a" in s["mechanisms"] for s in cluster)
    text = as_json("studies", "--text", "cold pressor")["studies"]
    assert {"ramaekers-2020", "cavarra-2025"} <= {s["id"] for s in text}
    reviews = as_json("studies", "--design", "narrative-review")["studies"]
    assert reviews and all(s["design"] == "narrative-review" for s in reviews)


def test_studies_rejects_an_unknown_design() -> None:
    result = run("studies", "--design", "rcts")
    assert result.exit_code == 2
    assert "--design" in result.stderr


def test_study_by_id_doi_and_registry() -> None:
    assert as_json("study", "ramaekers-2020")["study"]["n"] == 24
    assert as_json("study", "10.1177/0269881120940937")["study"]["id"] == "ramaekers-2020"
    assert as_json("study", "NCT03341689")["study"]["id"] == "schindler-2021"
    result = run("study", "bonnelle-2022")
    assert result.exit_code == 0
    assert "unverified" in result.stdout
    assert "survey-2022-microdosing-pain-reduction" in result.stdout


def test_search_finds_claims_and_studies() -> None:
    data = as_json("search", "cold pressor")
    assert data["studies"]
    assert data["claims"]
    assert as_json("search", "zzzz-no-such-words") == {
        "painlit": 1, "kind": "search", "query": "zzzz-no-such-words", "claims": [],
        "studies": []}


def test_search_shows_as_many_rows_as_the_other_lists() -> None:
    """`--limit` (the command's, else the global one) caps each list of hits on the terminal;
    JSON keeps every hit."""
    every = as_json("search", "psilocybin")
    assert len(every["studies"]) > 3
    result = run("search", "psilocybin", "--limit", "2")
    assert result.exit_code == 0
    shown = [s["id"] for s in every["studies"] if s["id"] in result.stdout]
    assert len(shown) == 2
    assert f"and {len(every['studies']) - 2:,} more studies" in result.stdout
    assert run("--limit", "2", "search", "psilocybin").stdout == result.stdout
    assert "more studies" not in run("search", "psilocybin", "--limit", "0").stdout


@pytest.mark.parametrize("by", ["design", "mechanism", "dose"])
def test_gap_map(by: str) -> None:
    result = run("map", "--by", by)
    assert result.exit_code == 0
    assert "Fibromyalgia" in result.stdout
    data = as_json("map", "--by", by)
    rows = {row["condition"]: row for row in data["rows"]}
    assert rows["trigeminal-neuralgia"]["cells"] == {}  # a visible gap


def test_gap_map_rejects_bad_columns() -> None:
    assert run("map", "--by", "colour").exit_code == 2


def test_listings() -> None:
    assert any(c["id"] == "migraine" for c in as_json("conditions")["conditions"])
    assert any(m["id"] == "neuroplasticity" for m in as_json("mechanisms")["mechanisms"])


def test_global_json_option() -> None:
    result = run("--json", "claims")
    assert json.loads(result.stdout)["kind"] == "claims"


def test_data_option_and_environment_variable(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    result = run("--data", str(missing), "claims")
    assert result.exit_code == 3
    assert "no such file" in result.stderr
    assert "painlit validate" in result.stderr
    result = run("claims", env={"PAINLIT_DATA": str(missing)})
    assert result.exit_code == 3


def test_an_invalid_corpus_exits_3_naming_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("corpus:\n  title: x\n", encoding="utf-8")
    result = run("--data", str(bad), "condition", "x")
    assert result.exit_code == 3
    assert f"{bad}:2:3: corpus.version: required field is missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_the_shipped_corpus() -> None:
    result = run("validate")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.strip().endswith(": ok")


def test_version_and_help() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("painlit ")
    assert run("-h").exit_code == 0


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example_and_is_in_the_readme(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example: painlit " in result.stdout
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"painlit {command}" in readme


def _subprocess(args: list[str], env_extra: dict[str, str] | None = None
                ) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "painlit", *args], capture_output=True,
                          env=env, check=False, timeout=60)


def test_python_dash_m_and_no_colour_when_piped() -> None:
    done = _subprocess(["condition", "fibromyalgia"])
    assert done.returncode == 0
    assert b"\x1b[" not in done.stdout  # not a terminal: no colour codes
    assert b"Fibromyalgia" in done.stdout


def test_no_color_is_honoured_even_when_colour_is_forced() -> None:
    forced = _subprocess(["claims"], {"FORCE_COLOR": "1"})
    assert b"\x1b[" in forced.stdout
    plain = _subprocess(["claims"], {"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert b"\x1b[3" not in plain.stdout  # no colour (bold/italic may remain)


def test_output_piped_into_a_reader_that_stops_early_is_not_an_error() -> None:
    command = f"{sys.executable} -m painlit map --by mechanism | head -n 1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True,
                          check=False, timeout=60)
    assert done.returncode == 0
    assert b"Traceback" not in done.stderr
    assert b"Error" not in done.stderr


def test_hostile_corpus_strings_are_printed_literally(tmp_path: Path) -> None:
    hostile = "[bold red]markup[/] \x1b[31mANSI\x1b[0m | pipe <script>alert(1)</script> \u202eRTL"
    text = (Path(__file__).resolve().parents[1] / "data" / "studies.yaml").read_text("utf-8")
    marker = ("  title: A low dose of lysergic acid diethylamide decreases pain perception"
              " in healthy volunteers\n")
    assert marker in text
    quoted = hostile.replace("\x1b", "\\e").replace("\u202e", "\\u202E")
    corpus = tmp_path / "hostile.yaml"
    corpus.write_text(text.replace(marker, f'  title: "{quoted}"\n'), encoding="utf-8")
    result = run("--data", str(corpus), "study", "ramaekers-2020")
    assert result.exit_code == 0, result.stderr
    assert "[bold red]markup[/]" in result.stdout  # shown, not interpreted
    assert "\x1b" not in result.stdout  # control characters never reach the terminal
    assert "\\x1b[31mANSI" in result.stdout
    assert "\\u202e" in result.stdout
    assert "<script>alert(1)</script>" in result.stdout
    data = as_json("--data", str(corpus), "study", "ramaekers-2020")
    assert data["study"]["title"] == hostile  # JSON keeps the exact text


def test_map_rows_read_as_a_tree() -> None:
    """Each condition sits under its own parent: the nearest row above it one level up."""
    rows = as_json("map")["rows"]
    by_id = {row["condition"]: row for row in rows}

    def depth(row: dict[str, Any]) -> int:
        return 0 if row["parent"] is None else 1 + depth(by_id[row["parent"]])

    for index, row in enumerate(rows):
        if row["parent"] is None:
            continue
        above = next(r for r in reversed(rows[:index]) if depth(r) == depth(row) - 1)
        assert above["condition"] == row["parent"], row["condition"]


def test_commands_freeze_what_start_up_made_before_collecting(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Start-up runs without the cyclic collector (painlit.__main__); a command turns it back
    on only after freezing what start-up made, so its first collection does not walk all of
    Typer, Rich and pydantic again (about 20 ms on every run)."""
    import gc

    calls: list[str] = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "enable", lambda: calls.append("enable"))
    result = runner.invoke(app, ["conditions"])
    assert result.exit_code == 0, result.output
    assert calls[:2] == ["freeze", "enable"]


def test_study_and_registry_ids_are_never_split_across_lines() -> None:
    """At 80 columns the free-text columns wrap; the ids a reader types next stay whole."""
    result = runner.invoke(app, ["condition", "migraine"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    words = [word for line in result.output.splitlines() for word in line.split()]
    assert "schindler-2021" in words
    assert not any(word.startswith("schindler-") and word != "schindler-2021"
                   and not word[len("schindler-"):][:4].isdigit() for word in words)
    result = runner.invoke(app, ["condition", "fibromyalgia"], env={"COLUMNS": "80"})
    assert " NCT05548075 " in result.output and " NCT06368492 " in result.output


def test_command_annotations_are_objects_not_strings() -> None:
    """Typer evaluates string annotations of every command at every start (twice, for each
    of ~25 commands: ~12 ms of the everyday command's start-up), so the command modules do
    without `from __future__ import annotations`."""
    import inspect

    callbacks = [info.callback for info in app.registered_commands]
    callbacks.append(app.registered_callback.callback)  # type: ignore[union-attr]
    for callback in callbacks:
        assert callback is not None
        annotations = inspect.get_annotations(inspect.unwrap(callback))
        strings = {name for name, value in annotations.items() if isinstance(value, str)}
        assert not strings, f"{callback.__qualname__}: {sorted(strings)}"


def test_progress_is_drawn_on_a_terminal_only_once_reported(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    from painlit.commands import shared

    screen = io.StringIO()
    monkeypatch.setattr(shared, "err", Console(file=screen, force_terminal=True, width=60))
    with shared.progress("Indexing") as report:
        pass
    assert screen.getvalue() == ""  # nothing reported: nothing drawn
    with shared.progress("Indexing") as report:
        report(5, 10)
        report(10, 10)
    assert "Indexing" in screen.getvalue()
    monkeypatch.setattr(shared, "err", Console(file=io.StringIO(), force_terminal=False))
    with shared.progress("Indexing") as report:
        report(1, 2)
    assert shared.err.file.getvalue() == ""  # type: ignore[attr-defined]
