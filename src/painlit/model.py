"""Typed records for everything the corpus holds.

The records are frozen dataclasses: they are built once by the loader (which does all the
validation against the YAML nodes, so it can name lines) and never change afterwards.
The closed vocabularies are string enums whose values are exactly what the YAML file uses.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import InitVar, dataclass, field, fields
from datetime import date
from enum import IntEnum, StrEnum
from typing import TypeVar, overload

from painlit.frozen import frozen

T = TypeVar("T")


class StudyDesign(StrEnum):
    RANDOMISED_PARALLEL = "randomised-parallel"
    RANDOMISED_CROSSOVER = "randomised-crossover"
    OPEN_LABEL = "open-label"
    COHORT = "cohort"
    CROSS_SECTIONAL_SURVEY = "cross-sectional-survey"
    CASE_SERIES = "case-series"
    CASE_REPORT = "case-report"
    QUALITATIVE = "qualitative"
    NARRATIVE_REVIEW = "narrative-review"
    SYSTEMATIC_REVIEW = "systematic-review"
    META_ANALYSIS = "meta-analysis"
    PRECLINICAL = "preclinical"
    TRIAL_REGISTRATION = "trial-registration"

    @property
    def is_randomised(self) -> bool:
        return self in (StudyDesign.RANDOMISED_PARALLEL, StudyDesign.RANDOMISED_CROSSOVER)

    @property
    def is_review(self) -> bool:
        return self in (
            StudyDesign.NARRATIVE_REVIEW,
            StudyDesign.SYSTEMATIC_REVIEW,
            StudyDesign.META_ANALYSIS,
        )

    @property
    def is_primary(self) -> bool:
        """A primary study reports its own results (not a review, not a bare registration)."""
        return not self.is_review and self is not StudyDesign.TRIAL_REGISTRATION


class Population(StrEnum):
    PATIENTS = "patients"
    HEALTHY_VOLUNTEERS = "healthy-volunteers"
    COMMUNITY = "community"
    ANIMALS = "animals"
    CELLS = "cells"
    NOT_APPLICABLE = "not-applicable"

    @property
    def is_human(self) -> bool:
        return self in (
            Population.PATIENTS,
            Population.HEALTHY_VOLUNTEERS,
            Population.COMMUNITY,
        )


class DoseCategory(StrEnum):
    MICRO = "micro"
    LOW = "low"
    FULL = "full"
    MIXED = "mixed"
    NONE = "none"


class PainModel(StrEnum):
    CLINICAL = "clinical"
    EXPERIMENTAL = "experimental"
    NONE = "none"


class Direction(StrEnum):
    BENEFIT = "benefit"
    NO_EFFECT = "no-effect"
    HARM = "harm"
    MIXED = "mixed"
    NOT_APPLICABLE = "not-applicable"


class RiskOfBias(StrEnum):
    LOW = "low"
    SOME_CONCERNS = "some-concerns"
    HIGH = "high"
    NOT_ASSESSED = "not-assessed"


class PublicationStatus(StrEnum):
    PUBLISHED = "published"
    PREPRINT = "preprint"
    ONGOING = "ongoing"
    COMPLETED_WITHOUT_RESULTS = "completed-without-results"
    TERMINATED = "terminated"
    WITHDRAWN = "withdrawn"

    @property
    def is_unpublished_end(self) -> bool:
        """Ended (completed or terminated) with no results: a publication-bias signal."""
        return self in (
            PublicationStatus.COMPLETED_WITHOUT_RESULTS,
            PublicationStatus.TERMINATED,
        )


class Stance(StrEnum):
    """What a study's result says about a claim as worded. `refutes` needs an estimate that
    excludes a meaningful benefit (or an adequately powered null result); a non-significant
    result with a wide interval is `inconclusive`, never a refutation."""

    SUPPORTS = "supports"
    REFUTES = "refutes"
    INCONCLUSIVE = "inconclusive"
    MIXED = "mixed"
    CONTEXT = "context"


class ClaimTopic(StrEnum):
    EFFICACY = "efficacy"
    MECHANISM = "mechanism"
    SAFETY = "safety"
    #: A recommendation (GRADE's "good practice statement"): shown, never graded.
    GOOD_PRACTICE = "good-practice"


class Regimen(StrEnum):
    SINGLE = "single"
    REPEATED = "repeated"


class CoIntervention(StrEnum):
    NONE = "none"
    PSYCHOTHERAPY = "psychotherapy"


class Importance(StrEnum):
    CRITICAL = "critical"
    IMPORTANT = "important"


class Better(StrEnum):
    """Which direction of an effect's value favours the intervention."""

    LOWER = "lower"
    HIGHER = "higher"


class Result(StrEnum):
    """What a study's own statistics show for one outcome."""

    BENEFIT = "benefit"
    NO_DIFFERENCE = "no-difference"
    HARM = "harm"
    MIXED = "mixed"
    UNCLEAR = "unclear"


class Measure(StrEnum):
    """How an effect is expressed, as the paper reports it (painlit never computes one)."""

    MEAN_DIFFERENCE = "mean-difference"
    SMD = "smd"
    COHENS_D = "cohens-d"
    HEDGES_G = "hedges-g"
    WITHIN_GROUP_D = "within-group-d"
    PERCENT_CHANGE = "percent-change"
    RISK_RATIO = "risk-ratio"
    ODDS_RATIO = "odds-ratio"
    HAZARD_RATIO = "hazard-ratio"
    RISK_DIFFERENCE = "risk-difference"
    RESPONDERS = "responders"
    CORRELATION = "correlation"
    OTHER = "other"

    @property
    def is_standardised(self) -> bool:
        return self in _STANDARDISED

    @property
    def is_ratio(self) -> bool:
        return self in _RATIOS

    @property
    def is_difference(self) -> bool:
        return self in _DIFFERENCES

    @property
    def short(self) -> str:
        return _MEASURE_SHORT.get(self, self.value)


_STANDARDISED = frozenset({Measure.SMD, Measure.COHENS_D, Measure.HEDGES_G,
                           Measure.WITHIN_GROUP_D})
_RATIOS = frozenset({Measure.RISK_RATIO, Measure.ODDS_RATIO, Measure.HAZARD_RATIO})
_DIFFERENCES = frozenset({Measure.MEAN_DIFFERENCE, Measure.PERCENT_CHANGE,
                          Measure.RISK_DIFFERENCE})
_MEASURE_SHORT = {
    Measure.MEAN_DIFFERENCE: "MD", Measure.SMD: "SMD", Measure.COHENS_D: "d",
    Measure.HEDGES_G: "g", Measure.WITHIN_GROUP_D: "within-group d",
    Measure.PERCENT_CHANGE: "% change", Measure.RISK_RATIO: "RR", Measure.ODDS_RATIO: "OR",
    Measure.HAZARD_RATIO: "HR", Measure.RISK_DIFFERENCE: "RD",
    Measure.RESPONDERS: "responders %", Measure.CORRELATION: "r",
}


class Domain(StrEnum):
    """GRADE domains that can lower (or, for UPGRADE, raise) certainty."""

    RISK_OF_BIAS = "risk-of-bias"
    INCONSISTENCY = "inconsistency"
    INDIRECTNESS = "indirectness"
    IMPRECISION = "imprecision"
    PUBLICATION_BIAS = "publication-bias"
    UPGRADE = "upgrade"


class Certainty(IntEnum):
    NO_EVIDENCE = 0
    VERY_LOW = 1
    LOW = 2
    MODERATE = 3
    HIGH = 4

    @property
    def label(self) -> str:
        return _CERTAINTY_LABELS[self]

    @property
    def symbols(self) -> str:
        if self is Certainty.NO_EVIDENCE:
            return "◯◯◯◯"
        return "⊕" * int(self) + "◯" * (4 - int(self))

    @property
    def slug(self) -> str:
        return self.label.lower().replace(" ", "-")

    @classmethod
    def from_text(cls, text: str) -> Certainty | None:
        wanted = text.strip().lower().replace("_", "-").replace(" ", "-")
        for level in cls:
            if level.slug == wanted:
                return level
        return None


_CERTAINTY_LABELS = {
    Certainty.NO_EVIDENCE: "No evidence",
    Certainty.VERY_LOW: "Very low",
    Certainty.LOW: "Low",
    Certainty.MODERATE: "Moderate",
    Certainty.HIGH: "High",
}


@frozen
class CorpusInfo:
    title: str
    version: str
    last_search: date
    search_query: str


@frozen
class Condition:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    mesh: str | None = None
    parent: str | None = None
    description: str | None = None


@frozen
class Mechanism:
    id: str
    name: str
    description: str
    aliases: tuple[str, ...] = ()


@frozen
class Substance:
    id: str
    name: str
    aliases: tuple[str, ...] = ()


@frozen
class Source:
    id: str
    title: str
    kind: str
    year: int | None = None
    url: str | None = None
    note: str | None = None


@frozen
class Outcome:
    """An outcome a claim can be about and a study can measure (pain, sleep, seizures...)."""

    id: str
    name: str
    harm: bool = False
    description: str | None = None


@frozen
class Effect:
    """One outcome a study measured, with its effect exactly as the paper reports it; a field
    left None was not reported."""

    outcome: str
    measured: str
    comparator: str | None = None
    time_point: str | None = None
    measure: Measure | None = None
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p: str | None = None
    better: Better | None = None
    n: int | None = None
    mid: float | None = None
    result: Result | None = None
    note: str | None = None

    @property
    def estimate(self) -> str:
        """The effect as reported, in one line: 'd = 0.69 (p = 0.25)', or 'not reported'."""
        parts = []
        if self.measure is not None and self.value is not None:
            parts.append(f"{self.measure.short} = {number(self.value)}")
        elif self.measure is not None:
            parts.append(f"{self.measure.short}: value not reported")
        if self.ci_low is not None and self.ci_high is not None:
            parts.append(f"95% CI {number(self.ci_low)} to {number(self.ci_high)}")
        if self.p is not None:
            p = self.p.strip()
            parts.append(f"p {p}" if p[:1] in "<>=≤≥" else f"p = {p}")
        if not parts:
            return "effect not reported"
        head, *rest = parts
        return head + (f" ({'; '.join(rest)})" if rest else "")


def number(value: float) -> str:
    """A number without a trailing .0: 14.0 -> "14", -0.25 -> "-0.25"."""
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.6g}"


@frozen
class Dose:
    category: DoseCategory
    reported: str | None = None


@frozen
class Registration:
    """What a trial registry shows for a registered trial (never the published n)."""

    status: str
    start: str | None = None
    completion: str | None = None
    enrolment: int | None = None
    enrolment_type: str | None = None
    results_posted: bool | None = None
    sponsor: str | None = None
    #: When a curator read this status on the registry, and the registry's own "last update
    #: posted" date on that page: a status is only as current as the page it was read on.
    status_read: date | None = None
    last_update: str | None = None

    @property
    def status_as_read(self) -> str:
        """The status with the date it was read ("Completed, as read 2026-12-05")."""
        if self.status_read is None:
            return f"{self.status} (date read not recorded)"
        return f"{self.status}, as read {self.status_read.isoformat()}"


@frozen
class Study:
    id: str
    title: str
    year: int
    design: StudyDesign
    population: Population
    dose: Dose
    status: PublicationStatus
    authors: tuple[str, ...] = ()
    journal: str | None = None
    doi: str | None = None
    pmid: str | None = None
    registry: str | None = None
    url: str | None = None
    n: int | None = None
    substances: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    mechanisms: tuple[str, ...] = ()
    pain_model: PainModel = PainModel.NONE
    outcome: str | None = None
    finding: str | None = None
    direction: Direction = Direction.NOT_APPLICABLE
    risk_of_bias: RiskOfBias = RiskOfBias.NOT_ASSESSED
    bias_note: str | None = None
    registration: Registration | None = None
    unverified: tuple[str, ...] = ()
    #: Papers of one study sample share a trial key, so they count once.
    trial: str | None = None
    regimen: Regimen | None = None
    co_intervention: CoIntervention | None = None
    outcomes: tuple[Effect, ...] = ()
    line: int = 0

    @property
    def first_author(self) -> str | None:
        return self.authors[0] if self.authors else None

    @property
    def links(self) -> tuple[tuple[str, str, str], ...]:
        """(kind, identifier, address) for the DOI, PubMed and trial-registry pages: the links
        a reader is offered. `url` is where a curator read the facts, which may be a mirror."""
        found = []
        if self.doi:
            found.append(("doi", self.doi, "https://doi.org/" + _quoted(self.doi, _URL_SAFE)))
        if self.pmid:
            found.append(("pubmed", self.pmid,
                          f"https://pubmed.ncbi.nlm.nih.gov/{_quoted(self.pmid)}/"))
        registry = self.registry
        if registry and registry.startswith("NCT"):
            found.append(("registry", registry,
                          f"https://clinicaltrials.gov/study/{_quoted(registry)}"))
        elif registry and registry.startswith("ISRCTN"):
            found.append(("registry", registry, f"https://www.isrctn.com/{_quoted(registry)}"))
        return tuple(found)

    @property
    def link(self) -> str | None:
        """The one address to cite: the DOI's, else PubMed's, else the registry's."""
        return self.links[0][2] if self.links else None

    @property
    def trial_key(self) -> str:
        return trial_key(self.trial, self.registry, self.id)


_URL_SAFE = "/:;,.-_~"  # everything else (parentheses, <, >, quotes, spaces) is percent-encoded


def _quoted(identifier: str, safe: str = "") -> str:
    from urllib.parse import quote

    return quote(identifier, safe)


def trial_key(trial: str | None, registry: str | None, study_id: str) -> str:
    """Papers of one study sample (a shared `trial`, else a shared registry id) share this
    key, so they count once."""
    return trial or registry or study_id


@frozen
class Evidence:
    study: str
    stance: Stance
    note: str
    #: The claim outcome this link is about (None: the claim's only outcome).
    outcome: str | None = None


@frozen
class Judgement:
    """A curated GRADE judgement: `levels` is 0, -1 or -2 (or +1/+2 for an upgrade)."""

    domain: Domain
    levels: int
    reason: str


@frozen
class ClaimScope:
    """What the claim is about; studies that differ are indirect evidence for it."""

    population: Population | None = None
    dose: DoseCategory | None = None
    pain_model: PainModel | None = None
    substances: tuple[str, ...] = ()
    regimen: Regimen | None = None
    co_intervention: CoIntervention | None = None

    @property
    def is_empty(self) -> bool:
        return self == _NO_SCOPE


_NO_SCOPE = ClaimScope()


@frozen
class ClaimOutcome:
    """An outcome a claim is about, and how much it matters for the claim's label."""

    outcome: str
    importance: Importance = Importance.CRITICAL


@frozen
class Claim:
    id: str
    statement: str
    intervention: str
    effect: str
    outcome: str
    topic: ClaimTopic
    scope: ClaimScope = field(default_factory=ClaimScope)
    sources: tuple[str, ...] = ()
    quote: str | None = None
    conditions: tuple[str, ...] = ()
    mechanisms: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    judgements: tuple[Judgement, ...] = ()
    certainty: Certainty | None = None
    notes: tuple[str, ...] = ()
    outcomes: tuple[ClaimOutcome, ...] = ()
    line: int = 0


@frozen
class CorpusIndex:
    """The fields that grading reads, and that the facts table queries filter on is made of
    (painlit.facts), as columns: entry i belongs to study (or claim) i. Grading uses these
    instead of the records, so it decodes no study at all, and a corpus read from the index
    decodes only the records a command shows (painlit.index)."""

    study_ids: tuple[str, ...]
    study_years: tuple[int, ...]
    study_designs: tuple[StudyDesign, ...]
    study_populations: tuple[Population, ...]
    study_doses: tuple[DoseCategory, ...]
    study_statuses: tuple[PublicationStatus, ...]
    study_conditions: tuple[tuple[str, ...], ...]
    study_mechanisms: tuple[tuple[str, ...], ...]
    study_substances: tuple[tuple[str, ...], ...]
    #: (doi, pmid, registry) of each study: `painlit study` finds a study by any of them.
    study_identifiers: tuple[tuple[str | None, str | None, str | None], ...]
    study_sizes: tuple[int | None, ...]
    study_risks: tuple[RiskOfBias, ...]
    study_pain_models: tuple[PainModel, ...]
    study_registrations: tuple[Registration | None, ...]
    study_trials: tuple[str, ...]
    study_regimens: tuple[Regimen | None, ...]
    study_co_interventions: tuple[CoIntervention | None, ...]
    study_effects: tuple[tuple[Effect, ...], ...]
    study_directions: tuple[Direction, ...]
    claim_ids: tuple[str, ...]
    claim_topics: tuple[ClaimTopic, ...]
    claim_conditions: tuple[tuple[str, ...], ...]
    claim_mechanisms: tuple[tuple[str, ...], ...]
    claim_sources: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, studies: Sequence[Study], claims: Sequence[Claim]) -> CorpusIndex:
        shared: dict[tuple[str, ...], tuple[str, ...]] = {}

        def one(values: tuple[str, ...]) -> tuple[str, ...]:
            return shared.setdefault(values, values)  # equal lists stored once

        return cls(
            study_ids=tuple(s.id for s in studies),
            study_years=tuple(s.year for s in studies),
            study_designs=tuple(s.design for s in studies),
            study_populations=tuple(s.population for s in studies),
            study_doses=tuple(s.dose.category for s in studies),
            study_statuses=tuple(s.status for s in studies),
            study_conditions=tuple(one(s.conditions) for s in studies),
            study_mechanisms=tuple(one(s.mechanisms) for s in studies),
            study_substances=tuple(one(s.substances) for s in studies),
            study_identifiers=tuple((s.doi, s.pmid, s.registry) for s in studies),
            study_sizes=tuple(s.n for s in studies),
            study_risks=tuple(s.risk_of_bias for s in studies),
            study_pain_models=tuple(s.pain_model for s in studies),
            study_registrations=tuple(s.registration for s in studies),
            study_trials=tuple(s.trial_key for s in studies),
            study_regimens=tuple(s.regimen for s in studies),
            study_co_interventions=tuple(s.co_intervention for s in studies),
            study_effects=tuple(s.outcomes for s in studies),
            study_directions=tuple(s.direction for s in studies),
            claim_ids=tuple(c.id for c in claims),
            claim_topics=tuple(c.topic for c in claims),
            claim_conditions=tuple(one(c.conditions) for c in claims),
            claim_mechanisms=tuple(one(c.mechanisms) for c in claims),
            claim_sources=tuple(one(c.sources) for c in claims),
        )

    @classmethod
    def combined(cls, studies: CorpusIndex, claims: CorpusIndex) -> CorpusIndex:
        """The study columns of one index with the claim columns of another."""
        return cls(**{name: getattr(studies if name.startswith("study_") else claims, name)
                      for name in _INDEX_COLUMNS})

    def picked(self, section: str, places: Sequence[int]) -> CorpusIndex:
        """This index with only some of its studies or claims (`section`), by position."""
        prefix = {"studies": "study_", "claims": "claim_"}[section]
        columns: dict[str, tuple[object, ...]] = {}
        for name in _INDEX_COLUMNS:
            column = getattr(self, name)
            columns[name] = tuple(column[i] for i in places) if name.startswith(prefix) else column
        return type(self)(**columns)  # type: ignore[arg-type]


_INDEX_COLUMNS = tuple(f.name for f in fields(CorpusIndex))


class ById(Mapping[str, T]):
    """Records by id, through a position map: looking one up decodes only that record."""

    __slots__ = ("_positions", "_records")

    def __init__(self, records: Sequence[T], positions: Mapping[str, int]) -> None:
        self._records = records
        self._positions = positions

    def __getitem__(self, key: str) -> T:
        return self._records[self._positions[key]]

    def __contains__(self, key: object) -> bool:
        return key in self._positions

    def __iter__(self) -> Iterator[str]:
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)


class LazySequence(Sequence[T]):
    """A read-only sequence whose items are made when first used (`_item`); it equals any
    sequence, a tuple too, with equal items."""

    __slots__ = ()

    def _item(self, index: int) -> T:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...
    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return tuple(self._item(i) for i in range(*index.indices(len(self))))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._item(index)

    def __iter__(self) -> Iterator[T]:
        return (self._item(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        return same_items(self, other)

    __hash__ = None  # type: ignore[assignment]


class Picked(LazySequence[T]):
    """Some records of a sequence, by position, fetched only when used (`painlit --limit`
    shows 25 of thousands; a corpus read from the index decodes just those)."""

    __slots__ = ("_positions", "_records")

    def __init__(self, records: Sequence[T], positions: Sequence[int]) -> None:
        self._records = records
        self._positions = positions

    def __len__(self) -> int:
        return len(self._positions)

    def _item(self, index: int) -> T:
        return self._records[self._positions[index]]

    def __repr__(self) -> str:
        return f"Picked({len(self)} records)"


def same_items(sequence: Sequence[object], other: object) -> bool:
    """Equality for record sequences: equal to any sequence (a tuple too) with equal items."""
    if not isinstance(other, Sequence) or isinstance(other, str | bytes):
        return False
    return len(sequence) == len(other) and all(a == b for a, b in zip(sequence, other, strict=True))


@dataclass(frozen=True)
class Corpus:
    """The whole corpus. `studies` and `claims` are tuples when read from YAML; from the index
    they are sequences that decode each record when it is first used (painlit.index)."""

    info: CorpusInfo
    conditions: tuple[Condition, ...]
    mechanisms: tuple[Mechanism, ...]
    substances: tuple[Substance, ...]
    sources: tuple[Source, ...]
    studies: Sequence[Study]
    claims: Sequence[Claim]
    path: str = ""
    outcomes: tuple[Outcome, ...] = ()
    #: The index of exactly these studies and claims (the index has one); when not given, it
    #: is built from them, as it is for a copy made with `dataclasses.replace`.
    prebuilt_index: InitVar[CorpusIndex | None] = None
    index: CorpusIndex = field(init=False, repr=False, compare=False)
    # Lookups by id are dictionary hits rather than scans.
    study_position: dict[str, int] = field(init=False, repr=False, compare=False)
    claim_position: dict[str, int] = field(init=False, repr=False, compare=False)
    study_by_id: Mapping[str, Study] = field(init=False, repr=False, compare=False)
    claim_by_id: Mapping[str, Claim] = field(init=False, repr=False, compare=False)
    condition_by_id: dict[str, Condition] = field(init=False, repr=False, compare=False)
    mechanism_by_id: dict[str, Mechanism] = field(init=False, repr=False, compare=False)
    substance_by_id: dict[str, Substance] = field(init=False, repr=False, compare=False)
    source_by_id: dict[str, Source] = field(init=False, repr=False, compare=False)
    outcome_by_id: dict[str, Outcome] = field(init=False, repr=False, compare=False)
    # Values derived from the corpus alone, computed once (the grades); the index keeps them.
    memo: dict[str, object] = field(init=False, repr=False, compare=False)

    def __post_init__(self, prebuilt_index: CorpusIndex | None) -> None:
        index = prebuilt_index or CorpusIndex.of(self.studies, self.claims)
        object.__setattr__(self, "index", index)
        study_position = {id_: i for i, id_ in enumerate(index.study_ids)}
        claim_position = {id_: i for i, id_ in enumerate(index.claim_ids)}
        object.__setattr__(self, "study_position", study_position)
        object.__setattr__(self, "claim_position", claim_position)
        object.__setattr__(self, "study_by_id", ById(self.studies, study_position))
        object.__setattr__(self, "claim_by_id", ById(self.claims, claim_position))
        object.__setattr__(self, "condition_by_id", {c.id: c for c in self.conditions})
        object.__setattr__(self, "mechanism_by_id", {m.id: m for m in self.mechanisms})
        object.__setattr__(self, "substance_by_id", {s.id: s for s in self.substances})
        object.__setattr__(self, "source_by_id", {s.id: s for s in self.sources})
        object.__setattr__(self, "outcome_by_id", {o.id: o for o in self.outcomes})
        object.__setattr__(self, "memo", {})

    def studies_at(self, positions: Sequence[int]) -> Sequence[Study]:
        return Picked(self.studies, positions)

    def claims_at(self, positions: Sequence[int]) -> Sequence[Claim]:
        return Picked(self.claims, positions)


# --- the screening log's vocabulary (painlit.screening) -------------------------------------

class SearchSource(StrEnum):
    """Where a search ran. The first two are PRISMA's "databases and registers"."""

    PUBMED = "pubmed"
    CLINICALTRIALS = "clinicaltrials"
    CITATIONS = "citations"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _SOURCE_LABELS[self]

    @property
    def database(self) -> bool:
        return self in (SearchSource.PUBMED, SearchSource.CLINICALTRIALS)


_SOURCE_LABELS = {
    SearchSource.PUBMED: "PubMed", SearchSource.CLINICALTRIALS: "ClinicalTrials.gov",
    SearchSource.CITATIONS: "citation searching", SearchSource.OTHER: "other methods",
}


class Decision(StrEnum):
    PENDING = "pending"
    INCLUDED = "included"
    EXCLUDED = "excluded"


class Reason(StrEnum):
    """Why a record was excluded: a fixed list, so that the flow diagram can count them."""

    NOT_PSYCHEDELIC = "not-psychedelic"
    NOT_PAIN = "not-pain"
    WRONG_DESIGN = "wrong-design"
    NO_PRIMARY_DATA = "no-primary-data"
    DUPLICATE = "duplicate"
    NOT_RETRIEVED = "not-retrieved"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _REASON_LABELS[self]


_REASON_LABELS = {
    Reason.NOT_PSYCHEDELIC: "not a classic psychedelic",
    Reason.NOT_PAIN: "not about pain",
    Reason.WRONG_DESIGN: "design out of scope",
    Reason.NO_PRIMARY_DATA: "no primary data",
    Reason.DUPLICATE: "duplicate",
    Reason.NOT_RETRIEVED: "report not retrieved",
    Reason.OTHER: "other reason (see its note)",
}
