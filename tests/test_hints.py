"""'Did you mean' hints (painlit.errors.Closest): the same as difflib's among few choices, and
still found, quickly, among 100,000 (synthetic ids, like benchmarks/generate.py's)."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from painlit.errors import Closest, UnknownNameError, closest
from painlit.loader import load_corpus
from painlit.paths import default_corpus_path

FEW = ["fibromyalgia", "migraine", "cluster-headache", "Chronic-Pain", "phantom-limb-pain"]
MANY = [f"bench-{n:06d}" for n in range(100_000)]


@pytest.mark.parametrize("word", ["fibromyalgi", "MIGRANE", "cluster headache", "pain", "x"])
def test_few_choices_are_all_compared(word: str) -> None:
    lowered = {choice.lower(): choice for choice in FEW}
    expected = [lowered[found] for found in difflib.get_close_matches(
        word.lower(), list(lowered), n=3, cutoff=0.6)]
    assert closest(word, FEW) == expected


@pytest.mark.parametrize("word", [
    "bench-019619x",  # a character added at the end
    "bench-01961",    # one dropped at the end
    "xbench-019619",  # one added at the start: near it read backwards
    "bnch-019619",    # one dropped near the start
    "BENCH-019619 ",
])
def test_many_choices_give_what_comparing_all_gives(word: str) -> None:
    """Among 20,000 ids only the near ones are compared, and the best hint is the same."""
    choices = MANY[:20_000]
    assert Closest(choices)(word, n=1) == difflib.get_close_matches(
        word.lower(), choices, n=1, cutoff=0.6)


def test_many_choices_compare_only_the_near_ones() -> None:
    hints = Closest(MANY)
    assert len(hints._near("bench-050000")) <= 4 * Closest.NEAR
    assert hints("nothing-like-it") == []


def test_a_study_or_claim_name_that_is_no_id_decodes_no_record(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`painlit study NAME` and `painlit claim NAME`: the ids come from the index, so a typo
    decodes no record (at 100,000 studies, decoding them all for the hint took 20 s); the
    hints and the case- and dash-insensitive match are those of the other kinds' names."""
    from painlit import store
    from painlit.index import load_corpus_indexed
    from painlit.query import _resolve, resolve_claim, resolve_study

    folder = tmp_path / "index"
    load_corpus_indexed(default_corpus_path(), directory=folder)
    corpus = load_corpus_indexed(default_corpus_path(), directory=folder)
    whole = load_corpus(default_corpus_path())
    study, claim = whole.studies[3], whole.claims[3]

    def no_decoding(*_: object) -> str:
        raise AssertionError("a record was decoded")

    for resolve, kind, records, record in ((resolve_study, "study", whole.studies, study),
                                           (resolve_claim, "claim", whole.claims, claim)):
        for word in (record.id[:-1], record.id + "x", record.id[2:], "zzzz-nothing-alike"):
            with monkeypatch.context() as patched:
                patched.setattr(store.Store, "body", no_decoding)
                with pytest.raises(UnknownNameError) as ours:
                    resolve(corpus, word)
            with pytest.raises(UnknownNameError) as plain:
                _resolve(kind, word, records)
            assert ours.value.suggestions == plain.value.suggestions, word
        assert resolve(corpus, record.id.upper().replace("-", "_")).id == record.id
