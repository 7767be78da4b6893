"""Readable on any screen, useful in a pipe: every command at 40, 80 and 120 columns and in
a pipe keeps every id and vocabulary word whole; piped output is not wrapped; small things
a new user trips over (issue: readable on any screen)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from painlit.cli import app
from painlit.loader import load_corpus
from painlit.model import Direction, DoseCategory, PainModel, Population, StudyDesign
from painlit.paths import default_corpus_path

runner = CliRunner()
CORPUS = load_corpus(default_corpus_path())

#: What a reader types next or looks for: ids, and the corpus's vocabulary words.
TOKENS = sorted(
    {s.id for s in CORPUS.studies} | {c.id for c in CORPUS.claims}
    | {s.registry for s in CORPUS.studies if s.registry}
    | {v.value for enum in (StudyDesign, Population, DoseCategory, Direction, PainModel)
       for v in enum if len(v.value) > 3},
    key=len, reverse=True)

COMMANDS = [
    ["condition", "fibromyalgia"], ["condition", "migraine"], ["mechanism", "neuroplasticity"],
    ["claims"], ["claim", "microdosing-relieves-chronic-pain"], ["studies"],
    ["studies", "--population", "healthy-volunteers"], ["study", "bonnelle-2022"],
    ["search", "pain"], ["map"], ["map", "--by", "dose"], ["conditions"], ["mechanisms"],
    ["substances"], ["sources"], ["claims", "--source", "source-article"],
    ["check", str(Path(__file__).parent / "fixtures" / "articles"
                  / "denversporegrow-migraines.txt")],
    ["diff", str(Path(__file__).parent / "fixtures" / "diff" / "old.yaml")],
    ["prisma", "--log", str(default_corpus_path().parent / "screening.yaml")],
    ["validate"], ["report", "--condition", "migraine"],
]


def _output(args: list[str], columns: int | None) -> str:
    env = {"COLUMNS": str(columns)} if columns else {}
    if columns is None:
        os.environ.pop("COLUMNS", None)
    result = runner.invoke(app, ["--limit", "0", *args], env=env)
    assert result.exit_code in (0, 1), result.stderr  # 1: diff found changes
    return result.stdout


def _counts(text: str) -> dict[str, int]:
    """How often each token stands whole (not inside a longer token) in the text."""
    found: dict[str, int] = {}
    for token in TOKENS:
        pattern = re.compile(r"(?<![\w-])" + re.escape(token) + r"(?![\w-])")
        found[token] = len(pattern.findall(text))
    return found


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: "-".join(args))
def test_no_id_or_vocabulary_word_is_split_at_any_width(
        args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    piped = _output(args, None)
    whole = _counts(piped)
    for columns in (40, 80, 120):
        text = _output(args, columns)
        counts = _counts(text)
        lost = {token: (whole[token], counts[token]) for token in TOKENS
                if counts[token] < whole[token] and len(token) <= columns - 8}
        assert not lost, f"at {columns} columns these were split: {lost}"


def test_piped_output_is_one_row_per_line_and_grep_finds_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    healthy = [s.id for s in CORPUS.studies if s.population.value == "healthy-volunteers"]
    text = _output(["studies"], None)
    rows = [line for line in text.splitlines() if "healthy-volunteers" in line]
    assert len(rows) == len(healthy) > 10
    assert all(any(line.split()[0] == study for line in rows) for study in healthy)
    # Not padded to the pipe's width either: the longest line is the longest row.
    longest = max(len(line) for line in _output(["condition", "fibromyalgia"], None)
                  .splitlines())
    assert longest < 2000


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: "-".join(args))
def test_piped_lines_end_without_padding(args: list[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    padded = [line for line in _output(args, None).splitlines() if line.endswith(" ")]
    assert not padded, padded[:3]


def test_a_real_pipe_is_not_wrapped_at_80_columns() -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    result = subprocess.run([sys.executable, "-m", "painlit", "--limit", "0", "studies"],
                            capture_output=True, text=True, env=env, timeout=60, check=True)
    assert len([line for line in result.stdout.splitlines()
                if "healthy-volunteers" in line]) > 10


def test_json_cite_is_csl_json() -> None:
    for args in (["--json", "cite", "bonnelle-2022"], ["cite", "bonnelle-2022", "--json"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)[0]["id"] == "bonnelle-2022"
    clash = runner.invoke(app, ["cite", "bonnelle-2022", "--json", "--format", "ris"])
    assert clash.exit_code == 2 and "--json means CSL-JSON" in clash.stderr


@pytest.mark.parametrize("command", [["condition", "fibromyalgia"], ["claims"], ["studies"],
                                     ["mechanism", "neuroplasticity"]])
def test_limit_is_accepted_after_the_command(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--limit", "1"])
    assert result.exit_code == 0, result.stderr
    assert "--limit 0 shows all" in result.stdout


def test_option_errors_have_no_pydantic_prefix() -> None:
    result = runner.invoke(app, ["studies", "--dose", "bogus"])
    assert result.exit_code == 2
    assert "'bogus' is not one of" in result.stderr
    assert "Value error" not in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["studies", "--text", "zzzzqqqq"], "no study matches"),
    (["claims", "--min-certainty", "high"], "no claim matches"),
    (["search", "zzzzqqqq"], "no claim or study contains every word"),
])
def test_an_empty_result_says_nothing_matched(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert message in result.stdout
    assert "───" not in result.stdout  # no empty table


def test_the_listings_hints_name_exist() -> None:
    sources = runner.invoke(app, ["sources"])
    assert sources.exit_code == 0 and "source-article" in sources.stdout
    substances = runner.invoke(app, ["substances"])
    assert substances.exit_code == 0 and "psilocybin:" in substances.stdout
    for args, hint in ((["claims", "--source", "nosuch"], "painlit sources"),
                       (["studies", "--substance", "nosuch"], "painlit substances")):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and hint in result.stderr
        assert runner.invoke(app, hint.split()[1:]).exit_code == 0
    data = json.loads(runner.invoke(app, ["substances", "--json"]).stdout)
    assert data["kind"] == "substances" and data["substances"][0]["studies"] > 0


def test_reports_carry_notes_findings_stances_and_why_studies_appear() -> None:
    claim = CORPUS.claim_by_id["survey-2022-microdosing-pain-reduction"]
    bonnelle = CORPUS.study_by_id["bonnelle-2022"]
    markdown = runner.invoke(app, ["report", "--condition", "fibromyalgia"]).stdout
    assert "Notes (what the sources got wrong, and context):" in markdown
    assert claim.notes[0][:60] in markdown
    assert (bonnelle.finding or "")[:60] in markdown
    assert "survey-2022-microdosing-pain-reduction: mixed" in markdown
    assert "- **bonnelle-2022**: About Chronic pain, not Fibromyalgia: here because" in markdown
    page = runner.invoke(app, ["report", "--condition", "fibromyalgia", "--format", "html"]
                         ).stdout
    assert '<ul class="claim-notes">' in page and "Why studies of other conditions appear" in page
    assert "<li>survey-2022-microdosing-pain-reduction: mixed</li>" in page


def test_the_map_shows_every_study() -> None:
    data = json.loads(runner.invoke(app, ["map", "--json"]).stdout)
    unnamed = sum(cell["studies"] for row in data["rows"]
                  if row["condition"].startswith("no-condition-")
                  for cell in row["cells"].values())
    assert unnamed == sum(not s.conditions for s in CORPUS.studies) > 20
    assert any(row["condition"] == "no-condition-healthy-volunteers" for row in data["rows"])


def _on_a_terminal(args: list[str], tmp_path: Path, *, rows: int = 24,
                   pager: str | None = None) -> tuple[str, bytes]:
    """Run painlit on a pseudo-terminal of `rows` × 100; the pager, if any, is a script that
    saves what it was given. Returns (what the pager got, what the terminal showed)."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    saved = tmp_path / "paged.txt"
    script = tmp_path / "pager.sh"
    script.write_text(f"#!/bin/sh\ncat > {saved}\n", encoding="utf-8")
    script.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "PAGER")}
    env.update(TERM="xterm", PAINLIT_PAGER=pager if pager is not None else str(script))
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", rows, 100, 0, 0))
        os.execve(sys.executable, [sys.executable, "-m", "painlit", *args], env)
    shown = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, shown.decode(errors="replace")
    return (saved.read_text(encoding="utf-8") if saved.exists() else ""), shown


def test_long_output_on_a_terminal_goes_through_the_pager(tmp_path: Path) -> None:
    paged, shown = _on_a_terminal(["condition", "fibromyalgia"], tmp_path)
    assert "Bottom line" in paged and "Safety considerations" in paged
    assert b"Bottom line" not in shown  # the pager had it, not the terminal


def test_short_output_and_no_pager_print_directly(tmp_path: Path) -> None:
    paged, shown = _on_a_terminal(["sources"], tmp_path)
    assert paged == "" and b"source-article" in shown
    paged, shown = _on_a_terminal(["--no-pager", "condition", "fibromyalgia"], tmp_path)
    assert paged == "" and b"Bottom line" in shown
    paged, shown = _on_a_terminal(["condition", "fibromyalgia"], tmp_path, pager="cat")
    assert paged == "" and b"Safety considerations" in shown


def test_the_bottom_line_comes_first() -> None:
    result = runner.invoke(app, ["condition", "fibromyalgia"])
    lines = result.stdout.splitlines()
    assert lines.index("Bottom line") < 6
    paragraph = " ".join(lines[lines.index("Bottom line") + 1:lines.index("Bottom line") + 5])
    assert "studies of fibromyalgia" in paragraph and "Very low" in paragraph
    assert "Missing:" in paragraph
    data = json.loads(runner.invoke(app, ["condition", "fibromyalgia", "--json"]).stdout)
    assert data["bottom_line"].startswith("The corpus holds 2 studies of fibromyalgia")


def _complete(words: str) -> list[str]:
    env = {**os.environ, "_PAINLIT_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - 1)}
    result = subprocess.run([sys.executable, "-m", "painlit"], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout.split()


def test_shell_completion_offers_corpus_names() -> None:
    assert _complete("painlit condition fib") == ["fibromyalgia"]
    assert "microdosing-relieves-chronic-pain" in _complete("painlit claim microdosing-re")
    assert _complete("painlit study bonnelle") == ["bonnelle-2022"]
    assert _complete("painlit studies --condition mig") == ["migraine"]
    assert _complete("painlit claims --source source-a") == ["source-article"]
    assert "bonnelle-2022" in _complete("painlit cite bon")
    minimal = Path(__file__).parent / "fixtures" / "corpus" / "minimal.yaml"
    assert sorted(_complete(f"painlit --data {minimal} study example-r")) == [
        "example-registration-2020", "example-review-2018"]
    assert _complete("painlit --data /nonexistent/corpus.yaml study ex") == []
