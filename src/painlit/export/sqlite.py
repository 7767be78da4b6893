"""The corpus as a documented SQLite database (`painlit export sqlite PATH`), for Datasette,
DuckDB or any SQL tool: one table per kind of record, join tables for lists, and each claim's
grade with every step, overall and per outcome. docs/sqlite.md describes every table and
column.

Values are bound as parameters, never written into SQL; enum members are stored as their
values. The tables are made in a new database file; writing it where the user asked is the
command's (painlit.commands.export), in one step.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from painlit import __version__
from painlit.grading import GradeTable
from painlit.model import Corpus

#: The schema version (PRAGMA user_version of the database).
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE corpus (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE conditions (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, parent TEXT REFERENCES conditions (id),
    mesh TEXT, description TEXT);
CREATE TABLE condition_aliases (
    condition TEXT NOT NULL REFERENCES conditions (id), alias TEXT NOT NULL);
CREATE TABLE mechanisms (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT);
CREATE TABLE mechanism_aliases (
    mechanism TEXT NOT NULL REFERENCES mechanisms (id), alias TEXT NOT NULL);
CREATE TABLE substances (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE substance_aliases (
    substance TEXT NOT NULL REFERENCES substances (id), alias TEXT NOT NULL);
CREATE TABLE sources (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, kind TEXT, year INTEGER, url TEXT, note TEXT);
CREATE TABLE outcomes (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, harm INTEGER NOT NULL, description TEXT);
CREATE TABLE studies (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, year INTEGER NOT NULL, design TEXT NOT NULL,
    population TEXT NOT NULL, n INTEGER, dose_category TEXT NOT NULL, dose_reported TEXT,
    status TEXT NOT NULL, journal TEXT, doi TEXT, pmid TEXT, registry TEXT, url TEXT,
    pain_model TEXT NOT NULL, outcome TEXT, finding TEXT, direction TEXT NOT NULL,
    risk_of_bias TEXT NOT NULL, bias_note TEXT, trial TEXT NOT NULL, regimen TEXT,
    co_intervention TEXT, registration_status TEXT, registration_start TEXT,
    registration_completion TEXT, registration_enrolment INTEGER,
    registration_enrolment_type TEXT, registration_results_posted INTEGER,
    registration_sponsor TEXT, registration_status_read TEXT, registration_last_update TEXT,
    line INTEGER NOT NULL);
CREATE TABLE study_authors (
    study TEXT NOT NULL REFERENCES studies (id), position INTEGER NOT NULL, name TEXT NOT NULL,
    PRIMARY KEY (study, position));
CREATE TABLE study_conditions (
    study TEXT NOT NULL REFERENCES studies (id),
    condition TEXT NOT NULL REFERENCES conditions (id), PRIMARY KEY (study, condition));
CREATE TABLE study_mechanisms (
    study TEXT NOT NULL REFERENCES studies (id),
    mechanism TEXT NOT NULL REFERENCES mechanisms (id), PRIMARY KEY (study, mechanism));
CREATE TABLE study_substances (
    study TEXT NOT NULL REFERENCES studies (id),
    substance TEXT NOT NULL REFERENCES substances (id), PRIMARY KEY (study, substance));
CREATE TABLE study_unverified (
    study TEXT NOT NULL REFERENCES studies (id), position INTEGER NOT NULL,
    note TEXT NOT NULL, PRIMARY KEY (study, position));
CREATE TABLE effects (
    study TEXT NOT NULL REFERENCES studies (id), position INTEGER NOT NULL,
    outcome TEXT NOT NULL REFERENCES outcomes (id), measured TEXT NOT NULL, comparator TEXT,
    time_point TEXT, measure TEXT, value REAL, ci_low REAL, ci_high REAL, p TEXT, better TEXT,
    n INTEGER, mid REAL, result TEXT, note TEXT, PRIMARY KEY (study, position));
CREATE TABLE claims (
    id TEXT PRIMARY KEY, statement TEXT NOT NULL, intervention TEXT NOT NULL,
    effect TEXT NOT NULL, outcome TEXT NOT NULL, topic TEXT NOT NULL, quote TEXT,
    scope_population TEXT, scope_dose TEXT, scope_pain_model TEXT, scope_regimen TEXT,
    scope_co_intervention TEXT, curated_certainty INTEGER, certainty INTEGER NOT NULL,
    certainty_label TEXT NOT NULL, verdict TEXT NOT NULL, hedged_statement TEXT NOT NULL,
    line INTEGER NOT NULL);
CREATE TABLE claim_conditions (
    claim TEXT NOT NULL REFERENCES claims (id),
    condition TEXT NOT NULL REFERENCES conditions (id), PRIMARY KEY (claim, condition));
CREATE TABLE claim_mechanisms (
    claim TEXT NOT NULL REFERENCES claims (id),
    mechanism TEXT NOT NULL REFERENCES mechanisms (id), PRIMARY KEY (claim, mechanism));
CREATE TABLE claim_sources (
    claim TEXT NOT NULL REFERENCES claims (id), source TEXT NOT NULL REFERENCES sources (id),
    PRIMARY KEY (claim, source));
CREATE TABLE claim_scope_substances (
    claim TEXT NOT NULL REFERENCES claims (id),
    substance TEXT NOT NULL REFERENCES substances (id), PRIMARY KEY (claim, substance));
CREATE TABLE claim_outcomes (
    claim TEXT NOT NULL REFERENCES claims (id), position INTEGER NOT NULL,
    outcome TEXT NOT NULL REFERENCES outcomes (id), importance TEXT NOT NULL,
    PRIMARY KEY (claim, position), UNIQUE (claim, outcome));
CREATE TABLE claim_notes (
    claim TEXT NOT NULL REFERENCES claims (id), position INTEGER NOT NULL,
    note TEXT NOT NULL, PRIMARY KEY (claim, position));
CREATE TABLE evidence (
    claim TEXT NOT NULL REFERENCES claims (id), position INTEGER NOT NULL,
    study TEXT NOT NULL REFERENCES studies (id), stance TEXT NOT NULL, outcome TEXT,
    note TEXT NOT NULL, PRIMARY KEY (claim, position),
    FOREIGN KEY (claim, outcome) REFERENCES claim_outcomes (claim, outcome));
CREATE TABLE grade_steps (
    claim TEXT NOT NULL REFERENCES claims (id), position INTEGER NOT NULL, domain TEXT,
    change INTEGER NOT NULL, certainty INTEGER NOT NULL, reason TEXT NOT NULL,
    curated INTEGER NOT NULL, PRIMARY KEY (claim, position));
CREATE TABLE outcome_grades (
    claim TEXT NOT NULL REFERENCES claims (id), position INTEGER NOT NULL, outcome TEXT,
    name TEXT NOT NULL, importance TEXT NOT NULL, certainty INTEGER NOT NULL,
    certainty_label TEXT NOT NULL, verdict TEXT NOT NULL, hedged_statement TEXT NOT NULL,
    participants INTEGER NOT NULL, studies INTEGER NOT NULL, PRIMARY KEY (claim, position),
    FOREIGN KEY (claim, outcome) REFERENCES claim_outcomes (claim, outcome));
CREATE TABLE outcome_grade_steps (
    claim TEXT NOT NULL, outcome_position INTEGER NOT NULL, position INTEGER NOT NULL,
    domain TEXT, change INTEGER NOT NULL, certainty INTEGER NOT NULL, reason TEXT NOT NULL,
    curated INTEGER NOT NULL, PRIMARY KEY (claim, outcome_position, position),
    FOREIGN KEY (claim, outcome_position) REFERENCES outcome_grades (claim, position));
CREATE INDEX conditions_by_parent ON conditions (parent);
CREATE INDEX condition_aliases_by_condition ON condition_aliases (condition);
CREATE INDEX mechanism_aliases_by_mechanism ON mechanism_aliases (mechanism);
CREATE INDEX substance_aliases_by_substance ON substance_aliases (substance);
CREATE INDEX study_conditions_by_condition ON study_conditions (condition);
CREATE INDEX study_mechanisms_by_mechanism ON study_mechanisms (mechanism);
CREATE INDEX study_substances_by_substance ON study_substances (substance);
CREATE INDEX effects_by_outcome ON effects (outcome);
CREATE INDEX claim_conditions_by_condition ON claim_conditions (condition);
CREATE INDEX claim_mechanisms_by_mechanism ON claim_mechanisms (mechanism);
CREATE INDEX claim_sources_by_source ON claim_sources (source);
CREATE INDEX claim_scope_substances_by_substance ON claim_scope_substances (substance);
CREATE INDEX claim_outcomes_by_outcome ON claim_outcomes (outcome);
CREATE INDEX evidence_by_study ON evidence (study);
CREATE INDEX outcome_grades_by_outcome ON outcome_grades (outcome);
"""


def write_database(corpus: Corpus, grades: GradeTable, target: Path) -> None:
    """Write the corpus into a new SQLite database file at `target` (it must not exist)."""
    db = sqlite3.connect(target)
    try:
        db.executescript(SCHEMA)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        with db:
            _fill(db, corpus, grades)
    finally:
        db.close()


def _fill(db: sqlite3.Connection, corpus: Corpus, grades: GradeTable) -> None:
    info = corpus.info
    _insert(db, "corpus", [("title", info.title), ("version", info.version),
                           ("last_search", info.last_search.isoformat()),
                           ("search_query", info.search_query),
                           ("painlit_version", __version__)])
    _insert(db, "conditions", [(c.id, c.name, c.parent, c.mesh, c.description)
                               for c in corpus.conditions])
    _insert(db, "condition_aliases", [(c.id, a) for c in corpus.conditions for a in c.aliases])
    _insert(db, "mechanisms", [(m.id, m.name, m.description) for m in corpus.mechanisms])
    _insert(db, "mechanism_aliases", [(m.id, a) for m in corpus.mechanisms for a in m.aliases])
    _insert(db, "substances", [(s.id, s.name) for s in corpus.substances])
    _insert(db, "substance_aliases", [(s.id, a) for s in corpus.substances for a in s.aliases])
    _insert(db, "sources", [(s.id, s.title, s.kind, s.year, s.url, s.note)
                            for s in corpus.sources])
    _insert(db, "outcomes", [(o.id, o.name, int(o.harm), o.description)
                             for o in corpus.outcomes])
    for study in corpus.studies:
        r = study.registration
        _insert(db, "studies", [(
            study.id, study.title, study.year, study.design.value, study.population.value,
            study.n, study.dose.category.value, study.dose.reported, study.status.value,
            study.journal, study.doi, study.pmid, study.registry, study.url,
            study.pain_model.value, study.outcome, study.finding, study.direction.value,
            study.risk_of_bias.value, study.bias_note, study.trial_key, _value(study.regimen),
            _value(study.co_intervention),
            *((r.status, r.start, r.completion, r.enrolment, r.enrolment_type,
               None if r.results_posted is None else int(r.results_posted), r.sponsor,
               None if r.status_read is None else r.status_read.isoformat(), r.last_update)
              if r is not None else (None,) * 9), study.line)])
        _insert(db, "study_authors", _numbered(study.id, study.authors))
        _insert(db, "study_conditions", [(study.id, c) for c in study.conditions])
        _insert(db, "study_mechanisms", [(study.id, m) for m in study.mechanisms])
        _insert(db, "study_substances", [(study.id, s) for s in study.substances])
        _insert(db, "study_unverified", _numbered(study.id, study.unverified))
        _insert(db, "effects", [(
            study.id, position, e.outcome, e.measured, e.comparator, e.time_point,
            _value(e.measure), e.value, e.ci_low, e.ci_high, e.p, _value(e.better), e.n, e.mid,
            _value(e.result), e.note) for position, e in enumerate(study.outcomes)])
    for claim in corpus.claims:
        grade = grades[claim.id]
        scope = claim.scope
        _insert(db, "claims", [(
            claim.id, claim.statement, claim.intervention, claim.effect, claim.outcome,
            claim.topic.value, claim.quote, _value(scope.population), _value(scope.dose),
            _value(scope.pain_model), _value(scope.regimen), _value(scope.co_intervention),
            None if claim.certainty is None else int(claim.certainty), int(grade.certainty),
            grade.certainty.label, grade.verdict.value, grade.statement, claim.line)])
        _insert(db, "claim_conditions", [(claim.id, c) for c in claim.conditions])
        _insert(db, "claim_mechanisms", [(claim.id, m) for m in claim.mechanisms])
        _insert(db, "claim_sources", [(claim.id, s) for s in claim.sources])
        _insert(db, "claim_scope_substances", [(claim.id, s) for s in scope.substances])
        _insert(db, "claim_outcomes", [(claim.id, position, o.outcome, o.importance.value)
                                       for position, o in enumerate(claim.outcomes)])
        _insert(db, "claim_notes", _numbered(claim.id, claim.notes))
        _insert(db, "evidence", [(claim.id, position, link.study, link.stance.value,
                                  link.outcome, link.note)
                                 for position, link in enumerate(claim.evidence)])
        _insert(db, "grade_steps", [(
            claim.id, position, _value(step.domain), step.change, int(step.level), step.reason,
            int(step.curated)) for position, step in enumerate(grade.steps)])
        for row_position, row in enumerate(grade.outcomes):
            _insert(db, "outcome_grades", [(
                claim.id, row_position, row.outcome, row.name, row.importance.value,
                int(row.certainty), row.certainty.label, row.verdict.value, row.statement,
                row.participants, len(row.counted))])
            _insert(db, "outcome_grade_steps", [(
                claim.id, row_position, position, _value(step.domain), step.change,
                int(step.level), step.reason, int(step.curated))
                for position, step in enumerate(row.steps)])


def _value(member: Any) -> Any:
    return None if member is None else member.value


def _numbered(record: str, values: Sequence[str]) -> list[tuple[str, int, str]]:
    return [(record, position, value) for position, value in enumerate(values)]


def _insert(db: sqlite3.Connection, table: str, rows: Iterable[tuple[Any, ...]]) -> None:
    rows = list(rows)
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
