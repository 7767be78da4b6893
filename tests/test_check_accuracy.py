"""`painlit check` over the real article set keeps its measured accuracy.

The figures come from benchmarks/check_accuracy.py (which prints them); this test holds them to
the targets, so a change to the matcher that loses claim sentences or makes wrong matches fails.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from check_accuracy import ARTICLES, evaluate

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_article_of_the_set_is_a_real_page_excerpt() -> None:
    listed = yaml.safe_load((ARTICLES / "expected.yaml").read_text(encoding="utf-8"))
    files = {entry["file"] for entry in listed["articles"]}
    assert files == {path.name for path in ARTICLES.glob("*.txt")}
    assert len(files) >= 5  # the source article and at least four others
    for name in files - {"source-article.txt"}:
        head = (ARTICLES / name).read_text(encoding="utf-8").splitlines()[:6]
        assert head[0].startswith("# source: http"), name


def test_claim_sentence_recall_and_match_precision_meet_the_targets() -> None:
    total, per_article = evaluate()
    assert total.sentence_recall >= 0.9, total.misses
    assert total.match_precision >= 0.9, total.misses
    for name, tally in per_article.items():
        assert tally.expected_sentences > 0, name


def test_the_readme_states_the_measured_figures() -> None:
    total, per_article = evaluate()
    text = README.read_text(encoding="utf-8")
    stated = re.search(r"over (\d+) real articles \((\d+) claim sentences\): claim-sentence "
                       r"recall ([\d.]+), precision ([\d.]+); match precision ([\d.]+), "
                       r"recall (\d\.\d+)", text)
    assert stated, "README must state the accuracy figures"
    assert int(stated.group(1)) == len(per_article)
    assert int(stated.group(2)) == total.expected_sentences
    assert float(stated.group(3)) == round(total.sentence_recall, 2)
    assert float(stated.group(4)) == round(total.sentence_precision, 2)
    assert float(stated.group(5)) == round(total.match_precision, 2)
    assert float(stated.group(6)) == round(total.match_recall, 2)
