"""The index (painlit.index, painlit.indexing) gives exactly what reading the file whole gives:
built from scratch, and after every kind of edit to a file it has indexed before.

The corpora here are generated from the shipped one by benchmarks/generate.py (synthetic
records, marked as such); runs of records are made tiny so that small files have many.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import pytest

from painlit import index as index_module
from painlit import indexing, loader
from painlit import store as store_module
from painlit.dosing import dose_warnings
from painlit.errors import CorpusError
from painlit.facts import Where, facts_of
from painlit.grading import curation_warnings, grade_all
from painlit.model import Corpus
from painlit.paths import default_corpus_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import write

Outcome = tuple[object, ...]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> str:
    target = tmp_path_factory.mktemp("index") / "generated.yaml"
    write(150, target)
    return target.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def small_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of a few records, records read again from the file (as a large file's are), and
    index columns in chunks of a few values."""
    monkeypatch.setattr(indexing, "RUN_BYTES", 3000)
    monkeypatch.setattr(store_module, "COLUMN_CHUNK", 7)
    monkeypatch.setattr(indexing, "KEEP_BYTES", 0)
    monkeypatch.setattr(index_module, "RACY_SECONDS", 0)


def _outcome(corpus: Corpus | None, problems: Sequence[object]) -> Outcome:
    """Everything a command can see of a check, in comparable form."""
    shown = sorted(str(p) for p in problems)
    if corpus is None:
        return (None, shown)
    grades = grade_all(corpus)
    return (list(corpus.studies), list(corpus.claims),
            {name: list(getattr(corpus.index, name))
             for name in corpus.index.__dataclass_fields__},
            list(grades.levels), [grades.grades[i] for i in range(len(corpus.claims))],
            sorted(map(str, curation_warnings(corpus))), sorted(map(str, dose_warnings(corpus))),
            corpus.info, corpus.conditions, [s.line for s in corpus.studies],
            [c.line for c in corpus.claims], facts_of(corpus).studies(Where()),
            facts_of(corpus).claims(Where()),
            [facts_of(corpus).claims(Where().names("cites", [study_id]))
             for study_id in corpus.index.study_ids], shown)


def _whole(path: Path) -> Outcome:
    try:
        return _outcome(*loader.check_corpus(path))
    except CorpusError as error:
        return ("raised", sorted(str(p) for p in error.problems))


def _indexed(path: Path, folder: Path) -> Outcome:
    try:
        return _outcome(*index_module.check_indexed(path, directory=folder))
    except CorpusError as error:
        return ("raised", sorted(str(p) for p in error.problems))


def _same(path: Path, folder: Path) -> Outcome:
    whole = _whole(path)
    assert _indexed(path, folder) == whole
    return whole


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many records each check of the index parsed (-1: it read the file whole)."""
    counts: list[int] = []
    original_update = indexing.update
    original_read = loader.read_records

    def update(store: object, path: Path, shown: str) -> object:
        counts.append(0)
        result = original_update(store, path, shown)  # type: ignore[arg-type]
        if result is None:
            counts[-1] = -1
        return result

    def read_records(shown: str, part: object, *rest: object) -> object:
        counts[-1] += part.records  # type: ignore[attr-defined]
        return original_read(shown, part, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(indexing, "update", update)
    monkeypatch.setattr(loader, "read_records", read_records)
    return counts


def _replace_nth(text: str, old: str, new: str, n: int) -> str:
    at = -1
    for _ in range(n):
        at = text.index(old, at + 1)
    return text[:at] + new + text[at + len(old):]


def _indent_long_lists(text: str) -> str:
    """The same corpus with the records of `studies:` and `claims:` indented two spaces."""
    lines, inside = [], False
    for line in text.split("\n"):
        if line and not line.startswith((" ", "-", "#")):
            inside = line.startswith(("studies:", "claims:"))
        elif inside and line:
            line = "  " + line
        lines.append(line)
    return "\n".join(lines)


def _move_record(text: str) -> str:
    start = text.index("- id: bench-000010\n")
    end = text.index("- id: bench-000011\n")
    record = text[start:end]
    text = text[:start] + text[end:]
    at = text.index("- id: bench-000100\n")
    return text[:at] + record + text[at:]


EDITS: dict[str, Callable[[str], str]] = {
    "a number changed": lambda t: _replace_nth(t, "n: 5\n", "n: 6\n", 2),
    "a number changed to the same width": lambda t: _replace_nth(t, "year: 2025", "year: 2024",
                                                                  3),
    "a journal made longer": lambda t: _replace_nth(
        t, "  journal: Frontiers in Pain Research\n",
        "  journal: Frontiers in Pain Research and Medicine\n", 3),
    "a line added to a record": lambda t: _replace_nth(t, "  year: ", "  journal: X\n  year: ",
                                                       9),
    "an id changed, its citations broken": lambda t: t.replace("id: bench-000001\n",
                                                               "id: bench-000001-x\n", 1),
    "duplicate id": lambda t: t.replace("id: bench-000100", "id: bench-000003"),
    "duplicate doi": lambda t: t.replace(
        "doi: 10.5555/painlit-bench.120\n", "doi: 10.5555/painlit-bench.2\n"),
    "unknown study in a claim": lambda t: _replace_nth(
        t, "study: bench-000001", "study: bench-999999", 1),
    "unknown condition in a late study": lambda t: _replace_nth(
        t, "- fibromyalgia", "- fibromyalgiaa", 5),
    "wrong type": lambda t: t.replace("n: 5\n", "n: five\n", 1),
    "unknown key": lambda t: t.replace("  pain_model:", "  pain_modle:", 3),
    "syntax error in a record": lambda t: _replace_nth(t, "  title: ", "  title: [", 40),
    "tab indentation": lambda t: _replace_nth(t, "\n  year:", "\n\tyear:", 30),
    "alias across records": lambda t: t.replace("- id: bench-000001\n", "- id: bench-000001\n"
                                                "  unverified: &shared [a]\n", 1).replace(
        "- id: bench-000140\n", "- id: bench-000140\n  unverified: *shared\n", 1),
    "record that is not a mapping": lambda t: t.replace("- id: bench-000050\n",
                                                        "- just text\n- id: bench-000050\n"),
    "less indented line": lambda t: _replace_nth(t, "\n  year:", "\n year:", 20),
    "comment between records": lambda t: t.replace("- id: bench-000060\n",
                                                   "# a note\n\n- id: bench-000060\n"),
    "a record removed": lambda t: t.replace(
        t[t.index("- id: bench-000070\n"):t.index("- id: bench-000071\n")], ""),
    "a record moved": _move_record,
    "a record repeated word for word": lambda t: t.replace(
        t[t.index("- id: bench-000020\n"):t.index("- id: bench-000021\n")],
        t[t.index("- id: bench-000020\n"):t.index("- id: bench-000021\n")] * 2, 1),
    "a record added at the end of the studies": lambda t: t.replace(
        "\nclaims:", "\n" + t[t.index("- id: bench-000004\n"):t.index("- id: bench-000005\n")]
        .replace("bench-000004", "bench-new").replace("painlit-bench.4\n", "painlit-bench.x\n")
        .replace("'90000004'", "'99999999'") + "claims:", 1),
    "a condition renamed in the skeleton": lambda t: t.replace(
        "name: Fibromyalgia", "name: Fibromyalgia syndrome", 1),
    "the last search a year later": lambda t: t.replace("last_search: 2026-11-24",
                                                        "last_search: 2027-11-24"),
    "the last search years earlier": lambda t: t.replace("last_search: 2026-11-24",
                                                         "last_search: 2019-11-24"),
    "a condition removed that studies name": lambda t: _remove_condition(t),
    "studies written twice": lambda t: t + "studies:\n- id: extra\n",
    "no final newline": lambda t: t.rstrip("\n"),
    "document marker": lambda t: "---\n" + t,
    "windows line ends": lambda t: t.replace("\n", "\r\n"),
    "empty claims": lambda t: t[: t.index("\nclaims:")] + "\nclaims: []\n",
    "indented lists": lambda t: _indent_long_lists(t),
    "a list of no records": lambda t: t[: t.index("\nclaims:")] + "\nclaims:\n-claim\n",
    "a small section between the lists, with a problem": lambda t: _outcomes_moved(t, "claims"),
    "a small section after the lists, with a problem": lambda t: _outcomes_moved(t, "end"),
    "a control character in a journal": lambda t: _replace_nth(
        t, "  journal: Frontiers in Pain Research\n",
        '  journal: "Frontiers\\tin Pain Research"\n', 2),
}


def _outcomes_moved(text: str, before: str) -> str:
    """The small `outcomes` section moved in front of `before` (after the long lists when
    None), with a problem in it: its nodes must be on the file's lines, not the skeleton's."""
    start = text.index("\noutcomes:\n") + 1
    end = text.index("\nstudies:\n") + 1
    section = text[start:end].replace("  name: Sleep\n", "  name: Sleep\n  nmae: x\n", 1)
    text = text[:start] + text[end:]
    if before == "end":
        return text + section
    at = text.index(f"\n{before}:\n") + 1
    return text[:at] + section + text[at:]


def _remove_condition(text: str) -> str:
    start = text.index("- id: fibromyalgia\n")
    end = text.index("\n- id: ", start + 1) + 1
    return text[:start] + text[end:]


#: Layouts the index does not trust: the file is read whole instead (the same result).
READ_WHOLE = {"tab indentation", "alias across records", "less indented line",
              "studies written twice", "document marker", "windows line ends",
              "a list of no records", "syntax error in a record"}


def test_a_valid_corpus_reads_the_same_through_the_index(
        generated: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "corpus.yaml"
    path.write_text(generated, encoding="utf-8")
    reads = _reads(monkeypatch)
    outcome = _same(path, tmp_path / "index")
    assert isinstance(outcome[0], list) and len(outcome[0]) == 150
    assert isinstance(outcome[1], list)
    assert reads == [len(outcome[0]) + len(outcome[1])]  # every record read once
    assert _same(path, tmp_path / "index") == outcome
    assert len(reads) == 1  # unchanged: the index alone answers
    path.write_text(generated, encoding="utf-8")  # the same bytes written again
    assert _same(path, tmp_path / "index") == outcome
    assert reads[-1] == 0  # hashed again, and no record read: the index has them all
    lines = generated.splitlines()
    assert [lines[s.line - 1] for s in outcome[0]][:3] == [
        f"- id: bench-{n:06d}" for n in (1, 2, 3)]


@pytest.mark.parametrize("name", sorted(EDITS))
def test_every_edit_reads_the_same_through_the_index(
        name: str, generated: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each edit, checked against a whole reading: on an index of the file before it (the
    edit loop), back again, and on a new index."""
    path = tmp_path / "corpus.yaml"
    changed = EDITS[name](generated)
    assert changed != generated
    path.write_text(generated, encoding="utf-8")
    _same(path, tmp_path / "index")
    reads = _reads(monkeypatch)
    path.write_text(changed, encoding="utf-8", newline="")
    outcome = _same(path, tmp_path / "index")
    assert (reads[-1] == -1) is (name in READ_WHOLE)
    path.write_text(generated, encoding="utf-8")
    _same(path, tmp_path / "index")
    path.write_text(changed, encoding="utf-8", newline="")
    assert _same(path, tmp_path / "fresh") == outcome
    if name not in {"comment between records", "no final newline", "empty claims",
                    "indented lists", "windows line ends", "document marker",
                    "a number changed", "a number changed to the same width",
                    "a journal made longer", "a line added to a record", "a record removed",
                    "a record moved", "a record added at the end of the studies",
                    "a condition renamed in the skeleton", "the last search a year later"}:
        assert outcome[-1], name  # the edit is a problem, and was found


def test_an_edit_reads_only_the_record_edited(
        generated: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "corpus.yaml"
    path.write_text(generated, encoding="utf-8")
    _same(path, tmp_path / "index")
    reads = _reads(monkeypatch)
    for name in ("a number changed", "a journal made longer", "a line added to a record",
                 "a record moved"):
        path.write_text(EDITS[name](generated), encoding="utf-8")
        _same(path, tmp_path / "index")
        path.write_text(generated, encoding="utf-8")
        _same(path, tmp_path / "index")
    assert reads == [1, 1, 1, 1, 1, 1, 0, 0]  # a record moved is known by its bytes


def test_edits_one_after_another(generated: str, tmp_path: Path) -> None:
    path = tmp_path / "corpus.yaml"
    text = generated
    for name in ("a number changed", "a record moved", "duplicate id", "a record removed",
                 "unknown key", "a condition renamed in the skeleton", "wrong type",
                 "comment between records", "a line added to a record"):
        text = EDITS[name](text)
        path.write_text(text, encoding="utf-8")
        _same(path, tmp_path / "index")


@pytest.mark.parametrize(("name", "edit"), [
    ("byte-order mark", lambda data: b"\xef\xbb\xbf" + data),
    ("invalid UTF-8 in a record", lambda data: data.replace(b"n: 5\n", b"n: 5\xff\n", 1)),
    ("invalid UTF-8 in the skeleton", lambda data: data.replace(b"corpus:", b"corpus: #\xfe\n",
                                                                1)),
])
def test_bytes_that_are_not_plain_read_the_same(
        name: str, edit: Callable[[bytes], bytes], generated: str, tmp_path: Path) -> None:
    path = tmp_path / "corpus.yaml"
    path.write_text(generated, encoding="utf-8")
    _same(path, tmp_path / "index")
    path.write_bytes(edit(generated.encode("utf-8")))
    outcome = _same(path, tmp_path / "index")
    if name == "byte-order mark":
        assert isinstance(outcome[0], list)
    else:
        assert outcome[0] == "raised" and "not UTF-8 text" in outcome[1][0]  # type: ignore[index]


def test_the_shipped_corpus_reads_the_same(tmp_path: Path) -> None:
    assert isinstance(_same(default_corpus_path(), tmp_path / "index")[0], list)
    assert isinstance(_same(default_corpus_path(), tmp_path / "index")[0], list)


def test_problems_keep_their_lines(generated: str, tmp_path: Path) -> None:
    path = tmp_path / "corpus.yaml"
    path.write_text(generated, encoding="utf-8")
    _same(path, tmp_path / "index")
    path.write_text(generated.replace("n: 5\n", "n: five\n", 1), encoding="utf-8")
    _, problems = index_module.check_indexed(path, directory=tmp_path / "index")
    [problem] = [p for p in problems if p.field == "n"]
    assert generated.splitlines()[problem.line - 1].strip() == "n: 5"


def test_a_file_changed_while_its_records_are_read_is_read_whole(
        generated: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Records read again from the file are checked against the digests they were cut with:
    another program saving the file meanwhile (here: a claim, read after every study) means
    a whole reading, never a mixed index."""
    path = tmp_path / "corpus.yaml"
    path.write_text(generated, encoding="utf-8")
    original = loader.read_records
    edited = EDITS["unknown study in a claim"](generated)

    def save_meanwhile(*arguments: object) -> object:
        path.write_text(edited, encoding="utf-8")
        return original(*arguments)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "read_records", save_meanwhile)
    reads = _reads(monkeypatch)
    assert _indexed(path, tmp_path / "index") == _whole(path)
    assert reads == [-1]
    monkeypatch.setattr(loader, "read_records", original)
    assert _same(path, tmp_path / "index") == _whole(path)


def test_only_claims_whose_inputs_changed_are_graded_again(
        generated: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A study added, or a line added to a study, that no claim cites grades no claim again
    (the file's lines moved, and the skeleton with them before it left the lists' lines out);
    a cited study's sample size grades the claims citing it, and only those."""
    import painlit.grading

    graded: list[str] = []
    real = painlit.grading.grade_claim

    def counting(claim: Any, corpus: Corpus) -> Any:
        graded.append(claim.id)
        return real(claim, corpus)

    path = tmp_path / "corpus.yaml"
    path.write_text(generated, encoding="utf-8")
    _same(path, tmp_path / "index")
    monkeypatch.setattr(painlit.grading, "grade_claim", counting)
    path.write_text(EDITS["a record added at the end of the studies"](generated),
                    encoding="utf-8")
    index_module.check_indexed(path, directory=tmp_path / "index")
    assert graded == []
    uncited = next(f"bench-{n:06d}" for n in range(1, 151)
                   if f"study: bench-{n:06d}\n" not in generated)
    path.write_text(generated.replace(f"- id: {uncited}\n", f"- id: {uncited}\n# a note\n"),
                    encoding="utf-8")
    index_module.check_indexed(path, directory=tmp_path / "index")
    assert graded == []
    cited = generated.index("study: bench-000001")
    assert cited > 0
    start = generated.index("- id: bench-000001\n")
    record = generated[start:generated.index("- id: bench-000002\n")]
    assert "\n  n: " in record
    size = record.split("\n  n: ", 1)[1].split("\n", 1)[0]
    edited = record.replace(f"\n  n: {size}\n", f"\n  n: {int(size) + 1}\n", 1)
    path.write_text(generated.replace(record, edited, 1), encoding="utf-8")
    index_module.check_indexed(path, directory=tmp_path / "index")
    assert graded  # the claims citing it, and only those
    assert all("study: bench-000001\n" in generated[generated.index(f"- id: {claim}\n"):]
               for claim in graded)


def test_references_follow_study_ids_added_and_removed(generated: str, tmp_path: Path) -> None:
    """When only study ids change, the index rechecks the records read now, those that were
    missing an id and the claims citing an id now gone: each step as a whole reading says."""
    path = tmp_path / "corpus.yaml"
    start = generated.index("- id: bench-000001\n")
    end = generated.index("- id: bench-000002\n")
    cited = generated[start:end]
    assert "study: bench-000001\n" in generated
    without = generated[:start] + generated[end:]  # a cited study removed
    added = cited.replace("bench-000001", "bench-extra").replace(
        "painlit-bench.1\n", "painlit-bench.extra\n")
    steps = [generated, without, without.replace("\nclaims:", "\n" + added + "claims:", 1),
             without.replace("\nclaims:", "\n" + cited + "claims:", 1),  # back, elsewhere
             generated.replace("\nclaims:", "\n" + added + "claims:", 1), generated]
    outcomes = []
    for text in steps:
        path.write_text(text, encoding="utf-8")
        outcomes.append(_same(path, tmp_path / "index"))
    broken, mended = cast(list[str], outcomes[1][-1]), cast(list[str], outcomes[3][-1])
    assert any("bench-000001" in p for p in broken)  # the claim's reference broke
    assert not any("bench-000001" in p for p in mended)  # and was mended
