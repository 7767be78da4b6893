"""The dose category implied by a reported amount, so the two cannot silently disagree.

Thresholds are the ones in docs/curation.md. Only unambiguous cases are judged: one substance
among LSD, psilocybin and psilocybin mushrooms, in people, with amounts written with a unit.
Everything else returns None (not judged), never a guess.
"""

from __future__ import annotations

import re

from painlit.errors import Problem, Severity
from painlit.model import Corpus, DoseCategory, Study

_NUMBER = r"\d+(?:\.\d+)?"
#: A list of amounts sharing one unit ("10, 20 or 25 µg"). Every text matches it in at most one
#: way, so a text it does not match is given up on quickly: the list is bounded, a match starts
#: only at the start of a number (not at each of its digits), and spaces before a separator
#: belong to one place only (`\s*(?:mg)?\s*,` could split "1   , 2" in many ways, and
#: "1 - 1 - 1 ..." took minutes). A long run of digits or of numbers costs linear time.
_AMOUNTS = re.compile(
    rf"(?<![\d.])((?:{_NUMBER}(?:\s*(?:µg|mcg|ug|mg|g))?\s*(?:,|and|or|then|to|-|–)\s*){{0,16}}"
    rf"{_NUMBER})\s*(µg|mcg|ug|mg/kg|mg|g)(?![a-z])",
    re.IGNORECASE,
)

_COMPARATOR = re.compile(r"\bversus\b|\bvs\.?\s|;\s*placebo", re.IGNORECASE)
_OPEN_ENDED = re.compile(r"\bup to\b", re.IGNORECASE)


def _category(amount: float, unit: str, substance: str) -> DoseCategory:
    unit = unit.lower()
    if substance == "lsd":  # micrograms
        micrograms = amount * 1000 if unit == "mg" else amount
        if micrograms <= 20:
            return DoseCategory.MICRO
        return DoseCategory.LOW if micrograms < 100 else DoseCategory.FULL
    if substance == "psilocybin-mushrooms":  # grams of dried mushroom
        grams = amount / 1000 if unit == "mg" else amount
        if grams <= 0.5:
            return DoseCategory.MICRO
        return DoseCategory.LOW if grams < 2 else DoseCategory.FULL
    if unit == "mg/kg":  # psilocybin by body weight
        if amount < 0.05:
            return DoseCategory.MICRO
        return DoseCategory.LOW if amount < 0.2 else DoseCategory.FULL
    milligrams = amount / 1000 if unit in ("µg", "mcg", "ug") else (
        amount * 1000 if unit == "g" else amount)
    if milligrams < 5:
        return DoseCategory.MICRO
    return DoseCategory.LOW if milligrams < 15 else DoseCategory.FULL


def implied_category(study: Study) -> DoseCategory | None:
    """The category the reported amounts imply, or None when they cannot be judged."""
    reported = study.dose.reported
    if (reported is None or len(study.substances) != 1 or not study.population.is_human
            or study.substances[0] not in ("lsd", "psilocybin", "psilocybin-mushrooms")):
        return None
    if _OPEN_ENDED.search(reported):
        return None  # "up to 25 mg" does not say which doses were given
    substance = study.substances[0]
    active = _COMPARATOR.split(reported)[0]  # amounts after "versus" are the comparator's
    categories = set()
    for numbers, unit in _AMOUNTS.findall(active):
        for value in re.findall(_NUMBER, numbers):
            if float(value) > 0:
                categories.add(_category(float(value), unit, substance))
    if not categories:
        return None
    return categories.pop() if len(categories) == 1 else DoseCategory.MIXED


def dose_warnings(corpus: Corpus) -> list[Problem]:
    """Warnings where a study's dose category disagrees with its reported amount. (The index
    keeps each study's with the study: painlit.index.)"""
    stored = corpus.memo.get("dose_warnings")
    if isinstance(stored, list):
        return stored
    return [warning for study in corpus.studies for warning in study_dose_warnings(
        study, corpus.path)]


def study_dose_warnings(study: Study, path: str) -> list[Problem]:
    """`dose_warnings` of one study."""
    implied = implied_category(study)
    if study.dose.category is DoseCategory.MICRO and not study.population.is_human:
        return [Problem(path, study.line, 1, study.id, "dose.category",
                        "animal doses are never 'micro'", "use low, full or none",
                        Severity.WARNING)]
    if implied is not None and implied is not study.dose.category:
        return [Problem(
            path, study.line, 1, study.id, "dose.category",
            f"category '{study.dose.category.value}' disagrees with the reported amount, "
            f"which implies '{implied.value}'", "see the dose categories in docs/curation.md",
            Severity.WARNING)]
    return []
