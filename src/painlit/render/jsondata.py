"""The documented JSON shapes (docs/json.md): plain dicts built from library data.

Every top-level document has `"painlit": 1` (the shape version) and `"kind"`. Fields are
only ever added within a shape version, never renamed or removed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from painlit.errors import Problem
from painlit.grading import Grade, OutcomeGrade, Step
from painlit.model import Claim, Effect, Study
from painlit.query import SearchHits
from painlit.summary import GapMap, GradedClaim, Summary

if TYPE_CHECKING:
    from painlit.factcheck import CheckResult
    from painlit.report import Report

SHAPE_VERSION = 1
JSONDict = dict[str, Any]


def document(kind: str, body: JSONDict) -> JSONDict:
    return {"painlit": SHAPE_VERSION, "kind": kind, **body}


def dumps(data: JSONDict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def study_dict(study: Study) -> JSONDict:
    registration = None
    if study.registration is not None:
        reg = study.registration
        registration = {
            "status": reg.status, "start": reg.start, "completion": reg.completion,
            "enrolment": reg.enrolment, "enrolment_type": reg.enrolment_type,
            "results_posted": reg.results_posted, "sponsor": reg.sponsor,
            "status_read": reg.status_read.isoformat() if reg.status_read else None,
            "last_update": reg.last_update,
        }
    return {
        "id": study.id, "title": study.title, "authors": list(study.authors),
        "year": study.year, "journal": study.journal, "doi": study.doi, "pmid": study.pmid,
        "registry": study.registry, "url": study.url, "link": study.link,
        "design": study.design.value,
        "randomised": study.design.is_randomised, "population": study.population.value,
        "n": study.n, "substances": list(study.substances),
        "dose": {"category": study.dose.category.value, "reported": study.dose.reported},
        "conditions": list(study.conditions), "mechanisms": list(study.mechanisms),
        "pain_model": study.pain_model.value, "outcome": study.outcome,
        "finding": study.finding, "direction": study.direction.value,
        "risk_of_bias": study.risk_of_bias.value, "bias_note": study.bias_note,
        "status": study.status.value, "registration": registration,
        "unverified": list(study.unverified), "trial": study.trial,
        "regimen": study.regimen.value if study.regimen else None,
        "co_intervention": study.co_intervention.value if study.co_intervention else None,
        "outcomes": [effect_dict(effect) for effect in study.outcomes],
    }


def effect_dict(effect: Effect) -> JSONDict:
    """One measured outcome with its effect as reported (null: not reported)."""
    return {
        "outcome": effect.outcome, "measured": effect.measured,
        "comparator": effect.comparator, "time_point": effect.time_point,
        "measure": effect.measure.value if effect.measure else None, "value": effect.value,
        "ci": [effect.ci_low, effect.ci_high] if effect.ci_low is not None else None,
        "p": effect.p, "better": effect.better.value if effect.better else None,
        "n": effect.n, "mid": effect.mid,
        "result": effect.result.value if effect.result else None, "note": effect.note,
        "estimate": effect.estimate,
    }


def _steps(steps: Sequence[Step]) -> list[JSONDict]:
    return [{"domain": step.domain.value if step.domain else "start", "change": step.change,
             "level": step.level.slug, "reason": step.reason, "curated": step.curated}
            for step in steps]


def outcome_grade_dict(row: OutcomeGrade) -> JSONDict:
    """A summary-of-findings row."""
    return {
        "outcome": row.outcome, "name": row.name, "importance": row.importance.value,
        "harm": row.harm, "certainty": row.certainty.slug,
        "certainty_label": row.certainty.label, "symbols": row.certainty.symbols,
        "level": int(row.certainty), "verdict": row.verdict.value,
        "statement": row.statement, "participants": row.participants,
        "studies": len(row.counted), "steps": _steps(row.steps), "counted": list(row.counted),
        "estimates": [{"study": e.study, "n": e.n, "stance": e.stance.value,
                       "effect": effect_dict(e.effect) if e.effect else None}
                      for e in row.estimates],
        "supporting": row.supporting, "refuting": row.refuting,
        "inconclusive": row.inconclusive, "mixed": row.mixed,
    }


def grade_dict(grade: Grade) -> JSONDict:
    return {
        "certainty": grade.certainty.slug,
        "certainty_label": grade.certainty.label,
        "symbols": grade.certainty.symbols,
        "level": int(grade.certainty),
        "verdict": grade.verdict.value,
        "statement": grade.statement,
        "steps": _steps(grade.steps),
        "counted": list(grade.counted),
        "context": [{"study": item.study, "reason": item.reason} for item in grade.context],
        "supporting": grade.supporting, "refuting": grade.refuting, "mixed": grade.mixed,
        "inconclusive": grade.inconclusive, "participants": grade.participants,
        "outcomes": [outcome_grade_dict(row) for row in grade.outcomes],
    }


def claim_dict(claim: Claim, grade: Grade) -> JSONDict:
    return {
        "id": claim.id, "statement": claim.statement, "quote": claim.quote,
        "topic": claim.topic.value, "intervention": claim.intervention,
        "effect": claim.effect, "outcome": claim.outcome,
        "scope": {
            "population": claim.scope.population.value if claim.scope.population else None,
            "dose": claim.scope.dose.value if claim.scope.dose else None,
            "pain_model": claim.scope.pain_model.value if claim.scope.pain_model else None,
            "substances": list(claim.scope.substances),
            "regimen": claim.scope.regimen.value if claim.scope.regimen else None,
            "co_intervention": (claim.scope.co_intervention.value
                                if claim.scope.co_intervention else None),
        },
        "outcomes": [{"outcome": o.outcome, "importance": o.importance.value}
                     for o in claim.outcomes],
        "sources": list(claim.sources), "conditions": list(claim.conditions),
        "mechanisms": list(claim.mechanisms),
        "evidence": [{"study": e.study, "outcome": e.outcome, "stance": e.stance.value,
                      "note": e.note} for e in claim.evidence],
        "notes": list(claim.notes),
        "curated_certainty": claim.certainty.slug if claim.certainty else None,
        "grade": grade_dict(grade),
    }


def _graded(items: Sequence[GradedClaim]) -> list[JSONDict]:
    return [claim_dict(item.claim, item.grade) for item in items]


def summary_document(summary: Summary) -> JSONDict:
    return document(summary.kind, {
        "id": summary.id, "name": summary.name, "description": summary.description,
        "includes": list(summary.includes), "claims": _graded(summary.claims),
        "broader_claims": _graded(summary.broader_claims), "safety": _graded(summary.safety),
        "studies": [study_dict(s) for s in summary.studies],
        "reviews": [study_dict(s) for s in summary.reviews],
        "registrations": [study_dict(s) for s in summary.registrations],
        "gaps": list(summary.gaps), "bottom_line": summary.bottom_line(),
    })


def claims_document(claims: Sequence[Claim], grades: Mapping[str, Grade]) -> JSONDict:
    return document("claims", {"claims": [claim_dict(c, grades[c.id]) for c in claims]})


def studies_document(studies: Sequence[Study]) -> JSONDict:
    return document("studies", {"studies": [study_dict(s) for s in studies]})


def study_document(study: Study, claims: Sequence[Claim]) -> JSONDict:
    return document("study", {"study": study_dict(study), "claims": [c.id for c in claims]})


def claim_document(claim: Claim, grade: Grade) -> JSONDict:
    return document("claim", {"claim": claim_dict(claim, grade)})


def search_document(text: str, hits: SearchHits, grades: Mapping[str, Grade]) -> JSONDict:
    return document("search", {
        "query": text,
        "claims": [claim_dict(c, grades[c.id]) for c in hits.claims],
        "studies": [study_dict(s) for s in hits.studies],
    })


def gap_map_document(gaps: GapMap) -> JSONDict:
    return document("map", {
        "columns_by": gaps.columns_by.value,
        "columns": list(gaps.columns),
        "rows": [
            {"condition": row.id, "name": row.name, "parent": row.parent,
             "cells": {column: {"studies": cell.studies, "best_certainty": cell.best.slug}
                       for column in gaps.columns
                       if (cell := gaps.cells.get((row.id, column))) is not None}}
            for row in gaps.rows
        ],
    })


def problems_document(path: str, problems: Sequence[Problem]) -> JSONDict:
    return document("validation", {
        "path": path,
        "errors": sum(1 for p in problems if p.severity.value == "error"),
        "warnings": sum(1 for p in problems if p.severity.value == "warning"),
        "problems": [
            {"severity": p.severity.value, "path": p.path, "line": p.line, "column": p.column,
             "record": p.record, "field": p.field, "message": p.message, "hint": p.hint}
            for p in problems
        ],
    })


def report_document(report: Report) -> dict[str, Any]:
    """The report in the documented JSON conventions (docs/json.md): kind "report"."""
    from painlit.model import Certainty
    from painlit.report import NOT_MEDICAL_ADVICE, VERDICT_MEANING
    from painlit.summary import CERTAINTY_MEANING

    info = report.info
    gap_body = {key: value for key, value in gap_map_document(report.gap_map).items()
                if key not in ("painlit", "kind")}
    return document("report", {
        "corpus": {"title": info.title, "version": info.version,
                   "last_search": info.last_search.isoformat(),
                   "search_query": info.search_query},
        "scope": {"kind": report.scope.kind.value, "id": report.scope.id,
                  "heading": report.heading, "description": report.description,
                  "includes": list(report.includes)},
        "notice": "Not medical advice. " + NOT_MEDICAL_ADVICE,
        "at_a_glance": report.at_a_glance(),
        "certainty_counts": {level.slug: count
                             for level, count in report.certainty_counts().items()},
        "certainty_legend": [
            {"certainty": level.slug, "label": level.label, "symbols": level.symbols,
             "level": int(level), "meaning": CERTAINTY_MEANING[level]}
            for level in reversed(Certainty)],
        "verdict_legend": {verdict.value: meaning for verdict, meaning in VERDICT_MEANING.items()},
        "claim_groups": [
            {"title": group.title,
             "claims": [claim_dict(item.claim, item.grade) for item in group.claims]}
            for group in report.groups],
        "studies": [study_dict(s) for s in report.studies],
        "registrations": [study_dict(s) for s in report.registrations],
        "reviews": [study_dict(s) for s in report.reviews],
        "map": gap_body,
        "unmapped": list(report.unmapped),
        "gaps": list(report.gaps),
        "references": [
            {"study": ref.study.id, "authors": ref.authors, "title": ref.study.title,
             "journal": ref.study.journal, "year": ref.study.year,
             "links": [{"kind": link.kind, "label": link.label, "url": link.url}
                       for link in ref.links]}
            for ref in report.references],
        "screening": None if report.screening is None else report.screening.as_dict(),
        "places": {study: {"cited": [{"claim": claim, "stance": stance}
                                     for claim, stance in place.cited], "why": place.why}
                   for study, place in report.places.items()},
    })


def check_document(result: CheckResult) -> JSONDict:
    """`painlit check --json`: the article and each claim sentence's finding."""
    article = result.article
    return document("check", {
        "article": {"name": article.name, "kind": article.kind.value, "title": article.title,
                    "words": article.words, "sentences": len(article.sentences)},
        "claim_sentences": len(result.findings),
        "overstated": result.overstated,
        "unmatched": result.unmatched,
        "findings": [{
            "sentence": finding.sentence.index + 1,
            "block": finding.sentence.block + 1,
            "text": finding.sentence.text,
            "why_claim": finding.why_claim,
            "cues": [{"kind": cue.kind.value, "value": cue.value, "text": cue.text,
                      "start": cue.start, "end": cue.end} for cue in finding.cues],
            "matches": [{
                "claim": match.claim, "statement": match.statement,
                "certainty": match.certainty.slug, "certainty_label": match.certainty.label,
                "symbols": match.certainty.symbols, "level": int(match.certainty),
                "verdict": match.verdict.value, "hedged_statement": match.hedged,
                "score": match.score, "why": list(match.why),
            } for match in finding.matches],
            "evidence_body": None if finding.body is None else {
                "condition": finding.body.condition, "name": finding.body.name,
                "studies": finding.body.studies,
                "patient_studies": finding.body.patient_studies,
                "microdose_studies": finding.body.microdose_studies,
            },
            "overstatements": [{"problem": problem.problem.value, "message": problem.message,
                                "claims": list(problem.claims)}
                               for problem in finding.overstatements],
        } for finding in result.findings],
    })
