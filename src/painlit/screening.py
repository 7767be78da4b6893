"""The screening log: every record a search returned, and what the reviewers decided.

A YAML file beside the corpus (`screening.yaml`; docs/screening.md has the format) with two
lists. `searches`: each search that was run (source, query, the day it ran, the date range it
covered, how many records the source counted, whether it ran to the end). `records`: each
record any search returned, once, with its identifiers, the searches that returned it and a
decision: `pending`, `included` (with the corpus study it became, once drafted) or `excluded`
with a reason from a fixed list.

The log is read with the corpus's own guarded reader and field checks, so a problem is
reported as `file:line:col`, and changed only as text (`painlit.yamledit`): a decision or a new
hit is a splice, every other byte stays.

PRISMA 2020 asks for two screening stages (titles and abstracts, then full reports). painlit
records one decision per record: `flow` counts it as PRISMA's last stage, and says so.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from painlit.errors import CorpusError, PainlitError, Problem, Severity
from painlit.frozen import frozen
from painlit.model import Decision, Reason, SearchSource

if TYPE_CHECKING:
    import yaml

    from painlit.fields import _Fields
    from painlit.model import Corpus
    from painlit.nodes import _Context

# The YAML reader, the field checks and the text editor are imported where they are used:
# every command imports this module for its vocabulary (`Reason` in `screen`'s options).

LOG_NAME = "screening.yaml"
NCT_PATTERN = re.compile(r"^NCT\d{8}$")
HEADER = """\
# painlit screening log: every record the searches returned, and what was decided.
# Format: docs/screening.md. `painlit validate` checks it with the corpus; `painlit prisma`
# draws its PRISMA 2020 flow. `painlit update` adds hits; `painlit screen` records decisions.
"""


@frozen
class Search:
    id: str
    source: SearchSource
    query: str
    run: date
    since: date | None = None
    until: date | None = None
    found: int | None = None
    complete: bool = True
    note: str | None = None
    line: int = 0


@frozen
class Screened:
    """One record a search returned, and the decision on it."""

    pmid: str | None
    doi: str | None
    nct: str | None
    ref: str | None
    title: str | None
    year: int | None
    journal: str | None
    abstract: str | None
    searches: tuple[str, ...]
    decision: Decision
    study: str | None = None
    reason: Reason | None = None
    note: str | None = None
    decided: date | None = None
    line: int = 0

    @property
    def key(self) -> str:
        """How commands name the record: its PMID, else DOI, else NCT id, else its reference."""
        return self.pmid or self.doi or self.nct or self.ref or ""

    def matches(self, name: str) -> bool:
        folded = name.strip().casefold().removeprefix("pmid:").strip()
        return any(value is not None and value.casefold() == folded
                   for value in (self.pmid, self.doi, self.nct, self.ref))


@dataclass(frozen=True)
class ScreeningLog:
    path: str
    searches: tuple[Search, ...]
    records: tuple[Screened, ...]

    def search(self, search_id: str) -> Search | None:
        return next((s for s in self.searches if s.id == search_id), None)

    def find(self, name: str) -> Screened | None:
        return next((r for r in self.records if r.matches(name)), None)

    @property
    def pending(self) -> list[Screened]:
        return [r for r in self.records if r.decision is Decision.PENDING]


class LogError(PainlitError):
    """The screening log cannot be read, or a change to it cannot be made."""

    def __init__(self, message: str, *, hint: str | None = None,
                 problems: Sequence[Problem] = ()) -> None:
        super().__init__(message, hint=hint)
        self.problems = tuple(problems)


def log_path(corpus_path: str | Path, given: str | None = None) -> Path:
    """The screening log to use: the one given (--log, PAINLIT_LOG), else `screening.yaml`
    beside the corpus."""
    chosen = given or os.environ.get("PAINLIT_LOG")
    return Path(chosen) if chosen else Path(corpus_path).parent / LOG_NAME


# --- reading -----------------------------------------------------------------------------------

_SEARCH_KEYS = ("id", "source", "query", "run", "since", "until", "found", "complete", "note")
_RECORD_KEYS = ("pmid", "doi", "nct", "ref", "title", "year", "journal", "abstract", "searches",
                "decision", "study", "reason", "note", "decided")


def _read_search(fields: _Fields, index: int, ctx: _Context) -> Search | None:
    from painlit.fields import ID_PATTERN

    fields.record = f"searches[{index}]"
    search_id = fields.text("id", required=True, line=True)
    if search_id is not None and not ID_PATTERN.match(search_id):
        fields._problem(fields.node_of("id"), "id", f"'{search_id}' is not a valid id",
                        "use lowercase letters, digits and hyphens, e.g. pubmed-2026-12-05")
        search_id = None
    if search_id is not None:
        fields.record = search_id
    fields.report_keys()
    source = fields.choice("source", SearchSource, required=True)
    query = fields.text("query", required=True)
    run = fields.day("run", required=True)
    since, until = fields.day("since"), fields.day("until")
    found = fields.integer("found", minimum=0, what="count")
    complete = fields.boolean("complete")
    note = fields.text("note")
    if since is not None and until is not None and since > until:
        fields._problem(fields.node_of("since"), "since", "is after until")
    if search_id is None or source is None or query is None or run is None:
        return None
    return Search(search_id, source, query, run, since, until, found,
                  True if complete is None else complete, note,
                  ctx.position(fields.node)[0])


def _read_record(fields: _Fields, index: int, ctx: _Context, search_ids: set[str],
                 corpus: Corpus | None) -> Screened | None:
    from painlit.fields import DOI_PATTERN, PMID_PATTERN

    fields.record = f"records[{index}]"
    pmid, doi = fields.identifier("pmid"), fields.text("doi", line=True)
    nct, ref = fields.text("nct", line=True), fields.text("ref", line=True)
    if pmid is not None and not PMID_PATTERN.match(pmid):
        fields._problem(fields.node_of("pmid"), "pmid", f"'{pmid}' is not a PubMed id")
    if doi is not None and not DOI_PATTERN.match(doi):
        fields._problem(fields.node_of("doi"), "doi", f"'{doi}' is not a DOI",
                        "write the bare DOI, e.g. 10.1000/xyz")
    if nct is not None and not NCT_PATTERN.match(nct):
        fields._problem(fields.node_of("nct"), "nct", f"'{nct}' is not an NCT id")
    key = pmid or doi or nct or ref
    if key is not None:
        fields.record = f"records[{index}] ({key})"
    fields.report_keys()
    if key is None:
        fields._problem(fields.node, "", "a record needs a pmid, doi, nct or ref")
    title, journal = fields.text("title", line=True), fields.text("journal", line=True)
    year = fields.integer("year", minimum=1800, maximum=ctx.latest_year, what="year")
    abstract = fields.text("abstract")
    searches = fields.texts("searches", required=True, line=True)
    decision = fields.choice("decision", Decision, required=True)
    study = fields.text("study", line=True)
    reason = fields.choice("reason", Reason)
    note = fields.text("note")
    decided = fields.day("decided")
    if decision is Decision.EXCLUDED and reason is None and not fields.present("reason"):
        fields._problem(fields.node, "reason", "an excluded record needs a reason",
                        "one of: " + ", ".join(Reason))
    if reason is not None and decision is not Decision.EXCLUDED:
        fields._problem(fields.node_of("reason"), "reason", "only an excluded record has a "
                        "reason")
    if reason is Reason.OTHER and note is None:
        fields._problem(fields.node_of("reason"), "note", "reason 'other' needs a note saying "
                        "what it is")
    if study is not None and decision is not Decision.INCLUDED:
        fields._problem(fields.node_of("study"), "study", "only an included record names a "
                        "study")
    elif study is not None and corpus is not None and study not in corpus.study_by_id:
        fields._problem(fields.node_of("study"), "study",
                        f"'{study}' is not a study in the corpus",
                        "draft it with `painlit draft ID --append`, or correct the id")
    for name in searches:
        if name not in search_ids:
            fields._problem(fields.node_of("searches"), "searches",
                            f"'{name}' is not a search in this log",
                            "add it under `searches:`, or correct the id")
    if key is None or decision is None or not searches:
        return None
    return Screened(pmid, doi, nct, ref, title, year, journal, abstract, searches, decision,
                    study, reason, note, decided, ctx.position(fields.node)[0])


def _unique(ctx: _Context, shown_field: str, values: Iterable[tuple[str | None, Screened]],
            fold: Callable[[str], str] = str) -> None:
    seen: dict[str, int] = {}
    for value, record in values:
        if value is None:
            continue
        folded = fold(value)
        if folded in seen:
            ctx.add_at((record.line, 1), record.key, shown_field,
                       f"'{value}' is already in the log (line {seen[folded]})",
                       "keep one record per report; list every search that found it")
        else:
            seen[folded] = record.line


def check_log_bytes(raw: bytes, shown: str, corpus: Corpus | None = None
                    ) -> tuple[ScreeningLog | None, list[Problem]]:
    """The log read from `raw`, and every problem, located (the log is None when an error
    makes it unusable). With `corpus`, included records must name its studies."""
    import yaml

    from painlit.fields import _Fields
    from painlit.loader import as_validated
    from painlit.nodes import _Context
    from painlit.yamlfile import decode, document_node, refuse_dense

    ctx = _Context(shown)  # years up to next year: a log holds hits newer than the corpus
    try:
        refuse_dense(raw, shown)
        root_node = document_node(decode(raw, shown), shown)
    except CorpusError as error:
        return None, list(error.problems)
    if not isinstance(root_node, yaml.MappingNode):
        ctx.add(root_node, "", "", "a screening log is a mapping with `searches:` and "
                "`records:`")
        return None, ctx.problems
    root = _Fields(ctx, root_node, "", ("searches", "records"))
    searches = [s for index, node in root.items("searches")
                if (s := _read_search(_Fields(ctx, node, "", _SEARCH_KEYS, defer=True), index,
                                      ctx)) is not None]
    search_ids = {s.id for s in searches}
    records = [r for index, node in root.items("records")
               if (r := _read_record(_Fields(ctx, node, "", _RECORD_KEYS, defer=True), index,
                                     ctx, search_ids, corpus)) is not None]
    seen_searches: dict[str, int] = {}
    for search in searches:
        if search.id in seen_searches:
            ctx.add_at((search.line, 1), search.id, "id",
                       f"duplicate id (first used on line {seen_searches[search.id]})")
        seen_searches.setdefault(search.id, search.line)
    _unique(ctx, "pmid", ((r.pmid, r) for r in records))
    _unique(ctx, "doi", ((r.doi, r) for r in records), str.casefold)
    _unique(ctx, "nct", ((r.nct, r) for r in records), str.upper)
    if any(p.severity is Severity.ERROR for p in as_validated(ctx.problems)):
        return None, as_validated(ctx.problems)
    return ScreeningLog(shown, tuple(searches), tuple(records)), as_validated(ctx.problems)


def read_log(path: Path, corpus: Corpus | None = None) -> ScreeningLog:
    """The log at `path`; `LogError` with every problem when it cannot be used."""
    from painlit.yamlfile import read_bytes

    try:
        raw = read_bytes(path)
    except CorpusError as error:
        raise LogError(f"cannot read the screening log: {error.problems[0]}",
                       hint="give another with --log, or run `painlit update` to start one"
                       ) from None
    log, problems = check_log_bytes(raw, str(path), corpus)
    if log is None:
        errors = [p for p in problems if p.severity is Severity.ERROR]
        raise LogError(f"the screening log has {len(errors)} problem(s), first: {errors[0]}",
                       hint="run `painlit validate` to see every problem", problems=errors)
    return log


def not_logged(log: ScreeningLog, corpus: Corpus) -> list[str]:
    """Corpus studies that no included log record names (found before the log, or by hand)."""
    named = {r.study for r in log.records if r.study is not None}
    return [s.id for s in corpus.studies if s.id not in named]


# --- the PRISMA 2020 flow ----------------------------------------------------------------------

@dataclass(frozen=True)
class Flow:
    """The numbers of a PRISMA 2020 flow diagram, counted from the log.

    identified = duplicates + screened; screened = excluded + pending + included.
    """

    identified: dict[str, int]  # per source label, in the order of `SearchSource`
    duplicates: int
    screened: int
    excluded: dict[str, int]  # per reason label, duplicates not included
    pending: int
    included: int
    studies: int
    searches: int
    incomplete: tuple[str, ...]

    @property
    def total_identified(self) -> int:
        return sum(self.identified.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "identified": self.identified, "total_identified": self.total_identified,
            "duplicates_removed": self.duplicates, "screened": self.screened,
            "excluded": self.excluded, "awaiting_screening": self.pending,
            "included_reports": self.included, "included_studies": self.studies,
            "searches": self.searches, "incomplete_searches": list(self.incomplete),
        }


#: What painlit does differently from PRISMA 2020, said wherever the diagram is shown.
ONE_STAGE_NOTE = ("painlit records one screening decision per record (title, abstract and "
                  "report together), so the diagram merges PRISMA's two screening stages.")


def flow(log: ScreeningLog) -> Flow:
    """Count the log as PRISMA 2020 counts a review's records.

    Each search's hits count once under its source: a record returned by two searches is
    identified twice and removed once as a duplicate, as is a record excluded as a duplicate.
    """
    by_id = {s.id: s for s in log.searches}
    identified: Counter[SearchSource] = Counter()
    for record in log.records:
        for name in record.searches:
            identified[by_id[name].source] += 1
    repeats = sum(len(r.searches) - 1 for r in log.records)
    decisions = Counter(r.decision for r in log.records)
    reasons = Counter(r.reason for r in log.records if r.decision is Decision.EXCLUDED)
    duplicates = repeats + reasons.pop(Reason.DUPLICATE, 0)
    included = [r for r in log.records if r.decision is Decision.INCLUDED]
    return Flow(
        identified={s.label: identified[s] for s in SearchSource if identified[s]},
        duplicates=duplicates,
        screened=len(log.records) - (duplicates - repeats),
        excluded={reason.label: reasons[reason] for reason in Reason if reasons[reason]},
        pending=decisions[Decision.PENDING],
        included=len(included),
        studies=len({r.study for r in included if r.study is not None}),
        searches=len(log.searches),
        incomplete=tuple(s.id for s in log.searches if not s.complete),
    )


# --- changing the log --------------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    """A record a search returned, as the service described it."""

    pmid: str | None = None
    doi: str | None = None
    nct: str | None = None
    title: str | None = None
    year: int | None = None
    journal: str | None = None
    abstract: str | None = None
    #: The corpus study it already is (then it is logged as included).
    study: str | None = None


@dataclass(frozen=True)
class Added:
    search_id: str
    new_search: bool
    added: list[Hit]
    seen_again: int


def _search_entry(search: Search) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": search.id, "source": str(search.source),
                             "query": search.query, "run": search.run}
    for key in ("since", "until", "found", "note"):
        value = getattr(search, key)
        if value is not None:
            entry[key] = value
    entry["complete"] = search.complete
    return entry


def _hit_entry(hit: Hit, search_id: str, today: date) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    for key in ("pmid", "doi", "nct", "title", "year", "journal", "abstract"):
        value = getattr(hit, key)
        if value is not None:
            entry[key] = value
    entry["searches"] = [search_id]
    if hit.study is not None:
        entry.update(decision=str(Decision.INCLUDED), study=hit.study,
                     note="already in the corpus when found", decided=today)
    else:
        entry["decision"] = str(Decision.PENDING)
    return entry


def _same_search(a: Search, b: Search) -> bool:
    return (a.source, " ".join(a.query.split()), a.since, a.until) == (
        b.source, " ".join(b.query.split()), b.since, b.until)


def _record_nodes(root: yaml.Node | None) -> list[yaml.Node]:
    import yaml

    from painlit import yamledit

    node = yamledit.value_of(root, "records")
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _add_to_list(text: str, root: yaml.Node | None, key: str, items: list[dict[str, Any]]
                 ) -> str:
    """`items` added at the end of the top-level list `key` (made when missing or empty)."""
    import yaml

    from painlit import yamledit

    if not items:
        return text
    node = yamledit.value_of(root, key)
    if isinstance(node, yaml.SequenceNode) and node.value:
        return yamledit.append_items(text, node, items, flow_lists=True)[0]
    if root is None:
        return text + yamledit.to_yaml({key: items}, flow_lists=True)
    return yamledit.set_keys(text, root, {key: items})


def add_hits(path: Path, search: Search, hits: Sequence[Hit], today: date,
             corpus: Corpus | None = None) -> Added:
    """Log `search` (once: the same source, query and dates is the same search) and every hit
    not yet in the log, as pending (or included when it is already a corpus study). A hit
    already logged gets this search added to its `searches`. Nothing else changes."""
    from painlit import yamledit

    outcome: list[Added] = []

    def change(text: str, root: yaml.Node | None) -> str:
        log = _checked(text, str(path), corpus)
        same = next((s for s in log.searches if _same_search(s, search)), None)
        search_id = same.id if same is not None else _free_id(search.id, log)
        new_text = text
        nodes = _record_nodes(root)
        seen_again = 0
        edits: list[tuple[int, dict[str, Any]]] = []
        added: list[Hit] = []
        known: set[str] = set()
        for hit in hits:
            names = [v for v in (hit.pmid, hit.doi, hit.nct) if v is not None]
            if any(name.casefold() in known for name in names):
                continue
            known.update(name.casefold() for name in names)
            logged = next((i for i, r in enumerate(log.records)
                           if any(r.matches(name) for name in names)), None)
            if logged is None:
                added.append(hit)
            elif search_id not in log.records[logged].searches:
                edits.append((logged, {"searches": [*log.records[logged].searches, search_id]}))
                seen_again += 1
        for index, values in sorted(edits, reverse=True):  # from the end: offsets stay valid
            new_text = yamledit.set_keys(new_text, nodes[index], values)
        if same is None:
            entry = dataclasses.replace(search, id=search_id)
            new_text = _add_to_list(new_text, _compose(new_text, path), "searches",
                                    [_search_entry(entry)])
        new_text = _add_to_list(new_text, _compose(new_text, path), "records",
                                [_hit_entry(hit, search_id, today) for hit in added])
        _checked(new_text, str(path), corpus)
        outcome.append(Added(search_id, same is None, added, seen_again))
        return new_text

    yamledit.edit_file(path, change, verb="update", new_file=HEADER)
    return outcome[0]


def _free_id(wanted: str, log: ScreeningLog) -> str:
    taken = {s.id for s in log.searches}
    candidate, number = wanted, 2
    while candidate in taken:
        candidate, number = f"{wanted}-{number}", number + 1
    return candidate


def _compose(text: str, path: Path) -> yaml.Node | None:
    from painlit.yamlfile import compose

    return compose(text, str(path))


def _checked(text: str, shown: str, corpus: Corpus | None) -> ScreeningLog:
    """The log `text` holds; refuses (nothing written) when it has errors."""
    if not text.strip() or text == HEADER:
        return ScreeningLog(shown, (), ())
    log, problems = check_log_bytes(text.encode("utf-8"), shown, corpus)
    if log is None:
        errors = [p for p in problems if p.severity is Severity.ERROR]
        raise LogError(f"the screening log has {len(errors)} problem(s), first: {errors[0]}",
                       hint="nothing was written; fix the log (`painlit validate`) and run "
                       "the command again", problems=errors)
    return log


def decide(path: Path, name: str, decision: Decision, *, today: date,
           study: str | None = None, reason: Reason | None = None, note: str | None = None,
           corpus: Corpus | None = None) -> Screened:
    """Record a decision on the logged record `name` (PMID, DOI, NCT id or ref)."""
    if decision is Decision.EXCLUDED and reason is None:
        raise LogError("an exclusion needs a reason", hint="one of: " + ", ".join(Reason))
    if reason is Reason.OTHER and not note:
        raise LogError("reason 'other' needs a note saying what it is", hint="add --note TEXT")
    if corpus is not None and study is not None and study not in corpus.study_by_id:
        raise LogError(f"'{study}' is not a study in the corpus",
                       hint="draft it first with `painlit draft ID --append`, or include "
                       "the record without a study and add it later")
    from painlit import yamledit

    found: list[Screened] = []

    def change(text: str, root: yaml.Node | None) -> str:
        log = _checked(text, str(path), corpus)
        index = next((i for i, r in enumerate(log.records) if r.matches(name)), None)
        if index is None:
            raise LogError(f"no record '{name}' in the screening log {path}",
                           hint="`painlit screen --list` shows the pending records")
        values: Mapping[str, Any] = {
            "decision": str(decision), "study": study,
            "reason": None if reason is None else str(reason), "note": note,
            "decided": today}
        new_text = yamledit.set_keys(text, _record_nodes(root)[index], values)
        found.append(_checked(new_text, str(path), corpus).records[index])
        return new_text

    if not path.exists():
        raise LogError(f"there is no screening log at {path}",
                       hint="`painlit update` starts one; or give another with --log")
    yamledit.edit_file(path, change, verb="update")
    return found[0]
