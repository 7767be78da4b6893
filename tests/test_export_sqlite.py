"""`painlit export sqlite PATH`: the corpus as a documented SQLite database."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from typer.testing import CliRunner

from painlit.cli import app
from painlit.export.sqlite import SCHEMA_VERSION
from painlit.grading import Step, grade_all
from painlit.loader import load_corpus
from painlit.paths import default_corpus_path

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "Synthetic'); DROP TABLE studies;-- \"quoted\"; semi;colons"


@contextmanager
def _open(path: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(path)) as db:
        yield db


def _steps(steps: tuple[Step, ...]) -> list[tuple[object, ...]]:
    return [(step.domain.value if step.domain else None, step.change, int(step.level),
             step.reason, int(step.curated)) for step in steps]


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
    with _open(target) as db:

        def count(table: str) -> int:
            return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

        assert count("studies") == len(corpus.studies)
        assert count("claims") == len(corpus.claims)
        assert count("evidence") == sum(len(c.evidence) for c in corpus.claims)
        assert count("effects") == sum(len(s.outcomes) for s in corpus.studies)
        assert count("claim_outcomes") == sum(len(c.outcomes) for c in corpus.claims)
        assert count("outcome_grades") == sum(len(grades[c.id].outcomes) for c in corpus.claims)
        assert {i for (i,) in db.execute("SELECT id FROM claims")} == {
            c.id for c in corpus.claims}
        for claim_id, certainty, label, verdict, statement in db.execute(
                "SELECT id, certainty, certainty_label, verdict, hedged_statement FROM claims"):
            grade = grades[claim_id]
            assert (certainty, label, verdict, statement) == (
                int(grade.certainty), grade.certainty.label, grade.verdict.value,
                grade.statement)
            steps = db.execute("SELECT domain, change, certainty, reason, curated FROM "
                               "grade_steps WHERE claim = ? ORDER BY position", (claim_id,))
            assert steps.fetchall() == _steps(grade.steps)
            rows = db.execute("SELECT position, outcome, importance, certainty, verdict, "
                              "hedged_statement, participants FROM outcome_grades "
                              "WHERE claim = ? ORDER BY position", (claim_id,)).fetchall()
            assert rows == [(position, row.outcome, row.importance.value, int(row.certainty),
                             row.verdict.value, row.statement, row.participants)
                            for position, row in enumerate(grade.outcomes)]
            for position, row in enumerate(grade.outcomes):
                steps = db.execute(
                    "SELECT domain, change, certainty, reason, curated FROM "
                    "outcome_grade_steps WHERE claim = ? AND outcome_position = ? "
                    "ORDER BY position", (claim_id, position))
                assert steps.fetchall() == _steps(row.steps)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


def test_every_foreign_key_is_indexed(tmp_path: Path) -> None:
    """Joins stay fast: the first column of every foreign key leads an index (a primary key's
    counts)."""
    _, target = _export(tmp_path)
    with _open(target) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        unindexed = []
        for table in tables:
            leading = {db.execute(f"PRAGMA index_info('{index}')").fetchone()[2]
                       for index in (row[1] for row in db.execute(f"PRAGMA index_list('{table}')"))}
            # an INTEGER PRIMARY KEY (the rowid) has no index listed: count primary keys too
            leading |= {row[1] for row in db.execute(f"PRAGMA table_info('{table}')")
                        if row[5] == 1}
            firsts = {row[3] for row in db.execute(f"PRAGMA foreign_key_list('{table}')")
                      if row[1] == 0}
            unindexed += [(table, column) for column in sorted(firsts - leading)]
    assert unindexed == []


def test_an_existing_file_is_replaced_only_with_force(tmp_path: Path) -> None:
    target = tmp_path / "corpus.db"
    target.write_bytes(b"mine")
    assert _export(tmp_path)[0] == 5
    assert target.read_bytes() == b"mine"
    assert _export(tmp_path, "--force")[0] == 0
    with _open(target) as db:
        assert db.execute("SELECT count(*) FROM studies").fetchone()[0] > 0


def test_the_corpus_file_is_never_written(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.yaml"
    text = (ROOT / "tests" / "fixtures" / "corpus" / "minimal.yaml").read_bytes()
    corpus.write_bytes(text)
    result = CliRunner().invoke(app, ["--data", str(corpus), "export", "sqlite", str(corpus),
                                      "--force"])
    assert result.exit_code == 5
    assert corpus.read_bytes() == text


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
    with _open(target) as db:
        titles = [t for (t,) in db.execute("SELECT title FROM studies")]
    assert HOSTILE in titles


def test_the_document_describes_every_table_and_column(tmp_path: Path) -> None:
    _, target = _export(tmp_path)
    with _open(target) as db:
        in_database = {
            (table, column)
            for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            for column in (row[1] for row in db.execute(f"PRAGMA table_info({table})"))}
    document = (ROOT / "docs" / "sqlite.md").read_text(encoding="utf-8")
    in_document = set()
    for section in re.split(r"^### ", document, flags=re.M)[1:]:
        table = section.split("\n", 1)[0].strip()
        in_document |= {(table, column) for column in re.findall(r"^\| `([a-z_]+)` \|", section,
                                                                 re.M)}
    assert in_database == in_document
