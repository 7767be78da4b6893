"""The readers of each kind of record (corpus info, conditions, ..., studies, claims): a
mapping's fields, checked and made into the typed records of `painlit.model`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Generic, NamedTuple

import yaml

from painlit.errors import Severity
from painlit.fields import (
    DOI_PATTERN,
    EARLIEST_YEAR,
    EFFECT_PATTERN,
    ID_PATTERN,
    JUDGEMENT_LEVELS,
    MAX_N,
    MESH_PATTERN,
    PMID_PATTERN,
    REGISTRY_PATTERNS,
    _Fields,
)
from painlit.model import (
    Better,
    Certainty,
    Claim,
    ClaimOutcome,
    ClaimScope,
    ClaimTopic,
    CoIntervention,
    Condition,
    CorpusInfo,
    Direction,
    Domain,
    Dose,
    DoseCategory,
    Effect,
    Evidence,
    Importance,
    Judgement,
    Measure,
    Mechanism,
    Outcome,
    PainModel,
    Population,
    PublicationStatus,
    Regimen,
    Registration,
    Result,
    RiskOfBias,
    Source,
    Stance,
    Study,
    StudyDesign,
    Substance,
)
from painlit.nodes import Position, R, _Context, _did_you_mean

# --- section readers -------------------------------------------------------------------------

_CORPUS_KEYS = ("title", "version", "last_search", "search_query")
_CONDITION_KEYS = ("id", "name", "aliases", "mesh", "parent", "description")
_MECHANISM_KEYS = ("id", "name", "description", "aliases")
_SUBSTANCE_KEYS = ("id", "name", "aliases")
_SOURCE_KEYS = ("id", "title", "kind", "year", "url", "note")
_OUTCOME_KEYS = ("id", "name", "harm", "description")
_STUDY_KEYS = (
    "id", "title", "authors", "year", "journal", "doi", "pmid", "registry", "trial", "url",
    "design", "population", "n", "substances", "dose", "regimen", "co_intervention",
    "conditions", "mechanisms", "pain_model", "outcome", "finding", "direction", "outcomes",
    "risk_of_bias", "bias_note", "status", "registration", "unverified",
)
_EFFECT_KEYS = ("outcome", "measured", "comparator", "time_point", "measure", "value", "ci", "p",
                "better", "n", "mid", "result", "note")
_DOSE_KEYS = ("category", "reported")
_REGISTRATION_KEYS = (
    "status", "start", "completion", "enrolment", "enrolment_type", "results_posted", "sponsor",
    "status_read", "last_update",
)
_CLAIM_KEYS = (
    "id", "statement", "quote", "intervention", "effect", "outcome", "topic", "scope",
    "outcomes", "sources", "conditions", "mechanisms", "evidence", "judgements", "certainty",
    "notes",
)
_SCOPE_KEYS = ("population", "dose", "pain_model", "substances", "regimen", "co_intervention")
_CLAIM_OUTCOME_KEYS = ("outcome", "importance")
_EVIDENCE_KEYS = ("study", "outcome", "stance", "note")
_JUDGEMENT_KEYS = ("levels", "reason")
_JUDGEMENTS_KEYS = tuple(domain.value for domain in Domain)


def _record_id(ctx: _Context, fields: _Fields, section: str, index: int) -> str | None:
    """Read and check the record's id; the fields' record label becomes that id."""
    fields.record = f"{section}[{index}]"
    value = fields.text("id", required=True, line=True)
    if value is None:
        return None
    if not ID_PATTERN.match(value):
        fields._problem(fields.node_of("id"), "id", f"'{value}' is not a valid id",
                        "use lowercase letters, digits and hyphens, e.g. smith-2021")
        return None
    fields.record = value
    return value


def _url(fields: _Fields, key: str = "url") -> str | None:
    value = fields.text(key, line=True)
    if value is not None and not value.startswith(("https://", "http://")):
        fields._problem(fields.node_of(key), key, "expected a web address starting with https://")
        return None
    return value


def _read_info(ctx: _Context, root: _Fields) -> CorpusInfo | None:
    fields = root.mapping("corpus", _CORPUS_KEYS, required=True)
    if fields is None:
        return None
    fields.record, fields.prefix = "corpus", ""
    title = fields.text("title", required=True, line=True)
    version = fields.identifier("version", required=True)
    last_search = fields.day("last_search", required=True)
    query = fields.text("search_query", required=True)
    if title is None or version is None or last_search is None or query is None:
        return None
    return CorpusInfo(title, version, last_search, query)


class _Read(NamedTuple, Generic[R]):
    """One list item as read: its record (None when unreadable) and where it and its id are."""

    record_id: str | None
    record: R | None
    where: Position
    id_where: Position


def _read_items(ctx: _Context, items: Iterable[tuple[int, yaml.MappingNode]], section: str,
                allowed: tuple[str, ...], read: Callable[[_Fields, str], R | None]
                ) -> list[_Read[R]]:
    found: list[_Read[R]] = []
    shared: set[int] = set()
    for index, node in items:
        if id(node) in shared:  # an alias repeating a whole record would multiply records
            ctx.add(node, f"{section}[{index}]", "", "repeats another record through a YAML alias",
                    "write each record out in full")
            continue
        shared.add(id(node))
        fields = _Fields(ctx, node, f"{section}[{index}]", allowed, defer=True)
        record_id = _record_id(ctx, fields, section, index)
        fields.report_keys()
        record = read(fields, record_id or "")
        found.append(_Read(record_id, record, ctx.position(node),
                           ctx.position(fields.node_of("id"))))
    return found


def _keep_unique(ctx: _Context, reads: Iterable[_Read[R]]) -> list[tuple[R, Position]]:
    """The records read, each id once: a repeated id is reported and its record dropped."""
    records: list[tuple[R, Position]] = []
    seen: dict[str, int] = {}
    for item in reads:
        if item.record_id is not None and item.record_id in seen:
            ctx.add_at(item.id_where, item.record_id, "id",
                       f"duplicate id (first used on line {seen[item.record_id]})")
            continue
        if item.record_id is not None:
            seen[item.record_id] = item.where[0]
        if item.record is not None and item.record_id is not None:
            records.append((item.record, item.where))
    return records


def _read_section(ctx: _Context, root: _Fields, section: str, allowed: tuple[str, ...],
                  read: Callable[[_Fields, str], R | None]) -> list[tuple[R, Position]]:
    return _keep_unique(ctx, _read_items(ctx, root.items(section), section, allowed, read))


def _read_condition(fields: _Fields, record_id: str) -> Condition | None:
    name = fields.text("name", required=True, line=True)
    aliases = fields.texts("aliases", line=True)
    mesh = fields.text("mesh", line=True)
    if mesh is not None and not MESH_PATTERN.match(mesh):
        fields._problem(fields.node_of("mesh"), "mesh", f"'{mesh}' is not a MeSH descriptor id",
                        "descriptor ids look like D005356")
        mesh = None
    parent = fields.reference("parent", "conditions")
    description = fields.text("description")
    if parent is not None and parent == record_id:
        fields._problem(fields.node_of("parent"), "parent", "a condition cannot be its own parent")
        parent = None
    if name is None:
        return None
    return Condition(record_id, name, aliases, mesh, parent, description)


def _read_mechanism(fields: _Fields, record_id: str) -> Mechanism | None:
    name = fields.text("name", required=True, line=True)
    description = fields.text("description", required=True)
    aliases = fields.texts("aliases", line=True)
    if name is None or description is None:
        return None
    return Mechanism(record_id, name, description, aliases)


def _read_substance(fields: _Fields, record_id: str) -> Substance | None:
    name = fields.text("name", required=True, line=True)
    aliases = fields.texts("aliases", line=True)
    return Substance(record_id, name, aliases) if name is not None else None


def _read_source(fields: _Fields, record_id: str) -> Source | None:
    title = fields.text("title", required=True, line=True)
    kind = fields.text("kind", required=True, line=True)
    year = fields.integer("year", minimum=EARLIEST_YEAR, maximum=fields.ctx.latest_year,
                          what="year")
    url = _url(fields)
    note = fields.text("note")
    if title is None or kind is None:
        return None
    return Source(record_id, title, kind, year, url, note)


def _read_outcome(fields: _Fields, record_id: str) -> Outcome | None:
    name = fields.text("name", required=True, line=True)
    harm = fields.boolean("harm")
    description = fields.text("description")
    return Outcome(record_id, name, bool(harm), description) if name is not None else None


def _read_effects(fields: _Fields) -> tuple[Effect, ...]:
    """A study's measured outcomes, each with its effect as reported."""
    effects = []
    for index, node in fields.items("outcomes"):
        item = _Fields(fields.ctx, node, fields.record, _EFFECT_KEYS, f"outcomes[{index}].")
        outcome = item.reference("outcome", "outcomes", required=True)
        measured = item.text("measured", required=True, line=True)
        comparator = item.text("comparator", line=True)
        time_point = item.text("time_point", line=True)
        measure = item.choice("measure", Measure)
        value = item.number("value")
        ci = item.interval("ci")
        p = item.identifier("p")
        better = item.choice("better", Better)
        n = item.integer("n", minimum=1, maximum=MAX_N, what="sample size")
        mid = item.number("mid", positive=True)
        result = item.choice("result", Result)
        note = item.text("note")
        if measure is None and (value is not None or ci is not None):
            item._problem(item.node_of("value") or item.node_of("ci"), "measure",
                          "a reported value needs its measure",
                          "e.g. measure: cohens-d (docs/curation.md lists them)")
        comparative = measure is not None and (
            measure.is_standardised or measure.is_ratio or measure.is_difference)
        if comparative and value is not None and better is None and not item.present("better"):
            item._problem(item.node_of("value"), "better",
                          "say which direction of the value favours the intervention",
                          "better: lower (e.g. fewer attacks) or better: higher")
        if ci is not None and value is not None and not ci[0] <= value <= ci[1]:
            item._problem(item.node_of("ci"), "ci", "the value lies outside its interval")
        if outcome is not None and measured is not None:
            effects.append(Effect(
                outcome, measured, comparator, time_point, measure, value,
                ci[0] if ci else None, ci[1] if ci else None, p, better, n, mid, result, note))
    return tuple(effects)


def _read_registry(fields: _Fields) -> str | None:
    value = fields.text("registry", line=True)
    if value is None:
        return None
    if not any(pattern.match(value) for pattern in REGISTRY_PATTERNS.values()):
        fields._problem(fields.node_of("registry"), "registry",
                        f"'{value}' is not a trial registry id",
                        "expected e.g. NCT01234567 (" + ", ".join(REGISTRY_PATTERNS) + ")")
        return None
    return value


def _read_doi(fields: _Fields) -> str | None:
    value = fields.text("doi", line=True)
    if value is None:
        return None
    stripped = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", value, flags=re.IGNORECASE)
    if stripped != value:
        fields._problem(fields.node_of("doi"), "doi", "store the bare DOI",
                        f"write '{stripped}'")
        return None
    if not DOI_PATTERN.match(value):
        fields._problem(fields.node_of("doi"), "doi", f"'{value}' is not a DOI",
                        "DOIs look like 10.1177/2049463722109189")
        return None
    return value


def _read_pmid(fields: _Fields) -> str | None:
    value = fields.identifier("pmid")
    if value is not None and not PMID_PATTERN.match(value):
        fields._problem(fields.node_of("pmid"), "pmid", f"'{value}' is not a PubMed id",
                        "PMIDs are 1 to 9 digits")
        return None
    return value


def _read_registration(fields: _Fields) -> Registration | None:
    block = fields.mapping("registration", _REGISTRATION_KEYS)
    if block is None:
        return None
    status = block.text("status", required=True, line=True)
    start = block.partial_date("start")
    completion = block.partial_date("completion")
    enrolment = block.integer("enrolment", minimum=0, maximum=MAX_N, what="enrolment")
    enrolment_type = block.text("enrolment_type", line=True)
    if enrolment_type is not None and enrolment_type not in ("actual", "estimated"):
        block._problem(block.node_of("enrolment_type"), "enrolment_type",
                       f"'{enrolment_type}' is not one of: actual, estimated",
                       _did_you_mean(enrolment_type, ["actual", "estimated"]))
    results_posted = block.boolean("results_posted")
    sponsor = block.text("sponsor", line=True)
    status_read = block.day("status_read")
    last_update = block.partial_date("last_update")
    if status is None:
        return None
    return Registration(status, start, completion, enrolment, enrolment_type, results_posted,
                        sponsor, status_read, last_update)


def _read_study(fields: _Fields, record_id: str) -> Study | None:
    title = fields.text("title", required=True, line=True)
    authors = fields.texts("authors", line=True)
    year = fields.integer("year", required=True, minimum=EARLIEST_YEAR,
                          maximum=fields.ctx.latest_year, what="year")
    journal = fields.text("journal", line=True)
    doi = _read_doi(fields)
    pmid = _read_pmid(fields)
    registry = _read_registry(fields)
    trial = fields.text("trial", line=True)
    url = _url(fields)
    design = fields.choice("design", StudyDesign, required=True)
    population = fields.choice("population", Population, required=True)
    n = fields.integer("n", minimum=1, maximum=MAX_N, what="sample size")
    substances = fields.references("substances", "substances")
    dose_fields = fields.mapping("dose", _DOSE_KEYS, required=True)
    dose_category = dose_reported = None
    if dose_fields is not None:
        dose_category = dose_fields.choice("category", DoseCategory, required=True)
        dose_reported = dose_fields.text("reported", line=True)
    regimen = fields.choice("regimen", Regimen)
    co_intervention = fields.choice("co_intervention", CoIntervention)
    conditions = fields.references("conditions", "conditions")
    mechanisms = fields.references("mechanisms", "mechanisms")
    pain_model = fields.choice("pain_model", PainModel) or PainModel.NONE
    outcome = fields.text("outcome")
    finding = fields.text("finding")
    direction = fields.choice("direction", Direction) or Direction.NOT_APPLICABLE
    effects = _read_effects(fields)
    risk_of_bias = fields.choice("risk_of_bias", RiskOfBias) or RiskOfBias.NOT_ASSESSED
    bias_note = fields.text("bias_note")
    status = fields.choice("status", PublicationStatus, required=True)
    registration = _read_registration(fields)
    unverified = fields.texts("unverified")

    if design is StudyDesign.TRIAL_REGISTRATION:
        if registration is None and not fields.present("registration"):
            fields._problem(fields.node_of("id"), "registration",
                            "a trial registration needs a registration block",
                            "add registration: {status: ..., completion: ...}")
        if registry is None and not fields.present("registry"):
            fields._problem(fields.node_of("id"), "registry", "a trial registration needs its id")
    elif fields.present("registration"):
        fields._problem(fields.node_of("registration"), "registration",
                        "only trial-registration records have a registration block",
                        "put the registry id in `registry`")
    if not (doi or pmid or registry) and not any(
        fields.present(key) for key in ("doi", "pmid", "registry")
    ):
        fields._problem(fields.node_of("id"), "", "has no DOI, PMID or registry id",
                        "every study must be traceable to a public record")
    if url is None and not fields.present("url"):
        fields.ctx.add(fields.node_of("id"), record_id or fields.record, "url",
                       "no url of the page the record was verified on",
                       severity=Severity.WARNING)

    if (title is None or year is None or design is None or population is None
            or dose_category is None or status is None or not record_id):
        return None
    return Study(
        id=record_id, title=title, year=year, design=design, population=population,
        dose=Dose(dose_category, dose_reported), status=status, authors=authors,
        journal=journal, doi=doi, pmid=pmid, registry=registry, url=url, n=n,
        substances=substances, conditions=conditions, mechanisms=mechanisms,
        pain_model=pain_model, outcome=outcome, finding=finding, direction=direction,
        risk_of_bias=risk_of_bias, bias_note=bias_note, registration=registration,
        unverified=unverified, trial=trial, regimen=regimen, co_intervention=co_intervention,
        outcomes=effects, line=fields.ctx.position(fields.node)[0],
    )


def _read_claim_outcomes(fields: _Fields) -> tuple[ClaimOutcome, ...]:
    outcomes: list[ClaimOutcome] = []
    for index, node in fields.items("outcomes"):
        item = _Fields(fields.ctx, node, fields.record, _CLAIM_OUTCOME_KEYS,
                       f"outcomes[{index}].")
        outcome = item.reference("outcome", "outcomes", required=True)
        importance = item.choice("importance", Importance) or Importance.CRITICAL
        if outcome is not None and any(o.outcome == outcome for o in outcomes):
            item._problem(item.node_of("outcome"), "outcome", f"'{outcome}' is listed twice")
        elif outcome is not None:
            outcomes.append(ClaimOutcome(outcome, importance))
    return tuple(outcomes)


def _read_evidence(fields: _Fields, outcomes: tuple[ClaimOutcome, ...]) -> tuple[Evidence, ...]:
    """The claim's evidence links; with one claim outcome, a link without one is about it."""
    evidence: list[Evidence] = []
    seen: set[tuple[str, str | None]] = set()
    names = [o.outcome for o in outcomes]
    for index, node in fields.items("evidence"):
        item = _Fields(fields.ctx, node, fields.record, _EVIDENCE_KEYS, f"evidence[{index}].")
        study = item.reference("study", "studies", required=True)
        outcome = item.text("outcome", line=True)
        stance = item.choice("stance", Stance, required=True)
        note = item.text("note", required=True)
        if outcome is not None and outcome not in names:
            item._problem(item.node_of("outcome"), "outcome",
                          f"'{outcome}' is not one of the claim's outcomes"
                          if names else "the claim lists no outcomes",
                          _did_you_mean(outcome, names) if names else "add it to `outcomes`")
            continue
        if outcome is None and len(names) == 1:
            outcome = names[0]
        elif (outcome is None and len(names) > 1 and stance is not None
              and stance is not Stance.CONTEXT):
            item._problem(item.node_of("study"), "outcome",
                          "the claim has several outcomes: name the one this study bears on",
                          "one of " + ", ".join(names))
            continue
        if study is not None and (study, outcome) in seen:
            item._problem(item.node_of("study"), "study", f"'{study}' is linked twice" + (
                f" for {outcome}" if outcome else ""))
            continue
        if study is not None:
            seen.add((study, outcome))
        if study is not None and stance is not None and note is not None:
            evidence.append(Evidence(study, stance, note, outcome))
    return tuple(evidence)


def _read_judgements(fields: _Fields) -> tuple[Judgement, ...]:
    block = fields.mapping("judgements", _JUDGEMENTS_KEYS)
    if block is None:
        return ()
    judgements = []
    for key in list(block.values):
        domain = Domain(key)
        item = block.mapping(key, _JUDGEMENT_KEYS)
        if item is None:
            continue
        allowed = JUDGEMENT_LEVELS[domain]
        levels = item.integer("levels", required=True)
        reason = item.text("reason", required=True)
        if levels is not None and levels not in allowed:
            item._problem(item.node_of("levels"), "levels",
                          f"{levels} is not allowed for {key}",
                          "one of " + ", ".join(str(level) for level in allowed))
            continue
        if levels is not None and reason is not None:
            judgements.append(Judgement(domain, levels, reason))
    return tuple(judgements)


def _read_claim(fields: _Fields, record_id: str) -> Claim | None:
    statement = fields.text("statement", required=True)
    quote = fields.text("quote")
    intervention = fields.text("intervention", required=True, line=True)
    effect = fields.text("effect", required=True, line=True)
    if effect is not None and not EFFECT_PATTERN.match(effect):
        fields._problem(fields.node_of("effect"), "effect",
                        "expected one lowercase verb in its base form", "e.g. reduce")
        effect = None
    outcome = fields.text("outcome", required=True, line=True)
    topic = fields.choice("topic", ClaimTopic, required=True)
    scope = ClaimScope()
    scope_fields = fields.mapping("scope", _SCOPE_KEYS)
    if scope_fields is not None:
        scope = ClaimScope(
            scope_fields.choice("population", Population),
            scope_fields.choice("dose", DoseCategory),
            scope_fields.choice("pain_model", PainModel),
            scope_fields.references("substances", "substances"),
            scope_fields.choice("regimen", Regimen),
            scope_fields.choice("co_intervention", CoIntervention),
        )
    outcomes = _read_claim_outcomes(fields)
    sources = fields.references("sources", "sources")
    conditions = fields.references("conditions", "conditions")
    mechanisms = fields.references("mechanisms", "mechanisms")
    evidence = _read_evidence(fields, outcomes)
    judgements = _read_judgements(fields)
    certainty = None
    certainty_text = fields.text("certainty")
    if certainty_text is not None:
        certainty = Certainty.from_text(certainty_text)
        if certainty is None:
            labels = [level.slug for level in Certainty]
            fields._problem(fields.node_of("certainty"), "certainty",
                            f"'{certainty_text}' is not one of: {', '.join(labels)}",
                            _did_you_mean(certainty_text, labels))
    notes = fields.texts("notes")
    if (statement is None or intervention is None or effect is None or outcome is None
            or topic is None or not record_id):
        return None
    return Claim(
        id=record_id, statement=statement, intervention=intervention, effect=effect,
        outcome=outcome, topic=topic, scope=scope, sources=sources, quote=quote,
        conditions=conditions, mechanisms=mechanisms, evidence=evidence,
        judgements=judgements, certainty=certainty, notes=notes, outcomes=outcomes,
        line=fields.ctx.position(fields.node)[0],
    )


