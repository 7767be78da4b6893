"""What the corpus says about one condition or mechanism, and the evidence gap map.

Pure functions from a corpus (and its grades) to plain data; renderers decide how it looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from painlit.grading import Grade
from painlit.model import (
    Certainty,
    Claim,
    ClaimTopic,
    Condition,
    Corpus,
    DoseCategory,
    Mechanism,
    Population,
    PublicationStatus,
    Study,
    StudyDesign,
)
from painlit.query import condition_ancestors, condition_subtree


@dataclass(frozen=True, slots=True)
class GradedClaim:
    claim: Claim
    grade: Grade


@dataclass(frozen=True, slots=True)
class Summary:
    """A one-screen answer: the claims, the studies behind them, what is missing."""

    kind: str  # "condition" or "mechanism"
    id: str
    name: str
    description: str | None
    includes: tuple[str, ...]  # sub-conditions folded in
    claims: tuple[GradedClaim, ...]
    broader_claims: tuple[GradedClaim, ...]  # claims about a parent condition
    safety: tuple[GradedClaim, ...]
    studies: tuple[Study, ...]  # primary studies, newest first
    reviews: tuple[Study, ...]
    registrations: tuple[Study, ...]  # registered trials without published results
    gaps: tuple[str, ...]


def _graded(claims: list[Claim], grades: dict[str, Grade]) -> tuple[GradedClaim, ...]:
    ordered = sorted(claims, key=lambda c: (-grades[c.id].certainty, c.id))
    return tuple(GradedClaim(claim, grades[claim.id]) for claim in ordered)


def _split(studies: list[Study]) -> tuple[tuple[Study, ...], tuple[Study, ...],
                                          tuple[Study, ...]]:
    newest = sorted(studies, key=lambda s: (-s.year, s.id))
    primary = tuple(s for s in newest if s.design.is_primary)
    reviews = tuple(s for s in newest if s.design.is_review)
    registrations = tuple(s for s in newest if s.design is StudyDesign.TRIAL_REGISTRATION)
    return primary, reviews, registrations


def _safety(corpus: Corpus, grades: dict[str, Grade]) -> tuple[GradedClaim, ...]:
    return _graded([c for c in corpus.claims if c.topic is ClaimTopic.SAFETY], grades)


def _gaps(name: str, studies: tuple[Study, ...], claims: tuple[GradedClaim, ...]) -> list[str]:
    gaps = []
    patients = [s for s in studies if s.population is Population.PATIENTS]
    randomised = [s for s in patients if s.design.is_randomised]
    micro_randomised = [s for s in randomised if s.dose.category is DoseCategory.MICRO]
    if not studies:
        gaps.append(f"No primary study of psychedelics in {name} is in the corpus.")
    elif not patients:
        gaps.append(f"No study in patients with {name}: only indirect evidence.")
    if studies and not randomised:
        gaps.append(f"No randomised trial of any psychedelic dose in {name}.")
    if not micro_randomised:
        gaps.append(f"No randomised, placebo-controlled trial of microdosing in {name}.")
    unanswered = [g for g in claims if g.grade.certainty is Certainty.NO_EVIDENCE]
    if unanswered:
        gaps.append(f"{len(unanswered)} claim(s) about {name} have no study behind them.")
    return gaps


def summarise_condition(corpus: Corpus, condition: Condition,
                        grades: dict[str, Grade]) -> Summary:
    subtree = condition_subtree(corpus, condition.id)
    members = set(subtree)
    ancestors = set(condition_ancestors(corpus, condition.id))
    claims = [c for c in corpus.claims
              if members.intersection(c.conditions) and c.topic is not ClaimTopic.SAFETY]
    broader = [c for c in corpus.claims
               if ancestors.intersection(c.conditions) and not members.intersection(c.conditions)
               and c.topic is not ClaimTopic.SAFETY]
    primary, reviews, registrations = _split(
        [s for s in corpus.studies if members.intersection(s.conditions)]
    )
    graded = _graded(claims, grades)
    registrations = tuple(s for s in registrations if s.status is not PublicationStatus.PUBLISHED)
    return Summary(
        kind="condition", id=condition.id, name=condition.name,
        description=condition.description, includes=tuple(subtree[1:]), claims=graded,
        broader_claims=_graded(broader, grades), safety=_safety(corpus, grades),
        studies=primary, reviews=reviews, registrations=registrations,
        gaps=tuple(_gaps(condition.name.lower(), primary, graded)),
    )


def summarise_mechanism(corpus: Corpus, mechanism: Mechanism,
                        grades: dict[str, Grade]) -> Summary:
    claims = [c for c in corpus.claims if mechanism.id in c.mechanisms]
    primary, reviews, registrations = _split(
        [s for s in corpus.studies if mechanism.id in s.mechanisms]
    )
    graded = _graded(claims, grades)
    gaps = []
    human = [s for s in primary if s.population.is_human]
    if not primary:
        gaps.append(f"No primary study of {mechanism.name.lower()} is in the corpus.")
    elif not human:
        gaps.append("Only animal or cell studies: nothing shows this happens in people.")
    if not [s for s in human if s.dose.category is DoseCategory.MICRO]:
        gaps.append(f"No human study tested {mechanism.name.lower()} at microdoses.")
    if not [s for s in primary if s.population is Population.PATIENTS]:
        gaps.append("No study linked this mechanism to pain relief in patients.")
    return Summary(
        kind="mechanism", id=mechanism.id, name=mechanism.name,
        description=mechanism.description, includes=(), claims=graded, broader_claims=(),
        safety=(), studies=primary, reviews=reviews, registrations=registrations,
        gaps=tuple(gaps),
    )


class MapColumns(StrEnum):
    DESIGN = "design"
    MECHANISM = "mechanism"
    DOSE = "dose"


@dataclass(frozen=True, slots=True)
class GapCell:
    studies: int
    best: Certainty  # best certainty among claims that count a study in this cell


@dataclass(frozen=True, slots=True)
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


def gap_map(corpus: Corpus, grades: dict[str, Grade], by: MapColumns) -> GapMap:
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
    for condition in rows:
        members = set(condition_subtree(corpus, condition.id))
        for study in corpus.studies:
            if not members.intersection(study.conditions):
                continue
            for column in _columns_of(study, by):
                cell = cells.get((condition.id, column), GapCell(0, Certainty.NO_EVIDENCE))
                best = max(cell.best, best_for_study.get(study.id, Certainty.NO_EVIDENCE))
                cells[(condition.id, column)] = GapCell(cell.studies + 1, best)
    return GapMap(by, tuple(rows), depth, columns, cells)
