"""The GRADE certainty engine: one test (at least) per rule and edge, on small synthetic bodies
of evidence. Every study here is made up ("Synthetic study s1"); no number is from a paper."""

from __future__ import annotations

from datetime import date

import pytest

import painlit
from painlit.errors import Severity
from painlit.grading import (
    Grade,
    OutcomeGrade,
    Step,
    Verdict,
    curation_warnings,
    grade_all,
    grade_claim,
    hedged_statement,
    p_value,
    third_person,
)
from painlit.model import (
    Better,
    Certainty,
    Claim,
    ClaimOutcome,
    ClaimScope,
    ClaimTopic,
    CoIntervention,
    Corpus,
    CorpusInfo,
    Direction,
    Domain,
    Dose,
    DoseCategory,
    Effect,
    Evidence,
    Importance,
    Judgement,
    Measure,
    Outcome,
    PainModel,
    Population,
    PublicationStatus,
    Regimen,
    Registration,
    Result,
    RiskOfBias,
    Stance,
    Study,
    StudyDesign,
)

LAST_SEARCH = date(2026, 1, 1)
PATIENT_MICRO_CLINICAL = ClaimScope(Population.PATIENTS, DoseCategory.MICRO, PainModel.CLINICAL)
SUPPORTS, REFUTES, MIXED, CONTEXT = Stance.SUPPORTS, Stance.REFUTES, Stance.MIXED, Stance.CONTEXT
INCONCLUSIVE = Stance.INCONCLUSIVE
LINE = 42
OUTCOMES = (Outcome("pain", "Pain"), Outcome("sleep", "Sleep"),
            Outcome("seizures", "Seizures", harm=True))


# --- factories --------------------------------------------------------------------------------


def effect(
    outcome: str = "pain", *, measure: Measure | None = Measure.SMD, value: float | None = None,
    ci: tuple[float, float] | None = None, p: str | None = None,
    better: Better | None = Better.HIGHER, n: int | None = None, mid: float | None = None,
    result: Result | None = None,
) -> Effect:
    """A synthetic measurement of `outcome` (made-up numbers, never a paper's)."""
    return Effect(outcome=outcome, measured=f"synthetic {outcome} score", comparator="placebo",
                  measure=measure if value is not None or ci is not None else None,
                  value=value, ci_low=ci[0] if ci else None, ci_high=ci[1] if ci else None,
                  p=p, better=better, n=n, mid=mid, result=result)


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
    trial: str | None = None,
    status: PublicationStatus = PublicationStatus.PUBLISHED,
    registration: Registration | None = None,
    year: int = 2024,
    substances: tuple[str, ...] = ("lsd",),
    regimen: Regimen | None = Regimen.REPEATED,
    co_intervention: CoIntervention | None = CoIntervention.NONE,
    outcomes: tuple[Effect, ...] = (),
    direction: Direction = Direction.NOT_APPLICABLE,
) -> Study:
    """A study that, on its own and by default, matches the claim fully (a clean large RCT)."""
    return Study(
        id=id, title=f"Synthetic study {id}", year=year, design=design, population=population,
        dose=Dose(dose), status=status, n=n, pain_model=pain_model, risk_of_bias=risk_of_bias,
        registry=registry, registration=registration, trial=trial, substances=substances,
        regimen=regimen, co_intervention=co_intervention, outcomes=outcomes,
        direction=direction,
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


Link = tuple[Study, Stance] | tuple[Study, Stance, str]


def make_claim(
    *links: Link,
    scope: ClaimScope = PATIENT_MICRO_CLINICAL,
    judgements: tuple[Judgement, ...] = (),
    certainty: Certainty | None = None,
    outcomes: tuple[ClaimOutcome, ...] = (),
    topic: ClaimTopic = ClaimTopic.EFFICACY,
    effect: str = "reduce",
    id: str = "c1",
) -> Claim:
    single = outcomes[0].outcome if len(outcomes) == 1 else None
    evidence = tuple(
        Evidence(link[0].id, link[1], "synthetic", link[2] if len(link) == 3 else single)
        for link in links)
    return Claim(
        id=id, statement="Microdosing reduces chronic pain.", intervention="microdosing",
        effect=effect, outcome="chronic pain", topic=topic, scope=scope, evidence=evidence,
        judgements=judgements, certainty=certainty, outcomes=outcomes, line=LINE,
    )


def make_corpus(claims: list[Claim], studies: list[Study]) -> Corpus:
    info = CorpusInfo(title="Synthetic", version="0", last_search=LAST_SEARCH, search_query="x")
    unique = {study.id: study for study in studies}
    return Corpus(info=info, conditions=(), mechanisms=(), substances=(), sources=(),
                  studies=tuple(unique.values()), claims=tuple(claims), path="synthetic.yaml",
                  outcomes=OUTCOMES)


def grade(*links: Link, **options: object) -> Grade:
    claim = make_claim(*links, **options)  # type: ignore[arg-type]
    return grade_claim(claim, make_corpus([claim], [link[0] for link in links]))


PAIN = (ClaimOutcome("pain"),)


def step(result: Grade | OutcomeGrade, domain: Domain) -> Step:
    matches = [s for s in result.steps if s.domain is domain]
    assert len(matches) == 1, f"expected one {domain.value} step, got {matches}"
    return matches[0]


def changes(result: Grade | OutcomeGrade) -> dict[Domain, int]:
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
    assert len(result.outcomes) == 1


def test_crossover_trials_count_as_randomised() -> None:
    result = grade((make_study("s1", design=StudyDesign.RANDOMISED_CROSSOVER), SUPPORTS))
    assert result.steps[0].level is Certainty.HIGH


@pytest.mark.parametrize("design", [StudyDesign.OPEN_LABEL, StudyDesign.COHORT,
                                    StudyDesign.CROSS_SECTIONAL_SURVEY, StudyDesign.CASE_SERIES,
                                    StudyDesign.CASE_REPORT, StudyDesign.QUALITATIVE])
def test_only_non_randomised_human_studies_start_low(design: StudyDesign) -> None:
    result = grade((make_study("s1", design=design), SUPPORTS))
    assert result.steps[0].level is Certainty.LOW
    assert result.steps[0].reason == "Started Low: 1 non-randomised human study"
    assert result.certainty is Certainty.LOW


@pytest.mark.parametrize("population", [Population.ANIMALS, Population.CELLS])
def test_only_animal_or_cell_studies_are_very_low_at_best(population: Population) -> None:
    study = make_study("s1", design=StudyDesign.PRECLINICAL, population=population,
                       dose=DoseCategory.NONE)
    result = grade((study, SUPPORTS), scope=ClaimScope())
    assert result.steps[0].level is Certainty.VERY_LOW
    assert "Very low at best" in result.steps[0].reason
    assert result.certainty is Certainty.VERY_LOW
    assert result.verdict is Verdict.INSUFFICIENT


def test_a_randomised_animal_study_is_still_animal_evidence() -> None:
    study = make_study("s1", population=Population.ANIMALS)
    assert grade((study, SUPPORTS)).steps[0].level is Certainty.VERY_LOW


def test_an_upgrade_does_not_lift_animal_evidence_above_very_low() -> None:
    study = make_study("s1", design=StudyDesign.PRECLINICAL, population=Population.ANIMALS)
    upgrade = Judgement(Domain.UPGRADE, 2, "large effect")
    result = grade((study, SUPPORTS), judgements=(upgrade,))
    assert result.certainty is Certainty.VERY_LOW
    assert result.steps[-1].change == 0
    assert result.steps[-1].reason.startswith("not applied (large effect)")


# --- what counts ------------------------------------------------------------------------------


def test_no_linked_study_is_no_evidence() -> None:
    result = grade()
    assert result.certainty is Certainty.NO_EVIDENCE
    assert result.verdict is Verdict.INSUFFICIENT
    assert result.statement == ("No study in the corpus addresses whether microdosing reduces "
                                "chronic pain.")
    assert result.steps[0].reason == "No study in the corpus addresses this claim"


@pytest.mark.parametrize("design", [StudyDesign.NARRATIVE_REVIEW, StudyDesign.SYSTEMATIC_REVIEW,
                                    StudyDesign.META_ANALYSIS])
def test_reviews_never_count(design: StudyDesign) -> None:
    result = grade((make_study("r1", design=design), SUPPORTS))
    assert result.certainty is Certainty.NO_EVIDENCE
    assert result.context[0].reason == "review: context, not independent evidence"


def test_context_stance_on_a_primary_study_is_not_counted() -> None:
    result = grade((make_study("s1"), SUPPORTS), (make_study("s2"), CONTEXT))
    assert result.counted == ("s1",)
    assert [c.study for c in result.context] == ["s2"]


def test_a_lower_tier_study_is_context_and_does_not_change_the_grade() -> None:
    rct = make_study("rct")
    survey = make_study("survey", design=StudyDesign.CROSS_SECTIONAL_SURVEY, n=5000,
                        risk_of_bias=RiskOfBias.HIGH)
    result = grade((rct, REFUTES), (survey, SUPPORTS))
    assert result.counted == ("rct",)
    assert "below the randomised evidence" in result.context[0].reason
    assert result.verdict is Verdict.REFUTED


def test_papers_of_the_same_registered_trial_count_once() -> None:
    main = make_study("main", registry="NCT00000001", n=500)
    follow = make_study("follow", registry="NCT00000001", n=300, year=2025)
    result = grade((main, SUPPORTS), (follow, SUPPORTS))
    assert result.counted == ("main",)
    assert result.participants == 500
    assert "same study sample as main" in result.context[0].reason


def test_papers_of_one_sample_without_a_registry_id_count_once_through_their_trial_key() -> None:
    # Issue: papers of one trial without a shared registry id counted twice.
    first = make_study("first", trial="one-sample", n=60)
    second = make_study("second", trial="one-sample", n=75, year=2025)
    result = grade((first, SUPPORTS), (second, SUPPORTS))
    assert result.counted == ("second",)  # the larger report stands for the sample
    assert result.participants == 75


def test_studies_without_registry_or_trial_are_separate() -> None:
    result = grade((make_study("a"), SUPPORTS), (make_study("b"), SUPPORTS))
    assert result.counted == ("a", "b")


# --- outcomes ---------------------------------------------------------------------------------


def test_a_study_counts_for_an_outcome_only_when_it_measured_it() -> None:
    measured = make_study("measured", outcomes=(effect("pain"),))
    unmeasured = make_study("unmeasured", outcomes=(effect("sleep"),))
    result = grade((measured, SUPPORTS), (unmeasured, SUPPORTS), outcomes=PAIN)
    assert result.counted == ("measured",)
    assert any(item.study == "unmeasured" and "records no measurement of pain" in item.reason
               for item in result.context)


def test_the_label_follows_the_least_certain_critical_outcome() -> None:
    strong = make_study("strong", outcomes=(effect("pain"),))
    weak = make_study("weak", design=StudyDesign.CASE_SERIES, n=10,
                      risk_of_bias=RiskOfBias.HIGH, outcomes=(effect("sleep"),))
    outcomes = (ClaimOutcome("pain"), ClaimOutcome("sleep"))
    result = grade((strong, SUPPORTS, "pain"), (weak, SUPPORTS, "sleep"), outcomes=outcomes)
    by_outcome = {row.outcome: row.certainty for row in result.outcomes}
    assert by_outcome == {"pain": Certainty.HIGH, "sleep": Certainty.VERY_LOW}
    assert result.certainty is Certainty.VERY_LOW
    assert result.steps == result.outcomes[1].steps
    assert "least certain critical outcome, sleep" in result.statement


def test_an_important_outcome_does_not_set_the_label() -> None:
    strong = make_study("strong", outcomes=(effect("pain"),))
    weak = make_study("weak", design=StudyDesign.CASE_SERIES, n=10,
                      risk_of_bias=RiskOfBias.HIGH, outcomes=(effect("sleep"),))
    outcomes = (ClaimOutcome("pain"), ClaimOutcome("sleep", Importance.IMPORTANT))
    result = grade((strong, SUPPORTS, "pain"), (weak, SUPPORTS, "sleep"), outcomes=outcomes)
    rows = {row.outcome: row for row in result.outcomes}
    assert rows["sleep"].certainty is Certainty.VERY_LOW
    assert rows["pain"].certainty is Certainty.HIGH
    assert result.certainty is Certainty.HIGH


def test_a_critical_outcome_without_evidence_makes_the_claim_no_evidence() -> None:
    strong = make_study("strong", outcomes=(effect("pain"),))
    outcomes = (ClaimOutcome("pain"), ClaimOutcome("sleep"))
    result = grade((strong, SUPPORTS, "pain"), outcomes=outcomes)
    assert result.certainty is Certainty.NO_EVIDENCE
    assert "least certain critical outcome, sleep" in result.statement


def test_summary_of_findings_rows_carry_effects_as_reported() -> None:
    study = make_study("s1", outcomes=(effect("pain", value=0.5, ci=(0.3, 0.7), n=480),))
    row = grade((study, SUPPORTS), outcomes=PAIN).outcomes[0]
    assert row.heading == "Pain (critical)"
    assert row.participants_text == "480 (1 study)"
    assert row.effects == ("s1: SMD = 0.5 (95% CI 0.3 to 0.7)",)
    assert row.participants == 480  # the n analysed for the outcome, not the study's n


# --- risk of bias (weighed by participants) ---------------------------------------------------


def test_one_large_low_risk_trial_outweighs_two_small_high_risk_ones() -> None:
    # Issue: one low-risk trial of 1,000 plus two high-risk trials of 20 gave -2.
    big = make_study("big", n=1000)
    small = [make_study(f"small{i}", n=20, risk_of_bias=RiskOfBias.HIGH) for i in (1, 2)]
    result = grade((big, SUPPORTS), *((s, SUPPORTS) for s in small))
    assert step(result, Domain.RISK_OF_BIAS).change == 0
    assert step(result, Domain.RISK_OF_BIAS).reason.startswith("not serious: 96%")


def test_most_weight_at_high_risk_is_very_serious() -> None:
    result = grade((make_study("a", n=300, risk_of_bias=RiskOfBias.HIGH), SUPPORTS),
                   (make_study("b", n=200), SUPPORTS))
    assert step(result, Domain.RISK_OF_BIAS).change == -2


@pytest.mark.parametrize("concern", [RiskOfBias.SOME_CONCERNS, RiskOfBias.NOT_ASSESSED])
def test_most_weight_with_some_concerns_is_serious(concern: RiskOfBias) -> None:
    result = grade((make_study("a", n=300, risk_of_bias=concern), SUPPORTS),
                   (make_study("b", n=200), SUPPORTS))
    assert step(result, Domain.RISK_OF_BIAS).change == -1


# --- inconsistency (weighed, from direction and intervals) ------------------------------------


def test_a_single_study_is_not_assessable_for_inconsistency() -> None:
    result = grade((make_study("s1"), SUPPORTS))
    assert step(result, Domain.INCONSISTENCY).change == 0
    assert "single study" in step(result, Domain.INCONSISTENCY).reason


def test_one_tiny_null_trial_against_large_positive_ones_is_not_serious() -> None:
    # Issue: one tiny null trial against large positive ones gave -1 or -2.
    result = grade((make_study("a", n=500), SUPPORTS), (make_study("b", n=500), SUPPORTS),
                   (make_study("tiny", n=20), REFUTES))
    assert step(result, Domain.INCONSISTENCY).change == 0
    assert result.verdict is Verdict.SUPPORTED


def test_two_trials_of_equal_weight_pointing_both_ways_are_serious() -> None:
    result = grade((make_study("a"), SUPPORTS), (make_study("b"), REFUTES))
    assert step(result, Domain.INCONSISTENCY).change == -1
    assert result.verdict is Verdict.MIXED


def test_a_balanced_split_of_three_is_very_serious() -> None:
    result = grade((make_study("a", n=500), SUPPORTS), (make_study("b", n=250), REFUTES),
                   (make_study("c", n=250), REFUTES))
    assert step(result, Domain.INCONSISTENCY).change == -2


def test_an_inconclusive_result_leans_the_way_its_point_estimate_falls() -> None:
    leaning_for = make_study("b", outcomes=(effect("pain", value=0.3, p="0.2"),))
    result = grade((make_study("a", outcomes=(effect("pain"),)), SUPPORTS),
                   (leaning_for, INCONCLUSIVE), outcomes=PAIN)
    assert step(result, Domain.INCONSISTENCY).change == 0
    leaning_against = make_study("c", outcomes=(effect("pain", value=-0.3, p="0.2"),))
    result = grade((make_study("a", outcomes=(effect("pain"),)), SUPPORTS),
                   (leaning_against, INCONCLUSIVE), outcomes=PAIN)
    assert step(result, Domain.INCONSISTENCY).change == -1


def test_intervals_that_do_not_overlap_are_serious_inconsistency() -> None:
    a = make_study("a", outcomes=(effect("pain", value=0.3, ci=(0.2, 0.4)),))
    b = make_study("b", outcomes=(effect("pain", value=1.2, ci=(1.0, 1.4)),))
    result = grade((a, SUPPORTS), (b, SUPPORTS), outcomes=PAIN)
    reason = step(result, Domain.INCONSISTENCY)
    assert reason.change == -1
    assert "do not overlap" in reason.reason


# --- indirectness (facets, weighed by participants) --------------------------------------------


def test_full_dose_trials_for_a_microdose_claim_are_never_above_low() -> None:
    # Issue: two full-dose RCTs linked to a microdose claim came out Moderate.
    studies = [make_study(f"s{i}", dose=DoseCategory.FULL) for i in (1, 2)]
    result = grade(*((s, SUPPORTS) for s in studies))
    assert step(result, Domain.INDIRECTNESS).change == -2
    assert result.certainty <= Certainty.LOW
    assert "No counted study tested microdoses." in result.statement
    assert result.statement.startswith("Microdosing may reduce chronic pain.")


def test_one_full_dose_and_one_microdose_trial_are_not_high() -> None:
    # Issue: one full-dose and one microdose RCT came out High.
    result = grade((make_study("full", dose=DoseCategory.FULL), SUPPORTS),
                   (make_study("micro"), SUPPORTS))
    assert step(result, Domain.INDIRECTNESS).change == -1
    assert result.certainty is Certainty.MODERATE
    assert "50% of the participants" in step(result, Domain.INDIRECTNESS).reason


def test_a_small_indirect_share_is_not_serious() -> None:
    result = grade((make_study("micro", n=900), SUPPORTS),
                   (make_study("full", n=100, dose=DoseCategory.FULL), SUPPORTS))
    assert step(result, Domain.INDIRECTNESS).change == 0


def test_healthy_volunteers_for_a_patient_claim_are_serious() -> None:
    result = grade((make_study("s1", population=Population.HEALTHY_VOLUNTEERS), SUPPORTS))
    assert step(result, Domain.INDIRECTNESS).change == -1
    assert "No counted study was in patients." in result.statement


def test_experimental_pain_for_a_clinical_claim_is_serious() -> None:
    result = grade((make_study("s1", pain_model=PainModel.EXPERIMENTAL), SUPPORTS))
    indirect = step(result, Domain.INDIRECTNESS)
    assert indirect.change == -1
    assert "experimental pain" in indirect.reason


def test_two_serious_facets_are_very_serious_and_never_more() -> None:
    study = make_study("s1", pain_model=PainModel.EXPERIMENTAL, regimen=Regimen.SINGLE)
    scope = ClaimScope(Population.PATIENTS, DoseCategory.MICRO, PainModel.CLINICAL,
                       regimen=Regimen.REPEATED)
    assert step(grade((study, SUPPORTS), scope=scope), Domain.INDIRECTNESS).change == -2


@pytest.mark.parametrize(("study_options", "scope"), [
    ({"substances": ("psilocybin",)}, ClaimScope(substances=("lsd",))),
    ({"regimen": Regimen.SINGLE}, ClaimScope(regimen=Regimen.REPEATED)),
    ({"regimen": None}, ClaimScope(regimen=Regimen.REPEATED)),  # not recorded: not a match
    ({"co_intervention": CoIntervention.PSYCHOTHERAPY},
     ClaimScope(co_intervention=CoIntervention.NONE)),
])
def test_substance_regimen_and_co_intervention_facets(study_options: dict[str, object],
                                                      scope: ClaimScope) -> None:
    study = make_study("s1", **study_options)  # type: ignore[arg-type]
    assert step(grade((study, SUPPORTS), scope=scope), Domain.INDIRECTNESS).change == -1


def test_a_claim_without_scope_says_indirectness_was_not_assessed() -> None:
    # Issue: a claim without scope printed "the studies match" even for healthy volunteers on
    # full doses.
    study = make_study("s1", population=Population.HEALTHY_VOLUNTEERS, dose=DoseCategory.FULL)
    indirect = step(grade((study, SUPPORTS), scope=ClaimScope()), Domain.INDIRECTNESS)
    assert indirect.change == 0
    assert indirect.reason.startswith("not assessed")
    assert "match" not in indirect.reason


# --- imprecision (interval first, then information size) ---------------------------------------


@pytest.mark.parametrize(("ci", "change", "words"), [
    ((0.3, 0.7), 0, "excludes no effect"),
    ((-0.1, 0.7), -1, "includes no effect and an appreciable benefit"),
    ((-0.5, 0.7), -2, "includes both an appreciable benefit and an appreciable harm"),
])
def test_imprecision_from_the_interval(ci: tuple[float, float], change: int, words: str) -> None:
    study = make_study("s1", outcomes=(effect("pain", value=0.4, ci=ci, n=450),))
    result = step(grade((study, SUPPORTS), outcomes=PAIN), Domain.IMPRECISION)
    assert result.change == change
    assert words in result.reason


def test_an_interval_excluding_no_effect_in_a_small_sample_still_falls_short_of_the_ois() -> None:
    study = make_study("s1", outcomes=(effect("pain", value=0.9, ci=(0.2, 1.6), n=200),))
    result = step(grade((study, SUPPORTS), outcomes=PAIN), Domain.IMPRECISION)
    assert result.change == -1
    assert "below the optimal information size" in result.reason


def test_ratio_measures_use_grade_s_appreciable_thresholds() -> None:
    crossing = make_study("s1", outcomes=(effect("pain", measure=Measure.RISK_RATIO, value=0.8,
                                                 ci=(0.6, 1.3), better=Better.LOWER, n=900),))
    assert step(grade((crossing, SUPPORTS), outcomes=PAIN), Domain.IMPRECISION).change == -2


@pytest.mark.parametrize(("sizes", "change"), [((500,), 0), ((300,), -1), ((99,), -2),
                                                ((60, 40), -1)])
def test_without_an_interval_the_information_size_decides(sizes: tuple[int, ...],
                                                          change: int) -> None:
    result = grade(*((make_study(f"s{i}", n=n), SUPPORTS) for i, n in enumerate(sizes)))
    assert step(result, Domain.IMPRECISION).change == change


def test_a_missing_n_is_not_penalised_less_than_a_known_small_one() -> None:
    # Issue: a missing n was penalised less than a known small one.
    known = step(grade((make_study("s1", n=50), SUPPORTS)), Domain.IMPRECISION).change
    missing = step(grade((make_study("s1", n=None), SUPPORTS)), Domain.IMPRECISION)
    assert missing.change <= known
    assert missing.change == -2
    assert "no sample size recorded" in missing.reason


def test_a_non_significant_result_without_an_interval_is_at_least_serious() -> None:
    study = make_study("s1", outcomes=(effect("pain", value=0.2, p="0.30", n=600),))
    result = step(grade((study, INCONCLUSIVE), outcomes=PAIN), Domain.IMPRECISION)
    assert result.change == -1
    assert "does not exclude no effect" in result.reason


# --- publication bias ---------------------------------------------------------------------------


def test_a_registration_silent_for_years_is_serious_publication_bias() -> None:
    registration = make_registration("nct1", PublicationStatus.COMPLETED_WITHOUT_RESULTS,
                                     completion="2020-06", enrolment=40)
    result = grade((make_study("s1"), SUPPORTS), (registration, CONTEXT))
    assert step(result, Domain.PUBLICATION_BIAS).change == -1


def test_an_ongoing_registration_long_past_its_completion_is_overdue() -> None:
    # Issue: ongoing registrations long past their completion date never raised it.
    overdue = make_registration("nct2", PublicationStatus.ONGOING, completion="2022-07-15",
                                enrolment=24)
    result = grade((make_study("s1"), SUPPORTS), (overdue, CONTEXT))
    bias = step(result, Domain.PUBLICATION_BIAS)
    assert bias.change == -1
    assert "overdue, status unverified" in bias.reason


def test_an_ongoing_registration_not_yet_overdue_is_not_a_signal() -> None:
    recent = make_registration("nct2", PublicationStatus.ONGOING, completion="2025-07-15")
    assert step(grade((make_study("s1"), SUPPORTS), (recent, CONTEXT)),
                Domain.PUBLICATION_BIAS).change == 0


def test_a_registration_whose_paper_is_counted_is_not_a_signal() -> None:
    # Issue: a registration whose paper was already counted raised publication bias.
    registration = make_registration("nct3", PublicationStatus.COMPLETED_WITHOUT_RESULTS,
                                     completion="2019-01")
    paper = make_study("paper", registry="NCT3")
    bias = step(grade((paper, SUPPORTS), (registration, CONTEXT)), Domain.PUBLICATION_BIAS)
    assert bias.change == 0
    assert "reported in a counted paper" in bias.reason


def test_more_unpublished_than_published_participants_is_very_serious() -> None:
    registration = make_registration("nct4", PublicationStatus.TERMINATED, completion="2018",
                                     enrolment=900)
    result = grade((make_study("s1"), SUPPORTS), (registration, CONTEXT))
    assert step(result, Domain.PUBLICATION_BIAS).change == -2


def test_a_registration_that_ended_recently_is_not_a_signal() -> None:
    registration = make_registration("nct5", PublicationStatus.TERMINATED, completion="2025-03")
    result = grade((make_study("s1"), SUPPORTS), (registration, CONTEXT))
    assert step(result, Domain.PUBLICATION_BIAS).change == 0


# --- stances, verdicts and statements -----------------------------------------------------------


def test_a_non_significant_trial_is_not_a_refutation() -> None:
    # Issue: a non-significant trial (d = 0.69 in favour, p = 0.25, 14 analysed) was a refutation.
    trial = make_study("trial", n=14, outcomes=(effect("pain", measure=Measure.COHENS_D,
                                                       value=0.69, p="0.25", n=14),))
    result = grade((trial, INCONCLUSIVE), outcomes=PAIN, scope=ClaimScope(Population.PATIENTS))
    assert result.verdict is Verdict.INSUFFICIENT
    assert "not" not in result.statement.split(".")[0].replace("could not", "")
    warnings = curation_warnings(make_corpus(
        [make_claim((trial, REFUTES), outcomes=PAIN, scope=ClaimScope(Population.PATIENTS))],
        [trial]))
    assert any("'refutes' needs an estimate" in w.message for w in warnings)


def test_an_inconclusive_body_at_low_certainty_says_studies_could_not_show() -> None:
    trials = [make_study(f"t{i}", n=150, outcomes=(effect("pain", value=0.1, p="0.4"),))
              for i in (1, 2)]
    result = grade(*((t, INCONCLUSIVE) for t in trials), outcomes=PAIN)
    assert result.verdict is Verdict.INSUFFICIENT
    assert result.statement.startswith(
        "Studies could not show whether microdosing reduces chronic pain")


def test_little_to_no_difference_only_when_the_estimate_supports_it() -> None:
    precise = make_study("s1", n=2000, outcomes=(
        effect("pain", value=0.02, ci=(-0.1, 0.12), n=2000),))
    result = grade((precise, REFUTES), outcomes=PAIN)
    assert result.verdict is Verdict.REFUTED
    assert result.statement.startswith(
        "Microdosing results in little to no difference in chronic pain.")
    no_estimate = grade((make_study("s2"), REFUTES))
    assert no_estimate.statement == "Microdosing does not reduce chronic pain."


def test_the_statement_gives_the_size_of_the_effect_as_reported() -> None:
    study = make_study("s1", outcomes=(effect("pain", value=0.9, ci=(0.7, 1.1), n=600),))
    result = grade((study, SUPPORTS), outcomes=PAIN)
    assert result.statement == ("Microdosing reduces chronic pain. Effect as reported (large): "
                                "SMD = 0.9 (95% CI 0.7 to 1.1), s1.")


def test_weighed_verdict_follows_the_weight_not_the_count() -> None:
    result = grade((make_study("big", n=2000), REFUTES), (make_study("a", n=100), SUPPORTS),
                   (make_study("b", n=100), SUPPORTS))
    assert result.verdict is Verdict.REFUTED


@pytest.mark.parametrize(("certainty", "verdict", "text"), [
    (Certainty.HIGH, Verdict.SUPPORTED, "Microdosing reduces chronic pain."),
    (Certainty.MODERATE, Verdict.SUPPORTED, "Microdosing probably reduces chronic pain."),
    (Certainty.LOW, Verdict.SUPPORTED, "Microdosing may reduce chronic pain."),
    (Certainty.VERY_LOW, Verdict.INSUFFICIENT,
     "The evidence is very uncertain about whether microdosing reduces chronic pain."),
    (Certainty.MODERATE, Verdict.REFUTED, "Microdosing probably does not reduce chronic pain."),
    (Certainty.LOW, Verdict.REFUTED, "Microdosing may not reduce chronic pain."),
    (Certainty.LOW, Verdict.MIXED,
     "Studies disagree on whether microdosing reduces chronic pain (low certainty)."),
])
def test_hedged_statement(certainty: Certainty, verdict: Verdict, text: str) -> None:
    assert hedged_statement(make_claim(), certainty, verdict) == text


@pytest.mark.parametrize(("certainty", "verdict", "text"), [
    (Certainty.HIGH, Verdict.SUPPORTED, "Lithium use is associated with seizures."),
    (Certainty.MODERATE, Verdict.SUPPORTED, "Lithium use is probably associated with seizures."),
    (Certainty.LOW, Verdict.SUPPORTED, "Lithium use may be associated with seizures."),
    (Certainty.HIGH, Verdict.REFUTED, "Lithium use is not associated with seizures."),
    (Certainty.MODERATE, Verdict.REFUTED,
     "Lithium use is probably not associated with seizures."),
])
def test_an_associational_verb_stays_associational(certainty: Certainty, verdict: Verdict,
                                                   text: str) -> None:
    claim = Claim(id="c", statement="s", intervention="lithium use",
                  effect="be associated with", outcome="seizures", topic=ClaimTopic.SAFETY)
    assert hedged_statement(claim, certainty, verdict) == text


@pytest.mark.parametrize(("verb", "expected"), [
    ("reduce", "reduces"), ("carry", "carries"), ("relieve", "relieves"), ("be", "is"),
    ("increase", "increases"), ("avoid", "avoids"), ("go", "goes"),
    ("be associated with", "is associated with"),
])
def test_third_person(verb: str, expected: str) -> None:
    assert third_person(verb) == expected


@pytest.mark.parametrize(("text", "value"), [
    ("0.25", (0.25, False)), ("<0.001", (0.001, True)), ("p < .05", (0.05, True)),
    ("n.s.", (1.0, False)), ("banana", None), (None, None), ("7", None),
])
def test_p_values_are_read_as_reported(text: str | None, value: tuple[float, bool] | None
                                       ) -> None:
    assert p_value(text) == value


# --- harms ----------------------------------------------------------------------------------------


def test_only_studies_that_measured_a_harm_count_for_it() -> None:
    # Issue: a harm claim could be overturned by short trials that never measured the harm.
    report = make_study("reports", design=StudyDesign.CASE_SERIES, n=60,
                        outcomes=(effect("seizures", result=Result.HARM),))
    short = [make_study(f"short{i}", outcomes=(effect("pain"),)) for i in (1, 2)]
    result = grade((report, SUPPORTS, "seizures"), *((s, REFUTES, "seizures") for s in short),
                   outcomes=(ClaimOutcome("seizures"),), topic=ClaimTopic.SAFETY,
                   scope=ClaimScope(), effect="cause")
    assert result.counted == ("reports",)
    assert result.verdict is Verdict.INSUFFICIENT  # very low: a case series of reports


def test_absence_of_evidence_of_harm_is_never_worded_as_safety() -> None:
    result = grade(outcomes=(ClaimOutcome("seizures"),), topic=ClaimTopic.SAFETY,
                   scope=ClaimScope(), effect="cause")
    assert result.certainty is Certainty.NO_EVIDENCE
    assert result.statement.endswith("Not finding a harm is not evidence of safety.")
    assert "No study in the corpus measured whether" in result.statement


# --- good practice statements -------------------------------------------------------------------


def test_a_good_practice_statement_is_not_graded() -> None:
    result = grade((make_study("s1"), SUPPORTS), topic=ClaimTopic.GOOD_PRACTICE)
    assert result.verdict is Verdict.NOT_GRADED
    assert result.label == "not graded"
    assert result.counted == ()
    assert result.statement.startswith("Good practice statement, not graded:")


# --- curated judgements and the floor -------------------------------------------------------------


def test_a_curated_judgement_replaces_the_computed_domain() -> None:
    study = make_study("s1", risk_of_bias=RiskOfBias.HIGH)
    curated = Judgement(Domain.RISK_OF_BIAS, -1, "blinding broke only for the secondary outcome")
    result = grade((study, SUPPORTS), judgements=(curated,))
    rob = step(result, Domain.RISK_OF_BIAS)
    assert rob.curated is True
    assert rob.change == -1
    assert rob.reason == "blinding broke only for the secondary outcome (computed: -2)"
    assert result.certainty is Certainty.MODERATE


def test_a_curated_upgrade_raises_the_grade() -> None:
    cohort = make_study("s1", design=StudyDesign.COHORT)
    upgrade = Judgement(Domain.UPGRADE, 1, "large, dose-dependent effect")
    result = grade((cohort, SUPPORTS), judgements=(upgrade,))
    assert result.steps[-1].domain is Domain.UPGRADE
    assert result.certainty is Certainty.MODERATE


def test_certainty_never_falls_below_very_low_and_the_floor_is_no_credit() -> None:
    study = make_study("s1", n=20, risk_of_bias=RiskOfBias.HIGH,
                       population=Population.HEALTHY_VOLUNTEERS, dose=DoseCategory.FULL)
    upgrade = Judgement(Domain.UPGRADE, 2, "large effect")
    result = grade((study, SUPPORTS), judgements=(upgrade,))
    assert all(s.level >= Certainty.VERY_LOW for s in result.steps)
    assert result.certainty is Certainty.VERY_LOW


# --- curation warnings ----------------------------------------------------------------------------


def _warnings(claim: Claim, *studies: Study) -> list[str]:
    return [w.message for w in curation_warnings(make_corpus([claim], list(studies)))]


def test_curation_warning_when_the_curated_certainty_differs() -> None:
    study = make_study("s1", design=StudyDesign.COHORT)
    claim = make_claim((study, SUPPORTS), certainty=Certainty.MODERATE)
    warnings = curation_warnings(make_corpus([claim], [study]))
    assert len(warnings) == 1
    assert warnings[0].severity is Severity.WARNING
    assert (warnings[0].line, warnings[0].record, warnings[0].field) == (LINE, "c1", "certainty")
    assert warnings[0].message == "curated certainty Moderate differs from the computed Low"


def test_warning_for_an_efficacy_claim_without_scope() -> None:
    study = make_study("s1")
    assert _warnings(make_claim((study, SUPPORTS), scope=ClaimScope()), study) == [
        "an efficacy claim without scope: indirectness cannot be assessed"]


def test_warning_for_a_link_to_a_study_that_never_measured_the_outcome() -> None:
    study = make_study("s1", outcomes=(effect("sleep"),))
    messages = _warnings(make_claim((study, SUPPORTS), outcomes=PAIN), study)
    assert messages == ["s1: linked for pain, but the study records no measurement of it, so "
                        "it is not counted"]


def test_warning_when_supports_meets_a_non_significant_effect() -> None:
    study = make_study("s1", outcomes=(effect("pain", value=0.2, p="0.4"),))
    messages = _warnings(make_claim((study, SUPPORTS), outcomes=PAIN), study)
    assert len(messages) == 1
    assert "'supports', but the recorded effect does not exclude no effect" in messages[0]


def test_a_justified_refutation_draws_no_warning() -> None:
    study = make_study("s1", outcomes=(effect("pain", value=0.02, ci=(-0.1, 0.12)),))
    assert _warnings(make_claim((study, REFUTES), outcomes=PAIN), study) == []


def test_warning_when_a_stance_contradicts_the_study_direction() -> None:
    study = make_study("s1", direction=Direction.NO_EFFECT)
    assert _warnings(make_claim((study, SUPPORTS)), study) == [
        "s1: 'supports', but the study's direction is no-effect"]


def test_grade_all_grades_every_claim_by_id() -> None:
    study = make_study("s1")
    claims = [make_claim((study, SUPPORTS), id="c1"), make_claim(id="c2")]
    grades = grade_all(make_corpus(claims, [study]))
    assert {key: value.certainty for key, value in grades.items()} == {
        "c1": Certainty.HIGH, "c2": Certainty.NO_EVIDENCE}


# --- the shipped corpus -----------------------------------------------------------------------


def test_the_shipped_corpus_is_graded_as_the_issue_requires() -> None:
    corpus = painlit.load_corpus(painlit.default_corpus_path())
    grades = grade_all(corpus)
    for claim in corpus.claims:
        result = grades[claim.id]
        if "source-article" in claim.sources:
            assert result.certainty <= Certainty.LOW, claim.id
        for row in result.outcomes:
            for estimate in row.estimates:
                assert estimate.effect is not None, (claim.id, estimate.study)
        counted = [corpus.study_by_id[study_id] for study_id in result.counted]
        if counted and not any(study.design.is_randomised for study in counted):
            assert result.certainty <= Certainty.LOW, claim.id
        if (claim.scope.dose is DoseCategory.MICRO and counted
                and all(study.dose.category is not DoseCategory.MICRO for study in counted)):
            assert "No counted study tested microdoses." in result.statement, claim.id
    for claim_id in ("diabetic-neuropathy-responds-to-microdosing",
                     "trigeminal-neuralgia-responds-to-microdosing"):
        assert grades[claim_id].certainty is Certainty.NO_EVIDENCE
