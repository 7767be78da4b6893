"""How well `painlit check` finds and matches claim sentences, over a set of real articles.

The set is tests/fixtures/articles/: real popular articles about psychedelics or microdosing
for pain, each saved as an excerpt with the address it was read at, and expected.yaml, written
by hand: for each article, its claim sentences (by a fragment of the sentence) and the corpus
claims each should match (an empty list: no corpus claim covers it). Prints, per article and
over the whole set:

- claim sentences: recall (expected claim sentences that `check` found) and precision
  (sentences `check` found that are expected claim sentences);
- matches: precision (matches `check` made that are expected, counting every match made on a
  sentence that is not an expected claim sentence as wrong) and recall.

    python benchmarks/check_accuracy.py [--data PATH] [--verbose]
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from painlit.grading import GradeTable
    from painlit.model import Corpus

ARTICLES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "articles"
CORPUS = Path(__file__).resolve().parents[1] / "data" / "studies.yaml"


@dataclass
class Tally:
    expected_sentences: int = 0
    found_sentences: int = 0
    sentences_hit: int = 0  # expected and found
    expected_matches: int = 0
    made_matches: int = 0
    matches_hit: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.expected_sentences += other.expected_sentences
        self.found_sentences += other.found_sentences
        self.sentences_hit += other.sentences_hit
        self.expected_matches += other.expected_matches
        self.made_matches += other.made_matches
        self.matches_hit += other.matches_hit
        self.misses += other.misses

    @staticmethod
    def _ratio(part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    @property
    def sentence_recall(self) -> float:
        return self._ratio(self.sentences_hit, self.expected_sentences)

    @property
    def sentence_precision(self) -> float:
        return self._ratio(self.sentences_hit, self.found_sentences)

    @property
    def match_precision(self) -> float:
        return self._ratio(self.matches_hit, self.made_matches)

    @property
    def match_recall(self) -> float:
        return self._ratio(self.matches_hit, self.expected_matches)


def body(path: Path) -> bytes:
    """The article's text without the header lines (`# source: ...`) that say where it was
    read."""
    lines = path.read_bytes().splitlines(keepends=True)
    while lines and (lines[0].startswith(b"# ") or lines[0].startswith(b"#   ")):
        lines.pop(0)
    return b"".join(lines)


def score_article(entry: dict[str, Any], corpus: Corpus, grades: GradeTable) -> Tally:
    from painlit.article import ArticleKind, read_article
    from painlit.factcheck import check_article

    name = str(entry["file"])
    result = check_article(read_article(body(ARTICLES / name), name=name, kind=ArticleKind.TEXT),
                           corpus, grades)
    tally = Tally()
    expected = entry.get("claims") or []
    assert isinstance(expected, list)
    claimed: set[int] = set()
    for item in expected:
        fragment = str(item["sentence"])
        wanted = set(item.get("matches") or [])
        holding = [f for f in result.findings if fragment in f.sentence.text]
        sentence = [s for s in result.article.sentences if fragment in s.text]
        if not sentence:
            raise SystemExit(f"{name}: no sentence contains {fragment!r}")
        tally.expected_sentences += 1
        tally.expected_matches += len(wanted)
        if not holding:
            tally.misses.append(f"{name}: claim sentence not found: {fragment!r}")
            continue
        finding = holding[0]
        claimed.add(finding.sentence.index)
        tally.sentences_hit += 1
        made = {match.claim for match in finding.matches}
        tally.matches_hit += len(made & wanted)
        for extra in sorted(made - wanted):
            tally.misses.append(f"{name}: {fragment!r}: unexpected match {extra}")
        for missing in sorted(wanted - made):
            tally.misses.append(f"{name}: {fragment!r}: missed match {missing}")
    tally.found_sentences = len(result.findings)
    tally.made_matches = sum(len(f.matches) for f in result.findings)
    # Matches made on sentences that are not expected claim sentences are all wrong.
    for finding in result.findings:
        if finding.sentence.index not in claimed:
            tally.misses.append(f"{name}: not a claim sentence: {finding.sentence.text!r}")
    return tally


def evaluate(data: Path = CORPUS) -> tuple[Tally, dict[str, Tally]]:
    from painlit.grading import grade_all
    from painlit.loader import load_corpus

    corpus = load_corpus(data)
    grades = grade_all(corpus)
    expected = yaml.safe_load((ARTICLES / "expected.yaml").read_text(encoding="utf-8"))
    total = Tally()
    per_article: dict[str, Tally] = {}
    for entry in expected["articles"]:
        tally = score_article(entry, corpus, grades)
        per_article[str(entry["file"])] = tally
        total.add(tally)
    return total, per_article


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=CORPUS)
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    options = parser.parse_args()
    total, per_article = evaluate(options.data)
    width = max(len(name) for name in per_article)
    print(f"{'article':<{width}}  claim sentences  sentence R  sentence P  match P  match R")
    for name, tally in [*per_article.items(), ("TOTAL", total)]:
        print(f"{name:<{width}}  {tally.expected_sentences:15d}  {tally.sentence_recall:10.2f}"
              f"  {tally.sentence_precision:10.2f}  {tally.match_precision:7.2f}"
              f"  {tally.match_recall:7.2f}")
    print(f"{len(per_article)} articles, {total.expected_sentences} expected claim sentences, "
          f"{total.expected_matches} expected matches; targets: sentence recall >= 0.9, "
          "match precision >= 0.9")
    if options.verbose:
        for miss in total.misses:
            print("  " + miss)


if __name__ == "__main__":
    main()
