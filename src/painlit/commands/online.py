"""The online commands: draft, verify, update and trials.

httpx and the service clients are imported inside the command bodies, so the offline
commands never import them. Every command takes --no-cache (neither read nor write the
response cache; also off with the global --no-cache or PAINLIT_NO_CACHE=1), --refresh
(ask the services again, then cache the fresh answers), --deadline (seconds one request may
take, headers and body together; PAINLIT_DEADLINE; 60 by default) and --budget (seconds the
command may spend asking, waits included; PAINLIT_BUDGET; 600 by default, 0 for none).

Everything printed from a service is one line per value (`one_line`, `line_text`): the
services' text is made safe where it is read (`painlit.online.http.service_text`), and the
printing does not rely on it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from painlit.cli import JsonOption, command, current_corpus, emit, err, out, state
from painlit.commands.session import (
    BudgetOption,
    DeadlineOption,
    NoCacheOption,
    RefreshOption,
    notice,
    online_session,
)
from painlit.console import line_text, one_line
from painlit.errors import ChangesFound, ServiceError

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.table import Table

    from painlit.online.clinicaltrials import Trial
    from painlit.online.http import Http
    from painlit.online.pubmed import Summary

@contextmanager
def _progress(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr, only when stderr is a terminal."""
    if not err.is_terminal:
        yield lambda step: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda step: bar.advance(task, step)


def _json(json_output: bool) -> bool:
    return json_output or state.json


def _print_lines(lines: list[str]) -> None:
    for line in lines:
        out.print(one_line(line), markup=False, highlight=False, soft_wrap=True)


def _message(text: str) -> None:
    """One line on stderr (a summary, a note): never more than one, whatever it quotes."""
    err.print(one_line(text), markup=False, highlight=False, soft_wrap=True)


# --- draft -----------------------------------------------------------------------------------

def _classify(value: str) -> tuple[str, str]:
    import re

    from painlit.loader import DOI_PATTERN, PMID_PATTERN
    from painlit.online.clinicaltrials import NCT_PATTERN
    from painlit.online.crossref import bare_doi

    text = value.strip()
    if NCT_PATTERN.match(text):
        return "nct", text.upper()
    if re.fullmatch(r"(?i)(pmid:\s*)?\d+", text):
        digits = re.sub(r"\D", "", text)
        if PMID_PATTERN.match(digits):
            return "pmid", digits
    doi = bare_doi(text)
    if DOI_PATTERN.match(doi):
        return "doi", doi
    raise typer.BadParameter(f"'{value}' is not a DOI, PMID or NCT id",
                             param_hint="DOI|PMID|NCT")


@command
def draft(
    identifiers: Annotated[list[str], typer.Argument(
        metavar="DOI|PMID|NCT...", help="DOIs, PubMed ids or ClinicalTrials.gov ids.",
        show_default=False)],
    append: Annotated[bool, typer.Option(
        "--append", help="Also add the records at the end of the corpus file's studies.")
    ] = False,
    no_cache: NoCacheOption = False,
    refresh: RefreshOption = False,
    deadline: DeadlineOption = None,
    budget: BudgetOption = None,
    json_output: JsonOption = False,
) -> None:
    """Draft corpus records from Crossref (DOI), PubMed (PMID) or ClinicalTrials.gov (NCT).

    Prints one YAML study record per identifier, in the corpus's format: every field the
    service gives is filled; every field a person must judge (design, population, n, dose,
    substances, conditions, direction, risk of bias, ...) holds TODO-curator, which
    `painlit validate` rejects until it is filled in.

    With --append the records are also inserted as text at the end of the studies list of
    the corpus file (--data), keeping every other byte. Refused when an identifier is already
    in the corpus, or when the result would have any problem besides TODO-curator markers.

    Example: painlit draft 10.3389/fpain.2025.1527783 NCT05128162
    """
    from painlit.online import draft as drafting
    from painlit.paths import default_corpus_path

    wanted = [_classify(value) for value in identifiers]
    path = state.data or default_corpus_path()
    _, root, _ = drafting.read_corpus_file(Path(path))
    existing = drafting.existing_records(root)
    taken = set(existing.ids)
    with online_session(no_cache, refresh, deadline, budget) as http:
        records = _fetch_records(http, wanted, taken)
    if not append:
        for record in records:
            for message in existing.duplicates(record):
                notice(f"note: {message}")
            existing.add(record)
    if _json(json_output):
        from painlit.cli import jsondata

        sys.stdout.write(jsondata.dumps(jsondata.document("draft", {"records": records})) + "\n")
    else:
        sys.stdout.write(drafting.to_yaml(records))
    sys.stdout.flush()
    if append:
        try:
            result = drafting.append_records(Path(path), records)
        except drafting.AppendRefused as refused:
            for problem in refused.problems[:20]:
                _message(str(problem))
            raise
        _message(
            f"{path}: appended {result.records} record(s) at line {result.first_line}; fill in "
            f"the {len(result.markers)} TODO-curator field(s), then run `painlit validate`")


def _fetch_records(http: Http, wanted: list[tuple[str, str]], taken: set[str]
                   ) -> list[dict[str, Any]]:
    from painlit.online import draft as drafting
    from painlit.online import http as web
    from painlit.online.clinicaltrials import ClinicalTrials
    from painlit.online.crossref import Crossref
    from painlit.online.pubmed import PubMed

    pmids = [value for kind, value in wanted if kind == "pmid"]
    summaries: dict[str, Summary | None] = {}
    with _progress("fetching metadata", len(wanted)) as advance:
        if pmids:
            summaries = PubMed(http, web.pubmed_service()).summaries(pmids, on_batch=advance)
        records: list[dict[str, Any]] = []
        for kind, value in wanted:
            if kind == "pmid":
                summary = summaries.get(value)
                if summary is None:
                    raise ServiceError(f"PubMed has no record of PMID {value}",
                                       hint="check the number")
                record = drafting.from_pubmed(summary, taken)
            elif kind == "doi":
                work = Crossref(http, web.crossref_service()).work(value)
                advance(1)
                if work is None:
                    raise ServiceError(
                        f"Crossref has no record of DOI {value}",
                        hint="check the DOI; Crossref holds only DOIs registered with it "
                        "(not DataCite's, for example)")
                record = drafting.from_crossref(work, taken)
            else:
                trial = ClinicalTrials(http, web.ctgov_service()).study(value)
                advance(1)
                if trial is None:
                    raise ServiceError(f"ClinicalTrials.gov has no study {value}",
                                       hint="check the NCT number")
                record = drafting.from_trial(trial, taken)
            taken.add(str(record["id"]))
            records.append(record)
    return records


# --- verify ----------------------------------------------------------------------------------

@command
def verify(
    study_ids: Annotated[list[str] | None, typer.Argument(
        metavar="[ID]...", help="Only these studies (id, DOI, PMID or NCT id).",
        show_default=False)] = None,
    no_cache: NoCacheOption = False,
    refresh: RefreshOption = False,
    deadline: DeadlineOption = None,
    budget: BudgetOption = None,
    json_output: JsonOption = False,
) -> None:
    """Check every study's DOI, PMID and NCT id online, and its title, year and first author.

    Crossref (DOIs), PubMed (PMIDs) and ClinicalTrials.gov (NCT ids) are asked; differences
    in case, punctuation, HTML tags and bracketed translated titles are ignored. Each
    mismatch is printed as file:line: study: what differs. Exit 1 when any is found.

    Example: painlit verify bonnelle-2022 aday-2025
    """
    from painlit.online import http as web
    from painlit.online.clinicaltrials import ClinicalTrials
    from painlit.online.crossref import Crossref
    from painlit.online.pubmed import PubMed
    from painlit.online.verify import steps, verify_studies
    from painlit.query import resolve_study

    corpus = current_corpus()
    if study_ids:
        chosen = list(dict.fromkeys(resolve_study(corpus, name) for name in study_ids))
    else:
        chosen = list(corpus.studies)
    path = corpus.path
    with online_session(no_cache, refresh, deadline, budget) as http, \
            _progress("verifying", steps(chosen)) as advance:
        report = verify_studies(
            chosen, path, pubmed=PubMed(http, web.pubmed_service()),
            crossref=Crossref(http, web.crossref_service()),
            trials=ClinicalTrials(http, web.ctgov_service()), advance=advance)
    if _json(json_output):
        from painlit.cli import jsondata

        sys.stdout.write(jsondata.dumps(jsondata.document("verify", {
            "path": path, "studies": report.studies, "identifiers": report.identifiers,
            "mismatches": [m.as_dict() for m in report.mismatches],
            "notes": [n.as_dict() for n in report.notes]})) + "\n")
    else:
        _print_lines([str(finding) for finding in report.mismatches])
        for note in report.notes:
            _message(f"note: {note}")
    summary = (f"{report.studies} studies, {report.identifiers} identifiers checked: "
               f"{len(report.mismatches)} mismatch(es)")
    if report.mismatches:
        raise ChangesFound(summary)
    _message(summary)


# --- update ----------------------------------------------------------------------------------

def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("expected a date as YYYY-MM-DD", param_hint=option) from None


def today() -> date:
    return date.today()


@command
def update(
    since: Annotated[str | None, typer.Option(
        "--since", help="First Entrez date, YYYY-MM-DD (default: the corpus's last_search).",
        show_default=False)] = None,
    until: Annotated[str | None, typer.Option(
        "--until", help="Last Entrez date, YYYY-MM-DD (default: today).",
        show_default=False)] = None,
    no_cache: NoCacheOption = False,
    refresh: RefreshOption = False,
    deadline: DeadlineOption = None,
    budget: BudgetOption = None,
    json_output: JsonOption = False,
) -> None:
    """New PubMed records for screening: the corpus's saved query since its last search.

    Runs corpus.search_query for records added to PubMed (Entrez date) from the corpus's
    last_search date to today, drops those already in the corpus (by PMID or DOI) and lists
    the rest: PMID, year, title, journal. Date ranges over PubMed's 10,000-record limit are
    split automatically.

    Example: painlit update --since 2026-11-24
    """
    from painlit.online import http as web
    from painlit.online.pubmed import PubMed

    corpus = current_corpus()
    start = _day(since, "--since") or corpus.info.last_search
    end = _day(until, "--until") or today()
    if start > end:
        raise typer.BadParameter(f"{start.isoformat()} is after {end.isoformat()}",
                                 param_hint="--since")
    known_pmids = {s.pmid: s.id for s in corpus.studies if s.pmid}
    known_dois = {s.doi.lower(): s.id for s in corpus.studies if s.doi}
    with online_session(no_cache, refresh, deadline, budget) as http:
        pubmed = PubMed(http, web.pubmed_service())
        found = pubmed.search(corpus.info.search_query, start, end)
        fresh = [pmid for pmid in found.ids if pmid not in known_pmids]
        with _progress("fetching summaries", len(fresh)) as advance:
            summaries = pubmed.summaries(fresh, on_batch=advance) if fresh else {}
    candidates = []
    by_doi = 0
    for pmid in fresh:
        summary = summaries.get(pmid)
        if summary is not None and summary.doi and summary.doi.lower() in known_dois:
            by_doi += 1
            continue
        candidates.append((pmid, summary))
    for warning in found.warnings:
        notice(f"PubMed: {warning}")
    already = len(found.ids) - len(fresh) + by_doi
    rows = [_candidate(pmid, summary) for pmid, summary in candidates]
    emit(json_output, lambda: _update_document(start, end, corpus.info.search_query,
                                               found.count, already, rows, found.warnings),
         lambda: _candidate_table(rows))
    _message(
        f"PubMed: {len(found.ids)} record(s) entered {start.isoformat()} to {end.isoformat()}; "
        f"{already} already in the corpus; {len(rows)} to screen")


def _candidate(pmid: str, summary: Summary | None) -> dict[str, Any]:
    from painlit.online.draft import plain_title

    if summary is None:
        return {"pmid": pmid, "title": None, "year": None, "journal": None, "doi": None}
    return {"pmid": pmid, "title": plain_title(summary.title), "year": summary.year,
            "journal": summary.journal or None, "doi": summary.doi}


def _update_document(start: date, end: date, query: str, count: int, already: int,
                     rows: list[dict[str, Any]], warnings: list[str]) -> dict[str, Any]:
    from painlit.cli import jsondata

    document: dict[str, Any] = jsondata.document("update", {
        "query": query, "since": start.isoformat(), "until": end.isoformat(),
        "found": count, "already_in_corpus": already, "candidates": rows,
        "warnings": warnings})
    return document


def _candidate_table(rows: list[dict[str, Any]]) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("PMID", no_wrap=True)
    table.add_column("year", justify="right")
    table.add_column("title", overflow="fold", ratio=3)
    table.add_column("journal", overflow="fold", ratio=1)
    for row in rows:
        table.add_row(line_text(row["pmid"]), str(row["year"] or "-"),
                      line_text(row["title"] or "(no summary)"), line_text(row["journal"]))
    return table


# --- trials ----------------------------------------------------------------------------------

@command
def trials(
    condition: Annotated[str, typer.Argument(help="Condition id, name, alias or MeSH id.")],
    no_cache: NoCacheOption = False,
    refresh: RefreshOption = False,
    deadline: DeadlineOption = None,
    budget: BudgetOption = None,
    json_output: JsonOption = False,
) -> None:
    """Registered trials of classic psychedelics for a condition, from ClinicalTrials.gov.

    Searches the condition's name, and its sub-conditions' as `(A) OR (B)`, with the
    interventions psilocybin, LSD, mescaline, DMT and ayahuasca (classic psychedelics only:
    not MDMA or ketamine) and shows status, phase,
    enrolment, dates and whether results are posted; marks trials already in the corpus and
    flags completed or terminated trials without posted results.

    Example: painlit trials fibromyalgia
    """
    from painlit.online import http as web
    from painlit.online.clinicaltrials import ClinicalTrials, intervention_query
    from painlit.query import condition_subtree, resolve_condition

    corpus = current_corpus()
    found_condition = resolve_condition(corpus, condition)
    names = [corpus.condition_by_id[c].name for c in condition_subtree(corpus, found_condition.id)]
    # The registry's condition search groups with parentheses: `(head OR neck) AND pain`.
    condition_query = names[0] if len(names) == 1 else " OR ".join(f"({n})" for n in names)
    intervention = intervention_query()
    in_corpus: dict[str, list[str]] = {}
    for study in corpus.studies:
        if study.registry:
            in_corpus.setdefault(study.registry.upper(), []).append(study.id)
    with online_session(no_cache, refresh, deadline, budget) as http, \
            _progress("searching", None) as advance:
        registry = ClinicalTrials(http, web.ctgov_service())
        found = list(registry.search(condition_query, intervention,
                                     on_page=lambda n, total: advance(n)))
    unique = {trial.nct: trial for trial in found}
    rows = sorted(unique.values(), key=lambda t: t.nct)
    emit(json_output,
         lambda: _trials_document(found_condition.id, condition_query, intervention,
                                  rows, in_corpus),
         lambda: _trials_table(rows, in_corpus))
    flagged = sum(trial.ended_without_results for trial in rows)
    new = sum(trial.nct not in in_corpus for trial in rows)
    _message(f"ClinicalTrials.gov: {len(rows)} trial(s) for {found_condition.name}; "
             f"{new} not in the corpus; {flagged} ended without posted results")


def _trials_document(condition_id: str, name: str, intervention: str, rows: list[Trial],
                     in_corpus: dict[str, list[str]]) -> dict[str, Any]:
    from painlit.cli import jsondata

    document: dict[str, Any] = jsondata.document("trials", {
        "condition": condition_id, "query": {"cond": name, "intr": intervention},
        "trials": [{
            "nct": t.nct, "title": t.brief_title, "status": t.status,
            "phases": list(t.phases), "enrolment": t.enrolment,
            "enrolment_type": t.enrolment_type, "start": t.start, "completion": t.completion,
            "first_posted": t.first_posted, "has_results": t.has_results,
            "in_corpus": in_corpus.get(t.nct, []),
            "ended_without_results": t.ended_without_results,
        } for t in rows]})
    return document


def _trials_table(rows: list[Trial], in_corpus: dict[str, list[str]]) -> RenderableType:
    """Two lines per trial, readable at any width: the facts, then the title."""
    from rich.console import Group
    from rich.text import Text

    lines: list[RenderableType] = []
    for trial in rows:
        enrolment = "n ?" if trial.enrolment is None else (
            f"n {trial.enrolment}" + (" (estimated)" if trial.enrolment_type == "estimated"
                                     else ""))
        head = line_text(trial.nct, "bold")
        facts = [trial.status_words, ", ".join(trial.phases) or "phase ?", enrolment,
                 f"{trial.start or '?'} to {trial.completion or '?'}",
                 "results posted" if trial.has_results else "no results posted"]
        head.append("  " + one_line(" · ".join(facts)))
        if trial.ended_without_results:
            head.append("  ⚠ ended without results", style="bold yellow")
        known = in_corpus.get(trial.nct)
        head.append("  in corpus: " + one_line(", ".join(known)) if known else "  new",
                    style="green" if known else "cyan")
        lines.append(head)
        lines.append(Text("    ") + line_text(trial.brief_title, "dim"))
    if not rows:
        lines.append(Text("no registered trials found"))
    return Group(*lines)
