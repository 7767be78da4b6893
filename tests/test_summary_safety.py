"""Safety by condition: a condition's summary shows the safety claims about no condition in
particular and those about it, its sub-conditions or its parents, never another condition's.

The claim added here is synthetic (an obviously made-up id and statement on top of the shipped
corpus); it only exercises the selection.
"""

from __future__ import annotations

from pathlib import Path

from painlit.grading import grade_all
from painlit.loader import load_corpus
from painlit.query import resolve_condition
from painlit.summary import summarise_condition

REAL = Path(__file__).resolve().parents[1] / "data" / "studies.yaml"
EXTRA = """
  - id: synthetic-headache-medicine-interaction
    statement: "Synthetic test claim: a headache medicine interacts with psychedelics."
    intervention: psychedelics with a synthetic headache medicine
    effect: interact
    outcome: synthetic outcome
    topic: safety
    conditions: [migraine]
    evidence:
      - {study: sarparast-2022, stance: context, note: "synthetic link for the test"}
"""


def _safety_ids(path: Path, condition: str) -> list[str]:
    corpus = load_corpus(path)
    summary = summarise_condition(corpus, resolve_condition(corpus, condition),
                                  grade_all(corpus))
    return [item.claim.id for item in summary.safety]


def test_a_conditions_safety_claims_are_its_own_and_the_general_ones(tmp_path: Path) -> None:
    path = tmp_path / "corpus.yaml"
    path.write_text(REAL.read_text(encoding="utf-8").rstrip("\n") + "\n" + EXTRA,
                    encoding="utf-8")
    corpus = load_corpus(REAL)
    general = [c.id for c in corpus.claims
               if c.topic.value in ("safety", "good-practice") and not c.conditions]
    assert general and set(general) <= set(_safety_ids(REAL, "fibromyalgia"))
    assert "synthetic-headache-medicine-interaction" in _safety_ids(path, "migraine")
    assert "synthetic-headache-medicine-interaction" in _safety_ids(path, "headache")  # parent
    assert "synthetic-headache-medicine-interaction" not in _safety_ids(path, "fibromyalgia")
    assert set(general) <= set(_safety_ids(path, "migraine"))


def test_the_shipped_conditions_show_the_interactions_of_their_usual_medicines() -> None:
    """Fibromyalgia (duloxetine, milnacipran, amitriptyline) and migraine (amitriptyline)."""
    fibromyalgia = _safety_ids(REAL, "fibromyalgia")
    assert {"ssri-snri-weaken-psychedelic-effects", "tricyclics-intensify-lsd-effects",
            "serotonergic-antidepressants-psychedelics-serotonin-toxicity"} <= set(fibromyalgia)
    migraine = _safety_ids(REAL, "migraine")
    assert "tricyclics-intensify-lsd-effects" in migraine
    assert "ssri-snri-weaken-psychedelic-effects" not in migraine


def test_the_readme_counts_the_shipped_corpus() -> None:
    import re

    corpus = load_corpus(REAL)
    registrations = sum(s.design.value == "trial-registration" for s in corpus.studies)
    readme = (REAL.parents[1] / "README.md").read_text(encoding="utf-8")
    found = re.search(r"The corpus holds (\d+) verified records \((\d+) publications and (\d+) "
                      r"trial registrations\) and (\d+)\s+claims", readme)
    assert found, "README must count the corpus"
    assert tuple(int(n) for n in found.groups()) == (
        len(corpus.studies), len(corpus.studies) - registrations, registrations,
        len(corpus.claims))
