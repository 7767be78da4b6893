"""What the corpus says about one condition or mechanism, and the evidence gap map.

Pure functions from a corpus (and its grades) to plain data; renderers decide how it looks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from enum import StrEnum

from painlit.facts import ClaimFact, StudyFact, Where, facts_of
from painlit.frozen import frozen
from painlit.grading import Grade, GradeTable, Verdict
from painlit.model import (
    Certainty,
    Claim,
    ClaimTopic,
    Condition,
    Corpus,
    DoseCategory,
    LazySequence,
    Mechanism,
    Population,
    PublicationStatus,
    Study,
    StudyDesign,
)
from painlit.query import condition_ancestors, condition_subtree

CERTAINTY_MEANING = {
    Certainty.HIGH: "Very confident that the true effect is close to what the studies found.",
    Certainty.MODERATE: ("Moderately confident: the true effect is probably close to what the "
                         "studies found, but may be substantially different."),
    Certainty.LOW: ("Limited confidence: the true effect may be substantially different from "
                    "what the studies found."),
    Certainty.VERY_LOW: ("Very little confidence: the true effect is likely to be substantially "
                         "different from what the studies found."),
    Certainty.NO_EVIDENCE: "No study in the corpus counts towards the claim.",
}


@frozen
class GradedClaim:
    claim: Claim
    grade: Grade


@frozen
class Summary:
    """A one-screen answer: the claims, the studies behind them, what is missing."""

    kind: str  # "condition" or "mechanism"
    id: str
    name: str
    description: str | None
    includes: tuple[str, ...]  # sub-conditions folded in
    claims: Sequence[GradedClaim]  # best certainty first
    broader_claims: Sequence[GradedClaim]  # claims about a parent condition
    safety: Sequence[GradedClaim]
    studies: Sequence[Study]  # primary studies, newest first
    reviews: Sequence[Study]
    registrations: Sequence[Study]  # registered trials without published results
    gaps: tuple[str, ...]
    overview: Overview

    def bottom_line(self) -> str:
        """One short paragraph a patient can read first: what was studied, the best
        certainty of a claim about it and what that means, and what is missing."""
        name = self.name if self.kind == "mechanism" else self.name.lower()
        overview = self.overview
        if overview.designs:
            kinds = ", ".join(f"{count} {design}" for design, count in overview.designs)
            patients, micro = overview.patients, overview.micro
            studied = (f"The corpus holds {_count(len(self.studies), 'study')} of {name} "
                       f"({kinds}): {patients} {_be(patients)} in patients, {micro} "
                       f"{_be(micro)} of microdoses.")
        else:
            studied = f"The corpus holds no study of {name}."
        best = overview.best
        if best is not None:
            known = (f"The best certainty of any claim about it is {best.label} "
                     f"({best.symbols}). {CERTAINTY_MEANING[best]}"
                     if best is not Certainty.NO_EVIDENCE else
                     "No claim about it has a study behind it.")
        else:
            known = "No graded claim is about it itself; the claims below are about a broader " \
                    "condition." if self.broader_claims else "No graded claim is about it."
        missing = [gap.rstrip(".") for gap in self.gaps[:2]]
        if self.registrations:
            missing.append(f"{_count(len(self.registrations), 'registered trial')} "
                           "without published results")
        lack = ("Missing: " + "; ".join(m[0].lower() + m[1:] for m in missing) + "."
                if missing else "")
        return " ".join(part for part in (studied, known, lack) if part)


def _be(number: int) -> str:
    return "is" if number == 1 else "are"


def _count(number: int, noun: str) -> str:
    """'1 study', '3 studies', '2 registered trials'."""
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{number} {noun if number == 1 else plural}"


class GradedClaims(LazySequence[GradedClaim]):
    """Claims with their grades, by claim position; each is fetched only when used."""

    __slots__ = ("_claims", "_grades", "_positions")

    def __init__(self, corpus: Corpus, grades: GradeTable, positions: Sequence[int]) -> None:
        self._claims, self._grades, self._positions = corpus.claims, grades.grades, positions

    def __len__(self) -> int:
        return len(self._positions)

    @property
    def positions(self) -> Sequence[int]:
        return self._positions

    def _item(self, index: int) -> GradedClaim:
        position = self._positions[index]
        return GradedClaim(self._claims[position], self._grades[position])


def _graded(corpus: Corpus, grades: GradeTable, claims: Iterable[ClaimFact]) -> GradedClaims:
    """Best certainty first, then by id."""
    levels = grades.levels
    ordered = sorted(claims, key=lambda fact: (-levels[fact.position][0], fact.id))
    return GradedClaims(corpus, grades, [fact.position for fact in ordered])


@frozen
class Overview:
    """What the bottom line counts, from the facts table and the claims' certainty (no
    record is decoded for it): the primary studies' designs (most common first), how many
    are in patients and of microdoses, and the best certainty of a graded claim (None: no
    graded claim)."""

    designs: tuple[tuple[str, int], ...]
    patients: int
    micro: int
    best: Certainty | None


def _overview(grades: GradeTable, primary: list[StudyFact], claims: GradedClaims) -> Overview:
    levels = grades.levels
    designs = Counter(study.design.value for study in primary)
    graded = [levels[i][0] for i in claims.positions if levels[i][1] is not Verdict.NOT_GRADED]
    return Overview(
        designs=tuple(designs.most_common()),
        patients=sum(study.population is Population.PATIENTS for study in primary),
        micro=sum(study.dose is DoseCategory.MICRO for study in primary),
        best=max(graded) if graded else None)


@frozen
class _Split:
    primary: list[StudyFact]
    reviews: list[StudyFact]
    registrations: list[StudyFact]


def _split(studies: list[StudyFact]) -> _Split:
    """Studies (newest first) as primary studies, reviews and registrations."""
    split = _Split([], [], [])
    for study in studies:
        if study.design is StudyDesign.TRIAL_REGISTRATION:
            split.registrations.append(study)
        elif study.design.is_review:
            split.reviews.append(study)
        else:
            split.primary.append(study)
    return split


def _studies(corpus: Corpus, facts: list[StudyFact]) -> Sequence[Study]:
    return corpus.studies_at([fact.position for fact in facts])


#: Claims shown in the safety section: harms, and the cautions of good practice statements.
_SAFETY_TOPICS = (ClaimTopic.SAFETY, ClaimTopic.GOOD_PRACTICE)


def _safety(corpus: Corpus, grades: GradeTable, related: set[str]) -> GradedClaims:
    """Safety claims and cautions that apply: those about no condition in particular, and
    those about a condition in `related` (the condition, its sub-conditions and parents; for
    example interactions with the medicines people with that condition usually take)."""
    return _graded(corpus, grades, facts_of(corpus).claims(
        Where().among("topic", _SAFETY_TOPICS).names("conditions", sorted(related),
                                                     or_none=True)))


def _searched(corpus: Corpus) -> str:
    """The search behind a 'nothing found', as the corpus header records it."""
    return (f"the corpus's search up to {corpus.info.last_search.isoformat()} found none "
            "(its PubMed query is in the corpus header; how the search was run is in "
            "docs/curation.md)")


def _gaps(corpus: Corpus, name: str, primary: list[StudyFact], claims: GradedClaims,
          grades: GradeTable) -> list[str]:
    gaps = []
    patients = [study for study in primary if study.population is Population.PATIENTS]
    randomised = [study for study in patients if study.design.is_randomised]
    micro_randomised = [study for study in randomised if study.dose is DoseCategory.MICRO]
    if not primary:
        gaps.append(f"No primary study of psychedelics in {name}: {_searched(corpus)}.")
    elif not patients:
        gaps.append(f"No study in patients with {name}: only indirect evidence.")
    if primary and not randomised:
        gaps.append(f"No randomised trial of any psychedelic dose in {name}.")
    if not micro_randomised:
        gaps.append(f"No randomised, placebo-controlled trial of microdosing in {name}.")
    levels = grades.levels
    unanswered = sum(1 for i in claims.positions if levels[i][0] is Certainty.NO_EVIDENCE
                     and levels[i][1] is not Verdict.NOT_GRADED)
    if unanswered:
        gaps.append(f"{unanswered} claim(s) about {name} have no study behind them.")
    return gaps


def summarise_condition(corpus: Corpus, condition: Condition, grades: GradeTable) -> Summary:
    facts = facts_of(corpus)
    subtree = condition_subtree(corpus, condition.id)
    ancestors = condition_ancestors(corpus, condition.id)
    about = facts.claims(Where().among("topic", _SAFETY_TOPICS, negate=True)
                         .names("conditions", subtree))
    broader = facts.claims(Where().among("topic", _SAFETY_TOPICS, negate=True)
                           .names("conditions", subtree, negate=True)
                           .names("conditions", ancestors)) if ancestors else []
    split = _split(facts.studies(Where().names("conditions", subtree)))
    graded = _graded(corpus, grades, about)
    registrations = [study for study in split.registrations
                     if study.status is not PublicationStatus.PUBLISHED]
    return Summary(
        kind="condition", id=condition.id, name=condition.name,
        description=condition.description, includes=tuple(subtree[1:]), claims=graded,
        broader_claims=_graded(corpus, grades, broader),
        safety=_safety(corpus, grades, {*subtree, *ancestors}),
        studies=_studies(corpus, split.primary), reviews=_studies(corpus, split.reviews),
        registrations=_studies(corpus, registrations),
        gaps=tuple(_gaps(corpus, condition.name.lower(), split.primary, graded, grades)),
        overview=_overview(grades, split.primary, graded),
    )


def summarise_mechanism(corpus: Corpus, mechanism: Mechanism, grades: GradeTable) -> Summary:
    facts = facts_of(corpus)
    claims = facts.claims(Where().names("mechanisms", [mechanism.id]))
    split = _split(facts.studies(Where().names("mechanisms", [mechanism.id])))
    primary = split.primary
    gaps = []
    human = [study for study in primary if study.population.is_human]
    name = mechanism.name.lower()
    if not primary:
        gaps.append(f"No primary study of {name} is in the corpus.")
    elif not human:
        gaps.append("Only animal or cell studies: nothing shows this happens in people.")
    if not [study for study in human if study.dose is DoseCategory.MICRO]:
        gaps.append(f"No human study tested {name} at microdoses.")
    if not [study for study in primary if study.population is Population.PATIENTS]:
        gaps.append("No study linked this mechanism to pain relief in patients.")
    graded = _graded(corpus, grades, claims)
    return Summary(
        kind="mechanism", id=mechanism.id, name=mechanism.name,
        description=mechanism.description, includes=(), claims=graded,
        broader_claims=(), safety=(), studies=_studies(corpus, primary),
        reviews=_studies(corpus, split.reviews),
        registrations=_studies(corpus, split.registrations), gaps=tuple(gaps),
        overview=_overview(grades, primary, graded),
    )


class MapColumns(StrEnum):
    DESIGN = "design"
    MECHANISM = "mechanism"
    DOSE = "dose"


@frozen
class GapCell:
    studies: int
    best: Certainty  # best certainty among claims that count a study in this cell


@frozen
class GapMap:
    columns_by: MapColumns
    rows: tuple[Condition, ...]
    depth: dict[str, int]  # how far each row sits below a root condition
    columns: tuple[str, ...]
    cells: dict[tuple[str, str], GapCell]


def _columns_of(study: StudyFact, by: MapColumns) -> tuple[str, ...]:
    if by is MapColumns.DESIGN:
        return (study.design.value,)
    if by is MapColumns.DOSE:
        return (study.dose.value,)
    return study.mechanisms


def gap_map(corpus: Corpus, counted: Iterable[tuple[Certainty, Sequence[str]]],
            by: MapColumns) -> GapMap:
    """Conditions × (design | mechanism | dose): study counts and best certainty per cell.
    `counted`: each claim's certainty and the ids of the studies its grade counts."""
    if by is MapColumns.DESIGN:
        columns = tuple(d.value for d in StudyDesign)
    elif by is MapColumns.DOSE:
        columns = tuple(d.value for d in DoseCategory)
    else:
        columns = tuple(m.id for m in corpus.mechanisms)
    best_for_study: dict[str, Certainty] = {}
    for certainty, study_ids in counted:
        for study_id in study_ids:
            best_for_study[study_id] = max(best_for_study.get(study_id, Certainty.NO_EVIDENCE),
                                           certainty)
    rows: list[Condition] = []
    depth: dict[str, int] = {}
    rows_of: dict[str, list[str]] = {}  # a condition named -> the rows that count its studies
    for root in (c for c in corpus.conditions if c.parent is None):
        for condition_id in condition_subtree(corpus, root.id):
            rows.append(corpus.condition_by_id[condition_id])
            ancestors = condition_ancestors(corpus, condition_id)
            depth[condition_id] = len(ancestors)
            rows_of[condition_id] = [condition_id, *ancestors]
    found: dict[tuple[str, str], list[int]] = {}  # cell -> [studies, best certainty]
    unnamed: set[Population] = set()
    for study in facts_of(corpus).studies(Where()):
        if study.conditions:
            # A row counts the studies of its condition and of every condition below it.
            targets = {row for named in study.conditions for row in rows_of.get(named, ())}
        else:  # healthy volunteers given experimental pain, animals, cells: a row for each
            unnamed.add(study.population)
            targets = {f"{NO_CONDITION}{study.population.value}"}
        best = best_for_study.get(study.id, Certainty.NO_EVIDENCE)
        for target in targets:
            for column in _columns_of(study, by):
                cell = found.setdefault((target, column), [0, Certainty.NO_EVIDENCE])
                cell[0] += 1
                cell[1] = max(cell[1], best)
    for population in Population:  # so that the map shows every study
        if population in unnamed:
            row = Condition(f"{NO_CONDITION}{population.value}",
                            f"No condition named: {population.value}")
            rows.append(row)
            depth[row.id] = 0
    cells = {key: GapCell(studies, Certainty(best)) for key, (studies, best) in found.items()}
    return GapMap(by, tuple(rows), depth, columns, cells)


#: The id prefix of a gap-map row of the studies that name no condition, one per population.
NO_CONDITION = "no-condition-"
