"""GRADE certainty for a claim, per outcome, computed from its linked body of evidence, with
every reason.

The rules (documented with their rationale, and every threshold that stands in for a GRADE
judgement, in docs/grading.md):

* Only primary studies count. Reviews and trial registrations are context; the papers of one
  study sample (a shared `trial` key, else a shared registry id) count once.
* A claim is graded per outcome (a row of a summary-of-findings table). A study counts for an
  outcome only when it records a measurement of that outcome; the claim's label is the lowest
  certainty among its critical outcomes.
* The body that decides an outcome's grade is the highest tier present: randomised human
  studies (start High), else non-randomised human studies (start Low), else animal or cell
  studies (start Very low). Lower tiers are listed as context, never averaged in.
* Judgements are weighed, not counted: each study weighs its participants analysed. Rate down
  one level (serious) or two (very serious) for risk of bias, inconsistency, indirectness
  (population, dose, pain model, substance, regimen, co-intervention), imprecision (the 95%
  interval where one is reported, else the information size) and publication bias.
* Rate up only with a curated, written reason. Curated judgements replace the computed one
  for their domain and are shown as curated. Certainty never falls below Very low while any
  study counts; with none it is "No evidence".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from painlit.errors import Problem, Severity
from painlit.frozen import frozen
from painlit.model import (
    Better,
    ById,
    Certainty,
    Claim,
    ClaimOutcome,
    ClaimScope,
    ClaimTopic,
    CoIntervention,
    Corpus,
    CorpusIndex,
    Direction,
    Domain,
    DoseCategory,
    Effect,
    Evidence,
    Importance,
    Judgement,
    PainModel,
    Population,
    PublicationStatus,
    Regimen,
    Registration,
    Result,
    RiskOfBias,
    Stance,
    StudyDesign,
)

# --- painlit's own conventions (each stands in for a GRADE judgement; docs/grading.md) --------

#: The optimal information size, in participants: GRADE's rule of thumb for a continuous
#: outcome (a trial powered for a small-to-moderate effect). Fewer is serious imprecision.
OPTIMAL_INFORMATION_SIZE = 400
#: "Far less than the OIS" (GRADE guidance 34: rate down more than one level): fewer
#: participants than this is very serious imprecision.
FAR_BELOW_OIS = 100
#: A registered trial that ended this many years before the last search with no results (or
#: that is still "ongoing" this long after its completion date) is a publication-bias signal.
UNPUBLISHED_AFTER_YEARS = 2
#: Inconsistency: the share of weight pointing the other way that is serious (−1), and the
#: share, with three or more studies taking sides, that is very serious (−2).
MINORITY_SERIOUS = 0.2
MINORITY_VERY_SERIOUS = 0.4
#: Indirectness: a facet is serious when studies holding at least this share of the weight
#: differ from the claim on it.
INDIRECT_SHARE = 1 / 3
#: Risk of bias: the share of weight in high-risk studies that is very serious, and in
#: studies at high risk, with some concerns or not assessed, that is serious.
BIASED_SHARE = 0.5
#: Appreciable benefit or harm: a standardised difference of 0.2 (Cohen's "small"), a ratio
#: below 0.75 or above 1.25 (GRADE guidelines 6's rough guide); for raw differences the
#: curator's `mid` (minimal important difference), else only "no effect" can be judged.
SMD_APPRECIABLE = 0.2
RATIO_BENEFIT_BELOW, RATIO_HARM_ABOVE = 0.75, 1.25
#: Cohen's conventions for the size of a standardised difference, used for wording only.
MAGNITUDES = ((0.8, "large"), (0.5, "moderate"), (0.2, "small"), (0.0, "trivial"))


class Verdict(StrEnum):
    SUPPORTED = "supported"
    REFUTED = "refuted"
    MIXED = "mixed"
    INSUFFICIENT = "insufficient"
    #: A good practice statement: shown, never graded.
    NOT_GRADED = "not graded"


@frozen
class Step:
    """One step of the grading: the start, or a domain's rating (possibly 0)."""

    domain: Domain | None  # None for the starting level
    change: int
    level: Certainty  # the certainty after this step
    reason: str
    curated: bool = False

    def describe(self) -> str:
        if self.domain is None:
            return self.reason
        sign = f"{self.change:+d}" if self.change else "±0"
        curated = " (curated)" if self.curated else ""
        return f"{sign} {self.domain.value}{curated}: {self.reason}"


@frozen
class ContextItem:
    """A linked study that does not count towards the grade, and why."""

    study: str
    reason: str


@frozen
class Estimate:
    """A counted study's result for one outcome: its effect as reported (None when the study
    records none for a claim without outcomes), the participants it weighs, and its stance."""

    study: str
    effect: Effect | None
    n: int | None
    stance: Stance

    @property
    def reported(self) -> str:
        return self.effect.estimate if self.effect is not None else "effect not recorded"


@frozen
class OutcomeGrade:
    """One row of the claim's summary of findings: the certainty of one outcome."""

    outcome: str | None  # the outcome's id; None for a claim that names no outcomes
    name: str
    importance: Importance
    harm: bool
    certainty: Certainty
    verdict: Verdict
    statement: str
    steps: tuple[Step, ...]
    counted: tuple[str, ...]
    context: tuple[ContextItem, ...]
    estimates: tuple[Estimate, ...]
    supporting: int
    refuting: int
    inconclusive: int
    mixed: int
    participants: int
    #: What no counted study matched ("No counted study tested microdoses."), for statements.
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.certainty.symbols} {self.certainty.label}"

    @property
    def heading(self) -> str:
        """'Pain (critical)'."""
        return f"{self.name[:1].upper()}{self.name[1:]} ({self.importance.value})"

    @property
    def participants_text(self) -> str:
        """'14 (1 study)', the summary-of-findings column."""
        studies = _plural(len(self.counted), "study")
        return f"{self.participants} ({studies})" if self.counted else "none"

    @property
    def effects(self) -> tuple[str, ...]:
        """Each counted study's effect as reported: 'schindler-2022: d = 0.69 (p = 0.25)'."""
        return tuple(f"{e.study}: {e.reported}" for e in self.estimates)

    @property
    def downgrades(self) -> str:
        """The domains that moved the certainty, briefly: '-2 risk-of-bias, -2 imprecision'."""
        return ", ".join(f"{step.change:+d} {step.domain.value}" for step in self.steps
                         if step.change and step.domain is not None)


@frozen
class Grade:
    """A claim's grade: the certainty, verdict, statement and steps of its deciding outcome
    (the critical outcome of lowest certainty), and every outcome's row."""

    claim: str
    certainty: Certainty
    verdict: Verdict
    statement: str
    steps: tuple[Step, ...]
    counted: tuple[str, ...]
    context: tuple[ContextItem, ...]
    supporting: int
    refuting: int
    mixed: int
    participants: int
    inconclusive: int = 0
    outcomes: tuple[OutcomeGrade, ...] = ()

    @property
    def label(self) -> str:
        if self.verdict is Verdict.NOT_GRADED:
            return "not graded"
        return f"{self.certainty.symbols} {self.certainty.label}"




class _Facts:
    """What grading reads of a study, taken from the corpus index: no record is decoded."""

    __slots__ = (
        "co_intervention",
        "design",
        "dose_category",
        "effects",
        "id",
        "n",
        "pain_model",
        "population",
        "regimen",
        "registration",
        "registry",
        "risk_of_bias",
        "status",
        "substances",
        "trial_key",
        "year",
    )
    id: str
    design: StudyDesign
    population: Population
    n: int | None
    year: int
    status: PublicationStatus
    registration: Registration | None
    registry: str | None
    risk_of_bias: RiskOfBias
    pain_model: PainModel
    dose_category: DoseCategory
    trial_key: str
    regimen: Regimen | None
    co_intervention: CoIntervention | None
    substances: tuple[str, ...]
    effects: tuple[Effect, ...]

    def __init__(self, index: CorpusIndex, position: int) -> None:
        self.id = index.study_ids[position]
        self.design = index.study_designs[position]
        self.population = index.study_populations[position]
        self.n = index.study_sizes[position]
        self.year = index.study_years[position]
        self.status = index.study_statuses[position]
        self.registration = index.study_registrations[position]
        self.registry = index.study_identifiers[position][2]
        self.risk_of_bias = index.study_risks[position]
        self.pain_model = index.study_pain_models[position]
        self.dose_category = index.study_doses[position]
        self.trial_key = index.study_trials[position]
        self.regimen = index.study_regimens[position]
        self.co_intervention = index.study_co_interventions[position]
        self.substances = index.study_substances[position]
        self.effects = index.study_effects[position]

    def effect(self, outcome: str | None) -> Effect | None:
        """The study's first recorded measurement of `outcome` (its primary one)."""
        return next((e for e in self.effects if e.outcome == outcome), None)


@dataclass(slots=True)
class _Linked:
    study: _Facts
    stance: Stance
    effect: Effect | None
    weight: float = 0.0

    @property
    def n(self) -> int | None:
        if self.effect is not None and self.effect.n is not None:
            return self.effect.n
        return self.study.n


# --- effects on a common footing ---------------------------------------------------------------

@frozen
class _Scale:
    """Where an effect measure puts no effect and appreciable benefit and harm (raw values),
    and which way favours the intervention."""

    null: float
    benefit: float | None
    harm: float | None
    higher_is_better: bool

    def favours(self, value: float) -> bool:
        return value > self.null if self.higher_is_better else value < self.null

    def beyond(self, value: float, threshold: float | None, towards_benefit: bool) -> bool:
        """Whether `value` reaches the appreciable threshold on the benefit (or harm) side."""
        if threshold is None:
            return False
        benefit_up = self.higher_is_better
        up = benefit_up if towards_benefit else not benefit_up
        return value >= threshold if up else value <= threshold


def _scale(effect: Effect | None) -> _Scale | None:
    if effect is None or effect.measure is None or effect.better is None:
        return None
    measure, higher = effect.measure, effect.better is Better.HIGHER
    if measure.is_standardised:
        step = SMD_APPRECIABLE if higher else -SMD_APPRECIABLE
        return _Scale(0.0, step, -step, higher)
    if measure.is_ratio:
        benefit, harm = ((RATIO_HARM_ABOVE, RATIO_BENEFIT_BELOW) if higher
                         else (RATIO_BENEFIT_BELOW, RATIO_HARM_ABOVE))
        return _Scale(1.0, benefit, harm, higher)
    if measure.is_difference:
        if effect.mid is None:
            return _Scale(0.0, None, None, higher)
        step = effect.mid if higher else -effect.mid
        return _Scale(0.0, step, -step, higher)
    return None


def p_value(text: str | None) -> tuple[float, bool] | None:
    """A reported p-value as (number, is an upper bound): '0.25' -> (0.25, False),
    '<0.001' -> (0.001, True); None when it cannot be read ('n.s.' is (1.0, False))."""
    if text is None:
        return None
    value = text.strip().lower().replace(" ", "").removeprefix("p")
    if value in ("n.s.", "ns", "n.s", ">0.05", "≥0.05"):
        return 1.0, False
    bound = value[:1] in "<≤"
    value = value.lstrip("<≤=>≥")
    try:
        number = float(value)
    except ValueError:
        return None
    return (number, bound) if 0 <= number <= 1 else None


def _significant(effect: Effect) -> bool | None:
    """Whether the reported effect excludes no effect: from its interval, else its p-value."""
    scale = _scale(effect)
    if scale is not None and effect.ci_low is not None and effect.ci_high is not None:
        return not effect.ci_low <= scale.null <= effect.ci_high
    p = p_value(effect.p)
    if p is not None:
        return p[0] < 0.05 or (p[1] and p[0] <= 0.05)
    if effect.result is Result.NO_DIFFERENCE:
        return False
    return None


def _leaning(item: _Linked) -> int:
    """+1 when the study's result favours the claim, -1 when it goes against, 0 when neither:
    its stance, or for an inconclusive result the side its point estimate falls on."""
    if item.stance is Stance.SUPPORTS:
        return 1
    if item.stance is Stance.REFUTES:
        return -1
    if item.stance is Stance.INCONCLUSIVE and item.effect is not None:
        scale = _scale(item.effect)
        if scale is not None and item.effect.value is not None:
            return 1 if scale.favours(item.effect.value) else -1 if (
                item.effect.value != scale.null) else 0
    return 0


# --- hedged wording ---------------------------------------------------------------------------

_IRREGULAR = {"be": "is", "have": "has", "do": "does", "go": "goes"}


def third_person(verb: str) -> str:
    """'reduce' -> 'reduces', 'carry' -> 'carries', 'be associated with' -> 'is associated
    with'."""
    head, _, rest = verb.partition(" ")
    tail = f" {rest}" if rest else ""
    if head in _IRREGULAR:
        return _IRREGULAR[head] + tail
    if head.endswith(("s", "sh", "ch", "x", "z", "o")):
        return head + "es" + tail
    if head.endswith("y") and len(head) > 1 and head[-2] not in "aeiou":
        return head[:-1] + "ies" + tail
    return head + "s" + tail


@frozen
class _Verb:
    """The forms of a claim's verb phrase that hedged wording needs."""

    base: str

    @property
    def _be(self) -> tuple[bool, str]:
        head, _, rest = self.base.partition(" ")
        return head == "be", (f" {rest}" if rest else "")

    def does(self) -> str:
        return third_person(self.base)

    def does_not(self) -> str:
        be, rest = self._be
        return f"is not{rest}" if be else f"does not {self.base}"

    def probably(self) -> str:
        be, rest = self._be
        return f"is probably{rest}" if be else f"probably {self.does()}"

    def probably_not(self) -> str:
        be, rest = self._be
        return f"is probably not{rest}" if be else f"probably does not {self.base}"


_LITTLE_DIFFERENCE = {
    Certainty.HIGH: "results in little to no difference in",
    Certainty.MODERATE: "probably results in little to no difference in",
    Certainty.LOW: "may result in little to no difference in",
}


def hedged_statement(claim: Claim, certainty: Certainty, verdict: Verdict, *,
                     outcome: str | None = None, little_difference: bool = False,
                     harm: bool = False, notes: Sequence[str] = ()) -> str:
    """The claim re-worded to say no more than its certainty allows (GRADE's informative
    statements, Santesso et al. 2020), about `outcome` (default: the claim's own wording),
    followed by `notes` (what no study tested; the size of the effect). `harm`: the outcome is
    a harm no counted study found, so the statement adds that this is not evidence of
    safety."""
    subject, verb, what = claim.intervention, _Verb(claim.effect), outcome or claim.outcome
    subject_cap = subject[:1].upper() + subject[1:]
    does = verb.does()
    if verdict is Verdict.NOT_GRADED:
        sentence = f"Good practice statement, not graded: {claim.statement.rstrip('.')}."
    elif certainty is Certainty.NO_EVIDENCE:
        measured = "measured" if harm else "addresses"
        sentence = f"No study in the corpus {measured} whether {subject} {does} {what}."
    elif certainty is Certainty.VERY_LOW:
        sentence = f"The evidence is very uncertain about whether {subject} {does} {what}."
    elif verdict is Verdict.INSUFFICIENT:
        sentence = (f"Studies could not show whether {subject} {does} {what} "
                    f"({certainty.label.lower()} certainty): their results fit both an effect "
                    "and no effect.")
    elif verdict is Verdict.MIXED:
        sentence = (f"Studies disagree on whether {subject} {does} {what} "
                    f"({certainty.label.lower()} certainty).")
    elif verdict is Verdict.REFUTED and little_difference:
        sentence = f"{subject_cap} {_LITTLE_DIFFERENCE[certainty]} {what}."
    else:
        negative = verdict is Verdict.REFUTED
        if certainty is Certainty.HIGH:
            middle = verb.does_not() if negative else does
        elif certainty is Certainty.MODERATE:
            middle = verb.probably_not() if negative else verb.probably()
        else:
            middle = f"may not {verb.base}" if negative else f"may {verb.base}"
        sentence = f"{subject_cap} {middle} {what}."
    extra = list(notes)
    if harm and verdict is not Verdict.SUPPORTED and not little_difference and (
            verdict is not Verdict.NOT_GRADED):
        extra.append("Not finding a harm is not evidence of safety.")
    return " ".join([sentence, *extra])


def _magnitude(effect: Effect) -> str | None:
    """'large', 'moderate', 'small' or 'trivial' for a standardised difference as reported."""
    if effect.measure is None or not effect.measure.is_standardised or effect.value is None:
        return None
    size = abs(effect.value)
    return next(word for floor, word in MAGNITUDES if size >= floor)


# --- domains ------------------------------------------------------------------------------------

def _plural(count: int, word: str) -> str:
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word[:-1]}ies" if word.endswith("y") else f"{count} {word}s"


def _share(part: float, whole: float) -> str:
    return f"{round(100 * part / whole)}%" if whole else "0%"


def _weigh(body: list[_Linked]) -> list[str]:
    """Give each study its weight (participants analysed); a study whose n is not recorded
    weighs as much as the smallest recorded one (1 when none is). Returns those studies."""
    known = [n for item in body if (n := item.n) is not None]
    fallback = float(min(known)) if known else 1.0
    unknown = []
    for item in body:
        n = item.n
        item.weight = float(n) if n is not None else fallback
        if n is None:
            unknown.append(item.study.id)
    return unknown


def _weighed(body: list[_Linked], chosen: Iterable[_Linked]) -> tuple[float, float]:
    return sum(item.weight for item in chosen), sum(item.weight for item in body)


def _risk_of_bias(body: list[_Linked]) -> tuple[int, str]:
    high_items = [i for i in body if i.study.risk_of_bias is RiskOfBias.HIGH]
    concern_items = [i for i in body if i.study.risk_of_bias in (
        RiskOfBias.SOME_CONCERNS, RiskOfBias.NOT_ASSESSED)]
    high, total = _weighed(body, high_items)
    concerns, _ = _weighed(body, concern_items)
    studies = _plural(len(body), "study")
    if total and high / total > BIASED_SHARE:
        return -2, (f"very serious: {_share(high, total)} of the participants are in "
                    f"{len(high_items)} of {studies} at high risk of bias")
    if total and (high + concerns) / total > BIASED_SHARE:
        return -1, (f"serious: {_share(high + concerns, total)} of the participants are in "
                    f"studies at high risk, with some concerns, or not assessed "
                    f"({len(high_items) + len(concern_items)} of {studies})")
    return 0, (f"not serious: {_share(total - high - concerns, total)} of the participants "
               f"are in studies at low risk of bias")


def _overlap_gap(body: list[_Linked]) -> tuple[str, str] | None:
    """Two studies whose intervals (same measure, same orientation) do not overlap."""
    intervals = [(item.study.id, (e.measure, e.better), e.ci_low, e.ci_high) for item in body
                 if (e := item.effect) is not None and e.measure is not None
                 and e.ci_low is not None and e.ci_high is not None]
    for index, (first, kind, low, high) in enumerate(intervals):
        for second, other_kind, other_low, other_high in intervals[index + 1:]:
            if kind == other_kind and (high < other_low or other_high < low):
                return first, second
    return None


def _inconsistency(body: list[_Linked]) -> tuple[int, str]:
    if len(body) == 1:
        return 0, "not assessable with a single study; not rated down"
    sides = [(item, _leaning(item)) for item in body]
    favour = [item for item, side in sides if side > 0]
    against = [item for item, side in sides if side < 0]
    total = sum(item.weight for item in favour + against)
    gap = _overlap_gap(body)
    if not favour or not against:
        if gap is not None:
            return -1, (f"serious: the intervals of {gap[0]} and {gap[1]} do not overlap, "
                        "although both point the same way")
        return 0, "not serious: no study points the other way"
    minority_items = min(favour, against, key=lambda items: sum(i.weight for i in items))
    minority = sum(i.weight for i in minority_items) / total
    detail = (f"{len(favour)} for and {len(against)} against the claim; "
              f"{_share(minority * total, total)} of the weight on the smaller side")
    if minority >= MINORITY_VERY_SERIOUS and len(favour) + len(against) >= 3:
        return -2, f"very serious: studies point both ways ({detail})"
    if minority >= MINORITY_SERIOUS or gap is not None:
        extra = (f"; the intervals of {gap[0]} and {gap[1]} do not overlap"
                 if gap is not None else "")
        return -1, f"serious: studies point both ways ({detail}){extra}"
    return 0, (f"not serious: {detail}, under the {round(100 * MINORITY_SERIOUS)}% "
               "painlit treats as serious")


_PAIN_WORDS = {
    PainModel.CLINICAL: "clinical pain",
    PainModel.EXPERIMENTAL: "experimental pain",
    PainModel.NONE: "no pain outcome",
}


@frozen
class _Facet:
    name: str
    differs: list[_Linked]
    what: str  # what the differing studies had
    wanted: str  # what the claim is about
    very_serious_when_all: bool = False
    #: What the statement says when no counted study matches the claim on this facet.
    none_matched: str | None = None


def _facets(body: list[_Linked], scope: ClaimScope) -> list[_Facet]:
    facets = []
    if scope.population is not None:
        off = [i for i in body if i.study.population is not scope.population]
        facets.append(_Facet("population", off, "/".join(sorted(
            {i.study.population.value for i in off})), scope.population.value,
            none_matched=f"No counted study was in {scope.population.value}."))
    if scope.dose is not None:
        off = [i for i in body if i.study.dose_category is not scope.dose]
        facets.append(_Facet("dose", off, "/".join(sorted(
            {i.study.dose_category.value for i in off})) + " doses",
            "microdoses" if scope.dose is DoseCategory.MICRO else f"{scope.dose.value} doses",
            very_serious_when_all=scope.dose is DoseCategory.MICRO,
            none_matched="No counted study tested microdoses." if scope.dose is DoseCategory.MICRO
            else f"No counted study tested {scope.dose.value} doses."))
    if scope.pain_model is not None:
        off = [i for i in body if i.study.pain_model is not scope.pain_model]
        facets.append(_Facet("pain model", off, " or ".join(sorted(
            {_PAIN_WORDS[i.study.pain_model] for i in off})), _PAIN_WORDS[scope.pain_model],
            none_matched=f"No counted study measured {_PAIN_WORDS[scope.pain_model]}."))
    if scope.substances:
        wanted = set(scope.substances)
        off = [i for i in body if not wanted.intersection(i.study.substances)]
        facets.append(_Facet("substance", off, "other substances", "/".join(scope.substances)))
    if scope.regimen is not None:
        off = [i for i in body if i.study.regimen is not scope.regimen]
        facets.append(_Facet("regimen", off, "/".join(sorted(
            {i.study.regimen.value if i.study.regimen else "not recorded" for i in off}))
            + " dosing", f"{scope.regimen.value} dosing"))
    if scope.co_intervention is not None:
        off = [i for i in body if i.study.co_intervention is not scope.co_intervention]
        facets.append(_Facet("co-intervention", off, "/".join(sorted(
            {i.study.co_intervention.value if i.study.co_intervention else "not recorded"
             for i in off})), f"{scope.co_intervention.value}"))
    return facets


def _indirectness(body: list[_Linked], scope: ClaimScope) -> tuple[int, str, list[str]]:
    """The rating, its reason, and sentences for the statement (what no study tested)."""
    if scope.is_empty:
        return 0, ("not assessed: the claim states no scope (population, dose, pain model, "
                   "substance, regimen, co-intervention) to compare the studies with"), []
    facets = _facets(body, scope)
    total = sum(item.weight for item in body)
    serious: list[str] = []
    very_serious = False
    notes: list[str] = []
    for facet in facets:
        weight = sum(item.weight for item in facet.differs)
        if not facet.differs:
            continue
        share = weight / total if total else 1.0
        text = (f"{facet.name}: {_share(weight, total)} of the participants "
                f"({len(facet.differs)} of {_plural(len(body), 'study')}) had {facet.what}; "
                f"the claim is about {facet.wanted}")
        if len(facet.differs) == len(body):
            if facet.none_matched is not None:
                notes.append(facet.none_matched)
            if facet.very_serious_when_all:
                very_serious = True
                serious.append(text + " (very serious)")
                continue
        if share >= INDIRECT_SHARE:
            serious.append(text)
    assessed = ", ".join(f.name for f in facets)
    if not serious:
        return 0, f"not serious: the studies match the claim ({assessed})", []
    levels = 2 if very_serious or len(serious) >= 2 else 1
    return -levels, ("very serious: " if levels == 2 else "serious: ") + "; ".join(serious), notes


def _deciding(body: list[_Linked]) -> _Linked | None:
    """The estimate that stands for the body: the only study, or the one that holds at least
    half of the weight (painlit does not pool estimates)."""
    if not body:
        return None
    top = max(body, key=lambda item: item.weight)
    total = sum(item.weight for item in body)
    if len(body) == 1 or (total and top.weight / total >= 0.5):
        return top
    return None


def _interval_rating(item: _Linked) -> tuple[int, str] | None:
    """Imprecision judged on one study's 95% interval (GRADE's CI approach), or None."""
    effect = item.effect
    scale = _scale(effect)
    if effect is None or scale is None or effect.ci_low is None or effect.ci_high is None:
        return None
    low, high = effect.ci_low, effect.ci_high
    shown = f"{item.study.id}'s {effect.estimate}"
    includes_benefit = (scale.beyond(high, scale.benefit, True) if scale.higher_is_better
                        else scale.beyond(low, scale.benefit, True))
    includes_harm = (scale.beyond(low, scale.harm, False) if scale.higher_is_better
                     else scale.beyond(high, scale.harm, False))
    if includes_benefit and includes_harm:
        return -2, (f"very serious: {shown} includes both an appreciable benefit and an "
                    "appreciable harm")
    if low <= scale.null <= high and scale.benefit is not None and scale.harm is not None and (
            not includes_benefit and not includes_harm):
        return 0, f"{shown} excludes both an appreciable benefit and an appreciable harm"
    if low <= scale.null <= high:
        what = " and an appreciable benefit" if includes_benefit else ""
        return -1, f"serious: {shown} includes no effect{what}"
    return 0, f"{shown} excludes no effect"


def _size_rating(participants: int, unknown: list[str]) -> tuple[int, str]:
    missing = (f"; n not recorded for {', '.join(unknown)} (counted as the smallest)"
               if unknown else "")
    if participants < FAR_BELOW_OIS:
        return -2, (f"very serious: {participants} participants, far below the optimal "
                    f"information size (painlit: under {FAR_BELOW_OIS} of "
                    f"{OPTIMAL_INFORMATION_SIZE}){missing}")
    if participants < OPTIMAL_INFORMATION_SIZE:
        return -1, (f"serious: {participants} participants, below the optimal information "
                    f"size (painlit: {OPTIMAL_INFORMATION_SIZE}){missing}")
    return 0, f"not serious: {participants} participants{missing}"


def _imprecision(body: list[_Linked], unknown: list[str]) -> tuple[int, str]:
    """The worse of the interval's and the information size's verdicts (GRADE guidance 34:
    the interval first; the OIS when the interval excludes no effect)."""
    if len(unknown) == len(body):
        return -2, (f"very serious: no sample size recorded for {_plural(len(body), 'study')}; "
                    "precision cannot be judged")
    participants = sum(item.n or 0 for item in body)
    size_change, size_reason = _size_rating(participants, unknown)
    deciding = _deciding(body)
    rated = _interval_rating(deciding) if deciding is not None else None
    if rated is None:
        nonsignificant = deciding is not None and deciding.effect is not None and (
            _significant(deciding.effect) is False)
        if nonsignificant and size_change == 0 and deciding is not None:
            return -1, (f"serious: {deciding.study.id}'s result does not exclude no effect, and "
                        f"no interval is recorded to judge it ({size_reason.split(': ', 1)[1]})")
        if nonsignificant and deciding is not None:
            return size_change, f"{size_reason}; {deciding.study.id}'s result does not " \
                "exclude no effect"
        basis = ("no 95% interval recorded" if deciding is not None
                 else "no single study holds half the weight (painlit does not pool)")
        return size_change, f"{size_reason} ({basis}: judged on the information size)"
    interval_change, interval_reason = rated
    if interval_change <= size_change:
        return interval_change, interval_reason + f" ({size_reason.split(': ', 1)[1]})"
    return size_change, f"{size_reason}; {interval_reason}"


def _ended(registration: Registration | None, year: int) -> date:
    """When a registered trial ended, read generously: the last day of a partial date."""
    value = str(year)
    if registration is not None:
        value = registration.completion or registration.start or value
    year = int(value[:4])
    if len(value) >= 10:
        return date(year, int(value[5:7]), int(value[8:10]))
    if len(value) >= 7:
        month = int(value[5:7])
        return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return date(year, 12, 31)


def _years_between(earlier: date, later: date) -> int:
    """Whole years from `earlier` to `later`."""
    years = later.year - earlier.year
    if (later.month, later.day) < (earlier.month, earlier.day):
        years -= 1
    return years


def _silent(study: _Facts, last_search: date) -> str | None:
    """Why a registration is a publication-bias signal, or None when it is not."""
    old = _years_between(_ended(study.registration, study.year),
                         last_search) >= UNPUBLISHED_AFTER_YEARS
    if not old:
        return None
    if study.status.is_unpublished_end:
        return f"{study.id} ({study.status.value})"
    if study.status is PublicationStatus.ONGOING and study.registration is not None and (
            study.registration.completion is not None):
        return (f"{study.id} (listed as ongoing {UNPUBLISHED_AFTER_YEARS}+ years past its "
                "completion date: overdue, status unverified)")
    return None


def _publication_bias(registrations: list[_Facts], counted_keys: set[str], published_n: int,
                      last_search: date) -> tuple[int, str]:
    own = [s for s in registrations if s.trial_key in counted_keys or s.registry in counted_keys]
    others = [s for s in registrations if s not in own]
    silent = [(s, why) for s in others if (why := _silent(s, last_search)) is not None]
    counted_note = (f"; {', '.join(s.id for s in own)} reported in a counted paper"
                    if own else "")
    if not silent:
        if registrations:
            return 0, (f"not detected: {_plural(len(registrations), 'linked registration')}, "
                       f"none ended long ago without results{counted_note}")
        return 0, "not detected: no linked registration ended without results"
    unpublished_n = sum(s.registration.enrolment for s, _ in silent
                        if s.registration is not None and s.registration.enrolment)
    detail = (f"{_plural(len(silent), 'registered trial')} ended at least "
              f"{UNPUBLISHED_AFTER_YEARS} years before the last search without results: "
              + "; ".join(why for _, why in silent) + counted_note)
    if unpublished_n > published_n:
        return -2, (f"very serious: {detail}; their {unpublished_n} registered participants "
                    f"outnumber the {published_n} published")
    return -1, f"serious: {detail}"


# --- the body of evidence -----------------------------------------------------------------------

def _tier(study: _Facts) -> int:
    """0 for randomised human studies, 1 for other human studies, 2 for animal or cell."""
    return _TIERS[study.population, study.design]


_TIERS = {(population, design): (0 if design.is_randomised else 1) if population.is_human else 2
          for population in Population for design in StudyDesign}


_TIER_START = (
    (Certainty.HIGH, "randomised"),
    (Certainty.LOW, "non-randomised human"),
    (Certainty.VERY_LOW, "animal or cell"),
)


def _representatives(linked: list[_Linked]) -> tuple[list[_Linked], list[ContextItem]]:
    """One paper per study sample: the best-designed, largest, earliest paper stands for it."""
    groups: dict[str, list[_Linked]] = {}
    for item in linked:
        groups.setdefault(item.study.trial_key, []).append(item)
    chosen: list[_Linked] = []
    context: list[ContextItem] = []
    for items in groups.values():
        best = min(items, key=lambda i: (_tier(i.study), -(i.n or 0), i.study.year))
        chosen.append(best)
        context.extend(
            ContextItem(i.study.id, f"same study sample as {best.study.id} "
                        f"({i.study.trial_key}); counted once")
            for i in items if i is not best
        )
    return chosen, context


def _curated(judgements: Iterable[Judgement], domain: Domain) -> Judgement | None:
    return next((j for j in judgements if j.domain is domain), None)


@frozen
class _Sorted:
    """A claim's links sorted once: evidence by outcome, and what never counts."""

    linked: dict[str | None, list[tuple[_Facts, Stance]]]
    registrations: list[_Facts]
    context: list[ContextItem]


def _sort_links(claim: Claim, corpus: Corpus) -> _Sorted:
    linked: dict[str | None, list[tuple[_Facts, Stance]]] = {}
    registrations: list[_Facts] = []
    context: list[ContextItem] = []
    seen: set[str] = set()
    for link in claim.evidence:
        study = _Facts(corpus.index, corpus.study_position[link.study])
        first = study.id not in seen
        seen.add(study.id)
        if study.design.is_review:
            if first:
                context.append(ContextItem(study.id, "review: context, not independent evidence"))
        elif study.design is StudyDesign.TRIAL_REGISTRATION:
            if first:
                registrations.append(study)
                context.append(ContextItem(study.id, f"registered trial, {study.status.value}: "
                                           "no results to count"))
        elif link.stance is Stance.CONTEXT:
            if first:
                context.append(ContextItem(study.id, "linked as context by the curator"))
        else:
            linked.setdefault(link.outcome, []).append((study, link.stance))
    return _Sorted(linked, registrations, context)


def _claim_outcomes(claim: Claim) -> tuple[ClaimOutcome | None, ...]:
    """The outcomes a claim is graded on; None stands for the claim's own outcome wording."""
    return claim.outcomes or (None,)


def grade_claim(claim: Claim, corpus: Corpus) -> Grade:
    """The GRADE certainty, verdict and hedged statement for one claim, per outcome, with
    every step."""
    if claim.topic is ClaimTopic.GOOD_PRACTICE:
        return _not_graded(claim)
    links = _sort_links(claim, corpus)
    rows = tuple(_grade_outcome(claim, corpus, wanted, links)
                 for wanted in _claim_outcomes(claim))
    critical = [row for row in rows if row.importance is Importance.CRITICAL] or list(rows)
    deciding = min(critical, key=lambda row: int(row.certainty))
    if len(rows) == 1:
        statement = deciding.statement
    else:
        statement = hedged_statement(
            claim, deciding.certainty, deciding.verdict, harm=deciding.harm,
            notes=[*deciding.notes, f"The label is that of its least certain critical "
                   f"outcome, {deciding.name.lower()}."])
    counted = tuple(dict.fromkeys(s for row in rows for s in row.counted))
    context: dict[str, ContextItem] = {}
    for row in rows:
        for item in row.context:
            if item.study not in counted:
                context.setdefault(item.study, item)
    return Grade(
        claim=claim.id, certainty=deciding.certainty, verdict=deciding.verdict,
        statement=statement, steps=deciding.steps, counted=counted,
        context=tuple(context.values()), supporting=deciding.supporting,
        refuting=deciding.refuting, mixed=deciding.mixed,
        participants=deciding.participants, inconclusive=deciding.inconclusive, outcomes=rows,
    )


def _outcome_facts(claim: Claim, corpus: Corpus, wanted: ClaimOutcome | None
                   ) -> tuple[str | None, str, Importance, bool]:
    if wanted is None:
        return None, claim.outcome, Importance.CRITICAL, claim.topic is ClaimTopic.SAFETY
    known = corpus.outcome_by_id.get(wanted.outcome)
    name = known.name if known is not None else wanted.outcome
    harm = known.harm if known is not None else claim.topic is ClaimTopic.SAFETY
    return wanted.outcome, name, wanted.importance, harm


def _grade_outcome(claim: Claim, corpus: Corpus, wanted: ClaimOutcome | None,
                   links: _Sorted) -> OutcomeGrade:
    outcome, name, importance, harm = _outcome_facts(claim, corpus, wanted)
    context = list(links.context)
    linked: list[_Linked] = []
    for study, stance in links.linked.get(outcome, ()):
        effect = study.effect(outcome) if outcome is not None else None
        if outcome is not None and effect is None:
            context.append(ContextItem(study.id, f"records no measurement of {name.lower()}; "
                                       "not counted for it"))
        else:
            linked.append(_Linked(study, stance, effect))
    counted, duplicates = _representatives(linked)
    context.extend(duplicates)
    counted_keys = {item.study.trial_key for item in counted} | {
        item.study.registry for item in counted if item.study.registry}
    # A claim of one outcome keeps its own wording; several outcomes are each named.
    wording = name.lower() if wanted is not None and len(claim.outcomes) > 1 else None
    if not counted:
        return _no_evidence(claim, corpus, outcome, name, importance, harm, wording,
                            links.registrations, counted_keys, context)

    tiers = [_tier(item.study) for item in counted]
    tier = min(tiers)
    body = [item for item, its_tier in zip(counted, tiers, strict=True) if its_tier == tier]
    context.extend(
        ContextItem(item.study.id, f"{_TIER_START[its_tier][1]} study: below the "
                    f"{_TIER_START[tier][1]} evidence that decides the grade")
        for item, its_tier in zip(counted, tiers, strict=True) if its_tier != tier
    )
    unknown = _weigh(body)
    start, kind = _TIER_START[tier]
    steps = [Step(None, 0, start, f"Started {start.label}: {_plural(len(body), kind + ' study')}"
                  + (" (animal and cell evidence is Very low at best)" if tier == 2 else ""))]
    participants = sum(item.n or 0 for item in body)
    indirect_change, indirect_reason, notes = _indirectness(body, claim.scope)
    facet_notes = tuple(notes)
    computed = {
        Domain.RISK_OF_BIAS: _risk_of_bias(body),
        Domain.INCONSISTENCY: _inconsistency(body),
        Domain.INDIRECTNESS: (indirect_change, indirect_reason),
        Domain.IMPRECISION: _imprecision(body, unknown),
        Domain.PUBLICATION_BIAS: _publication_bias(links.registrations, counted_keys,
                                                   participants, corpus.info.last_search),
    }
    # The running total is kept unfloored, so an upgrade cannot win back levels that the
    # Very low floor absorbed; each step shows the floored level a reader would see.
    raw = int(start)
    for domain, (change, reason) in computed.items():
        curated = _curated(claim.judgements, domain)
        if curated is not None:
            change, reason = curated.levels, f"{curated.reason} (computed: {change:+d})"
        raw += change
        steps.append(Step(domain, change, _bounded(raw), reason, curated is not None))
    upgrade = _curated(claim.judgements, Domain.UPGRADE)
    if upgrade is not None and tier == 2:
        steps.append(Step(Domain.UPGRADE, 0, _bounded(raw), f"not applied ({upgrade.reason}): "
                          "animal and cell evidence is Very low at best", True))
    elif upgrade is not None:
        raw += upgrade.levels
        steps.append(Step(Domain.UPGRADE, upgrade.levels, _bounded(raw), upgrade.reason, True))
    level = _bounded(raw)

    verdict = _verdict(level, body)
    deciding = _deciding(body)
    little = verdict is Verdict.REFUTED and deciding is not None and _little_difference(deciding)
    if deciding is not None and deciding.effect is not None and (
            deciding.effect.value is not None) and level > Certainty.VERY_LOW:
        size = _magnitude(deciding.effect)
        notes = [*notes, f"Effect as reported{' (' + size + ')' if size else ''}: "
                 f"{deciding.effect.estimate}, {deciding.study.id}."]
    found_harm = harm and any(item.stance is Stance.SUPPORTS for item in body)
    statement = hedged_statement(claim, level, verdict, outcome=wording, little_difference=little,
                                 harm=harm and not found_harm, notes=notes)
    return OutcomeGrade(
        outcome=outcome, name=name, importance=importance, harm=harm, certainty=level,
        verdict=verdict, statement=statement, steps=tuple(steps),
        counted=tuple(item.study.id for item in body), context=tuple(context),
        estimates=tuple(Estimate(item.study.id, item.effect, item.n, item.stance)
                        for item in body),
        supporting=_count(body, Stance.SUPPORTS), refuting=_count(body, Stance.REFUTES),
        inconclusive=_count(body, Stance.INCONCLUSIVE), mixed=_count(body, Stance.MIXED),
        participants=participants, notes=facet_notes,
    )


def _count(body: list[_Linked], stance: Stance) -> int:
    return sum(1 for item in body if item.stance is stance)


def _little_difference(item: _Linked) -> bool:
    """Whether the study's 95% interval lies between appreciable harm and appreciable benefit:
    an estimate that supports "little to no difference"."""
    effect, scale = item.effect, _scale(item.effect)
    if (effect is None or scale is None or effect.ci_low is None or effect.ci_high is None
            or scale.benefit is None or scale.harm is None):
        return False
    low, high = sorted((scale.benefit, scale.harm))
    return low < effect.ci_low and effect.ci_high < high


def _bounded(raw: int) -> Certainty:
    """Certainty within Very low..High (evidence exists, so never No evidence)."""
    return _LEVELS[min(Certainty.HIGH, max(Certainty.VERY_LOW, raw))]


_LEVELS = {int(level): level for level in Certainty}


def _verdict(level: Certainty, body: list[_Linked]) -> Verdict:
    """Weighed: the stance holding most of the weight, 'mixed' when both sides carry weight
    (the minority at least MINORITY_SERIOUS), 'insufficient' at Very low or when the results
    are mostly inconclusive."""
    if level <= Certainty.VERY_LOW:
        return Verdict.INSUFFICIENT
    weights = {stance: sum(i.weight for i in body if i.stance is stance) for stance in Stance}
    supports, refutes = weights[Stance.SUPPORTS], weights[Stance.REFUTES]
    if supports and refutes and min(supports, refutes) / (supports + refutes) >= (
            MINORITY_SERIOUS):
        return Verdict.MIXED
    leading = max((Stance.SUPPORTS, Stance.REFUTES, Stance.INCONCLUSIVE, Stance.MIXED),
                  key=lambda stance: weights[stance])
    return {Stance.SUPPORTS: Verdict.SUPPORTED, Stance.REFUTES: Verdict.REFUTED,
            Stance.INCONCLUSIVE: Verdict.INSUFFICIENT}.get(leading, Verdict.MIXED)


def _no_evidence(claim: Claim, corpus: Corpus, outcome: str | None, name: str,
                 importance: Importance, harm: bool, wording: str | None,
                 registrations: list[_Facts], counted_keys: set[str],
                 context: list[ContextItem]) -> OutcomeGrade:
    if context:
        reason = ("No primary study counts: only " +
                  ", ".join(sorted({item.reason.split(':')[0].split(';')[0]
                                    for item in context})) + " linked")
    else:
        reason = "No study in the corpus addresses this claim"
    steps = [Step(None, 0, Certainty.NO_EVIDENCE, reason)]
    change, bias = _publication_bias(registrations, counted_keys, 0, corpus.info.last_search)
    if change:
        steps.append(Step(Domain.PUBLICATION_BIAS, 0, Certainty.NO_EVIDENCE,
                          bias + " (noted; there is no evidence to rate down)"))
    return OutcomeGrade(
        outcome=outcome, name=name, importance=importance, harm=harm,
        certainty=Certainty.NO_EVIDENCE, verdict=Verdict.INSUFFICIENT,
        statement=hedged_statement(claim, Certainty.NO_EVIDENCE, Verdict.INSUFFICIENT,
                                   outcome=wording, harm=harm),
        steps=tuple(steps), counted=(), context=tuple(context), estimates=(), supporting=0,
        refuting=0, inconclusive=0, mixed=0, participants=0,
    )


def _not_graded(claim: Claim) -> Grade:
    step = Step(None, 0, Certainty.NO_EVIDENCE,
                "Not graded: a good practice statement (a recommendation whose opposite no one "
                "would defend) is not rated for certainty; its links are shown as context")
    context = tuple(dict.fromkeys(
        ContextItem(link.study, "linked to a good practice statement: context")
        for link in claim.evidence))
    return Grade(
        claim=claim.id, certainty=Certainty.NO_EVIDENCE, verdict=Verdict.NOT_GRADED,
        statement=hedged_statement(claim, Certainty.NO_EVIDENCE, Verdict.NOT_GRADED),
        steps=(step,), counted=(), context=context, supporting=0, refuting=0, mixed=0,
        participants=0,
    )


class GradeTable(ById[Grade]):
    """Every claim's grade by claim id, plus each claim's certainty and verdict as columns
    (by claim position), so filtering and sorting by certainty never needs the full grades."""

    __slots__ = ("_counted", "_levels")

    def __init__(self, positions: Mapping[str, int], grades: Sequence[Grade],
                 levels: Sequence[tuple[Certainty, Verdict]] | None = None,
                 counted: Callable[[], Sequence[tuple[str, ...]]] | None = None) -> None:
        super().__init__(grades, positions)
        self._levels = levels if levels is not None else tuple(
            (grade.certainty, grade.verdict) for grade in grades)
        self._counted = counted

    def counted(self) -> Iterator[tuple[Certainty, tuple[str, ...]]]:
        """Each claim's certainty and the ids of the studies its grade counts (the index
        keeps these beside the full grades, so that no full grade is decoded for them)."""
        counted = self._counted() if self._counted is not None else (
            grade.counted for grade in self._records)
        return zip((certainty for certainty, _ in self._levels), counted, strict=True)

    @property
    def levels(self) -> Sequence[tuple[Certainty, Verdict]]:
        """(certainty, verdict) of claim i of the corpus, for every i."""
        return self._levels

    @property
    def grades(self) -> Sequence[Grade]:
        """The grade of claim i, for every i."""
        return self._records

    def certainty(self, claim_id: str) -> Certainty:
        return self._levels[self._positions[claim_id]][0]


def grade_all(corpus: Corpus) -> GradeTable:
    """Every claim's grade (computed once per corpus; the certainty columns may come from
    the index)."""
    grades = corpus.memo.get("grades")
    if grades is None:
        grades = GradeTable(corpus.claim_position,
                            tuple(grade_claim(claim, corpus) for claim in corpus.claims))
        corpus.memo["grades"] = grades
    assert isinstance(grades, GradeTable)
    return grades


def curation_warnings(corpus: Corpus) -> list[Problem]:
    """Warnings where the curation and the grading disagree: a curated overall certainty that
    differs from the computed one, a stance the recorded effect does not bear out, a link to
    a study that never measured the outcome, an efficacy claim with no scope. (The index
    keeps each claim's warnings with its grade: painlit.index.)"""
    stored = corpus.memo.get("curation_warnings")
    if isinstance(stored, list):
        return stored
    return [warning for claim in corpus.claims for warning in claim_warnings(claim, corpus)]


def claim_warnings(claim: Claim, corpus: Corpus) -> list[Problem]:
    """`curation_warnings` of one claim; they depend on what its grade depends on."""
    warnings = []

    def warn(message: str, hint: str, field: str = "evidence") -> None:
        warnings.append(Problem(corpus.path, claim.line, 1, claim.id, field, message, hint,
                                Severity.WARNING))

    if claim.topic is ClaimTopic.EFFICACY and claim.scope.is_empty:
        warn("an efficacy claim without scope: indirectness cannot be assessed",
             "add scope: {population: ..., dose: ..., pain_model: ...}", field="scope")
    for index, link in enumerate(claim.evidence):
        # A study's direction and effect are about the drug's benefit: only efficacy claims
        # assert one, so only theirs are checked against the stance.
        efficacy = claim.topic is ClaimTopic.EFFICACY
        direction = (corpus.index.study_directions[corpus.study_position[link.study]]
                     if efficacy else Direction.NOT_APPLICABLE)
        for message, hint in _link_problems(corpus, link, direction, claim.outcomes != (),
                                            check_effect=efficacy):
            warn(f"{link.study}: {message}", hint, field=f"evidence[{index}]")
    if claim.certainty is not None:
        grade = grade_claim(claim, corpus)
        if grade.certainty is not claim.certainty:
            warn(f"curated certainty {claim.certainty.label} differs from the computed "
                 f"{grade.certainty.label}", "check the judgements or update the curated label",
                 field="certainty")
    return warnings


def _link_problems(corpus: Corpus, link: Evidence, direction: Direction, by_outcome: bool,
                   *, check_effect: bool = True) -> list[tuple[str, str]]:
    """What is wrong with one evidence link, as (message, hint) pairs."""
    study = _Facts(corpus.index, corpus.study_position[link.study])
    stance, outcome = link.stance, link.outcome
    if stance is Stance.CONTEXT or not study.design.is_primary:
        return []
    problems = []
    effect = study.effect(outcome) if outcome is not None else None
    if by_outcome and outcome is not None and effect is None:
        problems.append((f"linked for {outcome}, but the study records no measurement of it, "
                         "so it is not counted",
                         "add the outcome to the study's outcomes (with no value if the "
                         "paper reports none), or link it as context"))
    harm = outcome is not None and (known := corpus.outcome_by_id.get(outcome)) is not None \
        and known.harm
    if not harm and stance is Stance.SUPPORTS and direction is Direction.NO_EFFECT:
        problems.append(("'supports', but the study's direction is no-effect",
                         "check the stance or the study's direction"))
    if not harm and stance is Stance.REFUTES and direction is Direction.BENEFIT:
        problems.append(("'refutes', but the study's direction is benefit",
                         "check the stance or the study's direction"))
    if effect is None or not check_effect:
        return problems
    if stance is Stance.REFUTES and not _excludes_benefit(effect, study.n):
        problems.append(("'refutes' needs an estimate that excludes a meaningful benefit, or "
                         "an adequately powered null result "
                         f"({OPTIMAL_INFORMATION_SIZE}+ analysed); recorded: {effect.estimate}",
                         "a non-significant result with a wide interval is 'inconclusive'"))
    if stance is Stance.SUPPORTS and _significant(effect) is False:
        problems.append((f"'supports', but the recorded effect does not exclude no effect "
                         f"({effect.estimate})", "a non-significant result is 'inconclusive'"))
    return problems


def _excludes_benefit(effect: Effect, study_n: int | None) -> bool:
    """Whether a result can refute a benefit: its interval excludes an appreciable benefit,
    or it is a null result in at least the optimal information size."""
    scale = _scale(effect)
    if (scale is not None and scale.benefit is not None and effect.ci_low is not None
            and effect.ci_high is not None):
        edge = effect.ci_high if scale.higher_is_better else effect.ci_low
        return not scale.beyond(edge, scale.benefit, True)
    n = effect.n or study_n or 0
    return _significant(effect) is False and n >= OPTIMAL_INFORMATION_SIZE
