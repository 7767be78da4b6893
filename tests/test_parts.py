"""Reading a large corpus in parts gives exactly what reading it whole gives.

The corpora here are generated from the shipped one by benchmarks/generate.py (synthetic
records, marked as such); parts are made tiny so that small files are cut into many.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from painlit import loader
from painlit.errors import CorpusError, Problem
from painlit.model import Corpus
from painlit.parts import split
from painlit.paths import default_corpus_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import write

Checked = tuple[Corpus | None, list[str]] | tuple[str, list[str]]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> str:
    target = tmp_path_factory.mktemp("parts") / "generated.yaml"
    write(150, target)
    return target.read_text(encoding="utf-8")


def _check(path: Path, *, in_parts: bool, monkeypatch: pytest.MonkeyPatch) -> Checked:
    monkeypatch.setattr(loader, "PARTS_FROM_BYTES", 0 if in_parts else 10**12)
    monkeypatch.setattr(loader, "PART_BYTES", 3000)
    try:
        corpus, problems = loader.check_corpus(path)
    except CorpusError as error:
        return "raised", [str(p) for p in error.problems]
    return corpus, sorted(str(p) for p in problems)


def _same_both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> Checked:
    whole = _check(path, in_parts=False, monkeypatch=monkeypatch)
    apart = _check(path, in_parts=True, monkeypatch=monkeypatch)
    assert apart == whole
    return whole


def _spy_on_parts(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records whether each reading in parts was used or fell back to a whole reading."""
    used: list[bool] = []
    original = loader._check_split

    def spy(cut: object, raw: bytes, shown: str) -> object:
        result = original(cut, raw, shown)  # type: ignore[arg-type]
        used.append(result is not None)
        return result

    monkeypatch.setattr(loader, "_check_split", spy)
    return used


def test_a_valid_corpus_reads_the_same_in_parts(
        generated: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "corpus.yaml"
    path.write_text(generated, encoding="utf-8")
    used = _spy_on_parts(monkeypatch)
    corpus, _ = _same_both_ways(path, monkeypatch)
    assert isinstance(corpus, Corpus) and len(corpus.studies) == 150
    assert used == [True]  # really read in parts, not a fallback
    assert [s.line for s in corpus.studies][:3] == [
        generated.splitlines().index(f"- id: bench-{n:06d}") + 1 for n in (1, 2, 3)]


def _replace_nth(text: str, old: str, new: str, n: int) -> str:
    at = -1
    for _ in range(n):
        at = text.index(old, at + 1)
    return text[:at] + new + text[at + len(old):]


EDITS: dict[str, Callable[[str], str]] = {
    "duplicate id in another part": lambda t: t.replace("id: bench-000100", "id: bench-000003"),
    "duplicate doi in another part": lambda t: t.replace(
        "doi: 10.5555/painlit-bench.120\n", "doi: 10.5555/painlit-bench.2\n"),
    "unknown study in a claim": lambda t: _replace_nth(
        t, "study: bench-000001", "study: bench-999999", 1),
    "unknown condition in a late study": lambda t: _replace_nth(
        t, "- fibromyalgia", "- fibromyalgiaa", 5),
    "wrong type deep in a part": lambda t: t.replace("n: 5\n", "n: five\n", 1),
    "unknown key": lambda t: t.replace("  pain_model:", "  pain_modle:", 3),
    "syntax error in a part": lambda t: _replace_nth(t, "  title: ", "  title: [", 40),
    "tab indentation": lambda t: _replace_nth(t, "\n  year:", "\n\tyear:", 30),
    "alias across parts": lambda t: t.replace("- id: bench-000001\n", "- id: bench-000001\n"
                                              "  unverified: &shared [a]\n", 1).replace(
        "- id: bench-000140\n", "- id: bench-000140\n  unverified: *shared\n", 1),
    "record that is not a mapping": lambda t: t.replace("- id: bench-000050\n",
                                                        "- just text\n- id: bench-000050\n"),
    "less indented line": lambda t: _replace_nth(t, "\n  year:", "\n year:", 20),
    "comment between records": lambda t: t.replace("- id: bench-000060\n",
                                                   "# a note\n\n- id: bench-000060\n"),
    "studies written twice": lambda t: t + "studies:\n- id: extra\n",
    "no final newline": lambda t: t.rstrip("\n"),
    "document marker": lambda t: "---\n" + t,
    "windows line ends": lambda t: t.replace("\n", "\r\n"),
    "empty claims": lambda t: t[: t.index("\nclaims:")] + "\nclaims: []\n",
    "indented lists": lambda t: _indent_long_lists(t),
    "a list of no records": lambda t: t[: t.index("\nclaims:")] + "\nclaims:\n-claim\n",
}


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


#: Layouts the cut does not trust: the file is read whole instead (the same result, slower).
READ_WHOLE = {"syntax error in a part", "tab indentation", "alias across parts",
              "less indented line", "studies written twice", "document marker",
              "windows line ends", "a list of no records"}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_every_problem_is_found_and_placed_alike(
        name: str, generated: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "corpus.yaml"
    changed = EDITS[name](generated)
    assert changed != generated
    path.write_text(changed, encoding="utf-8", newline="")
    used = _spy_on_parts(monkeypatch)
    _, problems = _same_both_ways(path, monkeypatch)
    assert problems or name in {"comment between records", "no final newline", "empty claims",
                                "indented lists", "windows line ends", "document marker"}
    in_parts = any(used)
    assert in_parts is (name not in READ_WHOLE)


def test_the_shipped_corpus_reads_the_same_in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    used = _spy_on_parts(monkeypatch)
    corpus, _ = _same_both_ways(default_corpus_path(), monkeypatch)
    assert corpus is not None and used == [True]


def test_split_keeps_every_line_in_place(generated: str) -> None:
    data = generated.encode("utf-8")
    cut = split(data, 10)
    assert cut is not None
    assert cut.skeleton.count(b"\n") == generated.count("\n")
    lines = generated.split("\n")
    for part in cut.parts:
        assert part.text(data).split("\n")[0] == lines[part.first_line]
        assert part.text(data).count("\n- id: ") + 1 == part.records
    studies = [p for p in cut.parts if p.section == "studies"]
    assert sum(p.records for p in studies) == 150
    assert [p.first_index for p in studies] == [
        sum(p.records for p in studies[:i]) for i in range(len(studies))]
    # Ten parts in all, shared between the lists by size, as near the same size as whole
    # records allow (each cut is moved forward to the next record).
    assert len(cut.parts) == 10 and 6 <= len(studies) <= 9
    longest = max(len(record) for record in generated.split("\n- id: "))
    sizes = [p.end - p.start for p in studies]
    assert max(sizes) - min(sizes) <= 2 * longest


@pytest.mark.parametrize(("sizes", "parts", "shares"), [
    ([100, 10], 2, [1, 1]), ([100, 10], 11, [10, 1]), ([50, 50], 3, [2, 1]),
    ([1000, 1], 4, [3, 1]), ([100, 100], 1, [1, 1]), ([7], 5, [5])])
def test_parts_are_shared_by_size(sizes: list[int], parts: int, shares: list[int]) -> None:
    from painlit.parts import _shares

    assert _shares(sizes, parts) == shares


@pytest.mark.parametrize("workers", [1, 2, 3, 4])
def test_parts_come_in_a_multiple_of_the_workers(workers: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from painlit import parallel

    monkeypatch.setattr(parallel, "worker_count", lambda: workers)
    for size in (4_000_000, 10_000_000, 21_000_000, 210_000_000):
        parts = loader.part_count(size)
        assert parts % workers == 0 and parts * loader.PART_BYTES >= size
        assert (parts - workers) * loader.PART_BYTES < size


def test_problems_keep_their_lines(generated: str, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "corpus.yaml"
    path.write_text(generated.replace("n: 5\n", "n: five\n", 1), encoding="utf-8")
    monkeypatch.setattr(loader, "PARTS_FROM_BYTES", 0)
    monkeypatch.setattr(loader, "PART_BYTES", 3000)
    _, problems = loader.check_corpus(path)
    [problem] = [p for p in problems if p.field == "n"]
    assert isinstance(problem, Problem)
    assert generated.splitlines()[problem.line - 1].strip() == "n: 5"


@pytest.mark.parametrize(("name", "edit"), [
    ("byte-order mark", lambda data: b"\xef\xbb\xbf" + data),
    ("invalid UTF-8 in a part", lambda data: data.replace(b"n: 5\n", b"n: 5\xff\n", 1)),
    ("invalid UTF-8 in the skeleton", lambda data: data.replace(b"corpus:", b"corpus: #\xfe\n",
                                                                1)),
])
def test_bytes_that_are_not_plain_read_the_same_in_parts(
        name: str, edit: Callable[[bytes], bytes], generated: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "corpus.yaml"
    changed = edit(generated.encode("utf-8"))
    assert changed != generated.encode("utf-8")
    path.write_bytes(changed)
    used = _spy_on_parts(monkeypatch)
    result, problems = _same_both_ways(path, monkeypatch)
    if name == "byte-order mark":
        assert isinstance(result, Corpus) and used == [True]
    else:
        assert result == "raised" and "not UTF-8 text" in problems[0]


def test_claims_parts_are_read_first(generated: str, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of claims take longest for their size, so the workers start on them; each
    section's parts stay in order, and the corpus is the same as read whole."""
    from painlit import parallel

    path = tmp_path / "corpus.yaml"
    path.write_text(generated, encoding="utf-8")
    given: list[tuple[str, int]] = []
    original = parallel.fork_map

    def spy(function: Callable[[object], object], jobs: list[tuple[str, object, int]],
            shared: object) -> object:
        given.extend((job[1].section, job[1].first_index) for job in jobs)  # type: ignore[attr-defined]
        return original(function, jobs, shared)

    monkeypatch.setattr(parallel, "fork_map", spy)
    whole = _check(path, in_parts=False, monkeypatch=monkeypatch)
    assert given == []
    apart = _check(path, in_parts=True, monkeypatch=monkeypatch)
    assert apart == whole
    sections = [section for section, _ in given]
    assert "studies" in sections and sections == sorted(sections)  # "claims" < "studies"
    for name in ("claims", "studies"):
        starts = [first for section, first in given if section == name]
        assert starts == sorted(starts) and starts[0] == 0
