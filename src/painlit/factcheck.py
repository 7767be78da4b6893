"""Fact-checking an article against the graded corpus (`painlit check`).

Deterministic and explainable, in three steps, each of which records why it decided:

1. **Cues.** Every sentence is scanned for words of known kinds: conditions (the corpus tree's
   names and aliases, plus common lay words), substances and microdosing, mechanisms, outcomes
   (pain, sleep, mood, ...), harms and cautions, effect verbs, hedges, negations, evidence words
   ("studies show"), study references (a year, "survey", "of over 250 people") and populations.
2. **Claim sentences.** A sentence makes a health claim when it names an intervention (a
   substance or microdosing, or follows a sentence of its paragraph that did: "These changes may
   help ..."), a health topic (a condition, outcome, mechanism or harm) and an effect, evidence
   or harm. Headings and sentences without all three are not checked.
3. **Matches and findings.** Each claim sentence is matched to the corpus's claims: a claim
   whose source sentence it quotes; otherwise claims whose conditions (exactly, or through a
   parent condition), mechanisms, outcomes, dose, substances, population and cited study agree
   with the sentence's cues (the best-scoring claims, with every point of agreement listed).
   What the wording overstates is then judged against each match's grade: an unhedged
   assertion above the certainty, evidence words ("have shown") for very uncertain evidence,
   microdosing asserted where the counted studies used larger doses, patients where they used
   healthy volunteers or animals, a participant count that disagrees with the study it cites,
   and a claim with no evidence at all. A sentence that matches no claim is set against its
   condition's body of evidence, or marked as covered by no corpus claim.

These are painlit's rules, not a reader's judgement; docs/check.md lists them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from painlit.article import Article, Sentence
from painlit.cues import YEAR, Cue, CueKind, find_cues, vocabulary
from painlit.frozen import frozen
from painlit.grading import Grade, GradeTable, Verdict
from painlit.model import (
    Certainty,
    Claim,
    ClaimTopic,
    Corpus,
    DoseCategory,
    Importance,
    PainModel,
    Population,
    Stance,
    Study,
    StudyDesign,
)


class Problem(StrEnum):
    """What an article's sentence overstates, judged against the matched evidence."""

    CERTAINTY = "certainty"  # asserted above the certainty of the evidence
    DOSE = "dose"  # microdosing asserted where the evidence used larger doses
    POPULATION = "population"  # patients asserted where the evidence is in healthy people/animals
    NUMBER = "number"  # a participant count that disagrees with the study cited
    NO_EVIDENCE = "no-evidence"  # no study bears on it at all


@frozen
class Overstatement:
    problem: Problem
    message: str
    claims: tuple[str, ...] = ()  # the matched claims it was judged against; () for the body


@frozen
class ClaimMatch:
    """A corpus claim the sentence corresponds to, with its grade and why it matched."""

    claim: str
    statement: str  # the claim as its source words it
    certainty: Certainty
    verdict: Verdict
    hedged: str  # the graded, hedged statement
    score: int
    why: tuple[str, ...]


@frozen
class EvidenceBody:
    """For a sentence no claim covers: what the corpus holds on the condition it names."""

    condition: str
    name: str
    studies: int  # primary studies (no reviews, no registrations) of it and its sub-conditions
    microdose_studies: int
    patient_studies: int

    def describe(self) -> str:
        return (f"the corpus holds {self.studies} primary "
                f"stud{'y' if self.studies == 1 else 'ies'} of {self.name.lower()} "
                f"({self.patient_studies} in patients, {self.microdose_studies} at microdoses)")


@frozen
class Finding:
    """One claim sentence of the article, matched and judged."""

    sentence: Sentence
    cues: tuple[Cue, ...]
    why_claim: str
    matches: tuple[ClaimMatch, ...]
    body: EvidenceBody | None
    overstatements: tuple[Overstatement, ...]

    @property
    def overstated(self) -> bool:
        return bool(self.overstatements)

    @property
    def matched(self) -> bool:
        return bool(self.matches)


@frozen
class CheckResult:
    article: Article
    findings: tuple[Finding, ...]

    @property
    def overstated(self) -> int:
        return sum(finding.overstated for finding in self.findings)

    @property
    def unmatched(self) -> int:
        return sum(not finding.matched for finding in self.findings)


# -- claim sentences ---------------------------------------------------------------------------

_INTERVENTION = frozenset({CueKind.SUBSTANCE, CueKind.MICRODOSE, CueKind.LARGER_DOSE})
_TOPIC = frozenset({CueKind.CONDITION, CueKind.OTHER_CONDITION, CueKind.OUTCOME,
                    CueKind.MECHANISM, CueKind.HARM, CueKind.CAUTION})
_ASSERTION = frozenset({CueKind.EFFECT, CueKind.EVIDENCE, CueKind.HARM, CueKind.CAUTION,
                        CueKind.COUNT, CueKind.AMOUNT, CueKind.STUDY})
#: A sentence may take its intervention from a claim sentence this many sentences before it
#: in the same block ("These changes may help alleviate pain").
CARRY_OVER = 2


def _words(cues: Iterable[Cue], kinds: frozenset[CueKind]) -> list[str]:
    return list(dict.fromkeys(f"'{cue.text}'" for cue in cues if cue.kind in kinds))


def _subject(cues: Sequence[Cue]) -> str | None:
    """The intervention a sentence is about: microdosing before a substance before a dose."""
    for kind in (CueKind.MICRODOSE, CueKind.SUBSTANCE, CueKind.LARGER_DOSE):
        for cue in cues:
            if cue.kind is kind:
                return f"'{cue.text}'"
    return None


def claim_reason(text: str, cues: Sequence[Cue], carried: str | None,
                 context: Mapping[str, str]) -> str | None:
    """Why the sentence makes a health claim, or None when it does not. `carried` is the
    intervention of a claim sentence just before it in the same block; `context` the
    conditions named earlier in the block. A question asserts nothing."""
    if text.rstrip().rstrip("\"'”’)").endswith("?"):
        return None
    intervention = _words(cues, _INTERVENTION)
    topic = _words(cues, _TOPIC)
    assertion = _words(cues, _ASSERTION)
    if not topic and context and intervention:
        topic = [f"{words} (named earlier in the paragraph)" for words in context.values()]
    if not (topic and assertion):
        return None
    if intervention:
        subject = "names " + ", ".join(intervention[:3])
    elif carried is not None:
        subject = f"continues the sentence before it, about {carried}"
    else:
        return None
    return (f"{subject}; health topic {', '.join(topic[:3])}; "
            f"asserts with {', '.join(assertion[:3])}")


# -- matching ----------------------------------------------------------------------------------


@frozen
class _Features:
    """What the matcher reads of a sentence's cues."""

    conditions: dict[str, str]  # id -> the words, quoted (and where they were named)
    mechanisms: dict[str, str]
    outcomes: dict[str, str]
    substances: dict[str, str]
    micro: str | None
    larger: str | None
    populations: dict[str, str]
    harm: str | None
    caution: str | None
    years: tuple[int, ...]
    designs: dict[str, str]
    counts: tuple[Cue, ...]
    hedges: tuple[str, ...]
    negations: tuple[str, ...]
    evidence: tuple[str, ...]
    effects: tuple[str, ...]
    strong: tuple[str, ...]  # the effects that assert outright
    pain_models: dict[str, str]  # experimental / clinical -> words
    explains: str | None  # words that say the sentence explains how ("through", "because")

    @classmethod
    def read(cls, text: str, cues: Sequence[Cue]) -> _Features:
        """The features of a sentence: its cues, and whether it explains a mechanism."""
        def by(kind: CueKind) -> dict[str, str]:
            found: dict[str, str] = {}
            for cue in cues:
                if cue.kind is kind:
                    found.setdefault(cue.value, cue.text)
            return found

        def first(kind: CueKind) -> str | None:
            return next((cue.text for cue in cues if cue.kind is kind), None)

        def texts(kind: CueKind) -> tuple[str, ...]:
            return tuple(dict.fromkeys(cue.text for cue in cues if cue.kind is kind))

        explains = _EXPLAINS.search(text)
        conditions = {key: f"'{words}'" for key, words in by(CueKind.CONDITION).items()}
        return cls(conditions, by(CueKind.MECHANISM), by(CueKind.OUTCOME),
                   by(CueKind.SUBSTANCE), first(CueKind.MICRODOSE), first(CueKind.LARGER_DOSE),
                   by(CueKind.POPULATION), first(CueKind.HARM), first(CueKind.CAUTION),
                   tuple(int(cue.value) for cue in cues if cue.kind is CueKind.YEAR),
                   by(CueKind.STUDY), tuple(cue for cue in cues if cue.kind is CueKind.COUNT),
                   texts(CueKind.HEDGE), texts(CueKind.NEGATION), texts(CueKind.EVIDENCE),
                   texts(CueKind.EFFECT),
                   tuple(dict.fromkeys(cue.text for cue in cues
                                       if cue.kind is CueKind.EFFECT and cue.value == "strong")),
                   by(CueKind.PAIN_MODEL), explains.group() if explains else None)


#: Words that make a sentence about how something works ("... through 5-HT2A receptors").
_EXPLAINS = re.compile(
    r"\b(?:because|through|via|related to|explain\w*|mechanisms?|theor(?:y|ies)|hypothes\w+|"
    r"due to|ability to|by (?:reducing|increasing|altering|acting|blocking))\b", re.IGNORECASE)


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def _ancestors(corpus: Corpus, condition_id: str) -> tuple[str, ...]:
    """The condition's parent, its parent's parent, ... (built once per corpus)."""
    table = corpus.memo.get("check-ancestors")
    if not isinstance(table, dict):
        parents = {condition.id: condition.parent for condition in corpus.conditions}
        table = {}
        built: dict[str, tuple[str, ...]] = table
        for start in parents:
            found: list[str] = []
            current = parents.get(start)
            while current is not None and current not in found:
                found.append(current)
                current = parents.get(current)
            built[start] = tuple(found)
        corpus.memo["check-ancestors"] = built
    ancestors: tuple[str, ...] = table.get(condition_id, ())
    return ancestors


@frozen
class _ClaimFacts:
    """What matching reads of a claim, prepared once per corpus."""

    claim: Claim
    quote: str  # normalised; "" when too short to recognise
    dated: bool  # the statement names a year: it is about one dated study
    linked: tuple[Study, ...]


def _claim_facts(corpus: Corpus) -> list[_ClaimFacts]:
    found = corpus.memo.get("check-claims")
    if not isinstance(found, list):
        built: list[_ClaimFacts] = []
        found = built
        for claim in corpus.claims:
            quote = _normal(claim.quote or "")
            built.append(_ClaimFacts(
                claim, quote if len(quote) > 20 else "", bool(YEAR.search(claim.statement)),
                tuple(corpus.study_by_id[link.study] for link in claim.evidence
                      if link.study in corpus.study_by_id)))
        corpus.memo["check-claims"] = found
    return found


_DESIGNS = {
    "survey": frozenset({StudyDesign.CROSS_SECTIONAL_SURVEY}),
    "trial": frozenset({StudyDesign.RANDOMISED_PARALLEL, StudyDesign.RANDOMISED_CROSSOVER,
                        StudyDesign.OPEN_LABEL}),
    "review": frozenset({StudyDesign.NARRATIVE_REVIEW, StudyDesign.SYSTEMATIC_REVIEW,
                         StudyDesign.META_ANALYSIS}),
}


def cited_studies(features: _Features, studies: Iterable[Study]) -> list[Study]:
    """The studies a sentence's year and study word ("a 2022 survey") point to."""
    if not features.years:
        return []
    designs = frozenset().union(*(_DESIGNS.get(word, frozenset())
                                  for word in features.designs))
    return [study for study in studies if study.year in features.years
            and (not designs or study.design in designs)]


@dataclass
class _Scored:
    facts: _ClaimFacts
    score: int
    why: list[str]

    @property
    def claim(self) -> Claim:
        return self.facts.claim


def _score(facts: _ClaimFacts, features: _Features, sentence: str, corpus: Corpus
           ) -> _Scored | None:
    """How well a claim fits the (normalised) sentence; None when it cannot be the claim
    meant."""
    claim = facts.claim
    if facts.quote and facts.quote in sentence:
        return _Scored(facts, 100, ["the sentence contains the claim's quote from its source"])
    why: list[str] = []
    score = 0
    topic = claim.topic
    if topic is ClaimTopic.GOOD_PRACTICE:
        if not features.caution:
            return None
        score += 3
        why.append(f"caution: '{features.caution}' (a good-practice statement)")
    elif topic is ClaimTopic.SAFETY:
        critical = {item.outcome for item in claim.outcomes
                    if item.importance is Importance.CRITICAL}
        if not features.outcomes.keys() & critical:
            return None  # a safety claim needs its (critical) harm or effect named
        if claim.scope.dose is DoseCategory.MICRO and not features.micro:
            return None  # a harm of microdosing: the sentence must be about microdosing
        if features.harm:
            score += 1
            why.append(f"harm: '{features.harm}' (a safety claim)")
    elif features.harm and not features.effects and not features.evidence:
        return None  # a sentence about risks only is not about efficacy
    elif features.caution and not features.strong and not features.evidence:
        return None  # advice to be careful is not a claim of effect
    named = features.conditions
    if claim.conditions:
        exact = [c for c in claim.conditions if c in named]
        # how far up the tree each claim condition is from a named one (1: its parent)
        steps = [min((_ancestors(corpus, found).index(c) + 1 for found in named
                      if c in _ancestors(corpus, found)), default=0) for c in claim.conditions]
        if exact:
            from_context = all(CONTEXT_MARK in named[c] for c in exact)
            if from_context and not any(item.outcome in features.outcomes
                                        for item in claim.outcomes) and not features.strong:
                return None  # only the paragraph's condition, and no outcome or effect named
            score += (2 if from_context else 4) * len(exact)
            why += [f"condition {c}: {named[c]}" for c in exact]
        elif any(steps):
            nearest = min(step for step in steps if step)
            broader = claim.conditions[steps.index(nearest)]
            score += 2 if nearest == 1 else 1
            why.append(f"condition {broader}: the broader condition of "
                       + ", ".join(named.values()))
        elif topic in (ClaimTopic.MECHANISM, ClaimTopic.SAFETY):
            pass  # about its mechanism or harm, for whatever condition the sentence names
        elif named:
            return None  # a claim about another condition
        elif set(claim.conditions) <= {"chronic-pain"} and "pain" in features.outcomes:
            # pain in general: allowed, and counted once, as the outcome below
            why.append(f"condition chronic-pain: '{features.outcomes['pain']}' (pain in general)")
        else:
            return None
    mechanisms = [m for m in claim.mechanisms if m in features.mechanisms]
    if mechanisms:
        score += 4 * len(mechanisms)
        why += [f"mechanism {m}: '{features.mechanisms[m]}'" for m in mechanisms]
    elif topic is ClaimTopic.MECHANISM:
        return None
    wanted = [item.outcome for item in claim.outcomes]
    outcomes = [o for o in wanted if o in features.outcomes]
    if outcomes:
        score += 2 * len(outcomes)
        why += [f"outcome {o}: '{features.outcomes[o]}'" for o in outcomes]
    elif wanted and not claim.conditions and not mechanisms:
        return None  # a claim about no condition needs its outcome named
    scope = claim.scope
    if scope.dose is DoseCategory.MICRO:
        if features.micro:
            score += 1
            why.append(f"dose micro: '{features.micro}'")
        elif features.larger:
            return None
        elif topic in (ClaimTopic.EFFICACY, ClaimTopic.MECHANISM):
            score -= 1  # a claim about microdosing; the sentence does not say microdoses
    elif features.micro and scope.dose is None:
        score -= 1
    named_substances = {s for s in features.substances if s not in GENERIC_SUBSTANCES}
    if scope.substances and not features.substances:
        score -= 1  # a claim about one substance; the sentence names none
    elif scope.substances and named_substances:
        shared = [s for s in scope.substances if s in named_substances]
        if shared:
            score += 1
            words = features.substances[shared[0]]
            why.append(f"substance {shared[0]}: "
                       + (words if words.startswith("'") else f"'{words}'"))
        else:
            return None  # a claim about another substance
    if scope.population is Population.HEALTHY_VOLUNTEERS:
        if "healthy-volunteers" in features.populations:
            score += 2
            why.append(f"population: '{features.populations['healthy-volunteers']}'")
        elif "patients" in features.populations:
            score -= 2
    model = scope.pain_model
    if model is not None and "experimental" in features.pain_models:
        if model is PainModel.EXPERIMENTAL:
            score += 2
            why.append(f"pain model experimental: '{features.pain_models['experimental']}'")
        elif model is PainModel.CLINICAL:
            score -= 2
    elif model is not None and "clinical" in features.pain_models:
        if model is PainModel.CLINICAL:
            score += 1
            why.append(f"pain model clinical: '{features.pain_models['clinical']}'")
        elif model is PainModel.EXPERIMENTAL:
            score -= 2
    if features.explains and features.mechanisms and topic is not ClaimTopic.MECHANISM:
        score -= 3  # the sentence explains how; a mechanism claim is what it makes
    cited = cited_studies(features, facts.linked)
    if cited:
        score += 3
        why.append(f"cites {cited[0].id} ({cited[0].year}, {cited[0].design.value})")
    elif facts.dated:
        score -= 2  # the claim is about one dated study, which the sentence does not cite
    if score < 3:
        return None
    return _Scored(facts, score, why)


def match_claims(features: _Features, sentence: str, corpus: Corpus) -> list[_Scored]:
    """The best-scoring claims (ties kept), or none."""
    normal = _normal(sentence)
    scored = [found for facts in _claim_facts(corpus)
              if (found := _score(facts, features, normal, corpus)) is not None]
    if not scored:
        return []
    best = max(found.score for found in scored)
    return [found for found in scored if found.score == best]


# -- what the wording overstates ---------------------------------------------------------------


def _studies(corpus: Corpus, ids: Iterable[str]) -> list[Study]:
    return [corpus.study_by_id[i] for i in ids if i in corpus.study_by_id]


def _populations(studies: Sequence[Study]) -> str | None:
    """'healthy volunteers' or 'animals or cells' when no study was in patients or users."""
    kinds = {study.population for study in studies}
    if not studies or kinds & {Population.PATIENTS, Population.COMMUNITY}:
        return None
    if kinds <= {Population.ANIMALS, Population.CELLS}:
        return "animals or cells"
    return "healthy volunteers" if Population.HEALTHY_VOLUNTEERS in kinds else None


def _count_problem(count: Cue, study: Study) -> str | None:
    if study.n is None:
        return None
    qualifier, _, number = count.value.rpartition(" ")
    stated = int(number.replace(",", ""))
    n = study.n
    if qualifier in ("over", "more than", "at least") and stated >= n:
        return (f"'{count.text}' says more than {stated}; {study.id} analysed {n}")
    if qualifier in ("nearly", "almost", "fewer than", "less than", "under") and stated <= n:
        return f"'{count.text}' says fewer than {stated}; {study.id} analysed {n}"
    if qualifier in ("", "just", "only") and stated != n:
        return f"'{count.text}' disagrees with {study.id}, which analysed {n}"
    return None


def _judge(features: _Features, grade: Grade, facts: _ClaimFacts, corpus: Corpus,
           patients: str | None) -> list[Overstatement]:
    found: list[Overstatement] = []
    claim = facts.claim
    asserts = bool(features.effects or features.evidence) and not features.negations
    counted = _studies(corpus, _counted_for(features, grade))
    mine = (claim.id,)
    label = grade.certainty.label
    if claim.topic is ClaimTopic.GOOD_PRACTICE:
        return found
    if asserts and not counted and claim.topic is not ClaimTopic.SAFETY:
        found.append(Overstatement(
            Problem.NO_EVIDENCE, "no study in the corpus bears on this claim", mine))
    elif asserts and claim.topic is not ClaimTopic.SAFETY and (
            report := _cited_report(features, facts)) is not None:
        # The sentence reports one study: judged against that study's recorded result.
        study, stance, note = report
        if stance in (Stance.REFUTES, Stance.INCONCLUSIVE, Stance.MIXED):
            found.append(Overstatement(
                Problem.CERTAINTY, f"reports {study} as showing an effect; the corpus records "
                f"its result for this claim as {stance.value}" + (f": {note}" if note else ""),
                mine))
    elif asserts and claim.topic is not ClaimTopic.SAFETY:
        asserted = features.evidence or features.strong
        if asserted and not features.hedges and (grade.certainty < Certainty.MODERATE
                                                 or grade.verdict is not Verdict.SUPPORTED):
            words = asserted[0]
            found.append(Overstatement(
                Problem.CERTAINTY, f"asserts '{words}' without a hedge; the evidence is "
                f"{label} ({grade.verdict.value})", mine))
        elif features.evidence and grade.certainty <= Certainty.VERY_LOW:
            found.append(Overstatement(
                Problem.CERTAINTY, f"'{features.evidence[0]}' presents very uncertain evidence "
                f"({label}, {grade.verdict.value}) as a finding", mine))
        elif grade.verdict is Verdict.REFUTED:
            found.append(Overstatement(
                Problem.CERTAINTY, f"the evidence points the other way ({label}, refuted)",
                mine))
    if features.micro and counted and claim.topic is not ClaimTopic.SAFETY and all(
            study.dose.category in _LARGER_DOSES for study in counted):
        doses = sorted({study.dose.category.value for study in counted})
        found.append(Overstatement(
            Problem.DOSE, f"says '{features.micro}'; the counted studies used "
            f"{' or '.join(doses)} doses, none a microdose", mine))
    if patients and counted:
        others = _populations(counted)
        if others:
            found.append(Overstatement(
                Problem.POPULATION, f"speaks of '{patients}'; the counted studies were in "
                f"{others}", mine))
    return found


def _counted_for(features: _Features, grade: Grade) -> tuple[str, ...]:
    """The studies counted for the outcomes the sentence names (or, naming none of the
    claim's, for its critical outcomes): what the sentence's wording is judged against."""
    named = [o for o in grade.outcomes if o.outcome in features.outcomes]
    chosen = named or [o for o in grade.outcomes if o.importance is Importance.CRITICAL]
    if not chosen:
        return grade.counted
    return tuple(dict.fromkeys(study for o in chosen for study in o.counted))


def _cited_report(features: _Features, facts: _ClaimFacts
                  ) -> tuple[str, Stance, str | None] | None:
    """The one linked study the sentence cites (year and kind), with its stance and note."""
    cited = {study.id for study in cited_studies(features, facts.linked)}
    if len(cited) != 1:
        return None
    study = cited.pop()
    link = next(link for link in facts.claim.evidence if link.study == study)
    return study, link.stance, link.note


#: Substance words that name no substance in particular ("psychedelics"): neither for nor
#: against a claim about psilocybin.
GENERIC_SUBSTANCES = frozenset({"psychedelics"})


#: Dose categories that are not microdoses (a survey's `mixed` may include microdosers).
_LARGER_DOSES = frozenset({DoseCategory.LOW, DoseCategory.FULL})


def _patients(features: _Features) -> str | None:
    return features.populations.get("patients")


def _number_problems(features: _Features, studies: Sequence[Study]) -> list[Overstatement]:
    cited = cited_studies(features, studies)
    if len({study.id for study in cited}) != 1 or not features.counts:
        return []
    study = cited[0]
    found = []
    for count in features.counts:
        problem = _count_problem(count, study)
        if problem:
            found.append(Overstatement(Problem.NUMBER, problem))
    return found


def _body(corpus: Corpus, features: _Features) -> EvidenceBody | None:
    """The body of evidence of the most specific condition the sentence names."""
    from painlit.query import condition_subtree

    if not features.conditions:
        return None
    depth = {c: len(_ancestors(corpus, c)) for c in features.conditions}
    condition_id = max(features.conditions, key=lambda c: depth[c])
    tree = set(condition_subtree(corpus, condition_id))
    primary = [study for study in corpus.studies
               if study.design.is_primary and set(study.conditions) & tree]
    name = next(c.name for c in corpus.conditions if c.id == condition_id)
    return EvidenceBody(condition_id, name, len(primary),
                        sum(s.dose.category is DoseCategory.MICRO for s in primary),
                        sum(s.population is Population.PATIENTS for s in primary))


def _body_problems(features: _Features, body: EvidenceBody) -> list[Overstatement]:
    asserts = bool(features.effects or features.evidence) and not features.negations
    if not asserts:
        return []
    if body.studies == 0:
        return [Overstatement(Problem.NO_EVIDENCE,
                              f"the corpus holds no study of {body.name.lower()}")]
    found = []
    if features.micro and body.microdose_studies == 0:
        found.append(Overstatement(
            Problem.DOSE, f"says '{features.micro}'; no study of {body.name.lower()} in the "
            "corpus used microdoses"))
    if _patients(features) and body.patient_studies == 0:
        found.append(Overstatement(
            Problem.POPULATION, f"speaks of '{_patients(features)}'; no study of "
            f"{body.name.lower()} in the corpus was in patients"))
    return found


def _merged(problems: Iterable[Overstatement]) -> list[Overstatement]:
    """One entry per problem and message, naming every claim it was found against."""
    merged: dict[tuple[Problem, str], tuple[str, ...]] = {}
    for problem in problems:
        key = (problem.problem, problem.message)
        merged[key] = tuple(dict.fromkeys(merged.get(key, ()) + problem.claims))
    return [Overstatement(problem, message, claims)
            for (problem, message), claims in merged.items()]


# -- the whole article -------------------------------------------------------------------------


#: Marks a condition taken from the sentences before (`_in_context`).
CONTEXT_MARK = "(named before"


def _generic(corpus: Corpus, named: Mapping[str, str], recent: Mapping[str, str]) -> bool:
    """Whether every condition named is a parent of one named before about which the corpus
    makes no claim of its own ("their headaches" after "cluster headaches")."""
    claimed = _claimed_conditions(corpus)
    return bool(named) and bool(recent) and all(
        c not in claimed and any(c in _ancestors(corpus, earlier) for earlier in recent)
        for c in named)


def _claimed_conditions(corpus: Corpus) -> frozenset[str]:
    found = corpus.memo.get("check-claimed-conditions")
    if not isinstance(found, frozenset):
        found = frozenset(c for claim in corpus.claims for c in claim.conditions)
        corpus.memo["check-claimed-conditions"] = found
    return found


def _in_context(corpus: Corpus, features: _Features, recent: Mapping[str, str],
                in_block: Mapping[str, str]) -> _Features:
    """The sentence's conditions read in context: a generic parent of conditions named before
    in the article stands for them; a sentence naming none takes those named earlier in its
    paragraph."""
    named = features.conditions
    context: Mapping[str, str]
    if _generic(corpus, named, recent):
        context = {c: words for c, words in recent.items()
                   if any(n in _ancestors(corpus, c) for n in named)}
    elif not named and in_block:
        context = in_block
    else:
        return features
    said = f", for {', '.join(named.values())}" if named else ""
    return replace(features, conditions={
        c: f"{words} {CONTEXT_MARK}{said})" for c, words in context.items()})


def check_article(article: Article, corpus: Corpus, grades: GradeTable) -> CheckResult:
    """Every claim sentence of the article, matched to the corpus and judged."""
    words = vocabulary(corpus)
    findings: list[Finding] = []
    # The last sentence that named an intervention (a claim sentence or not), what it named,
    # and the microdosing word of the latest heading (a section "How to microdose for ...").
    last_named: Sentence | None = None
    carried = ""
    carried_features: _Features | None = None
    heading_substances: dict[str, str] = {}
    # The conditions named most recently: in the article (for reading "their headaches"),
    # and in the current block or the heading above it (a topic for a sentence naming none).
    recent: dict[str, str] = {}
    in_block: dict[str, str] = {}
    block_index = -1
    for sentence in article.sentences:
        block = article.blocks[sentence.block]
        if sentence.block != block_index:
            previous_heading = block_index >= 0 and article.blocks[block_index].heading
            block_index = sentence.block
            if not previous_heading:
                in_block = {}  # a heading's conditions carry into the section below it
        topics = find_cues(sentence.text, words, topics_only=True)
        named_here = {cue.value: cue.text for cue in topics if cue.kind is CueKind.CONDITION}
        before = dict(recent)  # what was named before this sentence
        before_in_block = dict(in_block)
        if named_here and not _generic(corpus, named_here, recent):
            recent = {c: f"'{text}'" for c, text in named_here.items()}
            in_block = dict(recent)
        if block.heading:
            heading_substances = {cue.value: f"'{cue.text}' (in the heading above)"
                                  for cue in topics if cue.kind is CueKind.SUBSTANCE
                                  } or heading_substances
            last_named = None
            continue
        if (last_named is not None and sentence.index - last_named.index > CARRY_OVER) or (
                last_named is not None and last_named.block != sentence.block
                and sentence.index - last_named.index > 1):
            last_named = None  # too far back, or in a paragraph before the one before
        names_one = any(cue.kind in _INTERVENTION for cue in topics)
        if last_named is None and not names_one:
            continue  # names no intervention and follows none: no claim
        cues = find_cues(sentence.text, words, topics=topics)
        why = claim_reason(sentence.text, cues, carried if last_named is not None else None,
                           before_in_block)
        if why is None:
            continue
        last_named = sentence  # only a claim sentence carries its intervention on
        features = _Features.read(sentence.text, cues)
        if names_one:
            carried_features = features
            carried = _subject(cues) or carried
        if not names_one and carried_features is not None:
            # A sentence continuing one about microdosing (or a substance) is about it too.
            features = replace(features, micro=features.micro or carried_features.micro,
                               substances=features.substances or carried_features.substances)
        if not features.substances and heading_substances:
            features = replace(features, substances=heading_substances)
        features = _in_context(corpus, features, before, before_in_block)
        scored = match_claims(features, sentence.text, corpus)
        matches: list[ClaimMatch] = []
        problems: list[Overstatement] = []
        linked: list[Study] = []
        for found in scored:
            claim = found.claim
            grade = grades[claim.id]
            matches.append(ClaimMatch(claim.id, claim.statement, grade.certainty, grade.verdict,
                                      grade.statement, found.score, tuple(found.why)))
            problems += _judge(features, grade, found.facts, corpus, _patients(features))
            linked += found.facts.linked
        body = None if matches else _body(corpus, features)
        if body is not None:
            problems += _body_problems(features, body)
        problems += _number_problems(features, linked or corpus.studies)
        unique = _merged(problems)
        findings.append(Finding(sentence, tuple(cues), why, tuple(matches), body, tuple(unique)))
    return CheckResult(article, tuple(findings))
