"""The GRADE certainty engine: one test (at least) per rule and edge, on synthetic bodies."""

from __future__ import annotations

from datetime import date

import pytest

import painlit
from painlit.errors import Severity
from painlit.grading import (
    ContextItem,
    Grade,
    Step,
    Verdict,
    _verdict,
    curation_warnings,
    grade_all,
    grade_claim,
    hedged_statement,
    third_person,
)
from painlit.model import (
    Certainty,
    Claim,
    ClaimScope,
    ClaimTopic,
    Corpus,
    CorpusInfo,
    Domain,
    Dose,
    DoseCategory,
    Evidence,
    Judgement,
    PainModel,
    Population,
    PublicationStatus,
    Registration,
    RiskOfBias,
    Stance,
    Study,
    StudyDesign,
)

LAST_SEARCH = date(2026, 1, 1)
PATIENT_MICRO_CLINICAL = ClaimScope(Population.PATIENTS, DoseCategory.MICRO, PainModel.CLINICAL)
SUPPORTS, REFUTES, MIXED, CONTEXT = Stance.SUPPORTS, Stance.REFUTES, Stance.MIXED, Stance.CONTEXT
LINE = 42


# --- factories --------------------------------------------------------------------------------


def make_study(
    id: str,
    *,
    design: StudyDesign = StudyDesign.RANDOMISED_PARALLEL,
    population: Population = Population.PATIENTS,
    n: int | None = 500,
    dose: DoseCategory = DoseCategory.MICRO,
    pain_model: PainModel = PainModel.CLINICAL,
    risk_of_bias: RiskOfBias = RiskOfBias.LOW,
    registry: str | None = None,
    status: PublicationStatus = PublicationStatus.PUBLISHED,
    registration: Registration | None = None,
    year: int = 2024,
) -> Study:
    """A study that, on its own and by default, matches the claim fully (a clean large RCT)."""
    return Study(
        id=id, title=f"Synthetic study {id}", year=year, design=design, population=population,
        dose=Dose(dose), status=status, n=n, pain_model=pain_model, risk_of_bias=risk_of_bias,
        registry=registry, registration=registration,
    )


def make_registration(
    id: str,
    status: PublicationStatus,
    *,
    completion: str | None = None,
    start: str | None = None,
    enrolment: int | None = None,
    year: int = 2020,
) -> Study:
    return make_study(
        id, design=StudyDesign.TRIAL_REGISTRATION, n=None, status=status, year=year,
        registry=id.upper(), risk_of_bias=RiskOfBias.NOT_ASSESSED,
        registration=Registration(status=status.value, start=start, completion=completion,
                                  enrolment=enrolment),
    )


def make_claim(
    *links: tuple[Study, Stance],
    scope: ClaimScope = PATIENT_MICRO_CLINICAL,
    judgements: tuple[Judgement, ...] = (),
    certainty: Certainty | None = None,
    id: str = "c1",
) -> Claim:
    return Claim(
        id=id, statement="Microdosing reduces chronic pain.", intervention="microdosing",
        effect="reduce", outcome="chronic pain", topic=ClaimTopic.EFFICACY, scope=scope,
        evidence=tuple(Evidence(study.id, stance, "synthetic") for study, stance in links),
        judgements=judgements, certainty=certainty, line=LINE,
    )


def make_corpus(claims: list[Claim], studies: list[Study]) -> Corpus:
    info = CorpusInfo(title="Synthetic", version="0", last_search=LAST_SEARCH, search_query="x")
    unique = {study.id: study for study in studies}
    return Corpus(info=info, conditions=(), mechanisms=(), substances=(), sources=(),
                  studies=tuple(unique.values()), claims=tuple(claims), path="synthetic.yaml")


def grade(
    *links: tuple[Study, Stance],
    scope: ClaimScope = PATIENT_MICRO_CLINICAL,
    judgements: tuple[Judgement, ...] = (),
) -> Grade:
    claim = make_claim(*links, scope=scope, judgements=judgements)
    return grade_claim(claim, make_corpus([claim], [study for study, _ in links]))


def step(result: Grade, domain: Domain) -> Step:
    matches = [s for s in result.steps if s.domain is domain]
    assert len(matches) == 1, f"expected one {domain.value} step, got {matches}"
    return matches[0]


def changes(result: Grade) -> dict[Domain, int]:
    return {s.domain: s.change for s in result.steps if s.domain is not None}


# --- starting level ---------------------------------------------------------------------------


def test_a_clean_randomised_human_study_starts_and_stays_high() -> None:
    result = grade((make_study("s1"), SUPPORTS))
    first = result.steps[0]
    assert first.domain is None
    assert first.level is Certainty.HIGH
    assert first.reason == "Started High: 1 randomised study"
    assert result.certainty is Certainty.HIGH
    assert result.verdict is Verdict.SUPPORTED
    assert result.statement == "Microdosing reduces chronic pain."
    assert set(changes(result).values()) == {0}
    assert result.counted == ("s1",)
    assert result.participants == 500


def test_crossover_trials_count_as_randomised() -> None:
    result = grade((make_study("s1", design=StudyDesign.RANDOMISED_CROSSOVER), SUPPORTS))
    assert result.steps[0].level is Certainty.HIGH


@pytest.mark.parametrize(
    "design", [StudyDesign.OPEN_LABEL, StudyDesign.COHORT, StudyDesign.CROSS_SECTIONAL_SURVEY,
               StudyDesign.CASE_SERIES, StudyDesign.CASE_REPORT])
def test_only_non_randomised_human_studies_start_low(design: StudyDesign) -> None:
    result = grade((make_study("s1", design=design), SUPPORTS),
                   (make_study("s2", design=design), SUPPORTS))
    assert result.steps[0].level is Certainty.LOW
    assert result.steps[0].reason == "Started Low: 2 non-randomised human studies"
    assert result.certainty is Certainty.LOW
    assert result.verdict is Verdict.SUPPORTED
    assert result.statement == "Microdosing may reduce chronic pain."


@pytest.mark.parametrize("population", [Population.ANIMALS, Population.CELLS])
def test_only_animal_or_cell_studies_are_very_low_at_best(population: Population) -> None:
    study = make_study("s1", design=StudyDesign.PRECLINICAL, population=population)
    result = grade((study, SUPPORTS), scope=ClaimScope())
    first = result.steps[0]
    assert first.level is Certainty.VERY_LOW
    assert "Started Very low: 1 animal or cell study" in first.reason
    assert "animal and cell evidence is Very low at best" in first.reason
    assert result.certainty is Certainty.VERY_LOW
    assert result.verdict is Verdict.INSUFFICIENT
    assert result.statement == (
        "The evidence is very uncertain about whether microdosing reduces chronic pain.")


def test_a_randomised_animal_study_is_still_animal_evidence() -> None:
    study = make_study("s1", design=StudyDesign.RANDOMISED_PARALLEL, population=Population.ANIMALS)
    result = grade((study, SUPPORTS), scope=ClaimScope())
    assert result.steps[0].level is Certainty.VERY_LOW


def test_an_upgrade_does_not_lift_animal_evidence_above_very_low() -> None:
    study = make_study("s1", design=StudyDesign.PRECLINICAL, population=Population.ANIMALS)
    upgrade = Judgement(Domain.UPGRADE, 2, "large effect")
    result = grade((study, SUPPORTS), scope=ClaimScope(), judgements=(upgrade,))
    assert result.certainty is Certainty.VERY_LOW


# --- no evidence ------------------------------------------------------------------------------


def test_no_linked_study_is_no_evidence() -> None:
    result = grade()
    assert result.certainty is Certainty.NO_EVIDENCE
    assert result.verdict is Verdict.INSUFFICIENT
    assert result.statement == (
        "No study in the corpus addresses whether microdosing reduces chronic pain.")
    assert len(result.steps) == 1
    assert result.steps[0].domain is None
    assert result.steps[0].reason == "No study in the corpus addresses this claim"
    assert result.counted == ()
    assert result.participants == 0


@pytest.mark.parametrize(
    "design", [StudyDesign.NARRATIVE_REVIEW, StudyDesign.SYSTEMATIC_REVIEW,
               StudyDesign.META_ANALYSIS])
def test_reviews_never_count(design: StudyDesign) -> None:
    review = make_study("r1", design=design, n=5000)
    result = grade((review, SUPPORTS))
    assert result.certainty is Certainty.NO_EVIDENCE
    assert result.verdict is Verdict.INSUFFICIENT
    assert result.statement.startswith("No study in the corpus addresses whether")
    assert result.steps[0].reason == "No primary study counts: only review linked"
    assert result.context == (ContextItem("r1", "review: context, not independent evidence"),)
    assert result.counted == ()


def test_a_review_next_to_a_primary_study_is_context_only() -> None:
    result = grade((make_study("s1"), SUPPORTS),
                   (make_study("r1", design=StudyDesign.META_ANALYSIS, n=5000), REFUTES))
    assert result.counted == ("s1",)
    assert result.refuting == 0
    assert result.participants == 500
    assert result.certainty is Certainty.HIGH


def test_only_a_silent_registration_is_no_evidence_with_the_signal_noted() -> None:
    registration = make_registration("nct01", PublicationStatus.TERMINATED, completion="2020-01")
    result = grade((registration, SUPPORTS))
    assert result.certainty is Certainty.NO_EVIDENCE
    assert result.context[0].study == "nct01"
    assert "registered trial, terminated" in result.context[0].reason
    publication = step(result, Domain.PUBLICATION_BIAS)
    assert publication.change == 0
    assert publication.level is Certainty.NO_EVIDENCE
    assert "noted; there is no evidence to rate down" in publication.reason


def test_context_stance_on_a_primary_study_is_not_counted() -> None:
    result = grade((make_study("s1"), SUPPORTS), (make_study("s2", n=5000), CONTEXT))
    assert result.counted == ("s1",)
    assert result.participants == 500
    assert ContextItem("s2", "linked as context by the curator") in result.context


def test_a_primary_study_linked_only_as_context_is_no_evidence() -> None:
    result = grade((make_study("s1"), CONTEXT))
    assert result.certainty is Certainty.NO_EVIDENCE
    assert result.context == (ContextItem("s1", "linked as context by the curator"),)


# --- the deciding body ------------------------------------------------------------------------


def test_a_lower_tier_study_is_context_and_does_not_change_the_grade() -> None:
    rct = make_study("s1", n=150)
    cohort = make_study("s2", design=StudyDesign.COHORT, n=5000, risk_of_bias=RiskOfBias.HIGH)
    mouse = make_study("s3", design=StudyDesign.PRECLINICAL, population=Population.ANIMALS)
    alone = grade((rct, SUPPORTS))
    together = grade((rct, SUPPORTS), (cohort, REFUTES), (mouse, REFUTES))
    assert together.certainty is alone.certainty is Certainty.MODERATE
    assert together.verdict is alone.verdict is Verdict.SUPPORTED
    assert changes(together) == changes(alone)
    assert together.counted == ("s1",)
    assert together.participants == 150
    assert together.context == (
        ContextItem("s2", "non-randomised human study: below the randomised evidence that "
                          "decides the grade"),
        ContextItem("s3", "animal or cell study: below the randomised evidence that decides "
                          "the grade"),
    )


def test_papers_of_the_same_trial_count_once() -> None:
    main = make_study("s1", n=300, registry="NCT0001", year=2022)
    follow_up = make_study("s2", n=120, registry="NCT0001", year=2024)
    result = grade((main, SUPPORTS), (follow_up, SUPPORTS))
    assert result.counted == ("s1",)
    assert result.participants == 300
    assert result.supporting == 1
    assert result.context == (ContextItem("s2", "same trial as s1 (NCT0001); counted once"),)
    assert result.steps[0].reason == "Started High: 1 randomised study"
    assert "300 participants in total" in step(result, Domain.IMPRECISION).reason
    assert "single study" in step(result, Domain.INCONSISTENCY).reason


def test_the_randomised_paper_stands_for_its_trial() -> None:
    rct = make_study("s1", n=80, registry="NCT0002")
    extension = make_study("s2", design=StudyDesign.OPEN_LABEL, n=200, registry="NCT0002")
    result = grade((extension, SUPPORTS), (rct, SUPPORTS))
    assert result.counted == ("s1",)
    assert any(item.study == "s2" and "counted once" in item.reason for item in result.context)


def test_studies_without_registry_are_separate_trials() -> None:
    result = grade((make_study("s1"), SUPPORTS), (make_study("s2"), SUPPORTS))
    assert result.counted == ("s1", "s2")
    assert result.participants == 1000


# --- risk of bias -----------------------------------------------------------------------------


def test_majority_high_risk_of_bias_is_very_serious() -> None:
    result = grade((make_study("s1", risk_of_bias=RiskOfBias.HIGH), SUPPORTS),
                   (make_study("s2", risk_of_bias=RiskOfBias.HIGH), SUPPORTS),
                   (make_study("s3"), SUPPORTS))
    rob = step(result, Domain.RISK_OF_BIAS)
    assert rob.change == -2
    assert rob.reason == "very serious: 2 of 3 studies at high risk of bias"
    assert result.certainty is Certainty.LOW


@pytest.mark.parametrize("concern", [RiskOfBias.SOME_CONCERNS, RiskOfBias.NOT_ASSESSED])
def test_majority_some_concerns_or_not_assessed_is_serious(concern: RiskOfBias) -> None:
    result = grade((make_study("s1", risk_of_bias=concern), SUPPORTS),
                   (make_study("s2", risk_of_bias=RiskOfBias.HIGH), SUPPORTS),
                   (make_study("s3"), SUPPORTS))
    rob = step(result, Domain.RISK_OF_BIAS)
    assert rob.change == -1
    assert rob.reason.startswith("serious: 2 of 3 studies")
    assert result.certainty is Certainty.MODERATE
    assert result.statement == "Microdosing probably reduces chronic pain."


def test_mostly_low_risk_of_bias_is_not_serious() -> None:
    result = grade((make_study("s1", risk_of_bias=RiskOfBias.HIGH), SUPPORTS),
                   (make_study("s2"), SUPPORTS), (make_study("s3"), SUPPORTS))
    rob = step(result, Domain.RISK_OF_BIAS)
    assert rob.change == 0
    assert rob.reason == "not serious: most of 3 studies at low risk of bias"


# --- inconsistency ----------------------------------------------------------------------------


def test_a_single_study_is_not_assessable_for_inconsistency() -> None:
    result = grade((make_study("s1", n=50), SUPPORTS))
    inconsistency = step(result, Domain.INCONSISTENCY)
    assert inconsistency.change == 0
    assert inconsistency.reason == "not assessable with a single study; not rated down"
    imprecision = step(result, Domain.IMPRECISION)
    assert imprecision.change == -2
    assert "50 participants" in imprecision.reason
    assert result.certainty is Certainty.LOW


def test_two_trials_that_disagree_are_serious_inconsistency() -> None:
    result = grade((make_study("s1"), SUPPORTS), (make_study("s2"), REFUTES))
    inconsistency = step(result, Domain.INCONSISTENCY)
    assert inconsistency.change == -1
    assert inconsistency.reason == (
        "serious: studies point both ways (1 supporting and 1 refuting)")
    assert result.certainty is Certainty.MODERATE
    assert result.verdict is Verdict.MIXED
    assert result.statement == (
        "Studies disagree on whether microdosing reduces chronic pain (moderate certainty).")


def test_a_balanced_split_of_three_is_very_serious_inconsistency() -> None:
    result = grade((make_study("s1"), SUPPORTS), (make_study("s2"), SUPPORTS),
                   (make_study("s3"), REFUTES))
    inconsistency = step(result, Domain.INCONSISTENCY)
    assert inconsistency.change == -2
    assert "(2 supporting and 1 refuting)" in inconsistency.reason
    assert inconsistency.reason.startswith("very serious")


def test_a_lopsided_split_is_only_serious() -> None:
    result = grade(*((make_study(f"s{i}"), SUPPORTS) for i in range(1, 4)),
                   (make_study("s4"), REFUTES))
    assert step(result, Domain.INCONSISTENCY).change == -1


def test_agreeing_studies_are_consistent() -> None:
    result = grade((make_study("s1"), REFUTES), (make_study("s2"), REFUTES),
                   (make_study("s3"), MIXED))
    inconsistency = step(result, Domain.INCONSISTENCY)
    assert inconsistency.change == 0
    assert inconsistency.reason == "not serious: no study points the other way"


# --- indirectness -----------------------------------------------------------------------------


def test_healthy_volunteers_for_a_patient_claim_are_indirect() -> None:
    result = grade((make_study("s1", population=Population.HEALTHY_VOLUNTEERS), SUPPORTS))
    indirectness = step(result, Domain.INDIRECTNESS)
    assert indirectness.change == -1
    assert indirectness.reason == (
        "serious: 1 of 1 studied healthy-volunteers; the claim is about patients")


def test_full_doses_for_a_microdose_claim_are_indirect() -> None:
    result = grade((make_study("s1", dose=DoseCategory.FULL), SUPPORTS),
                   (make_study("s2", dose=DoseCategory.FULL), SUPPORTS))
    indirectness = step(result, Domain.INDIRECTNESS)
    assert indirectness.change == -1
    assert indirectness.reason == (
        "serious: 2 of 2 used full doses; the claim is about micro doses")


def test_experimental_pain_for_a_clinical_claim_is_indirect() -> None:
    result = grade((make_study("s1", pain_model=PainModel.EXPERIMENTAL), SUPPORTS))
    indirectness = step(result, Domain.INDIRECTNESS)
    assert indirectness.change == -1
    assert indirectness.reason == (
        "serious: 1 of 1 measured experimental pain; the claim is about clinical pain")


def test_two_indirect_facets_are_very_serious() -> None:
    study = make_study("s1", population=Population.HEALTHY_VOLUNTEERS, dose=DoseCategory.FULL)
    indirectness = step(grade((study, SUPPORTS)), Domain.INDIRECTNESS)
    assert indirectness.change == -2
    assert indirectness.reason.startswith("very serious: ")
    assert "healthy-volunteers" in indirectness.reason
    assert "full doses" in indirectness.reason


def test_three_indirect_facets_are_still_only_minus_two() -> None:
    study = make_study("s1", population=Population.HEALTHY_VOLUNTEERS, dose=DoseCategory.FULL,
                       pain_model=PainModel.EXPERIMENTAL)
    indirectness = step(grade((study, SUPPORTS)), Domain.INDIRECTNESS)
    assert indirectness.change == -2
    assert "experimental pain" in indirectness.reason


def test_a_minority_of_indirect_studies_is_not_serious() -> None:
    result = grade((make_study("s1", population=Population.HEALTHY_VOLUNTEERS,
                               dose=DoseCategory.FULL), SUPPORTS),
                   (make_study("s2"), SUPPORTS), (make_study("s3"), SUPPORTS))
    indirectness = step(result, Domain.INDIRECTNESS)
    assert indirectness.change == 0
    assert indirectness.reason.startswith("not serious")


def test_an_unscoped_claim_has_no_indirectness() -> None:
    study = make_study("s1", population=Population.HEALTHY_VOLUNTEERS, dose=DoseCategory.FULL,
                       pain_model=PainModel.EXPERIMENTAL)
    assert step(grade((study, SUPPORTS), scope=ClaimScope()), Domain.INDIRECTNESS).change == 0


# --- imprecision ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sizes", "change", "text"),
    [
        ((99,), -2, "very serious: 99 participants in total, fewer than 100"),
        ((60, 40), -1, "serious: 100 participants in total, fewer than 400"),
        ((399,), -1, "serious: 399 participants in total, fewer than 400"),
        ((200, 200), 0, "not serious: 400 participants in total"),
    ],
)
def test_imprecision_thresholds(sizes: tuple[int, ...], change: int, text: str) -> None:
    result = grade(*((make_study(f"s{i}", n=n), SUPPORTS) for i, n in enumerate(sizes, 1)))
    imprecision = step(result, Domain.IMPRECISION)
    assert imprecision.change == change
    assert imprecision.reason == text
    assert result.participants == sum(sizes)


def test_no_recorded_sample_size_is_serious_imprecision() -> None:
    result = grade((make_study("s1", n=None), SUPPORTS), (make_study("s2", n=None), SUPPORTS))
    imprecision = step(result, Domain.IMPRECISION)
    assert imprecision.change == -1
    assert imprecision.reason == "serious: no sample size recorded for 2 studies"
    assert result.participants == 0


def test_partly_recorded_sample_sizes_are_noted() -> None:
    result = grade((make_study("s1", n=None), SUPPORTS), (make_study("s2", n=450), SUPPORTS))
    imprecision = step(result, Domain.IMPRECISION)
    assert imprecision.change == 0
    assert imprecision.reason == "not serious: 450 participants in total (1 with n not recorded)"


# --- publication bias -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [PublicationStatus.COMPLETED_WITHOUT_RESULTS, PublicationStatus.TERMINATED])
def test_a_registration_silent_for_years_is_serious_publication_bias(
    status: PublicationStatus,
) -> None:
    registration = make_registration("nct9", status, completion="2023-06-30", enrolment=100)
    result = grade((make_study("s1"), SUPPORTS), (registration, SUPPORTS))
    publication = step(result, Domain.PUBLICATION_BIAS)
    assert publication.change == -1
    assert publication.reason == (
        "serious: 1 registered trial ended at least 2 years ago without results (nct9)")
    assert result.certainty is Certainty.MODERATE
    assert result.counted == ("s1",)


def test_a_registration_that_ended_exactly_two_years_ago_counts() -> None:
    registration = make_registration(
        "nct9", PublicationStatus.COMPLETED_WITHOUT_RESULTS, completion="2024-01-01")
    result = grade((make_study("s1"), SUPPORTS), (registration, SUPPORTS))
    assert step(result, Domain.PUBLICATION_BIAS).change == -1


def test_a_registration_that_ended_recently_is_not_a_signal() -> None:
    registration = make_registration(
        "nct9", PublicationStatus.COMPLETED_WITHOUT_RESULTS, completion="2025-06-30")
    result = grade((make_study("s1"), SUPPORTS), (registration, SUPPORTS))
    publication = step(result, Domain.PUBLICATION_BIAS)
    assert publication.change == 0
    assert publication.reason == (
        "not detected: 1 linked registration, none ended long ago without results")


def test_a_registration_that_ended_eighteen_months_ago_is_not_a_signal() -> None:
    registration = make_registration(
        "nct9", PublicationStatus.COMPLETED_WITHOUT_RESULTS, completion="2024-07-01")
    result = grade((make_study("s1"), SUPPORTS), (registration, SUPPORTS))
    assert step(result, Domain.PUBLICATION_BIAS).change == 0


@pytest.mark.parametrize("status", [PublicationStatus.ONGOING, PublicationStatus.WITHDRAWN])
def test_an_ongoing_or_withdrawn_registration_is_not_a_signal(status: PublicationStatus) -> None:
    registration = make_registration("nct9", status, completion="2015-01-01", enrolment=9000)
    result = grade((make_study("s1"), SUPPORTS), (registration, SUPPORTS))
    assert step(result, Domain.PUBLICATION_BIAS).change == 0
    assert result.certainty is Certainty.HIGH


def test_without_a_completion_date_the_start_then_the_year_is_used() -> None:
    started = make_registration("nct8", PublicationStatus.TERMINATED, start="2019-03-01")
    dated = make_registration("nct9", PublicationStatus.TERMINATED, year=2025)
    assert step(grade((make_study("s1"), SUPPORTS), (started, SUPPORTS)),
                Domain.PUBLICATION_BIAS).change == -1
    assert step(grade((make_study("s1"), SUPPORTS), (dated, SUPPORTS)),
                Domain.PUBLICATION_BIAS).change == 0


def test_more_unpublished_than_published_participants_is_very_serious() -> None:
    registration = make_registration(
        "nct9", PublicationStatus.COMPLETED_WITHOUT_RESULTS, completion="2021-12-31",
        enrolment=600)
    result = grade((make_study("s1", n=500), SUPPORTS), (registration, SUPPORTS))
    publication = step(result, Domain.PUBLICATION_BIAS)
    assert publication.change == -2
    assert publication.reason.startswith("very serious: ")
    assert "their 600 registered participants outnumber the 500 published" in publication.reason
    assert result.certainty is Certainty.LOW


def test_no_registration_means_no_publication_bias() -> None:
    publication = step(grade((make_study("s1"), SUPPORTS)), Domain.PUBLICATION_BIAS)
    assert publication.change == 0
    assert publication.reason == "not detected: no linked registration ended without results"


# --- curated judgements and the floor ---------------------------------------------------------


def test_a_curated_judgement_replaces_the_computed_domain() -> None:
    study = make_study("s1", risk_of_bias=RiskOfBias.HIGH)
    curated = Judgement(Domain.RISK_OF_BIAS, -1, "blinding broke only for the secondary outcome")
    result = grade((study, SUPPORTS), judgements=(curated,))
    rob = step(result, Domain.RISK_OF_BIAS)
    assert rob.curated is True
    assert rob.change == -1
    assert rob.reason == "blinding broke only for the secondary outcome (computed: -2)"
    assert "(curated)" in rob.describe()
    assert result.certainty is Certainty.MODERATE
    assert not step(result, Domain.IMPRECISION).curated


def test_a_curated_zero_can_cancel_a_computed_downgrade() -> None:
    study = make_study("s1", n=50)
    curated = Judgement(Domain.IMPRECISION, 0, "narrow confidence interval")
    result = grade((study, SUPPORTS), judgements=(curated,))
    imprecision = step(result, Domain.IMPRECISION)
    assert imprecision.change == 0
    assert imprecision.reason == "narrow confidence interval (computed: -2)"
    assert result.certainty is Certainty.HIGH


def test_a_curated_upgrade_raises_the_grade() -> None:
    cohort = make_study("s1", design=StudyDesign.COHORT)
    upgrade = Judgement(Domain.UPGRADE, 1, "large, dose-dependent effect")
    result = grade((cohort, SUPPORTS), judgements=(upgrade,))
    last = result.steps[-1]
    assert last.domain is Domain.UPGRADE
    assert last.curated is True
    assert last.change == 1
    assert last.reason == "large, dose-dependent effect"
    assert result.certainty is Certainty.MODERATE


def test_a_curated_upgrade_is_capped_at_high() -> None:
    upgrade = Judgement(Domain.UPGRADE, 2, "very large effect")
    result = grade((make_study("s1"), SUPPORTS), judgements=(upgrade,))
    assert result.steps[-1].level is Certainty.HIGH
    assert result.certainty is Certainty.HIGH


def test_certainty_never_falls_below_very_low_while_studies_count() -> None:
    study = make_study("s1", n=10, risk_of_bias=RiskOfBias.HIGH,
                       population=Population.HEALTHY_VOLUNTEERS, dose=DoseCategory.FULL)
    registration = make_registration(
        "nct9", PublicationStatus.TERMINATED, completion="2018-01-01", enrolment=300)
    result = grade((study, SUPPORTS), (registration, SUPPORTS))
    assert changes(result) == {
        Domain.RISK_OF_BIAS: -2, Domain.INCONSISTENCY: 0, Domain.INDIRECTNESS: -2,
        Domain.IMPRECISION: -2, Domain.PUBLICATION_BIAS: -2,
    }
    assert all(s.level >= Certainty.VERY_LOW for s in result.steps)
    assert result.certainty is Certainty.VERY_LOW
    assert result.verdict is Verdict.INSUFFICIENT


# --- verdict and wording ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "supporting", "refuting", "mixed", "verdict"),
    [
        (Certainty.VERY_LOW, 5, 0, 0, Verdict.INSUFFICIENT),
        (Certainty.NO_EVIDENCE, 0, 0, 0, Verdict.INSUFFICIENT),
        (Certainty.HIGH, 2, 1, 0, Verdict.MIXED),
        (Certainty.LOW, 2, 0, 2, Verdict.SUPPORTED),
        (Certainty.LOW, 1, 0, 2, Verdict.MIXED),
        (Certainty.MODERATE, 0, 3, 1, Verdict.REFUTED),
        (Certainty.MODERATE, 0, 1, 2, Verdict.MIXED),
        (Certainty.HIGH, 0, 0, 1, Verdict.MIXED),
    ],
)
def test_verdict_rules(level: Certainty, supporting: int, refuting: int, mixed: int,
                       verdict: Verdict) -> None:
    assert _verdict(level, supporting, refuting, mixed) is verdict


def test_a_refuted_claim_at_high_certainty() -> None:
    result = grade((make_study("s1"), REFUTES))
    assert (result.certainty, result.verdict) == (Certainty.HIGH, Verdict.REFUTED)
    assert result.statement == "Microdosing does not reduce chronic pain."


def test_a_refuted_claim_at_moderate_certainty() -> None:
    result = grade((make_study("s1", n=200), REFUTES))
    assert (result.certainty, result.verdict) == (Certainty.MODERATE, Verdict.REFUTED)
    assert result.statement == "Microdosing probably does not reduce chronic pain."


def test_a_refuted_claim_at_low_certainty() -> None:
    result = grade((make_study("s1", design=StudyDesign.COHORT), REFUTES))
    assert (result.certainty, result.verdict) == (Certainty.LOW, Verdict.REFUTED)
    assert result.statement == "Microdosing may not reduce chronic pain."


@pytest.mark.parametrize(
    ("certainty", "verdict", "text"),
    [
        (Certainty.HIGH, Verdict.SUPPORTED, "Microdosing reduces chronic pain."),
        (Certainty.HIGH, Verdict.REFUTED, "Microdosing does not reduce chronic pain."),
        (Certainty.MODERATE, Verdict.SUPPORTED, "Microdosing probably reduces chronic pain."),
        (Certainty.MODERATE, Verdict.REFUTED,
         "Microdosing probably does not reduce chronic pain."),
        (Certainty.LOW, Verdict.SUPPORTED, "Microdosing may reduce chronic pain."),
        (Certainty.LOW, Verdict.REFUTED, "Microdosing may not reduce chronic pain."),
        (Certainty.LOW, Verdict.MIXED,
         "Studies disagree on whether microdosing reduces chronic pain (low certainty)."),
        (Certainty.VERY_LOW, Verdict.INSUFFICIENT,
         "The evidence is very uncertain about whether microdosing reduces chronic pain."),
        (Certainty.NO_EVIDENCE, Verdict.INSUFFICIENT,
         "No study in the corpus addresses whether microdosing reduces chronic pain."),
    ],
)
def test_hedged_statement(certainty: Certainty, verdict: Verdict, text: str) -> None:
    assert hedged_statement(make_claim(), certainty, verdict) == text


@pytest.mark.parametrize(
    ("verb", "expected"),
    [
        ("reduce", "reduces"),
        ("carry", "carries"),
        ("relieve", "relieves"),
        ("be", "is"),
        ("have", "has"),
        ("fix", "fixes"),
        ("go", "goes"),
        ("relay", "relays"),
        ("pass", "passes"),
        ("reach", "reaches"),
        ("wash", "washes"),
    ],
)
def test_third_person(verb: str, expected: str) -> None:
    assert third_person(verb) == expected


# --- curation warnings ------------------------------------------------------------------------


def test_curation_warning_when_the_curated_certainty_differs() -> None:
    study = make_study("s1", design=StudyDesign.COHORT)
    claim = make_claim((study, SUPPORTS), certainty=Certainty.MODERATE)
    warnings = curation_warnings(make_corpus([claim], [study]))
    assert len(warnings) == 1
    warning = warnings[0]
    assert warning.severity is Severity.WARNING
    assert (warning.path, warning.line, warning.record, warning.field) == (
        "synthetic.yaml", LINE, "c1", "certainty")
    assert warning.message == "curated certainty Moderate differs from the computed Low"


@pytest.mark.parametrize("certainty", [Certainty.LOW, None])
def test_no_curation_warning_when_equal_or_not_curated(certainty: Certainty | None) -> None:
    study = make_study("s1", design=StudyDesign.COHORT)
    claim = make_claim((study, SUPPORTS), certainty=certainty)
    assert curation_warnings(make_corpus([claim], [study])) == []


def test_grade_all_grades_every_claim_by_id() -> None:
    study = make_study("s1")
    claims = [make_claim((study, SUPPORTS), id="c1"), make_claim(id="c2")]
    grades = grade_all(make_corpus(claims, [study]))
    assert {key: value.certainty for key, value in grades.items()} == {
        "c1": Certainty.HIGH, "c2": Certainty.NO_EVIDENCE}


# --- the shipped corpus -----------------------------------------------------------------------


def test_invariants_hold_for_every_claim_of_the_shipped_corpus() -> None:
    corpus = painlit.load_corpus(painlit.default_corpus_path())
    assert corpus.claims
    for claim in corpus.claims:
        result = grade_claim(claim, corpus)
        assert result.steps, claim.id
        assert result.steps[0].domain is None, claim.id
        counted = [corpus.study_by_id[study_id] for study_id in result.counted]
        if counted and not any(study.design.is_randomised for study in counted):
            assert result.certainty <= Certainty.LOW, claim.id
        if (claim.scope.dose is DoseCategory.MICRO and counted
                and all(study.dose.category is not DoseCategory.MICRO for study in counted)):
            assert step(result, Domain.INDIRECTNESS).change < 0, claim.id


def test_an_upgrade_cannot_win_back_levels_absorbed_by_the_floor() -> None:
    # High (4) with three very serious domains is 4 - 6 = -2 before the floor; +2 leaves it at 0,
    # which is still shown as Very low: the floor is not a credit.
    study = make_study("s1", n=20, risk_of_bias=RiskOfBias.HIGH,
                       population=Population.HEALTHY_VOLUNTEERS, dose=DoseCategory.FULL)
    upgrade = Judgement(Domain.UPGRADE, 2, "large effect")
    result = grade((study, SUPPORTS), judgements=(upgrade,))
    assert result.certainty is Certainty.VERY_LOW
