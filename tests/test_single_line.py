"""One-line fields stay one line: `validate` rejects control characters in them (tabs, line
breaks, NUL, escape, U+2028...) with file:line:column errors, and every command prints such a
field on one line wherever it comes from (a corpus that was not validated, or a service)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from painlit.cli import app
from painlit.console import one_line
from painlit.loader import check_corpus
from painlit.paths import default_corpus_path
from test_validate_cli import MINIMAL, Expected, assert_problems, validate

runner = CliRunner()
HINT = "remove it: titles, names and identifiers are one line of plain text"


def _hostile(tmp_path: Path) -> Path:
    """The minimal fixture with control characters in one-line fields, and a line break in a
    field that may hold several lines."""
    text = MINIMAL.read_text(encoding="utf-8")
    for old, new in (
        ('    title: "Synthetic example study A"\n',
         '    title: "Synthetic example\\nexample-2099  fake-row  trial"\n'),
        ("    authors: [Example A, Example B]\n", '    authors: ["Example\\e[31mA", Example B]\n'),
        ("    journal: Journal of Synthetic Examples\n",
         '    journal: "Journal\\0of\\tExamples"\n'),
        ("    name: Example pain\n", '    name: "Example\\u2028pain"\n'),
        ('    finding: "Synthetic result: no difference from placebo."\n',
         '    finding: "Synthetic result.\\nNo difference from placebo."\n'),
    ):
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_rejects_control_characters_in_one_line_fields(tmp_path: Path) -> None:
    path = _hostile(tmp_path)
    run = validate(path)
    assert run.code == 1, run.output
    assert_problems(run, path, [
        Expected(12, 11, "example-pain.name", "control character U+2028 in a one-line field",
                 HINT),
        Expected(42, 12, "example-2020.title", "control character U+000A in a one-line field",
                 HINT),
        Expected(43, 15, "example-2020.authors[0]",
                 "control character U+001B in a one-line field", HINT),
        Expected(45, 14, "example-2020.journal", "control character U+0000 in a one-line field",
                 HINT),
    ])
    # every problem on one line of its own, whatever the value held
    assert all(line.startswith(("error: ", "warning: ")) for line in run.stdout.splitlines())
    data = json.loads(validate(path, "--format", "json").stdout)
    assert sum(p["severity"] == "error" for p in data["problems"]) == 4


@pytest.mark.parametrize("value", ["a\tb", "a\rb", "a\x7fb", "a\x85b", "a\u2029b", "a\x1fb"])
def test_each_control_character_is_refused(tmp_path: Path, value: str) -> None:
    text = MINIMAL.read_text(encoding="utf-8").replace(
        '    title: "Synthetic example study A"\n',
        "    title: " + json.dumps(value) + "\n", 1)
    path = tmp_path / "one.yaml"
    path.write_text(text, encoding="utf-8")
    run = validate(path)
    assert run.code == 1
    assert len(run.lines("error")) == 1
    assert "example-2020.title: control character" in run.lines("error")[0]


def test_ordinary_text_and_multi_line_fields_are_accepted(tmp_path: Path) -> None:
    text = MINIMAL.read_text(encoding="utf-8").replace(
        '    title: "Synthetic example study A"\n',
        '    title: "Naïve café — ünïcode, non\u00a0breaking, \u200fmarked \u05e9\u05dc"\n',
        1)
    path = tmp_path / "fine.yaml"
    path.write_text(text, encoding="utf-8")
    assert validate(path).code == 0


def test_the_shipped_corpus_has_no_control_characters() -> None:
    run = validate(default_corpus_path())
    assert run.code == 0, run.output
    _, problems = check_corpus(default_corpus_path())
    assert not any("control character" in p.message for p in problems)


def test_other_commands_still_read_such_a_corpus_and_print_one_line(tmp_path: Path) -> None:
    path = _hostile(tmp_path)
    env = {"PAINLIT_DATA": None, "PAINLIT_NO_CACHE": "1"}
    shown = runner.invoke(app, ["--data", str(path), "study", "example-2020"], env=env)
    assert shown.exit_code == 0, shown.stderr
    assert "Synthetic example\\x0aexample-2099  fake-row  trial" in shown.stdout
    assert not any(line.startswith("example-2099") for line in shown.stdout.splitlines())
    assert "Journal\\x00of\\x09Examples" in shown.stdout
    assert "\x1b" not in shown.stdout and "\t" not in shown.stdout
    listed = runner.invoke(app, ["--data", str(path), "studies"], env=env)
    assert listed.exit_code == 0, listed.stderr
    assert not any(line.lstrip().startswith("example-2099") for line in listed.stdout.splitlines())
    tree = runner.invoke(app, ["--data", str(path), "conditions"], env=env)
    assert "Example\\u2028pain" in tree.stdout and "\u2028" not in tree.stdout
    exact = runner.invoke(app, ["--data", str(path), "--json", "study", "example-2020"], env=env)
    assert json.loads(exact.stdout)["study"]["title"] == (
        "Synthetic example\nexample-2099  fake-row  trial")  # JSON keeps the exact text


def test_one_line_escapes_what_would_break_a_line() -> None:
    assert one_line("a\nb\tc\r\u2028\u2029\x85\x1b\u202e") == (
        "a\\x0ab\\x09c\\x0d\\u2028\\u2029\\x85\\x1b\\u202e")
    assert one_line("plain — ünïcode") == "plain — ünïcode"
    assert one_line("lone \ud800") == "lone \\ud800"
