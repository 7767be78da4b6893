"""GRADE certainty for a claim, computed from its linked body of evidence, with every reason.

The rules (documented with their rationale in docs/grading.md):

* Only primary studies count. Reviews and trial registrations are context; several papers of
  one registered trial count once.
* The body that decides the grade is the highest tier present: randomised human studies
  (start High), else non-randomised human studies (start Low), else animal or cell studies
  (start Very low). Lower tiers are listed as context, never averaged in.
* Rate down one level (serious) or two (very serious) for risk of bias, inconsistency,
  indirectness (population, dose, pain model), imprecision (total participants) and
  publication bias (linked registrations that ended years ago without results).
* Rate up only with a curated, written reason. Curated judgements replace the computed one
  for their domain and are shown as curated. Certainty never falls below Very low while any
  study counts; with none it is "No evidence".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from painlit.errors import Problem, Severity
from painlit.model import (
    ById,
    Certainty,
    Claim,
    ClaimScope,
    Corpus,
    CorpusIndex,
    Domain,
    DoseCategory,
    Judgement,
    LazySequence,
    PainModel,
    Population,
    PublicationStatus,
    Registration,
    RiskOfBias,
    Stance,
    StudyDesign,
    fast_pickling,
    trial_key,
)

#: Fewer participants than this in the deciding body is serious imprecision (−1): GRADE's
#: rule of thumb for the optimal information size of a continuous outcome.
IMPRECISION_SERIOUS_BELOW = 400
#: Fewer than this is very serious imprecision (−2).
IMPRECISION_VERY_SERIOUS_BELOW = 100
#: A registered trial that ended this many years before the last search with no results is a
#: publication-bias signal.
UNPUBLISHED_AFTER_YEARS = 2
#: Inconsistency is very serious (−2) when the minority direction holds at least this share
#: of three or more studies.
BALANCED_SPLIT = 1 / 3


class Verdict(StrEnum):
    SUPPORTED = "supported"
    REFUTED = "refuted"
    MIXED = "mixed"
    INSUFFICIENT = "insufficient"


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class ContextItem:
    """A linked study that does not count towards the grade, and why."""

    study: str
    reason: str


@dataclass(frozen=True, slots=True)
class Grade:
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

    @property
    def label(self) -> str:
        return f"{self.certainty.symbols} {self.certainty.label}"


fast_pickling(Verdict)  # stored in the cache with each claim's certainty


class _Facts:
    """What grading reads of a study, taken from the corpus index: no record is decoded."""

    __slots__ = ("design", "dose_category", "id", "n", "pain_model", "population",
                 "registration", "risk_of_bias", "status", "trial_key", "year")
    id: str
    design: StudyDesign
    population: Population
    n: int | None
    year: int
    status: PublicationStatus
    registration: Registration | None
    risk_of_bias: RiskOfBias
    pain_model: PainModel
    dose_category: DoseCategory
    trial_key: str

    def __init__(self, index: CorpusIndex, position: int) -> None:
        self.id = index.study_ids[position]
        self.design = index.study_designs[position]
        self.population = index.study_populations[position]
        self.n = index.study_sizes[position]
        self.year = index.study_years[position]
        self.status = index.study_statuses[position]
        self.registration = index.study_registrations[position]
        self.risk_of_bias = index.study_risks[position]
        self.pain_model = index.study_pain_models[position]
        self.dose_category = index.study_doses[position]
        self.trial_key = trial_key(index.study_identifiers[position][2], self.id)


@dataclass(frozen=True, slots=True)
class _Linked:
    study: _Facts
    stance: Stance


# --- hedged wording -------------------------------------------------------------------------

_IRREGULAR = {"be": "is", "have": "has", "do": "does", "go": "goes"}


def third_person(verb: str) -> str:
    """'reduce' -> 'reduces', 'carry' -> 'carries', 'relieve' -> 'relieves'."""
    if verb in _IRREGULAR:
        return _IRREGULAR[verb]
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if verb.endswith("y") and len(verb) > 1 and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def hedged_statement(claim: Claim, certainty: Certainty, verdict: Verdict) -> str:
    """The claim re-worded to say no more than its certainty allows (GRADE plain language)."""
    subject, verb, outcome = claim.intervention, claim.effect, claim.outcome
    subject_cap = subject[:1].upper() + subject[1:]
    does = third_person(verb)
    if certainty is Certainty.NO_EVIDENCE:
        return f"No study in the corpus addresses whether {subject} {does} {outcome}."
    if verdict is Verdict.INSUFFICIENT:
        return f"The evidence is very uncertain about whether {subject} {does} {outcome}."
    if verdict is Verdict.MIXED:
        return (f"Studies disagree on whether {subject} {does} {outcome} "
                f"({certainty.label.lower()} certainty).")
    negative = verdict is Verdict.REFUTED
    if certainty is Certainty.HIGH:
        return f"{subject_cap} {'does not ' + verb if negative else does} {outcome}."
    if certainty is Certainty.MODERATE:
        middle = f"probably does not {verb}" if negative else f"probably {does}"
        return f"{subject_cap} {middle} {outcome}."
    middle = f"may not {verb}" if negative else f"may {verb}"
    return f"{subject_cap} {middle} {outcome}."


# --- domains --------------------------------------------------------------------------------

def _plural(count: int, word: str) -> str:
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word[:-1]}ies" if word.endswith("y") else f"{count} {word}s"


def _risk_of_bias(body: list[_Linked]) -> tuple[int, str]:
    total = len(body)
    high = sum(1 for item in body if item.study.risk_of_bias is RiskOfBias.HIGH)
    concerns = sum(
        1 for item in body
        if item.study.risk_of_bias in (RiskOfBias.SOME_CONCERNS, RiskOfBias.NOT_ASSESSED)
    )
    if high * 2 > total:
        return -2, f"very serious: {high} of {_plural(total, 'study')} at high risk of bias"
    if (high + concerns) * 2 > total:
        return -1, (f"serious: {high + concerns} of {_plural(total, 'study')} at high risk, "
                    "with some concerns, or not assessed")
    return 0, f"not serious: most of {_plural(total, 'study')} at low risk of bias"


def _count(body: list[_Linked], stance: Stance) -> int:
    return sum(1 for item in body if item.stance is stance)


def _inconsistency(body: list[_Linked]) -> tuple[int, str]:
    supporting, refuting = _count(body, Stance.SUPPORTS), _count(body, Stance.REFUTES)
    if supporting and refuting:
        minority = min(supporting, refuting) / (supporting + refuting)
        detail = f"{supporting} supporting and {refuting} refuting"
        if supporting + refuting >= 3 and minority >= BALANCED_SPLIT:
            return -2, f"very serious: studies point both ways ({detail})"
        return -1, f"serious: studies point both ways ({detail})"
    if len(body) == 1:
        return 0, "not assessable with a single study; not rated down"
    return 0, "not serious: no study points the other way"


_PAIN_WORDS = {
    PainModel.CLINICAL: "measured clinical pain",
    PainModel.EXPERIMENTAL: "measured experimental pain",
    PainModel.NONE: "had no pain outcome",
}


def _indirectness(body: list[_Linked], scope: ClaimScope) -> tuple[int, str]:
    total = len(body)
    serious: list[str] = []
    if scope.population is not None:
        off = [i for i in body if i.study.population is not scope.population]
        if off and len(off) * 2 > total:
            kinds = sorted({i.study.population.value for i in off})
            serious.append(f"{len(off)} of {total} studied {'/'.join(kinds)}; "
                           f"the claim is about {scope.population.value}")
    if scope.dose is not None:
        off = [i for i in body if i.study.dose_category is not scope.dose]
        if off and len(off) * 2 > total:
            kinds = sorted({i.study.dose_category.value for i in off})
            serious.append(f"{len(off)} of {total} used {'/'.join(kinds)} doses; "
                           f"the claim is about {scope.dose.value} doses")
    if scope.pain_model is not None:
        off = [i for i in body if i.study.pain_model is not scope.pain_model]
        if off and len(off) * 2 > total:
            kinds = sorted({_PAIN_WORDS[i.study.pain_model] for i in off})
            serious.append(f"{len(off)} of {total} {' or '.join(kinds)}; "
                           f"the claim is about {scope.pain_model.value} pain")
    if not serious:
        return 0, "not serious: the studies match the claim's population, dose and pain model"
    levels = min(2, len(serious))
    return -levels, ("very serious: " if levels == 2 else "serious: ") + "; ".join(serious)


def _imprecision(body: list[_Linked]) -> tuple[int, str]:
    known = [i.study.n for i in body if i.study.n is not None]
    unknown = len(body) - len(known)
    total = sum(n for n in known if n is not None)
    missing = f" ({unknown} with n not recorded)" if unknown else ""
    if not known:
        return -1, f"serious: no sample size recorded for {_plural(len(body), 'study')}"
    if total < IMPRECISION_VERY_SERIOUS_BELOW:
        return -2, (f"very serious: {total} participants in total{missing}, "
                    f"fewer than {IMPRECISION_VERY_SERIOUS_BELOW}")
    if total < IMPRECISION_SERIOUS_BELOW:
        return -1, (f"serious: {total} participants in total{missing}, "
                    f"fewer than {IMPRECISION_SERIOUS_BELOW}")
    return 0, f"not serious: {total} participants in total{missing}"


def _ended(study: _Facts) -> date:
    """When a registered trial ended, read generously: the last day of a partial date."""
    registration = study.registration
    value = str(study.year)
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


def _publication_bias(registrations: list[_Facts], published_n: int,
                      last_search: date) -> tuple[int, str]:
    silent = [
        s for s in registrations
        if s.status.is_unpublished_end
        and _years_between(_ended(s), last_search) >= UNPUBLISHED_AFTER_YEARS
    ]
    if not silent:
        if registrations:
            return 0, (f"not detected: {_plural(len(registrations), 'linked registration')}, "
                       "none ended long ago without results")
        return 0, "not detected: no linked registration ended without results"
    ids = ", ".join(s.id for s in silent)
    unpublished_n = sum(
        s.registration.enrolment for s in silent
        if s.registration is not None and s.registration.enrolment
    )
    detail = (f"{_plural(len(silent), 'registered trial')} ended at least "
              f"{UNPUBLISHED_AFTER_YEARS} years ago without results ({ids})")
    if unpublished_n > published_n:
        return -2, (f"very serious: {detail}; their {unpublished_n} registered participants "
                    f"outnumber the {published_n} published")
    return -1, f"serious: {detail}"


# --- the body of evidence -------------------------------------------------------------------

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
    """One paper per trial: the best-designed, largest, earliest paper stands for its trial."""
    groups: dict[str, list[_Linked]] = {}
    for item in linked:
        groups.setdefault(item.study.trial_key, []).append(item)
    chosen: list[_Linked] = []
    context: list[ContextItem] = []
    for items in groups.values():
        best = min(items, key=lambda i: (_tier(i.study), -(i.study.n or 0), i.study.year))
        chosen.append(best)
        context.extend(
            ContextItem(i.study.id, f"same trial as {best.study.id} "
                        f"({i.study.trial_key}); counted once")
            for i in items if i is not best
        )
    return chosen, context


def _curated(judgements: Iterable[Judgement], domain: Domain) -> Judgement | None:
    return next((j for j in judgements if j.domain is domain), None)


def grade_claim(claim: Claim, corpus: Corpus) -> Grade:
    """The GRADE certainty, verdict and hedged statement for one claim, with every step."""
    linked: list[_Linked] = []
    registrations: list[_Facts] = []
    context: list[ContextItem] = []
    for link in claim.evidence:
        study = _Facts(corpus.index, corpus.study_position[link.study])
        if study.design.is_review:
            context.append(ContextItem(study.id, "review: context, not independent evidence"))
        elif study.design is StudyDesign.TRIAL_REGISTRATION:
            registrations.append(study)
            context.append(ContextItem(study.id, f"registered trial, {study.status.value}: "
                                       "no results to count"))
        elif link.stance is Stance.CONTEXT:
            context.append(ContextItem(study.id, "linked as context by the curator"))
        else:
            linked.append(_Linked(study, link.stance))

    counted, duplicates = _representatives(linked)
    context.extend(duplicates)
    if not counted:
        return _no_evidence(claim, corpus, registrations, context)

    tiers = [_tier(item.study) for item in counted]
    tier = min(tiers)
    body = [item for item, its_tier in zip(counted, tiers, strict=True) if its_tier == tier]
    context.extend(
        ContextItem(item.study.id, f"{_TIER_START[its_tier][1]} study: below the "
                    f"{_TIER_START[tier][1]} evidence that decides the grade")
        for item, its_tier in zip(counted, tiers, strict=True) if its_tier != tier
    )
    start, kind = _TIER_START[tier]
    steps = [Step(None, 0, start, f"Started {start.label}: {_plural(len(body), kind + ' study')}"
                  + (" (animal and cell evidence is Very low at best)" if tier == 2 else ""))]
    participants = sum(item.study.n or 0 for item in body)
    computed = {
        Domain.RISK_OF_BIAS: _risk_of_bias(body),
        Domain.INCONSISTENCY: _inconsistency(body),
        Domain.INDIRECTNESS: _indirectness(body, claim.scope),
        Domain.IMPRECISION: _imprecision(body),
        Domain.PUBLICATION_BIAS: _publication_bias(registrations, participants,
                                                   corpus.info.last_search),
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

    supporting = _count(body, Stance.SUPPORTS)
    refuting = _count(body, Stance.REFUTES)
    mixed = _count(body, Stance.MIXED)
    verdict = _verdict(level, supporting, refuting, mixed)
    return Grade(
        claim=claim.id, certainty=level, verdict=verdict,
        statement=hedged_statement(claim, level, verdict), steps=tuple(steps),
        counted=tuple(item.study.id for item in body), context=tuple(context),
        supporting=supporting, refuting=refuting, mixed=mixed, participants=participants,
    )


def _bounded(raw: int) -> Certainty:
    """Certainty within Very low..High (evidence exists, so never No evidence)."""
    return _LEVELS[min(Certainty.HIGH, max(Certainty.VERY_LOW, raw))]


_LEVELS = {int(level): level for level in Certainty}


def _verdict(level: Certainty, supporting: int, refuting: int, mixed: int) -> Verdict:
    if level <= Certainty.VERY_LOW:
        return Verdict.INSUFFICIENT
    if supporting and refuting:
        return Verdict.MIXED
    if supporting and supporting >= mixed:
        return Verdict.SUPPORTED
    if refuting and refuting >= mixed:
        return Verdict.REFUTED
    return Verdict.MIXED


def _no_evidence(claim: Claim, corpus: Corpus, registrations: list[_Facts],
                 context: list[ContextItem]) -> Grade:
    if context:
        reason = ("No primary study counts: only " +
                  ", ".join(sorted({item.reason.split(':')[0] for item in context})) +
                  " linked")
    else:
        reason = "No study in the corpus addresses this claim"
    steps = [Step(None, 0, Certainty.NO_EVIDENCE, reason)]
    change, bias = _publication_bias(registrations, 0, corpus.info.last_search)
    if change:
        steps.append(Step(Domain.PUBLICATION_BIAS, 0, Certainty.NO_EVIDENCE,
                          bias + " (noted; there is no evidence to rate down)"))
    return Grade(
        claim=claim.id, certainty=Certainty.NO_EVIDENCE, verdict=Verdict.INSUFFICIENT,
        statement=hedged_statement(claim, Certainty.NO_EVIDENCE, Verdict.INSUFFICIENT),
        steps=tuple(steps), counted=(), context=tuple(context), supporting=0, refuting=0,
        mixed=0, participants=0,
    )


class LazyGrades(LazySequence[Grade]):
    """The grade of claim i of a corpus, computed the first time it is used: a command shows
    a few dozen of a large corpus's claims, so only the certainty columns are kept (and
    cached); a grade costs tens of microseconds to compute again."""

    __slots__ = ("_corpus", "_made")

    def __init__(self, corpus: Corpus) -> None:
        self._corpus = corpus
        self._made: list[Grade | None] = [None] * len(corpus.claims)

    def __len__(self) -> int:
        return len(self._made)

    def _item(self, index: int) -> Grade:
        grade = self._made[index]
        if grade is None:
            grade = self._made[index] = grade_claim(self._corpus.claims[index], self._corpus)
        return grade

    def __repr__(self) -> str:
        return f"LazyGrades({len(self)} claims)"


class GradeTable(ById[Grade]):
    """Every claim's grade by claim id, plus each claim's certainty and verdict as columns
    (by claim position), so filtering and sorting by certainty never needs the full grades."""

    __slots__ = ("_levels",)

    def __init__(self, positions: Mapping[str, int], grades: Sequence[Grade],
                 levels: Sequence[tuple[Certainty, Verdict]] | None = None) -> None:
        super().__init__(grades, positions)
        self._levels = levels if levels is not None else tuple(
            (grade.certainty, grade.verdict) for grade in grades)

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


#: Corpora with at least this many claims are graded in worker processes (painlit.parallel),
#: in this many slices (enough to keep two workers evenly busy), of at least GRADE_SLICE claims.
GRADE_APART_FROM = 2000
GRADE_SLICES = 16
GRADE_SLICE = 250


def grade_all(corpus: Corpus) -> GradeTable:
    """Every claim's grade (computed once per corpus; the certainty columns may come from
    the cache)."""
    grades = corpus.memo.get("grades")
    if grades is None:
        if len(corpus.claims) >= GRADE_APART_FROM:
            grades = GradeTable(corpus.claim_position, LazyGrades(corpus), _levels_apart(corpus))
        else:
            grades = GradeTable(corpus.claim_position,
                                tuple(grade_claim(claim, corpus) for claim in corpus.claims))
        corpus.memo["grades"] = grades
    assert isinstance(grades, GradeTable)
    return grades


def _levels_apart(corpus: Corpus) -> tuple[tuple[Certainty, Verdict], ...]:
    """The certainty and verdict of every claim of a large corpus, computed a slice of
    claims at a time in worker processes that share the corpus."""
    from painlit.parallel import fork_map

    total = len(corpus.claims)
    size = max(GRADE_SLICE, -(-total // GRADE_SLICES))
    slices = [(start, min(start + size, total)) for start in range(0, total, size)]
    levels: list[tuple[Certainty, Verdict]] = []
    for slice_levels in fork_map(_slice_levels, slices, corpus):
        levels.extend(slice_levels)
    return tuple(levels)


def _slice_levels(bounds: tuple[int, int]) -> list[tuple[Certainty, Verdict]]:
    """The certainty and verdict of claims start..stop of the shared corpus."""
    from painlit.parallel import shared

    corpus = shared()
    assert isinstance(corpus, Corpus)
    levels = []
    for i in range(*bounds):
        grade = grade_claim(corpus.claims[i], corpus)
        levels.append((grade.certainty, grade.verdict))
    return levels


def curation_warnings(corpus: Corpus) -> list[Problem]:
    """Warnings where a curated overall certainty disagrees with the computed one."""
    warnings = []
    for claim in corpus.claims:
        if claim.certainty is None:
            continue
        grade = grade_claim(claim, corpus)
        if grade.certainty is not claim.certainty:
            warnings.append(Problem(
                corpus.path, claim.line, 1, claim.id, "certainty",
                f"curated certainty {claim.certainty.label} differs from the computed "
                f"{grade.certainty.label}",
                "check the judgements or update the curated label", Severity.WARNING,
            ))
    return warnings
