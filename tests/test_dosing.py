"""The dose category a reported amount implies (docs/curation.md, "Dose categories")."""

from __future__ import annotations

import pytest

from painlit.dosing import dose_warnings, implied_category
from painlit.loader import load_corpus
from painlit.model import (
    Dose,
    DoseCategory,
    Population,
    PublicationStatus,
    Study,
    StudyDesign,
)
from painlit.paths import default_corpus_path

MICRO, LOW, FULL, MIXED = (DoseCategory.MICRO, DoseCategory.LOW, DoseCategory.FULL,
                           DoseCategory.MIXED)


def _study(substance: str, reported: str | None,
           population: Population = Population.HEALTHY_VOLUNTEERS) -> Study:
    """A synthetic study holding only what the dose check reads."""
    return Study(id="synthetic-2000", title="Synthetic dose fixture", year=2000,
                 design=StudyDesign.RANDOMISED_PARALLEL, population=population,
                 dose=Dose(DoseCategory.MICRO, reported), status=PublicationStatus.PUBLISHED,
                 substances=(substance,))


@pytest.mark.parametrize(("substance", "reported", "expected"), [
    ("lsd", "10 µg LSD", MICRO),
    ("lsd", "20 mcg", MICRO),
    ("lsd", "26 µg", LOW),
    ("lsd", "0.1 mg", FULL),
    ("lsd", "5, 10 or 20 µg", MICRO),
    ("lsd", "13 µg then 100 µg", MIXED),
    ("psilocybin-mushrooms", "0.5 g dried mushroom", MICRO),
    ("psilocybin-mushrooms", "1 g", LOW),
    ("psilocybin-mushrooms", "3.5 g", FULL),
    ("psilocybin-mushrooms", "300 mg", MICRO),
    ("psilocybin", "1 mg", MICRO),
    ("psilocybin", "10 mg", LOW),
    ("psilocybin", "25 mg", FULL),
    ("psilocybin", "0.36 mg/kg", FULL),
    ("psilocybin", "0.01 mg/kg", MICRO),
    ("psilocybin", "0.025 g", FULL),  # grams are grams: 25 mg, not 0.025 mg
    ("psilocybin", "500 µg", MICRO),
    ("psilocybin", "10 mg versus 25 mg diphenhydramine", LOW),  # the comparator is not counted
])
def test_category_by_amount(substance: str, reported: str, expected: DoseCategory) -> None:
    assert implied_category(_study(substance, reported)) is expected


@pytest.mark.parametrize(("substance", "reported", "population"), [
    ("psilocybin", None, Population.HEALTHY_VOLUNTEERS),
    ("psilocybin", "as much as they liked", Population.HEALTHY_VOLUNTEERS),
    ("psilocybin", "up to 25 mg", Population.HEALTHY_VOLUNTEERS),
    ("psilocybin", "1 mg/kg", Population.ANIMALS),  # animal doses are not on the human scale
    ("mescaline", "200 mg", Population.HEALTHY_VOLUNTEERS),  # no scale for it
])
def test_amounts_that_cannot_be_judged(substance: str, reported: str | None,
                                       population: Population) -> None:
    assert implied_category(_study(substance, reported, population)) is None


@pytest.mark.parametrize("reported", [
    "1-" * 20_000 + "x",
    "1" * 40_000,  # each digit used to start a new try over the rest of the run
    "1 - " * 10_000,  # spaces before a separator used to split in 2**16 ways: minutes
    "1 , " * 10_000,
    "1 to " * 8_000,
    "1   or   " * 4_000,
])
def test_a_long_run_of_numbers_takes_linear_time(reported: str) -> None:
    import time

    started = time.monotonic()
    implied_category(_study("lsd", reported))
    assert time.monotonic() - started < 2.0  # linear: well under 1 s; the old pattern: minutes


def test_spaced_lists_of_amounts_are_still_read() -> None:
    assert implied_category(_study("lsd", "5 ,  10  or 20 µg")) is MICRO
    assert implied_category(_study("lsd", "10 µg - 150 µg")) is MIXED
    assert implied_category(_study("psilocybin", "1 mg - 2 mg, then 25 mg")) is MIXED


def test_the_shipped_corpus_has_no_dose_warnings() -> None:
    assert [str(w) for w in dose_warnings(load_corpus(default_corpus_path()))] == []
