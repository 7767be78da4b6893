"""What a corpus or an article can smuggle into output: line breaks that forge a `file:line:`
problem line, control, invisible and format characters. Each is shown as a visible escape
wherever it is printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from painlit.cli import app
from painlit.text import clean, one_line

REAL = Path(__file__).resolve().parents[1] / "data" / "studies.yaml"
HEADER = ('corpus:\n  title: "T"\n  version: "1"\n  last_search: 2026-01-01\n'
          '  search_query: q\nconditions: []\nmechanisms: []\nsubstances: []\nsources: []\n'
          'claims: []\n')


def _validate(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["validate", str(path)])
    return result.exit_code, result.stdout


def test_a_line_break_in_a_key_cannot_forge_a_problem_line(tmp_path: Path) -> None:
    path = tmp_path / "forge.yaml"
    path.write_text(HEADER + 'studies: []\n"x\\nforged.yaml:1:1: error: fake": 1\n',
                    encoding="utf-8")
    code, out = _validate(path)
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "\\x0aforged.yaml" in lines[0]


@pytest.mark.parametrize("char", ["\u061c", "\u200b", "\u2028", "\u2029", "\ufeff",
                                  "\U000e0041", "\u202e", "\x1b"])
def test_invisible_and_format_characters_are_shown_escaped(char: str) -> None:
    assert char not in clean(f"a{char}b")
    assert "\\" in clean(f"a{char}b")
    assert one_line("a\nb\tc") == "a\\x0ab\\x09c"
    assert clean("a\nb") == "a\nb"  # line breaks stay where text may have several lines


def test_an_articles_invisible_characters_reach_no_output(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Microdosing cures\u200b migraines\u2028 and \u202eevil.",
                       encoding="utf-8")
    for args in ([], ["--format", "markdown"], ["--format", "html"]):
        result = CliRunner().invoke(app, ["--data", str(REAL), "check", str(article), *args])
        assert result.exit_code == 0, result.stderr
        for char in ("\u200b", "\u2028", "\u202e"):
            assert char not in result.stdout, args
