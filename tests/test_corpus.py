"""Invariants of the shipped corpus: what a reviewer would check on every change."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from painlit import default_corpus_path, grade_all, load_corpus
from painlit.dosing import dose_warnings
from painlit.grading import curation_warnings
from painlit.loader import check_corpus
from painlit.model import ClaimTopic, Corpus, StudyDesign

ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "source-article.txt"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus(default_corpus_path())


def test_the_shipped_corpus_has_no_problems_at_all() -> None:
    corpus, problems = check_corpus(default_corpus_path())
    assert corpus is not None
    assert problems == []
    assert curation_warnings(corpus) == []
    assert dose_warnings(corpus) == []


def test_every_study_is_traceable_and_says_where_it_was_verified(corpus: Corpus) -> None:
    for study in corpus.studies:
        assert study.doi or study.pmid or study.registry, study.id
        assert study.url and study.url.startswith(("https://", "http://")), study.id


def test_no_two_studies_share_an_identifier(corpus: Corpus) -> None:
    for key in ("doi", "pmid"):
        values = [getattr(s, key).lower() for s in corpus.studies if getattr(s, key)]
        assert [v for v, n in Counter(values).items() if n > 1] == [], key
    registrations = [s.registry for s in corpus.studies
                     if s.design is StudyDesign.TRIAL_REGISTRATION]
    assert len(registrations) == len(set(registrations))


def test_coverage_is_at_least_fifty_publications_and_the_named_conditions(corpus: Corpus) -> None:
    publications = [s for s in corpus.studies if s.design is not StudyDesign.TRIAL_REGISTRATION]
    assert len(publications) >= 50
    named = {"neuropathic-pain", "diabetic-neuropathy", "trigeminal-neuralgia", "migraine",
             "cluster-headache", "fibromyalgia", "chronic-pain"}
    assert named <= set(corpus.condition_by_id)
    assert any(c.topic is ClaimTopic.SAFETY for c in corpus.claims)


def test_every_claim_of_the_source_article_is_in_the_corpus(corpus: Corpus) -> None:
    quoted = [c.quote for c in corpus.claims if "source-article" in c.sources]
    for claim in corpus.claims:
        if "source-article" in claim.sources:
            assert claim.quote, f"{claim.id} has no quote from the article"
    article = ARTICLE.read_text(encoding="utf-8") if ARTICLE.is_file() else None
    # The article's own sentences, checked word for word when the article is beside the repo.
    if article is not None:
        flat = " ".join(article.split())
        for quote in quoted:
            assert quote is not None
            assert quote in flat, quote
    expected = [
        "a 2022 survey of over 250 individuals",
        "microdosing may alter serotonin signaling",
        "microdosing enhances neuroplasticity",
        "diabetic neuropathy and trigeminal neuralgia",
        "migraines and cluster headaches",
        "microdosing for fibromyalgia",
        "microdosing produces subtle changes",
        "approached with caution",
        "effective addition to chronic pain management",
    ]
    joined = " ".join(q or "" for q in quoted)
    for phrase in expected:
        assert phrase in joined, phrase


def test_claims_about_named_conditions_exist_even_without_evidence(corpus: Corpus) -> None:
    grades = grade_all(corpus)
    for condition in ("diabetic-neuropathy", "trigeminal-neuralgia"):
        claims = [c for c in corpus.claims if condition in c.conditions]
        assert claims
        assert all(grades[c.id].certainty.label == "No evidence" for c in claims)


def test_no_claim_of_the_article_is_graded_above_very_low(corpus: Corpus) -> None:
    # The sober answer: none of the article's efficacy claims has better than very low support.
    grades = grade_all(corpus)
    for claim in corpus.claims:
        if "source-article" in claim.sources and claim.topic is ClaimTopic.EFFICACY:
            assert grades[claim.id].certainty.label in ("Very low", "No evidence"), claim.id


def test_the_survey_claim_records_what_the_article_got_wrong(corpus: Corpus) -> None:
    claim = corpus.claim_by_id["survey-2022-microdosing-pain-reduction"]
    notes = " ".join(claim.notes)
    assert "macrodoses" in notes
    assert "neuropathic" in notes


def test_ids_follow_the_naming_convention(corpus: Corpus) -> None:
    for study in corpus.studies:
        if study.design is StudyDesign.TRIAL_REGISTRATION:
            assert re.fullmatch(r"nct\d{8}", study.id), study.id
        else:
            assert re.fullmatch(r"[a-z-]+-\d{4}(-[a-z])?", study.id), study.id
