"""`painlit export sqlite PATH`: the corpus as a documented SQLite database."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from painlit.cli import app
from painlit.grading import grade_all
from painlit.loader import load_corpus
from painlit.paths import default_corpus_path

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "Synthetic'); DROP TABLE studies;-- \"quoted\"; semi;colons"


def _export(tmp_path: Path, *args: str, data: Path | None = None) -> tuple[int, Path]:
    target = tmp_path / "corpus.db"
    data_args = ["--data", str(data)] if data else []
    result = CliRunner().invoke(app, [*data_args, "export", "sqlite", str(target), *args])
    return result.exit_code, target


def test_the_shipped_corpus_exports_whole_and_sound(tmp_path: Path) -> None:
    code, target = _export(tmp_path)
    assert code == 0
    corpus = load_corpus(default_corpus_path())
    grades = grade_all(corpus)
    db = sqlite3.connect(target)

    def count(table: str) -> int:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    assert count("studies") == len(corpus.studies)
    assert count("claims") == len(corpus.claims)
    assert count("evidence") == sum(len(c.evidence) for c in corpus.claims)
    assert count("effects") == sum(len(s.outcomes) for s in corpus.studies)
    for claim_id, certainty, verdict, statement in db.execute(
            "SELECT id, certainty, verdict, hedged_statement FROM claims"):
        grade = grades[claim_id]
        assert (certainty, verdict, statement) == (int(grade.certainty), grade.verdict.value,
                                                   grade.statement)
        steps = db.execute("SELECT reason FROM grade_steps WHERE claim = ? ORDER BY position",
                           (claim_id,)).fetchall()
        assert [reason for (reason,) in steps] == [step.reason for step in grade.steps]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("PRAGMA user_version").fetchone() == (1,)


def test_an_existing_file_is_replaced_only_with_force(tmp_path: Path) -> None:
    target = tmp_path / "corpus.db"
    target.write_bytes(b"mine")
    assert _export(tmp_path)[0] == 5
    assert target.read_bytes() == b"mine"
    assert _export(tmp_path, "--force")[0] == 0
    assert sqlite3.connect(target).execute("SELECT count(*) FROM studies").fetchone()[0] > 0


def test_standard_output_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["export", "sqlite", "-"])
    assert result.exit_code == 2
    assert "standard output" in result.output


def test_hostile_text_is_stored_as_it_is(tmp_path: Path) -> None:
    """A synthetic corpus whose study title is SQL and quotes: values are bound, never
    written into SQL."""
    text = (ROOT / "tests" / "fixtures" / "corpus" / "minimal.yaml").read_text(encoding="utf-8")
    old = 'title: "Synthetic example study A"'
    assert old in text
    corpus = tmp_path / "hostile.yaml"
    corpus.write_text(text.replace(old, "title: '" + HOSTILE.replace("'", "''") + "'", 1),
                      encoding="utf-8")
    code, target = _export(tmp_path, data=corpus)
    assert code == 0
    titles = [t for (t,) in sqlite3.connect(target).execute("SELECT title FROM studies")]
    assert HOSTILE in titles


def test_the_document_describes_every_table_and_column(tmp_path: Path) -> None:
    _, target = _export(tmp_path)
    db = sqlite3.connect(target)
    in_database = {(table, column)
                   for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                   for column in (row[1] for row in db.execute(f"PRAGMA table_info({table})"))}
    document = (ROOT / "docs" / "sqlite.md").read_text(encoding="utf-8")
    in_document = set()
    for section in re.split(r"^### ", document, flags=re.M)[1:]:
        table = section.split("\n", 1)[0].strip()
        in_document |= {(table, column) for column in re.findall(r"^\| `([a-z_]+)` \|", section,
                                                                 re.M)}
    assert in_database == in_document
