"""What the corpus says about one condition or mechanism, and the evidence gap map.

Pure functions from a corpus (and its grades) to plain data; renderers decide how it looks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum

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
from painlit.query import condition_ancestors, condition_subtree, newest_first

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


def _graded(corpus: Corpus, grades: GradeTable, positions: Iterable[int]) -> GradedClaims:
    """Best certainty first, then by id."""
    levels, ids = grades.levels, corpus.index.claim_ids
    ordered = sorted(positions, key=lambda i: (-levels[i][0], ids[i]))
    return GradedClaims(corpus, grades, ordered)


@frozen
class Overview:
    """What the bottom line counts, from the index columns and the claims' certainty (no
    record is decoded for it): the primary studies' designs (most common first), how many
    are in patients and of microdoses, and the best certainty of a graded claim (None: no
    graded claim)."""

    designs: tuple[tuple[str, int], ...]
    patients: int
    micro: int
    best: Certainty | None


def _overview(corpus: Corpus, grades: GradeTable, primary: list[int],
              claims: GradedClaims) -> Overview:
    index, levels = corpus.index, grades.levels
    designs = Counter(index.study_designs[i].value for i in primary)
    graded = [levels[i][0] for i in claims.positions if levels[i][1] is not Verdict.NOT_GRADED]
    return Overview(
        designs=tuple(designs.most_common()),
        patients=sum(index.study_populations[i] is Population.PATIENTS for i in primary),
        micro=sum(index.study_doses[i] is DoseCategory.MICRO for i in primary),
        best=max(graded) if graded else None)


@frozen
class _Split:
    primary: list[int]
    reviews: list[int]
    registrations: list[int]


def _split(corpus: Corpus, positions: Iterable[int]) -> _Split:
    """Study positions, newest first, as primary studies, reviews and registrations."""
    designs = corpus.index.study_designs
    split = _Split([], [], [])
    for i in newest_first(corpus, positions):
        design = designs[i]
        if design is StudyDesign.TRIAL_REGISTRATION:
            split.registrations.append(i)
        elif design.is_review:
            split.reviews.append(i)
        else:
            split.primary.append(i)
    return split


#: Claims shown in the safety section: harms, and the cautions of good practice statements.
_SAFETY_TOPICS = (ClaimTopic.SAFETY, ClaimTopic.GOOD_PRACTICE)


def _safety(corpus: Corpus, grades: GradeTable, related: set[str]) -> GradedClaims:
    """Safety claims and cautions that apply: those about no condition in particular, and
    those about a condition in `related` (the condition, its sub-conditions and parents; for
    example interactions with the medicines people with that condition usually take)."""
    index = corpus.index
    return _graded(corpus, grades, (
        i for i, (topic, conditions) in enumerate(zip(index.claim_topics,
                                                      index.claim_conditions, strict=True))
        if topic in _SAFETY_TOPICS and (not conditions or not related.isdisjoint(conditions))))


def _searched(corpus: Corpus) -> str:
    """The search behind a 'nothing found', as the corpus header records it."""
    return (f"the corpus's search up to {corpus.info.last_search.isoformat()} found none "
            "(its PubMed query is in the corpus header; how the search was run is in "
            "docs/curation.md)")


def _gaps(corpus: Corpus, name: str, primary: list[int], claims: GradedClaims,
          grades: GradeTable) -> list[str]:
    index = corpus.index
    gaps = []
    patients = [i for i in primary if index.study_populations[i] is Population.PATIENTS]
    randomised = [i for i in patients if index.study_designs[i].is_randomised]
    micro_randomised = [i for i in randomised if index.study_doses[i] is DoseCategory.MICRO]
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
    index = corpus.index
    subtree = condition_subtree(corpus, condition.id)
    members = set(subtree)
    ancestors = set(condition_ancestors(corpus, condition.id))
    about, broader = [], []
    for i, (conditions, topic) in enumerate(zip(index.claim_conditions, index.claim_topics,
                                                strict=True)):
        if topic in _SAFETY_TOPICS:
            continue
        if not members.isdisjoint(conditions):
            about.append(i)
        elif not ancestors.isdisjoint(conditions):
            broader.append(i)
    split = _split(corpus, (i for i, conditions in enumerate(index.study_conditions)
                            if not members.isdisjoint(conditions)))
    graded = _graded(corpus, grades, about)
    registrations = [i for i in split.registrations
                     if index.study_statuses[i] is not PublicationStatus.PUBLISHED]
    return Summary(
        kind="condition", id=condition.id, name=condition.name,
        description=condition.description, includes=tuple(subtree[1:]), claims=graded,
        broader_claims=_graded(corpus, grades, broader),
        safety=_safety(corpus, grades, members | ancestors),
        studies=corpus.studies_at(split.primary), reviews=corpus.studies_at(split.reviews),
        registrations=corpus.studies_at(registrations),
        gaps=tuple(_gaps(corpus, condition.name.lower(), split.primary, graded, grades)),
        overview=_overview(corpus, grades, split.primary, graded),
    )


def summarise_mechanism(corpus: Corpus, mechanism: Mechanism, grades: GradeTable) -> Summary:
    index = corpus.index
    claims = [i for i, mechanisms in enumerate(index.claim_mechanisms)
              if mechanism.id in mechanisms]
    split = _split(corpus, (i for i, mechanisms in enumerate(index.study_mechanisms)
                            if mechanism.id in mechanisms))
    primary = split.primary
    gaps = []
    human = [i for i in primary if index.study_populations[i].is_human]
    name = mechanism.name.lower()
    if not primary:
        gaps.append(f"No primary study of {name} is in the corpus.")
    elif not human:
        gaps.append("Only animal or cell studies: nothing shows this happens in people.")
    if not [i for i in human if index.study_doses[i] is DoseCategory.MICRO]:
        gaps.append(f"No human study tested {name} at microdoses.")
    if not [i for i in primary if index.study_populations[i] is Population.PATIENTS]:
        gaps.append("No study linked this mechanism to pain relief in patients.")
    graded = _graded(corpus, grades, claims)
    return Summary(
        kind="mechanism", id=mechanism.id, name=mechanism.name,
        description=mechanism.description, includes=(), claims=graded,
        broader_claims=(), safety=(), studies=corpus.studies_at(primary),
        reviews=corpus.studies_at(split.reviews),
        registrations=corpus.studies_at(split.registrations), gaps=tuple(gaps),
        overview=_overview(corpus, grades, primary, graded),
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


def _columns_of(study: Study, by: MapColumns) -> tuple[str, ...]:
    if by is MapColumns.DESIGN:
        return (study.design.value,)
    if by is MapColumns.DOSE:
        return (study.dose.category.value,)
    return study.mechanisms


def gap_map(corpus: Corpus, grades: Mapping[str, Grade], by: MapColumns) -> GapMap:
    """Conditions × (design | mechanism | dose): study counts and best certainty per cell."""
    if by is MapColumns.DESIGN:
        columns = tuple(d.value for d in StudyDesign)
    elif by is MapColumns.DOSE:
        columns = tuple(d.value for d in DoseCategory)
    else:
        columns = tuple(m.id for m in corpus.mechanisms)
    best_for_study: dict[str, Certainty] = {}
    for grade in grades.values():
        for study_id in grade.counted:
            best_for_study[study_id] = max(best_for_study.get(study_id, Certainty.NO_EVIDENCE),
                                           grade.certainty)
    rows: list[Condition] = []
    depth: dict[str, int] = {}
    for root in (c for c in corpus.conditions if c.parent is None):
        for condition_id in condition_subtree(corpus, root.id):
            rows.append(corpus.condition_by_id[condition_id])
            depth[condition_id] = len(condition_ancestors(corpus, condition_id))
    cells: dict[tuple[str, str], GapCell] = {}

    def count(row: str, studies: Iterable[Study]) -> None:
        for study in studies:
            for column in _columns_of(study, by):
                cell = cells.get((row, column), GapCell(0, Certainty.NO_EVIDENCE))
                best = max(cell.best, best_for_study.get(study.id, Certainty.NO_EVIDENCE))
                cells[(row, column)] = GapCell(cell.studies + 1, best)

    for condition in rows:
        members = set(condition_subtree(corpus, condition.id))
        count(condition.id, (s for s in corpus.studies if members.intersection(s.conditions)))
    # Studies that name no condition (healthy volunteers given experimental pain, animals,
    # cells): a row per population, so that the map shows every study.
    unnamed = [s for s in corpus.studies if not s.conditions]
    for population in Population:
        group = [s for s in unnamed if s.population is population]
        if group:
            row = Condition(f"{NO_CONDITION}{population.value}",
                            f"No condition named: {population.value}")
            rows.append(row)
            depth[row.id] = 0
            count(row.id, group)
    return GapMap(by, tuple(rows), depth, columns, cells)


#: The id prefix of a gap-map row of the studies that name no condition, one per population.
NO_CONDITION = "no-condition-"
