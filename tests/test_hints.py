"""'Did you mean' hints (painlit.errors.Closest): the same as difflib's among few choices, and
still found, quickly, among 100,000 (synthetic ids, like benchmarks/generate.py's)."""

from __future__ import annotations

import difflib

import pytest

from painlit.errors import Closest, closest

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
