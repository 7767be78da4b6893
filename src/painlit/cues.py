"""The cue words of `painlit check`: what each word of a sentence can tell.

Every sentence is scanned for words of known kinds: conditions (the corpus tree's names and
aliases, plus common lay words), substances and microdosing, mechanisms, outcomes, harms and
cautions, effect verbs, evidence words, hedges, negations, populations, pain models, study
words, years, participant counts and amounts. The corpus's own names come first; the lay
words below add what popular articles say instead ("nerve pain", "shrooms", "new neural
pathways"). docs/check.md lists the kinds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import StrEnum

from painlit.frozen import frozen
from painlit.model import Condition, Corpus, Mechanism, Substance


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


@frozen
class Cue:
    """A word or phrase of a sentence and what painlit read in it."""

    kind: CueKind
    value: str  # an id from the corpus, or a word class ("patients", "survey", "250", "over")
    text: str  # as written in the sentence
    start: int
    end: int


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
YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
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


@frozen
class _Layer:
    """Words read in one pass: where two overlap, the longer wins."""

    pattern: re.Pattern[str]
    groups: tuple[tuple[CueKind, str], ...]  # by group number - 1


@frozen
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
    for found in YEAR.finditer(text):
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
