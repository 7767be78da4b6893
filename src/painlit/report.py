"""A report over the whole corpus, or one condition, mechanism or source: plain data, no markup.

`build_report` is a pure function of the corpus, its grades and a scope. The renderers
(`painlit.render.markdown`, `painlit.render.html`, and the JSON document in
`painlit.render.jsondata` style) decide how it looks; everything they show comes from here,
so the three formats always say the same thing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from painlit.errors import UnknownNameError
from painlit.frozen import frozen
from painlit.grading import Grade, GradeTable, Step, Verdict
from painlit.model import (
    Certainty,
    Claim,
    ClaimTopic,
    Corpus,
    CorpusInfo,
    Direction,
    DoseCategory,
    Population,
    Study,
    StudyDesign,
)
from painlit.query import ClaimFilter, condition_subtree, filter_claims
from painlit.summary import (
    NO_CONDITION,
    GapMap,
    GradedClaim,
    MapColumns,
    Summary,
    gap_map,
    summarise_condition,
    summarise_mechanism,
)

if TYPE_CHECKING:
    from painlit.screening import Flow

NOT_MEDICAL_ADVICE = (
    "This report summarises published research. It does not recommend taking or avoiding any "
    "substance and does not replace the judgement of a clinician who knows the patient."
)

#: What each certainty means, in GRADE's plain words.

VERDICT_MEANING = {
    Verdict.SUPPORTED: "the counted studies point the way the claim says",
    Verdict.REFUTED: "the counted studies point against the claim",
    Verdict.MIXED: "the counted studies point both ways",
    Verdict.INSUFFICIENT: "too uncertain (Very low certainty) or no evidence: cannot say",
}

DESIGN_LABELS = {
    StudyDesign.RANDOMISED_PARALLEL: "RCT, parallel",
    StudyDesign.RANDOMISED_CROSSOVER: "RCT, crossover",
    StudyDesign.OPEN_LABEL: "Open-label trial",
    StudyDesign.COHORT: "Cohort",
    StudyDesign.CROSS_SECTIONAL_SURVEY: "Survey",
    StudyDesign.CASE_SERIES: "Case series",
    StudyDesign.CASE_REPORT: "Case report",
    StudyDesign.QUALITATIVE: "Qualitative",
    StudyDesign.NARRATIVE_REVIEW: "Narrative review",
    StudyDesign.SYSTEMATIC_REVIEW: "Systematic review",
    StudyDesign.META_ANALYSIS: "Meta-analysis",
    StudyDesign.PRECLINICAL: "Animal or cell",
    StudyDesign.TRIAL_REGISTRATION: "Registered trial",
}

POPULATION_LABELS = {
    Population.PATIENTS: "patients",
    Population.HEALTHY_VOLUNTEERS: "healthy volunteers",
    Population.COMMUNITY: "community sample",
    Population.ANIMALS: "animals",
    Population.CELLS: "cells",
    Population.NOT_APPLICABLE: "not applicable",
}

DIRECTION_LABELS = {
    Direction.BENEFIT: "benefit",
    Direction.NO_EFFECT: "no effect",
    Direction.HARM: "harm",
    Direction.MIXED: "mixed",
    Direction.NOT_APPLICABLE: "not applicable",
}

#: How many authors a reference names before "et al.".
AUTHORS_SHOWN = 3


class ScopeKind(StrEnum):
    CORPUS = "corpus"
    CONDITION = "condition"
    MECHANISM = "mechanism"
    SOURCE = "source"


@frozen
class Scope:
    """What the report covers: the whole corpus, or the record `id` of one kind."""

    kind: ScopeKind = ScopeKind.CORPUS
    id: str | None = None


@frozen
class Link:
    kind: str  # "doi", "pubmed" or "registry"
    label: str  # the identifier as written in the corpus
    url: str  # percent-encoded: safe inside a markdown link or a quoted HTML attribute


@frozen
class Reference:
    study: Study
    authors: str  # "Aday JS, McAfee J, Conroy DA, et al." or ""
    links: tuple[Link, ...]


@frozen
class Place:
    """Why a study is in a report: the report's claims that cite it (claim id, stance), and,
    for a study of another condition or mechanism, a sentence saying why it appears."""

    cited: tuple[tuple[str, str], ...]
    why: str | None = None


@frozen
class ClaimGroup:
    title: str
    claims: Sequence[GradedClaim]


@frozen
class Report:
    info: CorpusInfo
    scope: Scope
    heading: str  # "Whole corpus", "Condition: Fibromyalgia", ...
    description: str | None
    includes: tuple[str, ...]  # names of sub-conditions folded into a condition
    groups: tuple[ClaimGroup, ...]
    studies: tuple[Study, ...]  # primary studies, newest first
    registrations: tuple[Study, ...]
    reviews: tuple[Study, ...]
    gap_map: GapMap  # conditions × design over the report's studies and claims
    #: Ids of the report's studies its map does not show (studies of other conditions).
    unmapped: tuple[str, ...]
    gaps: tuple[str, ...]
    references: tuple[Reference, ...]  # every study the report mentions, by id
    substances: dict[str, str]  # substance id -> short name
    sizes: dict[str, int | None]  # each primary study's n, by id (for `participants`)
    #: The screening log's PRISMA 2020 flow (the whole corpus's), when there is a log.
    screening: Flow | None = None
    #: Each listed study's place in the report (by id).
    places: dict[str, Place] = dataclasses.field(default_factory=dict)

    @property
    def claims(self) -> tuple[GradedClaim, ...]:
        """Every claim of the summary of findings, in order (footnotes number them so)."""
        return tuple(item for group in self.groups for item in group.claims)

    def participants(self, grade: Grade) -> str:
        """The participants a claim's counted studies enrolled, saying when some n is missing."""
        if not grade.counted:
            return "–"
        missing = sum(1 for study in grade.counted if self.sizes.get(study) is None)
        if missing == len(grade.counted):
            return "not recorded"
        if missing:
            return f"{grade.participants} (+{missing} {'study' if missing == 1 else 'studies'} " \
                "with n not recorded)"
        return str(grade.participants)

    def certainty_counts(self) -> dict[Certainty, int]:
        """How many of the report's claims reach each certainty, highest first."""
        return {level: sum(1 for item in self.claims if item.grade.certainty is level)
                for level in reversed(Certainty)}

    def at_a_glance(self) -> str:
        """One sentence a reader can take away before reading the tables."""
        counts = self.certainty_counts()
        total = len(self.claims)
        if not total:
            return "No claim in the corpus is about this yet."
        parts = [f"{certainty_text(level)}: {count}" for level, count in counts.items() if count]
        best = max(level for level, count in counts.items() if count)
        sentence = (f"{total} claim{'' if total == 1 else 's'} graded. "
                    + "; ".join(parts) + ".")
        if best < Certainty.MODERATE:
            sentence += " No claim reaches Moderate or High certainty."
        return sentence

    def substance_names(self, study: Study) -> str:
        return ", ".join(self.substances.get(s, s) for s in study.substances)


# --- small shared wording -------------------------------------------------------------------

def step_text(step: Step) -> str:
    """One grading step in words: 'Risk of bias −1: serious: ...'."""
    if step.domain is None:
        return step.reason
    sign = f"{step.change:+d}".replace("-", "−") if step.change else "±0"
    name = step.domain.value.replace("-", " ").capitalize()
    curated = " (curated)" if step.curated else ""
    return f"{name} {sign}{curated}: {step.reason}"


def certainty_text(certainty: Certainty) -> str:
    return f"{certainty.symbols} {certainty.label}"


def column_label(column: str) -> str:
    """A gap-map column in words ('open-label' -> 'Open-label trial')."""
    try:
        return DESIGN_LABELS[StudyDesign(column)]
    except ValueError:
        return column


def dose_text(study: Study) -> str:
    reported = study.dose.reported
    return study.dose.category.value + (f": {reported}" if reported else "")


def n_text(study: Study) -> str:
    return str(study.n) if study.n is not None else "not recorded"


def registration_enrolment(study: Study) -> str:
    reg = study.registration
    if reg is None or reg.enrolment is None:
        return "not recorded"
    return f"{reg.enrolment} ({reg.enrolment_type or 'type not recorded'})"


def _authors(study: Study) -> str:
    if not study.authors:
        return ""
    shown = ", ".join(study.authors[:AUTHORS_SHOWN])
    return shown + (", et al." if len(study.authors) > AUTHORS_SHOWN else ".")


def study_links(study: Study) -> tuple[Link, ...]:
    """DOI, PubMed and trial-registry links, built only from validated identifiers."""
    return tuple(Link(kind, label, url) for kind, label, url in study.links)


def reference(study: Study) -> Reference:
    return Reference(study, _authors(study), study_links(study))


# --- building -------------------------------------------------------------------------------

def _graded(claims: Iterable[Claim], grades: Mapping[str, Grade]) -> tuple[GradedClaim, ...]:
    ordered = sorted(claims, key=lambda c: (-grades[c.id].certainty, c.id))
    return tuple(GradedClaim(claim, grades[claim.id]) for claim in ordered)


def _newest(studies: Iterable[Study]) -> tuple[Study, ...]:
    return tuple(sorted(set(studies), key=lambda s: (-s.year, s.id)))


def _linked(corpus: Corpus, claims: Iterable[GradedClaim]) -> list[Study]:
    return [corpus.study_by_id[link.study] for item in claims for link in item.claim.evidence]


def _general_gaps(claims: tuple[GradedClaim, ...], studies: tuple[Study, ...],
                  registrations: tuple[Study, ...], where: str) -> list[str]:
    gaps = []
    unanswered = [item.claim.id for item in claims
                  if item.grade.certainty is Certainty.NO_EVIDENCE]
    if unanswered:
        gaps.append(f"No study behind {len(unanswered)} of the {len(claims)} claims: "
                    + ", ".join(unanswered) + ".")
    trials = [s for s in studies if s.design.is_randomised
              and s.population is Population.PATIENTS and s.dose.category is DoseCategory.MICRO]
    if not trials:
        gaps.append(f"No randomised, placebo-controlled trial of microdosing in patients {where}.")
    silent = [s.id for s in registrations if s.status.is_unpublished_end]
    if silent:
        count = "1 registered trial" if len(silent) == 1 else f"{len(silent)} registered trials"
        gaps.append(f"{count} ended without published results: " + ", ".join(silent) + ".")
    return gaps


def _scoped_map(corpus: Corpus, studies: Iterable[Study], claims: Iterable[GradedClaim],
                root: str | None) -> GapMap:
    """The design map over only the report's studies, coloured by only the report's claims."""
    # Only the studies, in corpus order (the map reads no claim: their grades are `claims`).
    scoped = dataclasses.replace(corpus, claims=(), studies=tuple(
        sorted(studies, key=lambda study: corpus.study_position[study.id])))
    counted = [(item.grade.certainty, item.grade.counted) for item in claims]
    full = gap_map(scoped, counted, MapColumns.DESIGN)
    members = set(condition_subtree(corpus, root)) if root is not None else None
    # The condition's rows, and the rows of the report's studies that name no condition.
    kept_rows = {row.id for row in full.rows
                 if members is None or row.id in members or row.id.startswith(NO_CONDITION)}
    rows = tuple(row for row in full.rows if row.id in kept_rows)
    base = full.depth[root] if root is not None else 0
    return GapMap(
        full.columns_by, rows, {row.id: max(0, full.depth[row.id] - base) for row in rows},
        full.columns, {key: cell for key, cell in full.cells.items() if key[0] in kept_rows},
    )


def _from_summary(summary: Summary, heading: str
                  ) -> tuple[str, tuple[ClaimGroup, ...], list[Study], list[str]]:
    # The first group stays even when empty: "no claim is about this" is worth saying. Each
    # group's claims are decoded once, here: a report goes over them several times.
    groups = [ClaimGroup(f"Claims about {summary.name.lower()}", tuple(summary.claims))]
    if summary.broader_claims:
        groups.append(ClaimGroup("Broader claims (about a parent condition)",
                                 tuple(summary.broader_claims)))
    if summary.safety:
        groups.append(ClaimGroup("Safety considerations", tuple(summary.safety)))
    studies = [*summary.studies, *summary.reviews, *summary.registrations]
    return heading, tuple(groups), studies, list(summary.gaps)


def build_report(corpus: Corpus, grades: GradeTable, scope: Scope | None = None,
                 screening: Flow | None = None) -> Report:
    """Everything a report shows, for the whole corpus or the one record `scope` names."""
    scope = scope or Scope()
    description: str | None = None
    includes: tuple[str, ...] = ()
    root: str | None = None
    if scope.kind is ScopeKind.CONDITION:
        condition = _lookup(corpus.condition_by_id, scope)
        summary = summarise_condition(corpus, condition, grades)
        heading, groups, scoped, gaps = _from_summary(
            summary, f"Condition: {condition.name}")
        description, root = condition.description, condition.id
        includes = tuple(corpus.condition_by_id[c].name for c in summary.includes)
    elif scope.kind is ScopeKind.MECHANISM:
        mechanism = _lookup(corpus.mechanism_by_id, scope)
        summary = summarise_mechanism(corpus, mechanism, grades)
        heading, groups, scoped, gaps = _from_summary(
            summary, f"Mechanism: {mechanism.name}")
        description = mechanism.description
    elif scope.kind is ScopeKind.SOURCE:
        source = _lookup(corpus.source_by_id, scope)
        claims = _graded(filter_claims(corpus, grades, ClaimFilter(source=source.id)), grades)
        heading = f"Claims made by: {source.title}"
        groups = (ClaimGroup(f"Claims made by this {source.kind}", claims),)
        description, scoped, gaps = source.note, [], []
    else:
        heading, description, scoped, gaps = "Whole corpus", None, list(corpus.studies), []
        groups = tuple(
            ClaimGroup(title, _graded((c for c in corpus.claims if c.topic is topic), grades))
            for topic, title in ((ClaimTopic.EFFICACY, "Does it work?"),
                                 (ClaimTopic.MECHANISM, "How would it work?"),
                                 (ClaimTopic.SAFETY, "Is it safe?"),
                                 (ClaimTopic.GOOD_PRACTICE, "Good practice (not graded)"))
        )
        groups = tuple(group for group in groups if group.claims)
    graded = tuple(item for group in groups for item in group.claims)
    everything = [*scoped, *_linked(corpus, graded)]
    studies = _newest(s for s in everything if s.design.is_primary)
    reviews = _newest(s for s in everything if s.design.is_review)
    registrations = _newest(s for s in everything
                            if s.design is StudyDesign.TRIAL_REGISTRATION)
    if scope.kind in (ScopeKind.CORPUS, ScopeKind.SOURCE):
        where = "with any chronic pain condition" if scope.kind is ScopeKind.CORPUS else (
            "among the studies these claims cite")
        gaps = _general_gaps(graded, studies, registrations, where)
    mentioned = {*studies, *reviews, *registrations}
    members = frozenset(condition_subtree(corpus, root)) if root is not None else frozenset()
    citing: dict[str, list[Claim]] = {}  # study id -> the report's claims citing it
    for item in graded:
        for study_id in dict.fromkeys(link.study for link in item.claim.evidence):
            citing.setdefault(study_id, []).append(item.claim)
    places = {study.id: _place(corpus, study, citing.get(study.id, []), scope, members)
              for study in (*studies, *registrations)}
    return Report(
        info=corpus.info, scope=scope, heading=heading, description=description,
        includes=includes, groups=groups, studies=studies, registrations=registrations,
        reviews=reviews, gap_map=_scoped_map(corpus, mentioned, graded, root),
        unmapped=tuple(sorted(s.id for s in mentioned if s.conditions and root is not None
                              and members.isdisjoint(s.conditions))),
        gaps=tuple(gaps),
        references=tuple(reference(s) for s in sorted(mentioned, key=lambda s: s.id)),
        substances={s.id: s.name.split(" (")[0] for s in corpus.substances},
        sizes={s.id: s.n for s in studies},
        screening=screening,
        places=places,
    )


def _place(corpus: Corpus, study: Study, citing: list[Claim], scope: Scope,
           members: frozenset[str]) -> Place:
    """The report's claims citing `study` (`citing`, in report order) and, when it is not
    about the report's condition (whose subtree is `members`) or mechanism, why it is
    there."""
    cited = tuple(dict.fromkeys((claim.id, link.stance.value) for claim in citing
                                for link in claim.evidence if link.study == study.id))
    if scope.kind is ScopeKind.CONDITION and scope.id is not None:
        if not members.isdisjoint(study.conditions):
            return Place(cited)
        about = (", ".join(corpus.condition_by_id[c].name for c in study.conditions)
                 if study.conditions else f"no condition ({study.population.value})")
        name = corpus.condition_by_id[scope.id].name
    elif scope.kind is ScopeKind.MECHANISM and scope.id is not None:
        if scope.id in study.mechanisms:
            return Place(cited)
        about = ("mechanisms " + ", ".join(study.mechanisms) if study.mechanisms
                 else "no mechanism")
        name = corpus.mechanism_by_id[scope.id].name
    else:
        return Place(cited)
    if not citing:
        return Place(cited, f"About {about}, not {name}.")
    def about_claim(claim: Claim) -> str:
        names = ", ".join(corpus.condition_by_id[c].name for c in claim.conditions)
        return f"{claim.id} (about {names})" if names else claim.id

    claims = "; ".join(about_claim(claim) for claim in citing)
    subject = "the claims" if len(citing) > 1 else "the claim"
    verb = "cite" if len(citing) > 1 else "cites"
    why = f"About {about}, not {name}: here because {subject} {claims} {verb} it."
    return Place(cited, why)


T = TypeVar("T")


def _lookup(records: dict[str, T], scope: Scope) -> T:
    if scope.id is None or scope.id not in records:
        raise UnknownNameError(scope.kind.value, scope.id or "", sorted(records)[:3])
    return records[scope.id]
