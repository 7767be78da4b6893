"""The index file (painlit.index): same results as reading the file, any change seen, never
trusted blindly, shared safely, and pruned only where painlit may."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from painlit import index as index_module
from painlit import store as store_module
from painlit.errors import CorpusError
from painlit.grading import grade_all
from painlit.index import check_indexed, index_directory, load_corpus_indexed
from painlit.loader import load_corpus
from painlit.paths import default_corpus_path
from painlit.store import index_file

FIXTURES = Path(__file__).parent / "fixtures" / "corpus"
REAL = default_corpus_path()


@pytest.fixture(autouse=True)
def _files_written_long_ago(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests write their corpus a moment before reading it: the racily-clean rule
    (no signature kept for a file changed within RACY_SECONDS) is off here and tested on its
    own."""
    monkeypatch.setattr(index_module, "RACY_SECONDS", 0)


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    target = tmp_path / "corpus.yaml"
    target.write_bytes(REAL.read_bytes())
    return target


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "index"


def _same_as_read(corpus_file: Path, folder: Path) -> None:
    fresh = load_corpus(corpus_file)
    indexed = load_corpus_indexed(corpus_file, directory=folder)
    assert indexed == fresh
    assert list(indexed.index.study_ids) == list(fresh.index.study_ids)
    assert tuple(grade_all(indexed).levels) == tuple(grade_all(fresh).levels)


def test_an_indexed_load_equals_a_fresh_load(corpus_file: Path, folder: Path) -> None:
    fresh = load_corpus(corpus_file)
    first = load_corpus_indexed(corpus_file, directory=folder)  # builds the index
    assert len(list(folder.glob("*.sqlite"))) == 1
    second = load_corpus_indexed(corpus_file, directory=folder)  # reads it back
    assert first == fresh and second == fresh
    assert second.path == str(corpus_file)
    assert dict(grade_all(second)) == dict(grade_all(fresh))
    assert second.study_by_id.keys() == fresh.study_by_id.keys()


@pytest.mark.parametrize("edit", [
    lambda text: text.replace("version: \"2026.11.24\"", "version: \"2026.11.25\""),
    lambda text: text + "\n# a comment changes the bytes\n",
    lambda text: text.replace("n: 5\n", "n: 6\n", 1),
])
def test_any_change_to_the_file_is_seen(corpus_file: Path, folder: Path, edit: object) -> None:
    load_corpus_indexed(corpus_file, directory=folder)
    text = corpus_file.read_text(encoding="utf-8")
    changed = edit(text)  # type: ignore[operator]
    assert changed != text
    corpus_file.write_text(changed, encoding="utf-8")
    _same_as_read(corpus_file, folder)


def test_a_change_that_keeps_size_and_time_is_still_seen(corpus_file: Path, folder: Path
                                                         ) -> None:
    before = corpus_file.stat()
    load_corpus_indexed(corpus_file, directory=folder)
    text = corpus_file.read_text(encoding="utf-8")
    corpus_file.write_text(text.replace("n: 5\n", "n: 6\n", 1), encoding="utf-8")
    os.utime(corpus_file, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert corpus_file.stat().st_size == before.st_size
    assert any(s.n == 6 for s in load_corpus_indexed(corpus_file, directory=folder).studies)


@pytest.mark.parametrize("damage", [
    lambda data: data[: len(data) // 2],  # truncated
    lambda data: b"",  # empty
    lambda data: b"not an index at all",
    lambda data: data[:100] + b"\x00" * 4096 + data[4196:],  # pages overwritten
])
def test_a_damaged_index_is_rebuilt(corpus_file: Path, folder: Path, damage: object) -> None:
    load_corpus_indexed(corpus_file, directory=folder)
    [target] = folder.glob("*.sqlite")
    target.write_bytes(damage(target.read_bytes()))  # type: ignore[operator]
    (folder / (target.name + "-wal")).unlink(missing_ok=True)
    _same_as_read(corpus_file, folder)
    _same_as_read(corpus_file, folder)


def test_a_foreign_database_in_its_place_is_replaced(corpus_file: Path, folder: Path) -> None:
    folder.mkdir()
    target = index_file(folder, corpus_file)
    foreign = sqlite3.connect(target)
    foreign.execute("CREATE TABLE meta (key TEXT, value BLOB)")
    foreign.execute("INSERT INTO meta VALUES ('corpus', 1)")
    foreign.commit()
    foreign.close()
    _same_as_read(corpus_file, folder)
    check = sqlite3.connect(target)
    assert check.execute("PRAGMA application_id").fetchone()[0] == store_module.APPLICATION_ID


def test_stored_values_that_do_not_fit_are_never_used(corpus_file: Path, folder: Path) -> None:
    """An index of the right kind whose stored corpus was tampered with: the record bodies
    are sealed with a checksum and read by field type, so nothing but painlit's records can
    come out, and a body that does not check out is IndexDamaged (the command then runs
    again from the file: painlit.cli), never a wrong record."""
    from painlit.store import IndexDamaged

    load_corpus_indexed(corpus_file, directory=folder)
    [target] = folder.glob("*.sqlite")
    db = sqlite3.connect(target)
    db.execute("UPDATE records SET body = '[\"__import__(\\\"os\\\")\"]'")
    db.commit()
    db.close()
    corpus = load_corpus_indexed(corpus_file, directory=folder)
    with pytest.raises(IndexDamaged):
        corpus.studies[0]


def test_an_unwritable_index_folder_is_not_an_error(corpus_file: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-directory"
    blocker.write_text("x", encoding="utf-8")
    assert load_corpus_indexed(corpus_file, directory=blocker / "index") == load_corpus(
        corpus_file)


def test_an_invalid_corpus_is_reported_the_same_twice(folder: Path) -> None:
    bad = FIXTURES / "missing_study_ref.yaml"
    with pytest.raises(CorpusError) as first:
        load_corpus_indexed(bad, directory=folder)
    with pytest.raises(CorpusError) as second:
        load_corpus_indexed(bad, directory=folder)
    assert first.value.problems == second.value.problems
    assert list(check_indexed(bad, directory=folder)[1]) == list(first.value.problems)


def test_the_index_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    monkeypatch.delenv("PAINLIT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert index_directory() == tmp_path / "xdg" / "painlit" / "index"
    monkeypatch.setenv("PAINLIT_CACHE_DIR", str(tmp_path / "own"))
    assert index_directory() == tmp_path / "own"
    monkeypatch.setenv("PAINLIT_NO_CACHE", "1")
    assert index_directory() is None


def test_an_indexed_run_imports_neither_yaml_nor_httpx(tmp_path: Path) -> None:
    env = {**os.environ, "PAINLIT_CACHE_DIR": str(tmp_path / "index")}
    script = ("import sys; from painlit.cli import main; sys.argv = ['painlit', 'condition', "
              "'fibromyalgia']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
              "print('LOADED', sorted(m for m in ('yaml', 'httpx', 'painlit.loader') "
              "if m in sys.modules), file=sys.stderr)")
    for expected in ("['painlit.loader', 'yaml']", "[]"):  # first run builds, second reads
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, check=True, timeout=120)
        assert f"LOADED {expected}" in done.stderr
        assert "Fibromyalgia" in done.stdout


def test_an_unchanged_file_is_not_even_read(corpus_file: Path, folder: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    expected = load_corpus_indexed(corpus_file, directory=folder)

    def refuse(*_: object, **__: object) -> bytes:
        raise AssertionError("the file was read again")

    monkeypatch.setattr("painlit.index.read_bytes", refuse)
    monkeypatch.setattr("painlit.indexing.read_bytes", refuse)
    assert load_corpus_indexed(corpus_file, directory=folder) == expected


def test_a_same_size_edit_in_the_same_second_is_seen_on_coarse_timestamps(
        corpus_file: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file system that keeps whole seconds (ext3, FAT, several network file systems):
    an edit that keeps the size, made in the same second as the run before, has the same
    stat signature. The racily-clean rule sees it anyway."""
    import json

    monkeypatch.setattr(index_module, "RACY_SECONDS", 2)
    real_signature = index_module._signature

    def whole_seconds(path: Path) -> str | None:
        found = real_signature(path)
        if found is None:
            return None
        dev, ino, size, mtime, ctime = json.loads(found)
        second = 1_000_000_000
        return json.dumps([dev, ino, size, mtime // second * second, ctime // second * second])

    monkeypatch.setattr(index_module, "_signature", whole_seconds)
    text = corpus_file.read_text(encoding="utf-8")
    assert "  n: 5\n" in text  # aday-2025
    first = load_corpus_indexed(corpus_file, directory=folder)
    assert first.study_by_id["aday-2025"].n == 5
    edited = text.replace("  n: 5\n", "  n: 6\n", 1)
    assert len(edited) == len(text)
    corpus_file.write_text(edited, encoding="utf-8")
    if whole_seconds(corpus_file) != whole_seconds(corpus_file):  # pragma: no cover
        pytest.skip("the clock moved on")
    assert load_corpus_indexed(corpus_file, directory=folder).study_by_id["aday-2025"].n == 6
    # Without the rule (the signature kept at once), the edit would be served stale.
    monkeypatch.setattr(index_module, "RACY_SECONDS", 0)
    other = folder / "other"
    corpus_file.write_text(text, encoding="utf-8")
    assert load_corpus_indexed(corpus_file, directory=other).study_by_id["aday-2025"].n == 5
    before = whole_seconds(corpus_file)
    corpus_file.write_text(edited, encoding="utf-8")
    if whole_seconds(corpus_file) == before:  # the same tick: the old record comes back
        assert load_corpus_indexed(corpus_file, directory=other).study_by_id[
            "aday-2025"].n == 5


def test_a_file_changed_while_read_is_not_remembered_by_its_old_signature(
        corpus_file: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import painlit.yamlfile

    original = painlit.yamlfile.read_bytes

    def read_then_change(path: Path, max_bytes: int | None = None) -> bytes:
        raw = original(path, max_bytes)
        path.write_bytes(raw + b"\n# changed while being read\n")
        return raw

    monkeypatch.setattr("painlit.indexing.read_bytes", read_then_change)
    first = load_corpus_indexed(corpus_file, directory=folder)
    monkeypatch.setattr("painlit.indexing.read_bytes", original)
    [target] = folder.glob("*.sqlite")
    stored = sqlite3.connect(target).execute(
        "SELECT value FROM meta WHERE key = 'signature'").fetchone()
    assert stored is None or stored[0] is None  # no signature that no longer holds
    assert load_corpus_indexed(corpus_file, directory=folder) == first


def test_an_indexed_corpus_decodes_only_the_records_used(corpus_file: Path, folder: Path
                                                         ) -> None:
    from painlit.query import StudyFilter, filter_studies, resolve_condition
    from painlit.store import StoredRecords
    from painlit.summary import summarise_condition

    load_corpus_indexed(corpus_file, directory=folder)
    corpus = load_corpus_indexed(corpus_file, directory=folder)
    assert isinstance(corpus.studies, StoredRecords)
    assert isinstance(corpus.claims, StoredRecords)
    summary = summarise_condition(corpus, resolve_condition(corpus, "fibromyalgia"),
                                  grade_all(corpus))
    found = filter_studies(corpus, StudyFilter(randomised=True))
    assert len(found) > 2 and len(summary.studies) >= 1
    assert len(corpus.studies._made) == 0  # counting and sorting used the index alone
    assert found[0] == load_corpus(corpus_file).study_by_id[found[0].id]
    assert len(corpus.studies._made) == 1


def test_queries_give_the_same_on_an_indexed_and_a_fresh_corpus(corpus_file: Path,
                                                                folder: Path) -> None:
    from painlit.query import ClaimFilter, StudyFilter, filter_claims, filter_studies
    from painlit.summary import summarise_condition, summarise_mechanism

    fresh = load_corpus(corpus_file)
    load_corpus_indexed(corpus_file, directory=folder)
    indexed = load_corpus_indexed(corpus_file, directory=folder)
    assert indexed.index == fresh.index
    for condition in fresh.conditions:
        assert (summarise_condition(indexed, condition, grade_all(indexed))
                == summarise_condition(fresh, condition, grade_all(fresh)))
    for mechanism in fresh.mechanisms:
        assert (summarise_mechanism(indexed, mechanism, grade_all(indexed))
                == summarise_mechanism(fresh, mechanism, grade_all(fresh)))
    wanted = StudyFilter(randomised=True, text="placebo")
    assert list(filter_studies(indexed, wanted)) == list(filter_studies(fresh, wanted))
    claims = ClaimFilter(condition="chronic-pain")
    assert (list(filter_claims(indexed, grade_all(indexed), claims))
            == list(filter_claims(fresh, grade_all(fresh), claims)))


def test_a_copy_with_other_studies_gets_its_own_index(corpus_file: Path) -> None:
    import dataclasses

    corpus = load_corpus(corpus_file)
    fewer = dataclasses.replace(corpus, studies=tuple(corpus.studies[:3]))
    assert fewer.index.study_ids == tuple(s.id for s in corpus.studies[:3])
    assert set(fewer.study_by_id) == {s.id for s in corpus.studies[:3]}


def test_a_folder_painlit_did_not_create_is_never_pruned(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """PAINLIT_CACHE_DIR pointing at the user's own folder: nothing of theirs is deleted, not
    even files named like painlit's index files."""
    mine = tmp_path / "mine"
    mine.mkdir()
    theirs = [mine / f"model{i}.sqlite" for i in range(12)]
    theirs += [mine / f"{i:016x}.sqlite" for i in range(12)]
    for path in theirs:
        path.write_bytes(b"the user's own data")
    monkeypatch.setenv("PAINLIT_CACHE_DIR", str(mine))
    monkeypatch.delenv("PAINLIT_NO_CACHE", raising=False)
    for number in range(store_module.KEEP + 3):  # more corpora than are kept
        corpus = tmp_path / f"corpus{number}.yaml"
        corpus.write_bytes(REAL.read_bytes())
        load_corpus_indexed(corpus)
    assert all(path.read_bytes() == b"the user's own data" for path in theirs)
    assert not (mine / store_module.TAG).exists()


def test_a_folder_painlit_created_keeps_only_its_newest_index_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = tmp_path / "made" / "index"
    monkeypatch.setenv("PAINLIT_CACHE_DIR", str(made))
    monkeypatch.delenv("PAINLIT_NO_CACHE", raising=False)
    load_corpus_indexed(REAL)
    assert (made / store_module.TAG).read_bytes() == store_module.TAG_TEXT
    stranger = made / f"{'a' * 16}.sqlite"  # named like an index file, not one
    stranger.write_bytes(b"not a painlit index")
    for number in range(store_module.KEEP + 3):
        corpus = tmp_path / f"corpus{number}.yaml"
        corpus.write_bytes(REAL.read_bytes())
        load_corpus_indexed(corpus)
    files = [p for p in made.glob("*.sqlite") if p != stranger]
    assert len(files) == store_module.KEEP + 1  # the newest KEEP, and the one now in use
    assert stranger.exists()


def test_the_code_stamp_covers_every_module_that_decides_what_is_stored() -> None:
    """Any change to how records are read, checked, indexed or graded must make a new index:
    every painlit module those import is in the stamp."""
    script = ("import sys, painlit.index, painlit.indexing, painlit.loader, painlit.grading, "
              "painlit.dosing; print(' '.join(sorted(m for m in sys.modules "
              "if m.startswith('painlit.'))))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=60)
    loaded = {name.split(".", 1)[1] + ".py" for name in done.stdout.split()}
    assert loaded - set(store_module.STAMPED) == set()


@pytest.mark.parametrize("text", ["cold pressor", "PLACEBO", "psilocybin microdos", "nct0",
                                  "10.", "a", "é", "ö", "\"", "\\", "'", "(n", "pain; mood",
                                  "fibromyalgia survey", "no-such-word-anywhere"])
def test_search_through_the_index_finds_what_a_whole_reading_finds(
        corpus_file: Path, folder: Path, text: str) -> None:
    """The index looks for the words in the records' stored JSON first (decoding only those
    records); what it finds must be exactly what checking every record finds."""
    from painlit.query import search

    load_corpus_indexed(corpus_file, directory=folder)
    indexed = load_corpus_indexed(corpus_file, directory=folder)
    assert "candidates" in indexed.memo
    fresh = load_corpus(corpus_file)
    found, expected = search(indexed, text), search(fresh, text)
    assert [s.id for s in found.studies] == [s.id for s in expected.studies]
    assert [c.id for c in found.claims] == [c.id for c in expected.claims]


def _search_ids(corpus_file: Path, folder: Path, text: str,
                progress: list[tuple[int, int]] | None = None) -> list[str]:
    from painlit.query import search

    corpus = load_corpus_indexed(corpus_file, directory=folder)
    hits = search(corpus, text, None if progress is None else
                  lambda done, of: progress.append((done, of)))
    return [s.id for s in hits.studies] + [c.id for c in hits.claims]


def _searchable(folder: Path, corpus_file: Path) -> int:
    with sqlite3.connect(index_file(folder, corpus_file)) as db:
        (count,) = db.execute("SELECT count(*) FROM searchable").fetchone()
    return int(count)


def test_the_full_text_index_is_made_by_the_first_search_and_follows_edits(
        corpus_file: Path, folder: Path) -> None:
    load_corpus_indexed(corpus_file, directory=folder)
    with sqlite3.connect(index_file(folder, corpus_file)) as db:  # not before a search
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'search'").fetchone() \
            is None
    first: list[tuple[int, int]] = []
    assert _search_ids(corpus_file, folder, "psilocybin", first)
    records = len(load_corpus(corpus_file).studies) + len(load_corpus(corpus_file).claims)
    assert first[-1] == (records, records)  # every record's text indexed, once
    assert _searchable(folder, corpus_file) == records
    again: list[tuple[int, int]] = []
    _search_ids(corpus_file, folder, "psilocybin", again)
    assert again == []  # nothing new to index
    text = corpus_file.read_text(encoding="utf-8")
    start = text.index("\n  title: ", text.index("\nstudies:\n")) + len("\n  title: ")
    end = text.index("\n", start)
    corpus_file.write_text(text[:start] + "Zyxwvut quolibet" + text[end:], encoding="utf-8")
    edited: list[tuple[int, int]] = []
    assert len(_search_ids(corpus_file, folder, "zyxwvut quolibet", edited)) == 1
    assert edited[-1] == (1, 1)  # only the edited record indexed again
    assert _searchable(folder, corpus_file) == records  # its old text is gone
    corpus_file.write_text(text, encoding="utf-8")
    assert _search_ids(corpus_file, folder, "zyxwvut") == []


def test_search_without_fts5_scans_the_stored_records(
        corpus_file: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite built without FTS5 or trigrams (before 3.34): the same hits, by the scan."""
    expected = _search_ids(corpus_file, tmp := folder.parent / "with", "cold pressor")
    assert tmp.exists()
    monkeypatch.setattr(store_module, "SEARCH_SCHEMA", (
        "CREATE VIRTUAL TABLE IF NOT EXISTS search USING no_such_module(text)",))
    assert _search_ids(corpus_file, folder, "cold pressor") == expected
    with sqlite3.connect(index_file(folder, corpus_file)) as db:
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'search'").fetchone() \
            is None


def test_a_cleared_index_drops_its_full_text_index(corpus_file: Path, folder: Path) -> None:
    _search_ids(corpus_file, folder, "psilocybin")
    store = store_module.Store.open(folder, corpus_file)
    assert store is not None
    store.db.execute("BEGIN IMMEDIATE")
    store.clear()
    store.db.execute("COMMIT")
    names = {name for (name,) in store.db.execute("SELECT name FROM sqlite_master")}
    store.db.close()
    assert not names & {"search", "searchable"}
    assert _search_ids(corpus_file, folder, "psilocybin") == _search_ids(
        corpus_file, folder.parent / "other", "psilocybin")


def test_texts_made_by_other_code_are_indexed_again(corpus_file: Path, folder: Path) -> None:
    """The full-text index holds the texts painlit.query makes: when the functions making
    them change, the next search indexes every record again."""
    from painlit.query import claim_text, study_text

    def tagged_study_text(study: Any) -> str:
        return study_text(study) + " quuxtag"

    _search_ids(corpus_file, folder, "psilocybin")
    corpus = load_corpus_indexed(corpus_file, directory=folder)
    reports: list[tuple[int, int]] = []
    candidates: Any = corpus.memo["candidates"]
    studies, claims = candidates(
        ["quuxtag"], (tagged_study_text, claim_text), lambda done, of: reports.append((done, of)))
    records = len(corpus.studies) + len(corpus.claims)
    assert reports[-1] == (records, records)
    assert studies == list(range(len(corpus.studies))) and claims == []
    assert _search_ids(corpus_file, folder, "quuxtag") == []  # and back again


def test_the_search_texts_stamp_is_the_same_in_every_run() -> None:
    """Two runs of the same code (other hash seeds, other modules loaded) stamp the search
    texts alike: a stamp that moved would index every record's text again."""
    script = ("import sys; from painlit.store import _search_stamp; "
              "from painlit.query import study_text, claim_text; "
              "sys.argv[1:] and __import__('painlit.cli'); "
              "print(_search_stamp((study_text, claim_text)))")
    stamps = {subprocess.run([sys.executable, "-c", script, *extra], capture_output=True,
                             text=True, check=True, timeout=60,
                             env={**os.environ, "PYTHONHASHSEED": seed}).stdout
              for seed, extra in (("1", []), ("2", ["cli"]), ("3", []))}
    assert len(stamps) == 1


@pytest.mark.parametrize("sizes", ["not json", "[1, 2]", '{"a": 1}', None])
def test_column_chunks_that_do_not_add_up_are_never_used(
        corpus_file: Path, folder: Path, sizes: str | None) -> None:
    """A column's chunk sizes tampered with: an edit needing the column reads the file whole
    (the index is rebuilt) rather than failing or splicing wrong values."""
    load_corpus_indexed(corpus_file, directory=folder)
    [target] = folder.glob("*.sqlite")
    db = sqlite3.connect(target)
    db.execute("UPDATE meta SET value = ? WHERE key = 'column:study_sizes'", (sizes,))
    db.commit()
    db.close()
    text = corpus_file.read_text(encoding="utf-8")
    corpus_file.write_text(text.replace("n: 5\n", "n: 6\n", 1), encoding="utf-8")
    _same_as_read(corpus_file, folder)
    _same_as_read(corpus_file, folder)


@pytest.mark.parametrize(("damage", "query"), [
    ("UPDATE facts SET design = 'not-a-design' WHERE section = 0", "studies"),
    ("UPDATE facts SET topic = 7 WHERE section = 1", "claims"),
    ("UPDATE facts SET dose = NULL WHERE section = 0", "studies"),
])
def test_facts_rows_that_do_not_fit_are_never_used(corpus_file: Path, folder: Path,
                                                   damage: str, query: str) -> None:
    """A facts row outside the table's vocabulary or types is the index's damage: the query
    raises IndexDamaged (the command then runs again from the file), never a crash. (Rows
    carry no checksum: a value changed into another valid one is not caught.)"""
    from painlit.facts import Where, facts_of
    from painlit.store import IndexDamaged

    load_corpus_indexed(corpus_file, directory=folder)
    [target] = folder.glob("*.sqlite")
    db = sqlite3.connect(target)
    db.execute(damage)
    db.commit()
    db.close()
    corpus = load_corpus_indexed(corpus_file, directory=folder)
    with pytest.raises(IndexDamaged):
        getattr(facts_of(corpus), query)(Where())


def test_a_command_on_a_damaged_facts_table_answers_from_the_file(tmp_path: Path) -> None:
    """Through the CLI: the damaged index is dropped and the command's answer is the one a
    whole reading gives."""
    from typer.testing import CliRunner

    from painlit.cli import app

    corpus = tmp_path / "studies.yaml"
    corpus.write_bytes(default_corpus_path().read_bytes())
    folder = tmp_path / "index"
    env = {"PAINLIT_CACHE_DIR": str(folder), "COLUMNS": "120"}
    runner = CliRunner()
    args = ["--data", str(corpus), "--json", "condition", "fibromyalgia"]
    expected = runner.invoke(app, ["--no-cache", *args], env=env)
    assert runner.invoke(app, args, env=env).exit_code == 0  # makes the index
    [target] = folder.glob("*.sqlite")
    db = sqlite3.connect(target)
    db.execute("UPDATE facts SET population = 'martians' WHERE section = 0")
    db.commit()
    db.close()
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected.stdout
