"""Queries run in SQL over the facts table (painlit.facts): each is checked here against the
same question answered the plain way, record by record, on the shipped corpus and a generated
one, both read whole (facts in memory) and through the index (facts in the index file)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from painlit import index as index_module
from painlit.facts import Facts, Where, facts_of
from painlit.grading import Verdict, grade_all
from painlit.loader import load_corpus
from painlit.model import (
    Certainty,
    Claim,
    ClaimTopic,
    Corpus,
    DoseCategory,
    Population,
    PublicationStatus,
    Study,
    StudyDesign,
)
from painlit.paths import default_corpus_path
from painlit.query import (
    ClaimFilter,
    StudyFilter,
    condition_ancestors,
    condition_subtree,
    filter_claims,
    filter_studies,
)
from painlit.summary import (
    NO_CONDITION,
    MapColumns,
    gap_map,
    summarise_condition,
    summarise_mechanism,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import write

SAFETY = (ClaimTopic.SAFETY, ClaimTopic.GOOD_PRACTICE)


@pytest.fixture(scope="module", params=["shipped", "generated"])
def source(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if request.param == "shipped":
        return default_corpus_path()
    target = tmp_path_factory.mktemp("facts") / "generated.yaml"
    write(300, target)
    return target


@pytest.fixture(scope="module", params=["whole", "indexed"])
def corpus(request: pytest.FixtureRequest, source: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    if request.param == "whole":
        found = load_corpus(source)
        assert "facts" not in found.memo  # made in memory, by the first query
        return found
    folder = tmp_path_factory.mktemp("facts-index")
    index_module.load_corpus_indexed(source, directory=folder)  # made
    found = index_module.load_corpus_indexed(source, directory=folder)  # read back
    assert isinstance(found.memo["facts"], Facts)
    return found


def _ids(records: Iterable[Study | Claim]) -> list[str]:
    return [record.id for record in records]


def _newest_first(studies: Iterable[Study]) -> list[str]:
    ordered: list[Study] = sorted(studies, key=lambda s: (-s.year, s.id))
    return _ids(ordered)


def _names_any(named: Sequence[str], wanted: Iterable[str]) -> bool:
    return not set(named).isdisjoint(wanted)


# --- the plain way: every record looked at ------------------------------------------------------

def _plain_studies(corpus: Corpus, wanted: StudyFilter) -> list[str]:
    def passes(s: Study) -> bool:
        return all((
            wanted.design is None or s.design is wanted.design,
            wanted.randomised is None or s.design.is_randomised == wanted.randomised,
            wanted.dose is None or s.dose.category is wanted.dose,
            wanted.population is None or s.population is wanted.population,
            wanted.substance is None or wanted.substance in s.substances,
            wanted.condition is None or _names_any(
                s.conditions, condition_subtree(corpus, wanted.condition)),
            wanted.mechanism is None or wanted.mechanism in s.mechanisms,
            wanted.year_from is None or s.year >= wanted.year_from,
            wanted.year_to is None or s.year <= wanted.year_to,
        ))

    return _newest_first(s for s in corpus.studies if passes(s))


def _plain_claims(corpus: Corpus, wanted: ClaimFilter) -> list[str]:
    grades = grade_all(corpus)

    def passes(c: Claim) -> bool:
        grade = grades[c.id]
        return all((
            wanted.condition is None or _names_any(
                c.conditions, condition_subtree(corpus, wanted.condition)),
            wanted.mechanism is None or wanted.mechanism in c.mechanisms,
            wanted.source is None or wanted.source in c.sources,
            wanted.min_certainty is None or grade.certainty >= wanted.min_certainty,
            wanted.verdict is None or grade.verdict is wanted.verdict,
            wanted.study is None or any(link.study == wanted.study for link in c.evidence),
        ))

    return _ids(c for c in corpus.claims if passes(c))


def _best_first(corpus: Corpus, claims: Iterable[Claim]) -> list[str]:
    grades = grade_all(corpus)
    return _ids(sorted(claims, key=lambda c: (-grades[c.id].certainty, c.id)))


# --- the tests ------------------------------------------------------------------------------------

def test_every_record_has_its_row(corpus: Corpus) -> None:
    facts = facts_of(corpus)
    studies = facts.studies(Where())
    assert [fact.id for fact in sorted(studies)] == _ids(corpus.studies)
    for fact in studies:
        study = corpus.studies[fact.position]
        assert (fact.id, fact.year, fact.design, fact.population, fact.dose, fact.status,
                fact.conditions, fact.mechanisms) == (
            study.id, study.year, study.design, study.population, study.dose.category,
            study.status, study.conditions, study.mechanisms)
    claims = facts.claims(Where())
    assert [(fact.position, fact.id, fact.topic) for fact in claims] == [
        (i, claim.id, claim.topic) for i, claim in enumerate(corpus.claims)]


def _two_named(lists: Iterable[Sequence[str]]) -> list[str]:
    """Two ids a record names one after the other, as one text: no id, so it names nothing
    (though the record's row holds it as it stands)."""
    return [" ".join(named[:2]) for named in lists if len(named) > 1][:1]


def _values(corpus: Corpus) -> dict[str, list[Any]]:
    """Every value each filter can take in this corpus (and one nothing has)."""
    return {
        "design": [None, *StudyDesign], "randomised": [None, True, False],
        "dose": [None, *DoseCategory], "population": [None, *Population],
        "substance": [None, *(s.id for s in corpus.substances), "no-such-substance", "",
                      *_two_named(s.substances for s in corpus.studies)],
        "condition": [None, *(c.id for c in corpus.conditions)],
        "mechanism": [None, *(m.id for m in corpus.mechanisms), "no-such-mechanism", "\t",
                      *_two_named(s.mechanisms for s in corpus.studies)],
        "year": [None, 1990, 2015, 2020, 2023, 2030],
        "source": [None, *(s.id for s in corpus.sources)],
        "certainty": [None, *Certainty],
        "study": [None, *(s.id for s in corpus.studies[:40]), "no-such-study"],
    }


def test_each_study_filter_alone(corpus: Corpus) -> None:
    values = _values(corpus)
    for name in ("design", "randomised", "dose", "population", "substance", "condition",
                 "mechanism"):
        for value in values[name]:
            wanted = StudyFilter(**{name: value})
            assert _ids(filter_studies(corpus, wanted)) == _plain_studies(corpus, wanted), wanted
    for year in values["year"]:
        for wanted in (StudyFilter(year_from=year), StudyFilter(year_to=year)):
            assert _ids(filter_studies(corpus, wanted)) == _plain_studies(corpus, wanted), wanted


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_study_filters_together(corpus: Corpus, data: st.DataObject) -> None:
    values = _values(corpus)
    wanted = StudyFilter(
        design=data.draw(st.sampled_from(values["design"])),
        randomised=data.draw(st.sampled_from(values["randomised"])),
        dose=data.draw(st.sampled_from(values["dose"])),
        population=data.draw(st.sampled_from(values["population"])),
        substance=data.draw(st.sampled_from(values["substance"])),
        condition=data.draw(st.sampled_from(values["condition"])),
        mechanism=data.draw(st.sampled_from(values["mechanism"])),
        year_from=data.draw(st.sampled_from(values["year"])),
        year_to=data.draw(st.sampled_from(values["year"])))
    assert _ids(filter_studies(corpus, wanted)) == _plain_studies(corpus, wanted)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_claim_filters(corpus: Corpus, data: st.DataObject) -> None:
    values = _values(corpus)
    wanted = ClaimFilter(
        condition=data.draw(st.sampled_from(values["condition"])),
        mechanism=data.draw(st.sampled_from(values["mechanism"])),
        source=data.draw(st.sampled_from(values["source"])),
        min_certainty=data.draw(st.sampled_from(values["certainty"])),
        verdict=data.draw(st.sampled_from([None, *Verdict])),
        study=data.draw(st.sampled_from(values["study"])))
    found = _ids(filter_claims(corpus, grade_all(corpus), wanted))
    assert found == _plain_claims(corpus, wanted)


def test_condition_pages(corpus: Corpus) -> None:
    grades = grade_all(corpus)
    for condition in corpus.conditions:
        members = condition_subtree(corpus, condition.id)
        ancestors = condition_ancestors(corpus, condition.id)
        summary = summarise_condition(corpus, condition, grades)
        studies = [s for s in corpus.studies if _names_any(s.conditions, members)]
        registrations = [s for s in studies if s.design is StudyDesign.TRIAL_REGISTRATION]
        reviews = [s for s in studies if s.design.is_review]
        primary = [s for s in studies if s not in registrations and s not in reviews]
        assert _ids(summary.studies) == _newest_first(primary)
        assert _ids(summary.reviews) == _newest_first(reviews)
        assert _ids(summary.registrations) == _newest_first(
            s for s in registrations if s.status is not PublicationStatus.PUBLISHED)
        others = [c for c in corpus.claims if c.topic not in SAFETY]
        about = [c for c in others if _names_any(c.conditions, members)]
        broader = [c for c in others if c not in about and _names_any(c.conditions, ancestors)]
        safety = [c for c in corpus.claims if c.topic in SAFETY and (
            not c.conditions or _names_any(c.conditions, [*members, *ancestors]))]
        assert [item.claim.id for item in summary.claims] == _best_first(corpus, about)
        assert [item.claim.id for item in summary.broader_claims] == _best_first(corpus,
                                                                                 broader)
        assert [item.claim.id for item in summary.safety] == _best_first(corpus, safety)
        assert summary.overview.patients == sum(s.population is Population.PATIENTS
                                                for s in primary)
        assert summary.overview.micro == sum(s.dose.category is DoseCategory.MICRO
                                             for s in primary)


def test_mechanism_pages(corpus: Corpus) -> None:
    grades = grade_all(corpus)
    for mechanism in corpus.mechanisms:
        summary = summarise_mechanism(corpus, mechanism, grades)
        studies = [s for s in corpus.studies if mechanism.id in s.mechanisms]
        primary = [s for s in studies if s.design.is_primary]
        assert _ids(summary.studies) == _newest_first(primary)
        assert _ids(summary.reviews) == _newest_first(s for s in studies if s.design.is_review)
        assert [item.claim.id for item in summary.claims] == _best_first(
            corpus, (c for c in corpus.claims if mechanism.id in c.mechanisms))


@pytest.mark.parametrize("by", list(MapColumns))
def test_gap_map(corpus: Corpus, by: MapColumns) -> None:
    grades = grade_all(corpus)
    found = gap_map(corpus, grades.counted(), by)
    best: dict[str, Certainty] = {}
    for claim in corpus.claims:
        for study_id in grades[claim.id].counted:
            best[study_id] = max(best.get(study_id, Certainty.NO_EVIDENCE),
                                 grades[claim.id].certainty)

    def columns(study: Study) -> Sequence[str]:
        return {MapColumns.DESIGN: (study.design.value,),
                MapColumns.DOSE: (study.dose.category.value,),
                MapColumns.MECHANISM: study.mechanisms}[by]

    expected: dict[tuple[str, str], tuple[int, Certainty]] = {}
    rows: dict[str, list[Study]] = {
        condition.id: [s for s in corpus.studies
                       if _names_any(s.conditions, condition_subtree(corpus, condition.id))]
        for condition in corpus.conditions}
    for population in Population:
        group = [s for s in corpus.studies if not s.conditions and s.population is population]
        if group:
            rows[f"{NO_CONDITION}{population.value}"] = group
    for row, studies in rows.items():
        for study in studies:
            for column in columns(study):
                count, certainty = expected.get((row, column), (0, Certainty.NO_EVIDENCE))
                expected[(row, column)] = (count + 1, max(
                    certainty, best.get(study.id, Certainty.NO_EVIDENCE)))
    assert {key: (cell.studies, cell.best) for key, cell in found.cells.items()} == expected
    assert {row.id for row in found.rows} == set(rows)


def test_a_row_the_corpus_no_longer_has_is_not_found(corpus: Corpus) -> None:
    """A facts row whose key is no record of the corpus (left by another version of the
    file) is never a hit."""
    facts = facts_of(corpus)
    stranger = Facts(facts._db, lambda section: lambda key: None)
    assert stranger.studies(Where()) == [] and stranger.claims(Where()) == []


def test_rows_follow_records_removed_and_back(tmp_path: Path) -> None:
    """The index's facts table holds a row for each record of the file, and no other: a
    study deleted from the file loses its row, and gets it back when restored."""
    target, folder = tmp_path / "corpus.yaml", tmp_path / "index"
    write(60, target)
    text = target.read_text(encoding="utf-8")

    def counts() -> tuple[list[tuple[int, int]], Corpus]:
        corpus = index_module.load_corpus_indexed(target, directory=folder)
        db = facts_of(corpus)._db
        return db.execute("SELECT section, count(*) FROM facts GROUP BY section").fetchall(), \
            corpus

    found, corpus = counts()
    assert found == [(0, len(corpus.studies)), (1, len(corpus.claims))]
    cited = {link.study for claim in corpus.claims for link in claim.evidence}
    place = next(i for i, s in enumerate(corpus.studies[:-1]) if s.id not in cited)
    victim, after = corpus.studies[place], corpus.studies[place + 1]
    lines = text.splitlines(keepends=True)
    target.write_text("".join(lines[:victim.line - 1] + lines[after.line - 1:]),
                      encoding="utf-8")
    found, corpus = counts()
    assert victim.id not in corpus.study_by_id
    assert found == [(0, len(corpus.studies)), (1, len(corpus.claims))]
    assert victim.id not in {fact.id for fact in facts_of(corpus).studies(Where())}
    target.write_text(text, encoding="utf-8")
    found, corpus = counts()
    assert found == [(0, len(corpus.studies)), (1, len(corpus.claims))]
    assert victim.id in {fact.id for fact in facts_of(corpus).studies(Where())}


def test_the_claims_citing_each_study(corpus: Corpus) -> None:
    grades = grade_all(corpus)
    for study in corpus.studies:
        assert _ids(filter_claims(corpus, grades, ClaimFilter(study=study.id))) == [
            c.id for c in corpus.claims if any(link.study == study.id for link in c.evidence)]
