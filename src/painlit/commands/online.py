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


import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from painlit.commands.session import (
    BudgetOption,
    DeadlineOption,
    NoCacheOption,
    RefreshOption,
    notice,
    online_session,
)
from painlit.commands.shared import (
    JsonOption,
    LogOption,
    command,
    completions,
    current_corpus,
    emit,
    err,
    out,
    progress,
    state,
)
from painlit.console import line_text, one_line
from painlit.errors import ChangesFound, OutputError, ServiceError

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.table import Table

    from painlit.online.clinicaltrials import Trial
    from painlit.online.http import Http
    from painlit.online.pubmed import Summary

def _json(json_output: bool) -> bool:
    return json_output or state.json


def _print_lines(lines: list[str]) -> None:
    for line in lines:
        out.print(one_line(line), markup=False, highlight=False, soft_wrap=True)


def _message(text: str) -> None:
    """One line on stderr (a summary, a note): never more than one, whatever it quotes."""
    err.print(one_line(text), markup=False, highlight=False, soft_wrap=True)


WriteOption = Annotated[bool, typer.Option(
    "--write", help="Write the registry's status, enrolment and dates, with the day they "
    "were read, into the corpus's trial-registration records (every other byte kept).")]
DryRunOption = Annotated[bool, typer.Option(
    "--dry-run", help="Show what --write would change, as a diff, and write nothing.")]


def _write_registrations(corpus: Any, trials: dict[str, Any], write: bool, dry_run: bool,
                         as_json: bool) -> dict[str, Any]:
    """--write / --dry-run: the registry facts read, into the corpus (or shown as a diff).
    Returns what the JSON document says of it."""
    if not (write or dry_run):
        return {}
    from painlit.online import writeback

    updates = writeback.plan(corpus, trials, today())
    if not updates:
        _message("no trial-registration record of the corpus was read: nothing to write")
        return {"registry_updates": [], "written": False, "diff": ""}
    result = writeback.write_back(corpus.path, updates, dry_run=dry_run)
    for update in updates:
        changes = "; ".join(f"{key} {old if old is not None else '-'} -> {new}"
                            for key, (old, new) in update.changed.items())
        _message(f"{update.study} ({update.nct}): {changes or 'unchanged'}; status_read "
                 f"{update.values['status_read'].isoformat()}")
    if dry_run:
        if not as_json:
            sys.stdout.write(result.diff)
        _message(f"dry run: {corpus.path} not written")
    else:
        _message(f"{corpus.path}: {len(updates)} registration(s) written")
    return {"registry_updates": [u.as_dict() for u in updates], "written": result.written,
            "diff": result.diff}


# --- draft -----------------------------------------------------------------------------------

def _classify(value: str) -> tuple[str, str]:
    import re

    from painlit.fields import DOI_PATTERN, PMID_PATTERN
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
    result = None
    if append:  # first: a refused append prints no record, as if it had been added
        try:
            result = drafting.append_records(Path(path), records)
        except drafting.AppendRefused as refused:
            for problem in refused.problems[:20]:
                _message(str(problem))
            raise
    if _json(json_output):
        from painlit.commands.shared import jsondata

        sys.stdout.write(jsondata.dumps(jsondata.document("draft", {"records": records})) + "\n")
    else:
        sys.stdout.write(drafting.to_yaml(records))
    sys.stdout.flush()
    if result is not None:
        _message(
            f"{path}: appended {result.records} record(s) at line {result.first_line}; fill in "
            f"the {len(result.markers)} TODO-curator field(s), then run `painlit validate`")


def _fetch_records(http: "Http", wanted: list[tuple[str, str]], taken: set[str]
                   ) -> list[dict[str, Any]]:
    from painlit.online import draft as drafting
    from painlit.online import http as web
    from painlit.online.clinicaltrials import ClinicalTrials
    from painlit.online.crossref import Crossref
    from painlit.online.pubmed import PubMed

    pmids = [value for kind, value in wanted if kind == "pmid"]
    summaries: dict[str, Summary | None] = {}
    with progress("fetching metadata", len(wanted)) as bar:
        if pmids:
            summaries = PubMed(http, web.pubmed_service()).summaries(pmids, on_batch=bar.advance)
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
                bar.advance(1)
                if work is None:
                    raise ServiceError(
                        f"Crossref has no record of DOI {value}",
                        hint="check the DOI; Crossref holds only DOIs registered with it "
                        "(not DataCite's, for example)")
                record = drafting.from_crossref(work, taken)
            else:
                trial = ClinicalTrials(http, web.ctgov_service()).study(value)
                bar.advance(1)
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
        show_default=False, autocompletion=completions("studies"))] = None,
    write: WriteOption = False,
    dry_run: DryRunOption = False,
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

    With --write, the registry's status, enrolment and dates (and the day they were read)
    are written into the trial-registration records; --dry-run shows the diff instead.

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
            progress("verifying", steps(chosen)) as bar:
        report = verify_studies(
            chosen, path, pubmed=PubMed(http, web.pubmed_service()),
            crossref=Crossref(http, web.crossref_service()),
            trials=ClinicalTrials(http, web.ctgov_service()), advance=bar.advance)
    as_json = _json(json_output)
    if not as_json:
        _print_lines([str(finding) for finding in report.mismatches])
        for note in report.notes:
            _message(f"note: {note}")
    written = _write_registrations(corpus, report.trials, write, dry_run, as_json)
    if as_json:
        from painlit.commands.shared import jsondata

        sys.stdout.write(jsondata.dumps(jsondata.document("verify", {
            "path": path, "studies": report.studies, "identifiers": report.identifiers,
            "mismatches": [m.as_dict() for m in report.mismatches],
            "notes": [n.as_dict() for n in report.notes], **written})) + "\n")
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
    since_last: Annotated[bool, typer.Option(
        "--since-last", help="Search from the corpus's last_search to today, then move "
        "last_search to today (only when the search ran to the end).")] = False,
    log: LogOption = None,
    no_cache: NoCacheOption = False,
    refresh: RefreshOption = False,
    deadline: DeadlineOption = None,
    budget: BudgetOption = None,
    json_output: JsonOption = False,
) -> None:
    """New PubMed records for screening, added to the screening log as pending.

    Runs corpus.search_query for records added to PubMed (Entrez date) from the corpus's
    last_search date to today. Every record found goes into the screening log (--log;
    screening.yaml beside the corpus) once: a record already in the corpus as included,
    with its study id, and any other as pending, with title, year, journal and abstract to
    screen from. A record already in the log is not added again; running the same search
    twice changes nothing. Date ranges over PubMed's 10,000-record limit are split.

    Then `painlit screen` walks the pending records; `painlit prisma` shows the flow.

    Example: painlit update --since-last
    """
    from painlit import screening
    from painlit.model import SearchSource
    from painlit.online import http as web
    from painlit.online.pubmed import PubMed

    corpus = current_corpus()
    if since_last and since is not None:
        raise typer.BadParameter("--since-last searches from the corpus's last_search; "
                                 "give one or the other", param_hint="--since")
    start = _day(since, "--since") or corpus.info.last_search
    end = _day(until, "--until") or today()
    if start > end:
        raise typer.BadParameter(f"{start.isoformat()} is after {end.isoformat()}",
                                 param_hint="--since")
    log_file = screening.log_path(corpus.path, log)
    logged = screening.read_log(log_file, corpus) if log_file.exists() else None
    known_pmids = {s.pmid: s.id for s in corpus.studies if s.pmid}
    known_dois = {s.doi.lower(): s.id for s in corpus.studies if s.doi}
    with online_session(no_cache, refresh, deadline, budget) as http:
        pubmed = PubMed(http, web.pubmed_service())
        found = pubmed.search(corpus.info.search_query, start, end)
        fresh = [pmid for pmid in found.ids if pmid not in known_pmids
                 and (logged is None or logged.find(pmid) is None)]
        with progress("fetching summaries", len(fresh)) as bar:
            summaries = pubmed.summaries(fresh, on_batch=bar.advance) if fresh else {}
        to_read = [pmid for pmid in fresh if summaries.get(pmid) is not None]
        with progress("fetching abstracts", len(to_read)) as bar:
            abstracts = pubmed.abstracts(to_read, on_batch=bar.advance) if to_read else {}
    for warning in found.warnings:
        notice(f"PubMed: {warning}")
    hits = [_hit(pmid, summaries, abstracts, known_pmids, known_dois) for pmid in found.ids]
    complete = len(set(found.ids)) >= found.count
    search = screening.Search(
        id=f"pubmed-{end.isoformat()}", source=SearchSource.PUBMED,
        query=corpus.info.search_query, run=today(), since=start, until=end,
        found=found.count, complete=complete)
    added = screening.add_hits(log_file, search, hits, today(), corpus)
    moved = since_last and complete and end > corpus.info.last_search
    if moved:
        set_last_search(corpus.path, end)
    rows = [_candidate(hit) for hit in added.added if hit.study is None]
    already = sum(hit.study is not None for hit in hits)
    emit(json_output, lambda: _update_document(search, added, str(log_file), rows, already,
                                               found.warnings, moved),
         lambda: _candidate_table(rows))
    _message(
        f"PubMed: {len(found.ids)} record(s) entered {start.isoformat()} to {end.isoformat()}; "
        f"{already} already in the corpus; {len(rows)} to screen (added to {log_file} as "
        f"pending); {len(set(found.ids)) - len(added.added)} were in the log already")
    if since_last:
        _message(f"last_search moved to {end.isoformat()}" if moved else
                 "last_search not moved: " + ("the search did not return every record it "
                                              "counted" if not complete else
                                              "it is already that date or later"))


def set_last_search(path: str, day: date) -> None:
    """Move the corpus's `corpus.last_search` to `day`, keeping every other byte."""
    from painlit import yamledit

    def change(text: str, root: Any) -> str:
        block = yamledit.value_of(root, "corpus")
        if block is None:
            raise OutputError("the corpus has no `corpus:` block", hint="run painlit validate")
        return yamledit.set_keys(text, block, {"last_search": day})

    yamledit.edit_file(Path(path), change, verb="update")


def _hit(pmid: str, summaries: "dict[str, Summary | None]", abstracts: dict[str, str],
         known_pmids: dict[str, str], known_dois: dict[str, str]) -> Any:
    from painlit.online.draft import plain_title
    from painlit.screening import Hit

    summary = summaries.get(pmid)
    if summary is None:
        return Hit(pmid=pmid, study=known_pmids.get(pmid))
    study = known_pmids.get(pmid) or (known_dois.get(summary.doi.lower()) if summary.doi
                                      else None)
    return Hit(pmid=pmid, doi=summary.doi, title=plain_title(summary.title) or None,
               year=summary.year, journal=summary.journal or None,
               abstract=abstracts.get(pmid), study=study)


def _candidate(hit: Any) -> dict[str, Any]:
    return {"pmid": hit.pmid, "title": hit.title, "year": hit.year, "journal": hit.journal,
            "doi": hit.doi, "abstract": hit.abstract}


def _update_document(search: Any, added: Any, log_file: str, rows: list[dict[str, Any]],
                     already: int, warnings: list[str], moved: bool) -> dict[str, Any]:
    from painlit.commands.shared import jsondata

    document: dict[str, Any] = jsondata.document("update", {
        "query": search.query, "since": search.since.isoformat(),
        "until": search.until.isoformat(), "found": search.found,
        "complete": search.complete, "already_in_corpus": already, "log": log_file,
        "search": added.search_id,
        "new_search": added.new_search, "candidates": rows,
        "already_logged_found_again": added.seen_again, "last_search_moved": moved,
        "warnings": warnings})
    return document


def _candidate_table(rows: list[dict[str, Any]]) -> "Table":
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("PMID", no_wrap=True)
    table.add_column("year", justify="right")
    table.add_column("title", overflow="fold", ratio=3)
    table.add_column("journal", overflow="fold", ratio=1)
    for row in rows:
        title = line_text(row["title"] or "(no summary)")
        if row["abstract"]:
            title.append("\n")
            title.append_text(line_text(_shorter(row["abstract"], 300), "dim"))
        table.add_row(line_text(row["pmid"]), str(row["year"] or "-"), title,
                      line_text(row["journal"]))
    return table


def _shorter(text: str, limit: int) -> str:
    words = " ".join(text.split())
    return words if len(words) <= limit else words[:limit].rsplit(" ", 1)[0] + " …"


# --- trials ----------------------------------------------------------------------------------

@command
def trials(
    condition: Annotated[str, typer.Argument(help="Condition id, name, alias or MeSH id.",
                                             autocompletion=completions("conditions"))],
    write: WriteOption = False,
    dry_run: DryRunOption = False,
    record: Annotated[bool, typer.Option(
        "--record", help="Also record the search and every trial it found in the screening "
        "log (trials in the corpus as included, the others pending), as `update` does.")
    ] = False,
    log: LogOption = None,
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

    With --write, the status, enrolment and dates of the trials already in the corpus (and
    the day they were read) are written into their records; --dry-run shows the diff instead.
    With --record, the search and its trials go into the screening log (--log).

    Example: painlit trials fibromyalgia --write --record
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
            progress("searching") as bar:
        registry = ClinicalTrials(http, web.ctgov_service())
        found = list(registry.search(condition_query, intervention,
                                     on_page=lambda n, total: bar.advance(n)))
    unique = {trial.nct: trial for trial in found}
    rows = sorted(unique.values(), key=lambda t: t.nct)
    as_json = _json(json_output)
    if not as_json:
        out.print(_trials_table(rows, in_corpus))
    written = _write_registrations(corpus, dict(unique), write, dry_run, as_json)
    if record:
        written.update(_record_trials(corpus, rows, condition_query, intervention, log))
    if as_json:
        from painlit.commands.shared import jsondata

        sys.stdout.write(jsondata.dumps({**_trials_document(
            found_condition.id, condition_query, intervention, rows, in_corpus),
            **written}) + "\n")
    flagged = sum(trial.ended_without_results for trial in rows)
    new = sum(trial.nct not in in_corpus for trial in rows)
    _message(f"ClinicalTrials.gov: {len(rows)} trial(s) for {found_condition.name}; "
             f"{new} not in the corpus; {flagged} ended without posted results")


def _record_trials(corpus: Any, rows: "list[Trial]", condition_query: str, intervention: str,
                   log: str | None) -> dict[str, Any]:
    """`trials --record`: the registry search and its trials into the screening log."""
    from painlit import screening
    from painlit.model import SearchSource

    registered = {s.registry.upper(): s.id for s in corpus.studies
                  if s.registry and s.registration is not None}
    published = {s.registry.upper(): s.id for s in corpus.studies if s.registry}
    hits = [screening.Hit(nct=trial.nct, title=trial.brief_title, year=trial.start_year,
                          study=registered.get(trial.nct) or published.get(trial.nct))
            for trial in rows]
    search = screening.Search(
        id=f"clinicaltrials-{today().isoformat()}", source=SearchSource.CLINICALTRIALS,
        query=f"condition: {condition_query}; intervention: {intervention}", run=today(),
        found=len(rows))
    path = screening.log_path(corpus.path, log)
    added = screening.add_hits(path, search, hits, today(), corpus)
    new = sum(hit.study is None for hit in added.added)
    _message(f"{path}: {len(added.added)} trial(s) added ({new} pending); "
             f"{len(rows) - len(added.added)} were in the log already")
    return {"log": str(path), "search": added.search_id, "logged": len(added.added)}


def _trials_document(condition_id: str, name: str, intervention: str, rows: "list[Trial]",
                     in_corpus: dict[str, list[str]]) -> dict[str, Any]:
    from painlit.commands.shared import jsondata

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


def _trials_table(rows: "list[Trial]", in_corpus: dict[str, list[str]]) -> "RenderableType":
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
