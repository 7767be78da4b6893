"""The commands that read the corpus: condition, mechanism, claims, claim, studies, study,
search, map, conditions, mechanisms, substances, sources and validate."""


import sys
from pathlib import Path
from typing import Annotated

import typer

from painlit.commands.shared import (
    EXIT_PROBLEMS,
    ConditionOption,
    DesignOption,
    DoseOption,
    FromOption,
    JsonOption,
    LimitOption,
    MechanismOption,
    PopulationOption,
    SubstanceOption,
    TextOption,
    ToOption,
    command,
    completions,
    current_corpus,
    emit,
    err,
    jsondata,
    out,
    parse_design,
    progress,
    rows,
    select_studies,
    state,
    terminal,
)
from painlit.console import clean, one_line
from painlit.errors import (
    CorpusError,
    Problem,
    Severity,
)
from painlit.grading import Grade, Verdict, curation_warnings, grade_all, grade_claim
from painlit.model import Certainty, Corpus
from painlit.paths import default_corpus_path


@command
def condition(
    name: Annotated[str, typer.Argument(help="Condition id, name, alias or MeSH id.",
                                        autocompletion=completions("conditions"))],
    limit: LimitOption = None,
    json_output: JsonOption = False,
) -> None:
    """What is known about a condition (and its sub-conditions), with certainty labels.

    Example: painlit condition fibromyalgia
    """
    from painlit.query import resolve_condition
    from painlit.summary import summarise_condition

    corpus = current_corpus()
    found = resolve_condition(corpus, name)
    summary = summarise_condition(corpus, found, grade_all(corpus))
    emit(json_output, lambda: jsondata.summary_document(summary),
          lambda: terminal.render_summary(summary, corpus, rows(limit)))


@command
def mechanism(
    name: Annotated[str, typer.Argument(help="Mechanism id, name or alias.",
                                        autocompletion=completions("mechanisms"))],
    limit: LimitOption = None,
    json_output: JsonOption = False,
) -> None:
    """What is known about a proposed mechanism, with certainty labels.

    Example: painlit mechanism neuroplasticity
    """
    from painlit.query import resolve_mechanism
    from painlit.summary import summarise_mechanism

    corpus = current_corpus()
    found = resolve_mechanism(corpus, name)
    summary = summarise_mechanism(corpus, found, grade_all(corpus))
    emit(json_output, lambda: jsondata.summary_document(summary),
          lambda: terminal.render_summary(summary, corpus, rows(limit)))


def _certainty(value: str | None) -> Certainty | None:
    if value is None:
        return None
    level = Certainty.from_text(value)
    if level is None:
        raise typer.BadParameter(
            "expected one of: " + ", ".join(c.slug for c in Certainty))
    return level


@command
def claims(
    condition: Annotated[str | None, typer.Option(help="Only claims about this condition.")
                         ] = None,
    mechanism: Annotated[str | None, typer.Option(help="Only claims about this mechanism.")
                         ] = None,
    source: Annotated[str | None, typer.Option(
        help="Only claims this source makes.", autocompletion=completions("sources"))] = None,
    min_certainty: Annotated[str | None, typer.Option(
        help="Lowest certainty to show: no-evidence, very-low, low, moderate, high.")] = None,
    verdict: Annotated[Verdict | None, typer.Option(help="Only claims with this verdict.")
                       ] = None,
    limit: LimitOption = None,
    json_output: JsonOption = False,
) -> None:
    """List claims with their certainty, verdict and hedged statement.

    Example: painlit claims --source source-article
    """
    from painlit.query import (
        ClaimFilter,
        filter_claims,
        resolve_condition,
        resolve_mechanism,
        resolve_source,
    )

    level = _certainty(min_certainty)
    corpus = current_corpus()
    wanted = ClaimFilter(
        condition=resolve_condition(corpus, condition).id if condition else None,
        mechanism=resolve_mechanism(corpus, mechanism).id if mechanism else None,
        source=resolve_source(corpus, source).id if source else None,
        min_certainty=level, verdict=verdict,
    )
    grades = grade_all(corpus)
    found = filter_claims(corpus, grades, wanted)
    emit(json_output, lambda: jsondata.claims_document(found, grades),
          lambda: terminal.claims_list(found, grades, rows(limit)))


@command
def claim(
    claim_id: Annotated[str, typer.Argument(metavar="ID", help="The claim's id.",
                                            autocompletion=completions("claims"))],
    json_output: JsonOption = False,
) -> None:
    """One claim with every grading step, the evidence counted and what was not counted.

    Example: painlit claim microdosing-relieves-chronic-pain
    """
    from painlit.query import resolve_claim

    corpus = current_corpus()
    found = resolve_claim(corpus, claim_id)
    grade: Grade = grade_claim(found, corpus)
    emit(json_output, lambda: jsondata.claim_document(found, grade),
          lambda: terminal.render_claim(found, grade, corpus))


# The study filters, shared by `studies` and `cite`.
@command
def studies(
    design: DesignOption = None,
    dose: DoseOption = None,
    population: PopulationOption = None,
    substance: SubstanceOption = None,
    condition: ConditionOption = None,
    mechanism: MechanismOption = None,
    year_from: FromOption = None,
    year_to: ToOption = None,
    text: TextOption = None,
    limit: LimitOption = None,
    json_output: JsonOption = False,
) -> None:
    """List studies, filtered by design, dose, population, substance, condition, year.

    Example: painlit studies --design rct --dose micro
    """
    parse_design(design)  # a bad --design is a usage error before the corpus is read
    corpus = current_corpus()
    found = select_studies(
        corpus, design=design, dose=dose, population=population, substance=substance,
        condition=condition, mechanism=mechanism, year_from=year_from, year_to=year_to,
        text=text)
    emit(json_output, lambda: jsondata.studies_document(found),
         lambda: terminal.studies_list(found, corpus, rows(limit)))


@command
def study(
    study_id: Annotated[str, typer.Argument(metavar="ID", help="Study id, DOI, PMID or NCT id.",
                                            autocompletion=completions("studies"))],
    json_output: JsonOption = False,
) -> None:
    """Everything the corpus records about one study, and the claims that cite it.

    Example: painlit study bonnelle-2022
    """
    from painlit.query import ClaimFilter, filter_claims, resolve_study

    corpus = current_corpus()
    found = resolve_study(corpus, study_id)
    citing = list(filter_claims(corpus, grade_all(corpus), ClaimFilter(study=found.id)))
    emit(json_output, lambda: jsondata.study_document(found, citing),
          lambda: terminal.render_study(found, corpus, citing))


@command
def search(
    text: Annotated[str, typer.Argument(help="Words to find (all must match).")],
    limit: LimitOption = None,
    json_output: JsonOption = False,
) -> None:
    """Search titles, findings, claims and notes.

    Example: painlit search "cold pressor"
    """
    from painlit.query import search as run_search

    corpus = current_corpus()
    with progress("Indexing the records' text for search (once)") as bar:
        hits = run_search(corpus, text, bar)
    grades = grade_all(corpus)
    emit(json_output, lambda: jsondata.search_document(text, hits, grades),
          lambda: terminal.render_search(hits, grades, corpus, rows(limit)))


@command
def conditions(json_output: JsonOption = False) -> None:
    """List the conditions (as a tree) with their aliases and MeSH ids.

    Example: painlit conditions
    """
    from rich.text import Text

    from painlit.query import condition_ancestors

    corpus = current_corpus()
    rows = [(c, len(condition_ancestors(corpus, c.id))) for c in corpus.conditions]
    emit(json_output,
          lambda: jsondata.document("conditions", {"conditions": [
              {"id": c.id, "name": c.name, "parent": c.parent, "mesh": c.mesh,
               "aliases": list(c.aliases)} for c, _ in rows]}),
          lambda: Text("\n".join(
              "  " * depth + one_line(f"{c.id}: {c.name}" + (f" (MeSH {c.mesh})" if c.mesh
                                                             else "")
                                      + (f" — also: {', '.join(c.aliases)}" if c.aliases else ""))
              for c, depth in rows)))


@command
def mechanisms(json_output: JsonOption = False) -> None:
    """List the proposed mechanisms.

    Example: painlit mechanisms
    """
    from rich.text import Text

    corpus = current_corpus()
    emit(json_output,
          lambda: jsondata.document("mechanisms", {"mechanisms": [
              {"id": m.id, "name": m.name, "description": m.description,
               "aliases": list(m.aliases)} for m in corpus.mechanisms]}),
          lambda: Text("\n".join(one_line(f"{m.id}: {m.name}") for m in corpus.mechanisms)))


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


@command
def substances(json_output: JsonOption = False) -> None:
    """List the substances, with their aliases and how many studies gave each.

    Example: painlit substances
    """
    from rich.text import Text

    corpus = current_corpus()
    counts = {s.id: 0 for s in corpus.substances}
    for study in corpus.studies:
        for substance in study.substances:
            counts[substance] = counts.get(substance, 0) + 1
    emit(json_output,
          lambda: jsondata.document("substances", {"substances": [
              {"id": s.id, "name": s.name, "aliases": list(s.aliases), "studies": counts[s.id]}
              for s in corpus.substances]}),
          lambda: Text("\n".join(
              one_line(f"{s.id}: {s.name} ({_count(counts[s.id], 'study', 'studies')})"
                       + (f" — also: {', '.join(s.aliases)}" if s.aliases else ""))
              for s in corpus.substances) or "no substances in the corpus"))


@command
def sources(json_output: JsonOption = False) -> None:
    """List the sources whose claims the corpus grades (articles, posts, ...), with how many.

    Example: painlit sources
    """
    from rich.text import Text

    from painlit.query import ClaimFilter, filter_claims

    corpus = current_corpus()
    grades = grade_all(corpus)
    claimed = {s.id: len(filter_claims(corpus, grades, ClaimFilter(source=s.id)))
               for s in corpus.sources}
    emit(json_output,
          lambda: jsondata.document("sources", {"sources": [
              {"id": s.id, "title": s.title, "kind": s.kind, "year": s.year, "url": s.url,
               "note": s.note, "claims": claimed[s.id]} for s in corpus.sources]}),
          lambda: Text("\n".join(
              one_line(f"{s.id}: {s.title} ({s.kind}{f', {s.year}' if s.year else ''}; "
                       f"{_count(claimed[s.id], 'claim', 'claims')})")
              for s in corpus.sources) or "no sources in the corpus"))


@command
def map(  # the command is called `map`
    by: Annotated[str, typer.Option(help="Columns: design, mechanism or dose.")] = "design",
    json_output: JsonOption = False,
) -> None:
    """Evidence gap map: conditions × design (or mechanism, or dose).

    Each cell shows the number of studies and the best certainty of any claim counting them;
    empty cells are gaps.

    Example: painlit map --by dose
    """
    from painlit.summary import MapColumns, gap_map

    try:
        columns = MapColumns(by.lower())
    except ValueError:
        raise typer.BadParameter("expected design, mechanism or dose", param_hint="--by"
                                 ) from None
    corpus = current_corpus()
    gaps = gap_map(corpus, grade_all(corpus).counted(), columns)
    emit(json_output, lambda: jsondata.gap_map_document(gaps),
          lambda: terminal.render_gap_map(gaps, corpus))


@command
def validate(
    path: Annotated[Path | None, typer.Argument(
        help="Corpus file (default: --data, PAINLIT_DATA or the shipped corpus).",
        show_default=False)] = None,
    output_format: Annotated[str, typer.Option(
        "--format", help="text, json or github (workflow annotations).")] = "text",
    strict: Annotated[bool, typer.Option(help="Fail on warnings too.")] = False,
) -> None:
    """Check a corpus file: every problem at once, as file:line:column: record.field: message.

    The screening log beside it (screening.yaml, or PAINLIT_LOG) is checked with it.

    Exit 0 when clean, 1 when problems were found, 2 for usage errors.

    Example: painlit validate data/studies.yaml --format github
    """
    if output_format not in ("text", "json", "github"):
        raise typer.BadParameter("expected text, json or github", param_hint="--format")
    target = path or state.data or default_corpus_path()
    if state.json:
        output_format = "json"
    from painlit.loader import as_validated, check_corpus

    try:
        if state.cache:
            from painlit.index import check_indexed

            corpus, problems = check_indexed(target)
        else:
            corpus, problems = check_corpus(target)
    except CorpusError as error:
        corpus, problems = None, list(error.problems)
    problems = as_validated(problems)  # control characters in one-line fields are errors here
    if corpus is not None:
        from painlit.dosing import dose_warnings

        problems = problems + curation_warnings(corpus) + dose_warnings(corpus)
    problems += _log_problems(Path(target), corpus)
    _report(str(target), problems, output_format)
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    if errors or (strict and warnings):
        raise typer.Exit(EXIT_PROBLEMS)


def _log_problems(target: Path, corpus: Corpus | None) -> list[Problem]:
    """The screening log's problems, when there is one (beside the corpus, or --log's)."""
    from painlit import screening

    path = screening.log_path(target)
    if not path.exists():
        return []
    from painlit.yamlfile import read_bytes

    try:
        raw = read_bytes(path)
    except CorpusError as error:
        return list(error.problems)
    return screening.check_log_bytes(raw, str(path), corpus)[1]


def _github(problem: Problem) -> str:
    def escape(value: str, *, prop: bool = False) -> str:
        value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return value.replace(":", "%3A").replace(",", "%2C") if prop else value

    kind = "error" if problem.severity is Severity.ERROR else "warning"
    location = f"file={escape(problem.path, prop=True)}"
    if problem.line:
        location += f",line={problem.line},col={problem.column or 1}"
    message = (f"{problem.subject}: " if problem.subject else "") + problem.message
    if problem.hint:
        message += f" ({problem.hint})"
    return f"::{kind} {location}::{escape(clean(message))}"


def _report(path: str, problems: list[Problem], output_format: str) -> None:
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    if output_format == "json":
        sys.stdout.write(jsondata.dumps(jsondata.problems_document(path, problems)) + "\n")
        return
    if output_format == "github":
        for problem in problems:
            sys.stdout.write(_github(problem) + "\n")
    else:
        out.print(terminal.render_problems(problems), soft_wrap=True)
    summary = f"{path}: {errors} error(s), {warnings} warning(s)"
    err.print(one_line(summary if problems else f"{path}: ok"), markup=False, highlight=False)


