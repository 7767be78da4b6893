"""The corpus cache: same results as a fresh load, rebuilt on any change, never trusted blindly."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import painlit.cache as cache_module
from painlit.cache import (
    MAGIC,
    _digest,
    cache_directory,
    encode_entry,
    load_corpus_cached,
    read_entry,
)
from painlit.errors import CorpusError
from painlit.grading import grade_all
from painlit.loader import load_corpus
from painlit.paths import default_corpus_path

FIXTURES = Path(__file__).parent / "fixtures" / "corpus"
REAL = default_corpus_path()


@pytest.fixture(autouse=True)
def _files_written_long_ago(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests write their corpus a moment before reading it: the racily-clean rule
    (no pointer for a file changed within RACY_SECONDS) is off here and tested on its own."""
    monkeypatch.setattr(cache_module, "RACY_SECONDS", 0)


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    target = tmp_path / "corpus.yaml"
    target.write_bytes(default_corpus_path().read_bytes())
    return target


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle"))


def test_a_cached_load_equals_a_fresh_load(corpus_file: Path, folder: Path) -> None:
    fresh = load_corpus(corpus_file)
    first = load_corpus_cached(corpus_file, directory=folder)  # builds the entry
    assert len(_entries(folder)) == 1
    second = load_corpus_cached(corpus_file, directory=folder)  # reads it back
    assert first == fresh and second == fresh
    assert second.path == str(corpus_file)
    assert grade_all(second) == grade_all(fresh)
    assert second.study_by_id.keys() == fresh.study_by_id.keys()


def test_the_entry_is_really_used(corpus_file: Path, folder: Path) -> None:
    load_corpus_cached(corpus_file, directory=folder)
    [entry] = _entries(folder)
    corpus = read_entry(entry)
    assert corpus is not None
    # Same bytes, different title inside the cached object: a hit returns the cached object.
    import dataclasses

    changed = dataclasses.replace(corpus, info=dataclasses.replace(corpus.info, title="cached"))
    changed.memo.update(corpus.memo)
    entry.write_bytes(encode_entry(changed))
    assert load_corpus_cached(corpus_file, directory=folder).info.title == "cached"


@pytest.mark.parametrize("edit", [
    lambda text: text.replace("version: \"2026.11.24\"", "version: \"2026.11.25\""),
    lambda text: text + "\n# a comment changes the bytes, so the key\n",
    lambda text: text.replace("n: 5\n", "n: 6\n", 1),
])
def test_any_change_to_the_file_gives_a_new_entry(
        corpus_file: Path, folder: Path, edit: object) -> None:
    load_corpus_cached(corpus_file, directory=folder)
    text = corpus_file.read_text(encoding="utf-8")
    changed = edit(text)  # type: ignore[operator]
    assert changed != text
    corpus_file.write_text(changed, encoding="utf-8")
    assert load_corpus_cached(corpus_file, directory=folder) == load_corpus(corpus_file)
    assert len(_entries(folder)) == 2


def test_a_change_that_keeps_size_and_time_is_still_seen(corpus_file: Path, folder: Path
                                                         ) -> None:
    before = corpus_file.stat()
    load_corpus_cached(corpus_file, directory=folder)
    text = corpus_file.read_text(encoding="utf-8")
    corpus_file.write_text(text.replace("n: 5\n", "n: 6\n", 1), encoding="utf-8")
    os.utime(corpus_file, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert corpus_file.stat().st_size == before.st_size
    study = next(s for s in load_corpus_cached(corpus_file, directory=folder).studies
                 if s.n == 6)
    assert study is not None


@pytest.mark.parametrize("damage", [
    lambda data: data[: len(data) // 2],  # truncated
    lambda data: b"",  # empty
    lambda data: b"not a cache entry at all",
    lambda data: MAGIC + b"\x80\x05garbage",
    lambda data: data[:-1] + b"\x00",
    lambda data: data[:-100] + bytes(reversed(data[-100:])),
    lambda data: MAGIC + _digest(pickle.dumps({"not": "a corpus"}))
    + pickle.dumps({"not": "a corpus"}),
])
def test_a_corrupt_entry_is_ignored_and_rebuilt(
        corpus_file: Path, folder: Path, damage: object) -> None:
    expected = load_corpus_cached(corpus_file, directory=folder)
    [entry] = _entries(folder)
    entry.write_bytes(damage(entry.read_bytes()))  # type: ignore[operator]
    assert load_corpus_cached(corpus_file, directory=folder) == expected
    assert read_entry(entry) == expected  # and the entry was written again


class _Boom:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("echo painlit-cache-exploit > /dev/null",))


def test_an_entry_cannot_run_code(corpus_file: Path, folder: Path) -> None:
    load_corpus_cached(corpus_file, directory=folder)
    [entry] = _entries(folder)
    payload = pickle.dumps(_Boom())
    entry.write_bytes(MAGIC + _digest(payload) + payload)  # even with a right checksum
    assert read_entry(entry) is None
    assert load_corpus_cached(corpus_file, directory=folder) == load_corpus(corpus_file)


def test_an_unwritable_cache_directory_is_not_an_error(corpus_file: Path, tmp_path: Path
                                                       ) -> None:
    blocker = tmp_path / "file-not-directory"
    blocker.write_text("x", encoding="utf-8")
    corpus = load_corpus_cached(corpus_file, directory=blocker / "cache")
    assert corpus == load_corpus(corpus_file)


def test_an_invalid_corpus_is_reported_and_never_cached(folder: Path) -> None:
    bad = FIXTURES / "missing_study_ref.yaml"
    with pytest.raises(CorpusError):
        load_corpus_cached(bad, directory=folder)
    assert _entries(folder) == []


def test_concurrent_runs_agree(corpus_file: Path, folder: Path) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: load_corpus_cached(corpus_file, directory=folder),
                                range(8)))
    assert all(result == results[0] for result in results)
    assert len(_entries(folder)) == 1
    assert not list(folder.glob("*.tmp"))


def test_the_cache_directory_follows_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_directory() == tmp_path / "xdg" / "painlit" / "corpus"
    monkeypatch.setenv("PAINLIT_CACHE_DIR", str(tmp_path / "own"))
    assert cache_directory() == tmp_path / "own"
    monkeypatch.setenv("PAINLIT_NO_CACHE", "1")
    assert cache_directory() is None


def test_a_cached_run_imports_neither_yaml_nor_httpx(tmp_path: Path) -> None:
    env = {**os.environ, "PAINLIT_CACHE_DIR": str(tmp_path / "cache")}
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
    expected = load_corpus_cached(corpus_file, directory=folder)
    assert len(list(folder.glob("*.stat"))) == 1

    def refuse(*_: object, **__: object) -> bytes:
        raise AssertionError("the file was read again")

    monkeypatch.setattr("painlit.cache.read_bytes", refuse)
    assert load_corpus_cached(corpus_file, directory=folder) == expected


@pytest.mark.parametrize("pointer_text", [b"", b"zz" * 20, b"0" * 40, b"\xff\xfe"])
def test_a_bad_pointer_falls_back_to_the_content(corpus_file: Path, folder: Path,
                                                 pointer_text: bytes) -> None:
    expected = load_corpus_cached(corpus_file, directory=folder)
    [pointer] = folder.glob("*.stat")
    pointer.write_bytes(pointer_text)
    assert load_corpus_cached(corpus_file, directory=folder) == expected


def test_a_same_size_edit_in_the_same_second_is_seen_on_coarse_timestamps(
        corpus_file: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file system that keeps whole seconds (ext3, FAT, several network file systems):
    an edit that keeps the size, made in the same second as the run before, has the same
    stat signature. The racily-clean rule sees it anyway."""
    monkeypatch.setattr(cache_module, "RACY_SECONDS", 2)
    real_stat = cache_module._stat

    def whole_seconds(path: Path) -> tuple[int, ...] | None:
        found = real_stat(path)
        if found is None:
            return None
        dev, ino, size, mtime, ctime = found
        second = 1_000_000_000
        return (dev, ino, size, mtime // second * second, ctime // second * second)

    monkeypatch.setattr(cache_module, "_stat", whole_seconds)
    text = corpus_file.read_text(encoding="utf-8")
    assert "  n: 5\n" in text  # aday-2025
    first = load_corpus_cached(corpus_file, directory=folder)
    assert first.study_by_id["aday-2025"].n == 5
    edited = text.replace("  n: 5\n", "  n: 6\n", 1)
    assert len(edited) == len(text)
    corpus_file.write_text(edited, encoding="utf-8")
    if whole_seconds(corpus_file) != whole_seconds(corpus_file):  # pragma: no cover
        pytest.skip("the clock moved on")
    assert load_corpus_cached(corpus_file, directory=folder).study_by_id["aday-2025"].n == 6
    # Without the rule (a pointer written at once), the edit would be served stale.
    monkeypatch.setattr(cache_module, "RACY_SECONDS", 0)
    other = folder / "other"
    corpus_file.write_text(text, encoding="utf-8")
    assert load_corpus_cached(corpus_file, directory=other).study_by_id["aday-2025"].n == 5
    before = whole_seconds(corpus_file)
    corpus_file.write_text(edited, encoding="utf-8")
    if whole_seconds(corpus_file) == before:  # the same tick: the old record comes back
        assert load_corpus_cached(corpus_file, directory=other).study_by_id[
            "aday-2025"].n == 5


def test_a_file_changed_while_read_is_not_remembered_by_its_old_signature(
        corpus_file: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import painlit.yamlfile

    original = painlit.yamlfile.read_bytes

    def read_then_change(path: Path, max_bytes: int | None = None) -> bytes:
        raw = original(path, max_bytes)
        path.write_bytes(raw + b"\n# changed while being read\n")
        return raw

    monkeypatch.setattr("painlit.cache.read_bytes", read_then_change)
    first = load_corpus_cached(corpus_file, directory=folder)
    assert not list(folder.glob("*.stat"))  # no pointer for a signature that no longer holds
    monkeypatch.setattr("painlit.cache.read_bytes", original)
    assert load_corpus_cached(corpus_file, directory=folder) == first


# --- entries decode lazily ------------------------------------------------------------------

def test_a_cached_corpus_decodes_only_the_records_used(corpus_file: Path, folder: Path
                                                        ) -> None:
    from painlit.pickled import PickledRecords
    from painlit.query import StudyFilter, filter_studies, resolve_condition
    from painlit.summary import summarise_condition

    load_corpus_cached(corpus_file, directory=folder)
    corpus = load_corpus_cached(corpus_file, directory=folder)
    assert isinstance(corpus.studies, PickledRecords)
    assert isinstance(corpus.claims, PickledRecords)
    summary = summarise_condition(corpus, resolve_condition(corpus, "fibromyalgia"),
                                  grade_all(corpus))
    found = filter_studies(corpus, StudyFilter(randomised=True))
    assert len(found) > 2 and len(summary.studies) >= 1
    assert _decoded(corpus.studies) == 0  # counting and sorting used the index alone
    assert found[0] == load_corpus(corpus_file).study_by_id[found[0].id]
    assert _decoded(corpus.studies) == 1


def _decoded(records: object) -> int:
    return sum(record is not None for record in records._decoded)  # type: ignore[attr-defined]


def test_queries_give_the_same_on_a_cached_and_a_fresh_corpus(corpus_file: Path, folder: Path
                                                             ) -> None:
    from painlit.query import ClaimFilter, StudyFilter, filter_claims, filter_studies
    from painlit.summary import summarise_condition, summarise_mechanism

    fresh = load_corpus(corpus_file)
    load_corpus_cached(corpus_file, directory=folder)
    cached = load_corpus_cached(corpus_file, directory=folder)
    for corpus in (fresh, cached):
        assert corpus.index == fresh.index
    for condition in fresh.conditions:
        assert (summarise_condition(cached, condition, grade_all(cached))
                == summarise_condition(fresh, condition, grade_all(fresh)))
    for mechanism in fresh.mechanisms:
        assert (summarise_mechanism(cached, mechanism, grade_all(cached))
                == summarise_mechanism(fresh, mechanism, grade_all(fresh)))
    wanted = StudyFilter(randomised=True, text="placebo")
    assert list(filter_studies(cached, wanted)) == list(filter_studies(fresh, wanted))
    claims = ClaimFilter(condition="chronic-pain")
    assert (list(filter_claims(cached, grade_all(cached), claims))
            == list(filter_claims(fresh, grade_all(fresh), claims)))


def test_a_large_corpus_read_in_parts_stays_pickled_and_is_cached_as_it_came(
        tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from painlit import grading, loader
    from painlit.grading import LazyGrades
    from painlit.pickled import PickledRecords

    sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
    from generate import write

    path = tmp_path / "generated.yaml"
    write(150, path)
    whole, _ = loader.check_corpus(path)
    monkeypatch.setattr(loader, "PARTS_FROM_BYTES", 0)
    monkeypatch.setattr(loader, "PART_BYTES", 8000)
    monkeypatch.setattr(grading, "GRADE_APART_FROM", 10)
    monkeypatch.setattr(grading, "GRADE_SLICE", 7)
    corpus, _ = loader.check_corpus(path)
    assert corpus is not None and whole is not None
    assert isinstance(corpus.studies, PickledRecords)
    assert isinstance(corpus.claims, PickledRecords)
    assert _decoded(corpus.studies) == _decoded(corpus.claims) == 0  # none decoded yet
    assert corpus.index == whole.index
    built = load_corpus_cached(path, directory=folder)
    graded = grade_all(built).grades
    assert isinstance(graded, LazyGrades)  # graded apart: only the levels came back
    assert not any(graded._made)  # no grade made until one is shown
    assert _decoded(built.studies) == _decoded(built.claims) == 0
    again = load_corpus_cached(path, directory=folder)
    assert again == built == corpus == whole
    assert dict(grade_all(again)) == dict(grade_all(corpus)) == dict(grade_all(whole))
    assert tuple(grade_all(again).levels) == tuple(grade_all(whole).levels)


def test_a_copy_with_other_studies_gets_its_own_index(corpus_file: Path) -> None:
    import dataclasses

    corpus = load_corpus(corpus_file)
    fewer = dataclasses.replace(corpus, studies=tuple(corpus.studies[:3]))
    assert fewer.index.study_ids == tuple(s.id for s in corpus.studies[:3])
    assert set(fewer.study_by_id) == {s.id for s in corpus.studies[:3]}


def test_a_folder_painlit_did_not_create_is_never_pruned(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """PAINLIT_CACHE_DIR pointing at the user's own folder: nothing of theirs is deleted, not
    even files named like painlit's entries."""
    from painlit import cache

    mine = tmp_path / "mine"
    mine.mkdir()
    theirs = [mine / f"model{i}.pickle" for i in range(12)]
    theirs += [mine / f"{i:040x}.pickle" for i in range(12)]
    for path in theirs:
        path.write_bytes(b"the user's own data")
    monkeypatch.setenv("PAINLIT_CACHE_DIR", str(mine))
    monkeypatch.delenv("PAINLIT_NO_CACHE", raising=False)
    for number in range(cache.KEEP + 3):  # more entries than are kept
        corpus = tmp_path / f"corpus{number}.yaml"
        corpus.write_bytes(REAL.read_bytes() + f"\n# edit {number}\n".encode())
        load_corpus_cached(corpus)
    assert all(path.exists() for path in theirs)
    assert not (mine / cache.TAG).exists()


def test_a_folder_painlit_created_keeps_only_its_newest_entries(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from painlit import cache

    made = tmp_path / "made" / "cache"
    monkeypatch.setenv("PAINLIT_CACHE_DIR", str(made))
    monkeypatch.delenv("PAINLIT_NO_CACHE", raising=False)
    load_corpus_cached(REAL)
    assert (made / cache.TAG).read_bytes() == cache.TAG_TEXT
    stranger = made / f"{'a' * 40}.pickle"  # named like an entry, not one
    stranger.write_bytes(b"not a painlit entry")
    for number in range(cache.KEEP + 3):
        corpus = tmp_path / f"corpus{number}.yaml"
        corpus.write_bytes(REAL.read_bytes() + f"\n# edit {number}\n".encode())
        load_corpus_cached(corpus)
    entries = [p for p in made.glob("*.pickle") if p != stranger]
    assert len(entries) == cache.KEEP
    assert stranger.exists()
