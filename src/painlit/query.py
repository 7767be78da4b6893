"""Finding records by name and filtering them: pure functions over a loaded corpus.

Names are matched case-insensitively against ids, names, aliases and (for conditions) MeSH
descriptor ids; an unknown name raises UnknownNameError carrying the closest matches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar

from painlit.errors import UnknownNameError, closest
from painlit.facts import Where, facts_of
from painlit.frozen import frozen
from painlit.grading import GradeTable, Verdict
from painlit.model import (
    Certainty,
    Claim,
    Condition,
    Corpus,
    DoseCategory,
    Mechanism,
    Population,
    Source,
    Study,
    StudyDesign,
    Substance,
)


class _Named(Protocol):
    @property
    def id(self) -> str: ...


N = TypeVar("N", bound=_Named)


def _names(record: object) -> list[str]:
    names = [getattr(record, "id", "")]
    for attribute in ("name", "mesh"):
        value = getattr(record, attribute, None)
        if value:
            names.append(value)
    names.extend(getattr(record, "aliases", ()))
    return names


def _normal(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def _resolve(kind: str, name: str, records: Sequence[N]) -> N:
    wanted = _normal(name)
    for record in records:
        if any(_normal(candidate) == wanted for candidate in _names(record)):
            return record
    choices = {candidate: record.id for record in records for candidate in _names(record)}
    suggestions = list(dict.fromkeys(choices[c] for c in closest(name, list(choices))))
    if not suggestions:  # a prefix or substring is a good guess too ("fibro", "cluster")
        suggestions = [
            record.id for record in records
            if any(wanted in _normal(candidate) for candidate in _names(record))
        ][:3]
    raise UnknownNameError(kind, name, suggestions)


def resolve_condition(corpus: Corpus, name: str) -> Condition:
    return _resolve("condition", name, corpus.conditions)


def resolve_mechanism(corpus: Corpus, name: str) -> Mechanism:
    return _resolve("mechanism", name, corpus.mechanisms)


def resolve_substance(corpus: Corpus, name: str) -> Substance:
    return _resolve("substance", name, corpus.substances)


def resolve_source(corpus: Corpus, name: str) -> Source:
    return _resolve("source", name, corpus.sources)


def _resolve_id(kind: str, name: str, ids: Sequence[str]) -> int:
    """The position of the record whose id is `name` (as `_resolve` matches it), for records
    named by their id alone (studies, claims): their ids come from the index column, so a
    name that is no id decodes no record (at 100,000 studies that took 20 s)."""
    wanted = _normal(name)
    for position, id_ in enumerate(ids):
        if _normal(id_) == wanted:
            return position
    suggestions = closest(name, list(ids))
    if not suggestions:  # a prefix or substring is a good guess too
        suggestions = [id_ for id_ in ids if wanted in _normal(id_)][:3]
    raise UnknownNameError(kind, name, suggestions)


def resolve_claim(corpus: Corpus, name: str) -> Claim:
    found = corpus.claim_by_id.get(name.strip())
    if found is not None:  # the usual case, and no scan of every claim
        return found
    return corpus.claims[_resolve_id("claim", name, corpus.index.claim_ids)]


def resolve_study(corpus: Corpus, name: str) -> Study:
    """A study by id, DOI, PMID or registry id."""
    found = corpus.study_by_id.get(name.strip())
    if found is not None:
        return found
    wanted = name.strip().lower()
    for position, identifiers in enumerate(corpus.index.study_identifiers):
        if any(value is not None and value.lower() == wanted for value in identifiers):
            return corpus.studies[position]
    return corpus.studies[_resolve_id("study", name, corpus.index.study_ids)]


def condition_subtree(corpus: Corpus, condition_id: str) -> list[str]:
    """The condition and all its descendants in tree order: each one directly followed by its
    own children (so an indented list reads as the tree), siblings in corpus order."""
    children: dict[str, list[str]] = {}
    for condition in corpus.conditions:
        if condition.parent is not None:
            children.setdefault(condition.parent, []).append(condition.id)
    ordered: list[str] = []
    seen: set[str] = set()
    pending = [condition_id]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        ordered.append(current)
        pending.extend(reversed(children.get(current, [])))
    return ordered


def condition_ancestors(corpus: Corpus, condition_id: str) -> list[str]:
    """The condition's parent, grandparent, ... (nearest first)."""
    ancestors: list[str] = []
    current = corpus.condition_by_id[condition_id].parent
    while current is not None and current not in ancestors:
        ancestors.append(current)
        current = corpus.condition_by_id[current].parent
    return ancestors


@frozen
class StudyFilter:
    """Every field narrows the list; None means 'any'."""

    design: StudyDesign | None = None
    randomised: bool | None = None
    dose: DoseCategory | None = None
    population: Population | None = None
    substance: str | None = None
    condition: str | None = None
    mechanism: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    text: str | None = None


def filter_studies(corpus: Corpus, wanted: StudyFilter) -> Sequence[Study]:
    """The studies that pass every filter, newest first (then by id)."""
    where = Where()
    if wanted.design is not None:
        where.equal("design", wanted.design.value)
    if wanted.randomised is not None:
        where.among("design", [design.value for design in StudyDesign
                               if design.is_randomised == wanted.randomised])
    if wanted.dose is not None:
        where.equal("dose", wanted.dose.value)
    if wanted.population is not None:
        where.equal("population", wanted.population.value)
    if wanted.substance is not None:
        where.names("named", [wanted.substance])
    if wanted.condition is not None:
        where.names("conditions", condition_subtree(corpus, wanted.condition))
    if wanted.mechanism is not None:
        where.names("mechanisms", [wanted.mechanism])
    if wanted.year_from is not None:
        where.at_least("year", wanted.year_from)
    if wanted.year_to is not None:
        where.at_most("year", wanted.year_to)
    positions = [study.position for study in facts_of(corpus).studies(where)]
    if wanted.text:  # the only filter that reads the records themselves
        text = wanted.text.lower()
        positions = [i for i in positions if text in study_text(corpus.studies[i])]
    return corpus.studies_at(positions)


def study_text(study: Study) -> str:
    parts: Iterable[str | None] = (
        study.id, study.title, study.journal, study.finding, study.outcome, study.bias_note,
        study.doi, study.pmid, study.registry, " ".join(study.authors),
        study.dose.reported, " ".join(study.unverified),
    )
    return " ".join(part for part in parts if part).lower()


def claim_text(claim: Claim) -> str:
    parts: list[str | None] = [claim.id, claim.statement, claim.quote, claim.outcome,
                               claim.intervention, *claim.notes]
    parts.extend(link.note for link in claim.evidence)
    parts.extend(judgement.reason for judgement in claim.judgements)
    return " ".join(part for part in parts if part).lower()


@frozen
class ClaimFilter:
    condition: str | None = None
    mechanism: str | None = None
    source: str | None = None
    min_certainty: Certainty | None = None
    verdict: Verdict | None = None
    study: str | None = None  # the claims whose evidence names this study


def filter_claims(corpus: Corpus, grades: GradeTable, wanted: ClaimFilter) -> Sequence[Claim]:
    """The claims that pass every filter, in corpus order."""
    where = Where()
    if wanted.condition is not None:
        where.names("conditions", condition_subtree(corpus, wanted.condition))
    if wanted.mechanism is not None:
        where.names("mechanisms", [wanted.mechanism])
    if wanted.source is not None:
        where.names("named", [wanted.source])
    if wanted.study is not None:
        where.names("cites", [wanted.study])
    positions = [claim.position for claim in facts_of(corpus).claims(where)]
    levels = grades.levels  # grades come from several records: not a record's facts
    if wanted.min_certainty is not None:
        positions = [i for i in positions if levels[i][0] >= wanted.min_certainty]
    if wanted.verdict is not None:
        positions = [i for i in positions if levels[i][1] is wanted.verdict]
    return corpus.claims_at(positions)


@frozen
class SearchHits:
    studies: tuple[Study, ...]
    claims: tuple[Claim, ...]


def search(corpus: Corpus, text: str,
           progress: Callable[[int, int], None] | None = None) -> SearchHits:
    """Studies and claims whose text contains every word of `text` (case-insensitive).
    `progress(done, of)` hears how the index's first search is getting on, when it indexes
    the records' texts (painlit.store)."""
    words = text.lower().split()
    candidates = corpus.memo.get("candidates")
    if callable(candidates) and words and not any(
            char in word for word in words for char in _ESCAPED_IN_JSON):
        # From the index: only the records that may hold every word (found in its full-text
        # index, or in their stored JSON: a word in a field is in the field's JSON string,
        # which escapes none of its characters) are decoded, then checked exactly as below.
        study_places, claim_places = candidates(words, (study_text, claim_text), progress)
        pool: tuple[Iterable[Study], Iterable[Claim]] = (
            corpus.studies_at(study_places), corpus.claims_at(claim_places))
    else:
        pool = (corpus.studies, corpus.claims)
    studies = tuple(s for s in pool[0] if all(w in study_text(s) for w in words))
    claims = tuple(c for c in pool[1] if all(w in claim_text(c) for w in words))
    return SearchHits(studies, claims)


#: What JSON writes as an escape (`"`, `\`, the C0 controls): a word holding one is not
#: looked for in the stored JSON.
_ESCAPED_IN_JSON = frozenset('"\\' + "".join(map(chr, range(32))))
