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
from painlit.grading import Grade, GradeTable, Verdict
from painlit.model import (
    Certainty,
    Claim,
    ClaimTopic,
    Condition,
    Corpus,
    DoseCategory,
    Importance,
    Mechanism,
    PainModel,
    Population,
    Stance,
    Study,
    StudyDesign,
    Substance,
)


class CueKind(StrEnum):
    CONDITION = "condition"
    SUBSTANCE = "substance"
    MICRODOSE = "microdose"
    LARGER_DOSE = "larger-dose"
    MECHANISM = "mechanism"
    OUTCOME = "outcome"
    HARM = "harm"
    CAUTION = "caution"
    EFFECT = "effect"
    EVIDENCE = "evidence"
    HEDGE = "hedge"
    NEGATION = "negation"
    POPULATION = "population"
    STUDY = "study"
    YEAR = "year"
    COUNT = "count"
    AMOUNT = "amount"
    PAIN_MODEL = "pain-model"
    OTHER_CONDITION = "other-condition"


@dataclass(frozen=True, slots=True)
class Cue:
    """A word or phrase of a sentence and what painlit read in it."""

    kind: CueKind
    value: str  # an id from the corpus, or a word class ("patients", "survey", "250", "over")
    text: str  # as written in the sentence
    start: int
    end: int


class Problem(StrEnum):
    """What an article's sentence overstates, judged against the matched evidence."""

    CERTAINTY = "certainty"  # asserted above the certainty of the evidence
    DOSE = "dose"  # microdosing asserted where the evidence used larger doses
    POPULATION = "population"  # patients asserted where the evidence is in healthy people/animals
    NUMBER = "number"  # a participant count that disagrees with the study cited
    NO_EVIDENCE = "no-evidence"  # no study bears on it at all


@dataclass(frozen=True, slots=True)
class Overstatement:
    problem: Problem
    message: str
    claims: tuple[str, ...] = ()  # the matched claims it was judged against; () for the body


@dataclass(frozen=True, slots=True)
class ClaimMatch:
    """A corpus claim the sentence corresponds to, with its grade and why it matched."""

    claim: str
    statement: str  # the claim as its source words it
    certainty: Certainty
    verdict: Verdict
    hedged: str  # the graded, hedged statement
    score: int
    why: tuple[str, ...]


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class CheckResult:
    article: Article
    findings: tuple[Finding, ...]

    @property
    def overstated(self) -> int:
        return sum(finding.overstated for finding in self.findings)

    @property
    def unmatched(self) -> int:
        return sum(not finding.matched for finding in self.findings)


# -- the lexicon -------------------------------------------------------------------------------

#: Lay words for conditions of the corpus tree, by condition id (used only when the id exists).
LAY_CONDITIONS: dict[str, tuple[str, ...]] = {
    "chronic-pain": (r"chronic(?:ally)?[- ]pain(?:s|ful)?", r"persistent pain",
                     r"long[- ]term pain", r"chronic pain conditions?"),
    "neuropathic-pain": (r"neuropathic pain", r"nerve pain", r"nerve damage",
                         r"neuropath(?:y|ies)"),
    "migraine": (r"migraines?", r"migraineurs?", r"migrainous"),
    "cluster-headache": (r"cluster headaches?", r"suicide headaches?"),
    "headache": (r"headaches?",),
    "fibromyalgia": (r"fibromyalgia",),
    "phantom-limb-pain": (r"phantom[- ]limb(?: pain)?", r"phantom pain"),
    "low-back-pain": (r"(?:low|lower) back pain", r"back pain"),
    "crps": (r"complex regional pain syndromes?", r"CRPS"),
    "diabetic-neuropathy": (r"diabetic (?:peripheral )?neuropath(?:y|ies)",),
    "trigeminal-neuralgia": (r"trigeminal neuralgia",),
}
#: Health conditions outside the corpus tree: a claim about them is a health claim that no
#: corpus claim covers.
OTHER_CONDITIONS = (
    r"depression", r"depressive disorders?", r"anxiety disorders?", r"PTSD", r"addictions?",
    r"alcohol use disorder", r"arthritis", r"osteoarthritis", r"cancer pain", r"endometriosis",
    r"irritable bowel(?: syndrome)?", r"IBS", r"multiple sclerosis", r"parkinson'?s",
    r"alzheimer'?s", r"ADHD", r"OCD", r"eating disorders?", r"tinnitus", r"lupus",
)
LAY_SUBSTANCES: dict[str, tuple[str, ...]] = {
    "psilocybin": (r"psilocybin", r"psilocin"),
    "psilocybin-mushrooms": (r"magic mushrooms?", r"psilocybin mushrooms?", r"shrooms",
                             r"mushrooms?", r"truffles?"),
    "lsd": (r"LSD", r"lysergic acid diethylamide"),
    "psychedelics": (r"psychedelics?", r"hallucinogens?", r"hallucinogenic drugs?",
                     r"entheogens?", r"psychedelic (?:drugs?|substances?|compounds?|therapy)"),
    "mescaline": (r"mescaline", r"peyote"),
    "mdma": (r"MDMA", r"ecstasy"),
}
LAY_MECHANISMS: dict[str, tuple[str, ...]] = {
    "serotonin-5ht2a": (r"serotonin(?:ergic)?", r"5-?HT2A", r"5-?HT"),
    "neuroplasticity": (r"neuroplasticity", r"(?:neural|neuronal|synaptic|brain) plasticity",
                        r"neurons?",
                        r"new neural pathways?", r"neural pathways?", r"new connections",
                        r"rewir(?:e|es|ed|ing)", r"BDNF", r"neurogenesis",
                        r"dendritic spines?"),
    "anti-inflammatory": (r"anti-?inflammatory", r"inflammat(?:ion|ory)", r"cytokines?",
                          r"immune"),
    "expectancy-placebo": (r"placebo", r"expectanc(?:y|ies)", r"expectations?"),
    "pain-modulation": (r"pain (?:perception|processing|signals?|pathways?|tolerance|"
                        r"thresholds?)", r"descending (?:pain )?modulation"),
    "cardiac-5ht2b": (r"5-?HT2B", r"heart valves?", r"valvulopathy", r"valvular heart disease",
                      r"cardiac fibrosis"),
}
#: Outcome words, by outcome id of the corpus's `outcomes` section.
OUTCOME_WORDS: dict[str, tuple[str, ...]] = {
    "pain": (r"pain(?:s|ful|fulness)?", r"aches?", r"discomfort", r"analgesi[ac]",
             r"analgesics?", r"painkillers?", r"opioids?", r"pain[- ]relievers?"),
    "headache-frequency": (r"attacks?", r"migraine days", r"headache days",
                           r"(?:headache|attack|migraine) frequency", r"frequency",
                           r"remission", r"cycles?"),
    "sleep": (r"sleep(?: quality)?", r"insomnia"),
    "mood": (r"mood", r"well-?being", r"depress(?:ion|ive|ed)", r"anxiety", r"emotional",
             r"happiness", r"quality of life", r"mental health"),
    "perceptible-effects": (r"percept(?:ion|ible|ual)", r"sub-?perceptual", r"consciousness",
                            r"hallucinat\w*", r"trips?", r"tripping",
                            r"psychedelic (?:effects?|experiences?)", r"mind-?altering",
                            r"mind-?bending", r"perceiv(?:e|es|ed|ing)"),
    "expectancy": (r"placebo", r"expectanc(?:y|ies)", r"expectations?"),
    "plasticity": (r"neuroplasticity", r"plasticity", r"neural pathways?", r"BDNF",
                   r"new connections"),
    "serotonin-mechanism": (r"serotonin(?:ergic)?", r"5-?HT2A"),
    "inflammation": (r"inflammat(?:ion|ory)", r"anti-?inflammatory", r"cytokines?"),
    "adverse-events": (r"side[- ]effects?", r"adverse (?:events?|effects?|reactions?)",
                       r"harms?", r"bad trips?"),
    "valve-disease": (r"heart valves?", r"valv(?:e|ular) (?:heart )?disease", r"valvulopathy",
                      r"cardiac fibrosis", r"heart (?:damage|problems?)"),
    "seizures": (r"seizures?", r"convulsions?", r"epilep(?:sy|tic)"),
    "altered-psychedelic-response": (
        r"SSRIs?", r"SNRIs?", r"(?:serotonergic )?antidepressants?", r"tricyclics?",
        r"duloxetine", r"milnacipran", r"venlafaxine", r"amitriptyline", r"escitalopram",
        r"fluoxetine", r"sertraline", r"(?:blunt|weaken|intensif|diminish)\w*"),
    "serotonin-toxicity": (r"serotonin (?:syndrome|toxicity)",),
}
HARM_WORDS = (
    r"risks?", r"risky", r"side[- ]effects?", r"adverse (?:events?|effects?|reactions?)",
    r"harms?", r"harmful", r"dangers?", r"dangerous", r"unsafe", r"safe(?:ty|ly)?",
    r"interactions?", r"interact(?:s|ing)?", r"seizures?", r"convulsions?",
    r"serotonin syndrome", r"serotonin toxicity", r"heart valves?", r"valv(?:e|ular) disease",
    r"psychosis", r"bad trips?", r"toxic(?:ity)?", r"contraindicat\w+", r"lithium",
    r"addict(?:ive|ion)", r"abuse potential", r"dependence", r"(?:health )?consequences",
    r"(?:SSRIs?|SNRIs?|antidepressants?) (?:and|with) (?:psychedelics?|psilocybin|LSD)",
)
CAUTION_WORDS = (
    r"caution", r"cautious(?:ly)?", r"careful(?:ly)?", r"professional (?:guidance|advice|help)",
    r"medical (?:supervision|advice|guidance)", r"supervis(?:ion|ed)", r"consult\w*",
    r"self-?medicat\w+", r"talk to (?:a|your) (?:doctor|physician)", r"guidance",
    r"(?:health ?care|medical) (?:professionals?|providers?)", r"(?:a|your) (?:doctor|physician)",
    r"not recommended", r"avoid(?:ed)?",
    r"should (?:not|never) (?:take|use|combine|mix|try|be (?:taken|used|combined|mixed))",
)
#: Verbs and nouns that assert an effect outright ("relieves", "reduces", "works").
STRONG_EFFECT_WORDS = (
    r"relie(?:ve|ves|ved|ving)", r"reduc(?:e|es|ed|ing|tions?)",
    r"improv(?:e|es|ed|ing|ements?)", r"alleviat(?:e|es|ed|ing|ion)", r"eas(?:e|es|ed|ing)",
    r"cur(?:e|es|ed|ing)", r"treat(?:s|ed|ing)?", r"heal(?:s|ed|ing)?",
    r"eliminat(?:e|es|ed|ing)", r"decreas(?:e|es|ed|ing)", r"lower(?:s|ed|ing)",
    r"boost(?:s|ed|ing)?", r"enhanc(?:e|es|ed|ing|ement)", r"works?", r"worked",
    r"effective(?:ness|ly)?", r"efficacy", r"le(?:d|ads?) to", r"leading to",
    r"result(?:s|ed)? in", r"responsive(?:ness)?", r"prevent(?:s|ed|ing|ion)?",
    r"abort(?:s|ed|ing)?", r"stop(?:s|ped|ping)?", r"break(?:s|ing)? (?:the )?cycles?",
    r"pain-?free", r"alter(?:s|ed|ing)?", r"increas(?:e|es|ed|ing)", r"raise[sd]?",
    r"repair(?:s|ed|ing)?",
    r"block(?:s|ed|ing)?",
)
#: Words of effect that promise rather than assert ("hope", "potential", "may help").
SOFT_EFFECT_WORDS = (
    r"relief", r"treatments?", r"help(?:s|ed|ing|ful)?", r"benefi(?:t|ts|ted|cial)",
    r"remedy", r"remedies", r"therapeutic", r"promising", r"hope", r"potential",
    r"chang(?:e|es|ed|ing)", r"produc(?:e|es|ed|ing)", r"caus(?:e|es|ed|ing)",
    r"trigger(?:s|ed|ing)?", r"affect(?:s|ed|ing)?", r"success(?:ful|fully)?",
    r"remissions?", r"effects?", r"acts? on", r"acting on", r"binds? to",
    r"impact(?:s|ed|ing)?", r"manag(?:e|es|ed|ing)", r"alternatives?", r"good results",
    r"activat(?:e|es|ed|ing)", r"stimulat(?:e|es|ed|ing)",
)
EVIDENCE_WORDS = (
    r"(?:has|have|had) (?:been )?shown", r"shows?", r"showed", r"proven", r"prove[sd]?",
    r"found", r"finds?", r"demonstrat(?:e|es|ed|ing)", r"confirm(?:s|ed)?", r"established",
    r"evidence (?:points?|pointing|suggests?|shows?|indicates?)", r"indicat(?:e|es|ed)",
    r"reveal(?:s|ed)?", r"according to (?:a |the )?(?:study|research|studies|survey|trial)",
)
HEDGE_WORDS = (
    r"may", r"might", r"could", r"possibly", r"possible", r"potential(?:ly)?", r"perhaps",
    r"suggest(?:s|ed|ing)?", r"preliminary", r"early", r"hypothes(?:is|es|ized|ised)",
    r"believed", r"thought to", r"some evidence", r"more research", r"further research",
    r"needs? (?:more|further) (?:study|studies|research)", r"not yet", r"unclear",
    r"uncertain", r"limited", r"anecdotal(?:ly)?", r"reportedly", r"claim(?:s|ed)?",
    r"report(?:s|ed)?", r"says?", r"said", r"according to", r"appears? to", r"seems? to",
    r"promising", r"speculat\w+", r"small (?:study|studies|trial|trials|survey)",
)
NEGATION_WORDS = (
    r"no (?:good |strong |solid |clinical |scientific |real )?evidence", r"not (?:been )?"
    r"(?:shown|proven|found|studied|established)", r"did not", r"didn't", r"does not",
    r"doesn't", r"do not", r"don't", r"failed to", r"no (?:significant )?(?:effect|difference|"
    r"benefit|improvement)", r"lack of", r"little evidence", r"no better than", r"not better",
    r"nor", r"neither", r"cannot", r"can't", r"isn't", r"aren't", r"wasn't", r"weren't",
)
POPULATION_WORDS: dict[str, tuple[str, ...]] = {
    "patients": (r"patients?", r"sufferers?", r"people (?:with|living with|who suffer)",
                 r"individuals (?:with|living with|who suffer)", r"those (?:with|battling|"
                 r"living with|suffering|who suffer)", r"migraineurs?", r"adults with",
                 r"veterans", r"participants with"),
    "healthy-volunteers": (r"healthy (?:volunteers?|adults?|people|participants|subjects|"
                           r"individuals|men|women)",),
    "animals": (r"mice", r"mouse", r"rats?", r"rodents?", r"animals?"),
}
#: Words for the kind of pain: an induced pain in a laboratory, or a patient's clinical pain.
PAIN_MODEL_WORDS: dict[str, tuple[str, ...]] = {
    "experimental": (r"pain tolerance", r"cold[- ]pressor", r"cold water", r"ice water",
                     r"pain thresholds?", r"could (?:bear|tolerate|endure|handle)"),
    "clinical": (r"pain management", r"chronic", r"(?:severe|persistent) pain", r"opioids?"),
}
STUDY_WORDS: dict[str, tuple[str, ...]] = {
    "survey": (r"surveys?", r"questionnaires?", r"polls?"),
    "trial": (r"trials?", r"randomi[sz]ed", r"placebo-controlled", r"double-blind"),
    "review": (r"reviews?", r"meta-analys[ie]s"),
    "study": (r"stud(?:y|ies)", r"research(?:ers)?", r"scientists", r"experiments?",
              r"evidence", r"paper", r"data", r"case reports?", r"case series"),
}
COUNT_NOUNS = (r"people|individuals|participants|patients|respondents|users|adults|volunteers"
               r"|subjects|microdosers|sufferers|men|women|persons|veterans|migraineurs")
_COUNT = re.compile(
    r"(?P<qualifier>\b(?:over|more than|nearly|almost|about|around|approximately|roughly|"
    r"some|at least|fewer than|less than|under|just|only)\s+)?"
    r"(?P<number>\b\d{1,3}(?:,\d{3})+|\b\d+)\s+"
    r"(?:(?:\w+|[\w-]+)\s+){0,2}?(?P<noun>" + COUNT_NOUNS + r")\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_AMOUNT = re.compile(r"\b\d+(?:\.\d+)?\s?-?(?:mg|µg|μg|mcg|ug|g|grams?|milligrams?|micrograms?)"
                     r"(?:/kg)?(?![\w])", re.IGNORECASE)
_MICRO = (r"micro-?dos(?:e|es|ed|ing|ers?)", r"sub-?(?:perceptual|threshold|hallucinogenic)"
          r" doses?", r"(?:very )?(?:small|tiny|low) doses?", r"micro-?doses",
          r"(?:lightest|lowest|smallest) doses?")
_LARGER = (r"(?:full|high|higher|large|larger|heroic|hallucinogenic|psychedelic|moderate|"
           r"macro-?)\s?doses?", r"macro-?dos(?:e|es|ed|ing)", r"full-dose",
           r"not (?:a )?micro-?dos(?:e|es|ing)",  # "used pulsed doses, not microdoses"
           r"(?:slightly |a little |somewhat )?(?:higher|larger|bigger|more) than (?:a |the )?"
           r"(?:typical |usual )?micro-?doses?")


@dataclass(frozen=True, slots=True)
class _Layer:
    """Words read in one pass: where two overlap, the longer wins."""

    pattern: re.Pattern[str]
    groups: tuple[tuple[CueKind, str], ...]  # by group number - 1


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The cue words of a corpus, in layers: a word can be read once per layer (so "placebo"
    is both a mechanism and an outcome, and "risks" both a harm and a study word's neighbour)."""

    layers: tuple[_Layer, ...]


def _term(text: str) -> str:
    """A corpus name or alias as a pattern: literal, spaces and hyphens interchangeable."""
    escaped = re.escape(text.strip())
    return escaped.replace(r"\ ", r"[- ]").replace(r"\-", r"[- ]?")


def _names(name: str, aliases: Iterable[str]) -> list[str]:
    found = [name.split(" (")[0]]
    inside = re.search(r"\(([^)]*)\)", name)
    if inside and "," not in inside.group(1) and len(inside.group(1)) > 3:
        found.append(inside.group(1))
    found.extend(aliases)
    return [_term(item) for item in found if len(item.strip()) >= 3]


def _layer(entries: list[tuple[CueKind, str, str]]) -> _Layer:  # (kind, value, pattern)
    """One pattern for the entries, longest first; alternatives that start with a letter or
    digit are grouped behind a look-ahead for it, so each place in a sentence tries only the
    words that can start there (Python's `re` would otherwise try every one, everywhere)."""
    ordered = sorted(dict.fromkeys(entries), key=lambda entry: -len(entry[2]))
    buckets: dict[str, list[tuple[str, tuple[CueKind, str]]]] = {}
    for kind, value, pattern in ordered:
        first = pattern[0].lower() if pattern[0].isalnum() else ""
        buckets.setdefault(first, []).append((pattern, (kind, value)))
    parts: list[str] = []
    numbered: list[tuple[CueKind, str]] = []  # group numbers follow the final order
    for first, alternatives in buckets.items():
        look = f"(?=[{first}{first.upper()}])" if first else ""
        parts.append(look + "(?:" + "|".join(f"({pattern})" for pattern, _ in alternatives)
                     + ")")
        numbered += [group for _, group in alternatives]
    return _Layer(re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])",
                             re.IGNORECASE), tuple(numbered))


_Entry = tuple[CueKind, str, str]  # kind, value, pattern


def _entries(kind: CueKind, value: str, patterns: Iterable[str]) -> list[_Entry]:
    return [(kind, value, pattern) for pattern in patterns]


def _named(kind: CueKind, records: Iterable[Condition | Substance | Mechanism],
           lay: dict[str, tuple[str, ...]]) -> list[_Entry]:
    """The records' names and aliases, and the lay words of the records the corpus has."""
    found: list[_Entry] = []
    ids = set()
    for record in records:
        ids.add(record.id)
        found += _entries(kind, record.id, _names(record.name, record.aliases))
    for record_id, words in lay.items():
        if record_id in ids:
            found += _entries(kind, record_id, words)
    return found


def _build_vocabulary(corpus: Corpus) -> Vocabulary:
    topics = (_named(CueKind.CONDITION, corpus.conditions, LAY_CONDITIONS)
              + _entries(CueKind.OTHER_CONDITION, "other", OTHER_CONDITIONS)
              + _named(CueKind.SUBSTANCE, corpus.substances, LAY_SUBSTANCES)
              + _entries(CueKind.MICRODOSE, "micro", _MICRO)
              + _entries(CueKind.LARGER_DOSE, "larger", _LARGER))
    for population, words in POPULATION_WORDS.items():
        topics += _entries(CueKind.POPULATION, population, words)
    pain_models: list[_Entry] = []
    for model, words in PAIN_MODEL_WORDS.items():
        pain_models += _entries(CueKind.PAIN_MODEL, model, words)
    mechanisms = _named(CueKind.MECHANISM, corpus.mechanisms, LAY_MECHANISMS)
    outcomes: list[_Entry] = []
    outcome_ids = {outcome.id for outcome in corpus.outcomes}
    for outcome_id, words in OUTCOME_WORDS.items():
        if outcome_id in outcome_ids:
            outcomes += _entries(CueKind.OUTCOME, outcome_id, words)
    studies: list[_Entry] = []
    for design, words in STUDY_WORDS.items():
        studies += _entries(CueKind.STUDY, design, words)
    layers = [topics, mechanisms, outcomes, pain_models,
              _entries(CueKind.HARM, "harm", HARM_WORDS)
              + _entries(CueKind.CAUTION, "caution", CAUTION_WORDS),
              _entries(CueKind.EFFECT, "strong", STRONG_EFFECT_WORDS)
              + _entries(CueKind.EFFECT, "soft", SOFT_EFFECT_WORDS),
              _entries(CueKind.EVIDENCE, "evidence", EVIDENCE_WORDS),
              _entries(CueKind.HEDGE, "hedge", HEDGE_WORDS),
              _entries(CueKind.NEGATION, "negation", NEGATION_WORDS),
              studies]
    return Vocabulary(tuple(_layer(layer) for layer in layers))


def vocabulary(corpus: Corpus) -> Vocabulary:
    """The corpus's cue words, built once per loaded corpus."""
    found = corpus.memo.get("check-vocabulary")
    if not isinstance(found, Vocabulary):
        found = corpus.memo["check-vocabulary"] = _build_vocabulary(corpus)
    return found


#: "placebo" as a comparator ("better than placebo", "placebo-controlled") names a study
#: design, not the expectancy mechanism.
_COMPARATOR_BEFORE = re.compile(r"(?:than|versus|vs\.?|or|and|to|with|against|a|the|of)\s+$",
                                re.IGNORECASE)
_COMPARATOR_AFTER = re.compile(r"^(?:-?controlled|\s+(?:group|arm|pills?|capsules?|controls?))",
                               re.IGNORECASE)


def _comparator(text: str, start: int, end: int) -> bool:
    return text[start:end].lower() == "placebo" and bool(
        _COMPARATOR_BEFORE.search(text[max(0, start - 12):start])
        or _COMPARATOR_AFTER.match(text[end:end + 12]))


def find_cues(text: str, words: Vocabulary, *, topics_only: bool = False,
              topics: Sequence[Cue] | None = None) -> list[Cue]:
    """Every cue in `text`, in order of position; with `topics_only`, only conditions,
    substances, doses and populations (the first layer: enough to rule a sentence out);
    `topics`: that first layer already read."""
    cues: list[Cue] = list(topics or ())
    layers = words.layers[:1] if topics_only else words.layers[1:] if topics is not None \
        else words.layers
    for layer in layers:
        for found in layer.pattern.finditer(text):
            index = found.lastindex
            if index is not None:
                kind, value = layer.groups[index - 1]
                if kind in (CueKind.MECHANISM, CueKind.OUTCOME) and _comparator(
                        text, found.start(), found.end()):
                    kind, value = CueKind.STUDY, "trial"
                cues.append(Cue(kind, value, found.group(), found.start(), found.end()))
    if topics_only:
        return cues
    for found in _YEAR.finditer(text):
        cues.append(Cue(CueKind.YEAR, found.group(), found.group(), found.start(), found.end()))
    for found in _AMOUNT.finditer(text):
        cues.append(Cue(CueKind.AMOUNT, found.group(), found.group(), found.start(),
                        found.end()))
    for found in _COUNT.finditer(text):
        qualifier = " ".join((found.group("qualifier") or "").lower().split())
        cues.append(Cue(CueKind.COUNT, f"{qualifier} {found.group('number')}".strip(),
                        found.group().strip(), found.start(), found.end()))
    cues.sort(key=lambda cue: (cue.start, cue.end))
    return cues


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


@dataclass(frozen=True, slots=True)
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
        explains = _EXPLAINS.search(text)
        return replace(cls.of(cues), explains=explains.group() if explains else None)

    @classmethod
    def of(cls, cues: Sequence[Cue]) -> _Features:
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

        conditions = {key: f"'{text}'" for key, text in by(CueKind.CONDITION).items()}
        return cls(conditions, by(CueKind.MECHANISM), by(CueKind.OUTCOME),
                   by(CueKind.SUBSTANCE), first(CueKind.MICRODOSE), first(CueKind.LARGER_DOSE),
                   by(CueKind.POPULATION), first(CueKind.HARM), first(CueKind.CAUTION),
                   tuple(int(cue.value) for cue in cues if cue.kind is CueKind.YEAR),
                   by(CueKind.STUDY), tuple(cue for cue in cues if cue.kind is CueKind.COUNT),
                   texts(CueKind.HEDGE), texts(CueKind.NEGATION), texts(CueKind.EVIDENCE),
                   texts(CueKind.EFFECT),
                   tuple(dict.fromkeys(cue.text for cue in cues
                                       if cue.kind is CueKind.EFFECT and cue.value == "strong")),
                   by(CueKind.PAIN_MODEL), None)


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


@dataclass(frozen=True, slots=True)
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
                claim, quote if len(quote) > 20 else "", bool(_YEAR.search(claim.statement)),
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
    claim: Claim
    score: int
    why: list[str]


def _score(facts: _ClaimFacts, features: _Features, sentence: str, corpus: Corpus
           ) -> _Scored | None:
    """How well a claim fits the (normalised) sentence; None when it cannot be the claim
    meant."""
    claim = facts.claim
    if facts.quote and facts.quote in sentence:
        return _Scored(claim, 100, ["the sentence contains the claim's quote from its source"])
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
    return _Scored(claim, score, why)


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


def _judge(features: _Features, grade: Grade, claim: Claim, corpus: Corpus,
           patients: str | None) -> list[Overstatement]:
    found: list[Overstatement] = []
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
            report := _cited_report(features, claim, corpus)) is not None:
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


def _cited_report(features: _Features, claim: Claim, corpus: Corpus
                  ) -> tuple[str, Stance, str | None] | None:
    """The one linked study the sentence cites (year and kind), with its stance and note."""
    linked = _studies(corpus, (link.study for link in claim.evidence))
    cited = {study.id for study in cited_studies(features, linked)}
    if len(cited) != 1:
        return None
    study = cited.pop()
    link = next(link for link in claim.evidence if link.study == study)
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
            problems += _judge(features, grade, claim, corpus, _patients(features))
            linked += _studies(corpus, (link.study for link in claim.evidence))
        body = None if matches else _body(corpus, features)
        if body is not None:
            problems += _body_problems(features, body)
        problems += _number_problems(features, linked or corpus.studies)
        unique = _merged(problems)
        findings.append(Finding(sentence, tuple(cues), why, tuple(matches), body, tuple(unique)))
    return CheckResult(article, tuple(findings))
