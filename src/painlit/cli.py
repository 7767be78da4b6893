"""The painlit command line: parses options, calls the library, renders. Nothing else.

Exit codes (stable, documented in the README):
  0 success · 1 problems or changes found (validate, verify, diff --exit-code, check --fail-on) ·
  2 usage error or unknown name · 3 the corpus cannot be loaded · 4 an online service failed ·
  5 an output file cannot be written · 6 an article cannot be read (`check`) ·
  70 internal error (a bug) · 130 interrupted
"""

from __future__ import annotations

import functools
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import RenderableType

from painlit import __version__
from painlit.console import clean, make_console, one_line
from painlit.errors import (
    ArticleError,
    ChangesFound,
    CorpusError,
    OutputError,
    PainlitError,
    Problem,
    ServiceError,
    Severity,
    UnknownNameError,
)
from painlit.grading import Grade, Verdict, curation_warnings, grade_all, grade_claim
from painlit.index import IndexDamaged
from painlit.model import Certainty, Corpus, DoseCategory, Population, Study, StudyDesign
from painlit.paths import default_corpus_path

if TYPE_CHECKING:
    from types import ModuleType

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_CORPUS = 3
EXIT_SERVICE = 4
EXIT_OUTPUT = 5
EXIT_ARTICLE = 6
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
#: Rows per list in terminal output (`--limit`; 0 = all). JSON output is never cut.
DEFAULT_LIMIT = 25

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="painlit",
    help=(
        "painlit: what research actually shows about psychedelic microdosing for chronic "
        "pain, claim by claim, with GRADE certainty and the reasons behind it. "
        "Not medical advice."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _plain_option_errors() -> None:
    """Option errors without pydantic's "Value error, " prefix (`--dose bogus` says
    "'bogus' is not one of ..."). Typer turns a parameter's validation error into its message
    in one private function; painlit wraps it here, and a test checks the wording."""
    import typer._coercion as coercion

    original: Callable[[Any], str] = getattr(coercion, "get_error_msg")  # noqa: B009

    def plain(exc: Any) -> str:
        return str(original(exc)).removeprefix("Value error, ")

    setattr(coercion, "get_error_msg", plain)  # noqa: B010


_plain_option_errors()


@dataclass
class _State:
    data: Path | None = None
    json: bool = False
    cache: bool = True
    limit: int = DEFAULT_LIMIT
    pager: bool = True


state = _State()
out = make_console()
err = make_console(stderr=True)


def _fail(message: str, code: int, hint: str | None = None) -> NoReturn:
    # soft_wrap: one line each, never folded at the terminal width (a long path stays whole)
    err.print(f"painlit: error: {one_line(message)}", style="red", markup=False,
              highlight=False, soft_wrap=True)
    if hint:
        err.print(f"hint: {one_line(hint)}", style="dim", markup=False, highlight=False,
                  soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def _errors() -> Iterator[None]:
    """The one place where library errors become messages and exit codes."""
    try:
        yield
    except CorpusError as error:
        for problem in error.problems[:20]:
            if problem.severity is Severity.ERROR:
                err.print(one_line(str(problem)), markup=False, highlight=False)
        more = sum(p.severity is Severity.ERROR for p in error.problems) - 20
        if more > 0:
            err.print(f"... and {more} more", markup=False)
        _fail("the corpus cannot be loaded", EXIT_CORPUS,
              "run `painlit validate` for every problem, or pick another file with --data")
    except UnknownNameError as error:
        _fail(error.message, EXIT_USAGE, error.hint)
    except ServiceError as error:
        _fail(error.message, EXIT_SERVICE, error.hint)
    except OutputError as error:
        _fail(error.message, EXIT_OUTPUT, error.hint)
    except ArticleError as error:
        _fail(error.message, EXIT_ARTICLE, error.hint)
    except ChangesFound as error:
        err.print(one_line(error.message), markup=False, highlight=False)
        raise typer.Exit(EXIT_PROBLEMS) from None
    except PainlitError as error:
        _fail(error.message, EXIT_CORPUS, error.hint)
    except KeyboardInterrupt:
        err.print("painlit: interrupted", markup=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except BrokenPipeError:
        # The reader went away (`painlit ... | head`): stop quietly, as other tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(EXIT_OK) from None
    except (typer.Exit, typer.Abort, typer.BadParameter):
        raise
    except Exception as error:  # a bug: say so plainly, keep the traceback for PAINLIT_DEBUG
        if os.environ.get("PAINLIT_DEBUG"):
            raise
        _fail(f"internal error: {type(error).__name__}: {error}", EXIT_INTERNAL,
              "please report this; set PAINLIT_DEBUG=1 to see the traceback")


_MAIN_PID = os.getpid()


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM or SIGHUP: end as Ctrl-C does (message, exit 130, temporary files removed)."""
    import signal

    if os.getpid() != _MAIN_PID:  # a forked worker: die as the signal says
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise KeyboardInterrupt


def handle_termination() -> None:
    import signal

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, _terminated)


def command(function: Callable[P, R]) -> Callable[P, R]:
    """Register a command whose library errors are mapped by `_errors`."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        handle_termination()
        # The collector was off while starting up (painlit.__main__). What start-up made
        # (modules, classes, Typer's and Rich's tables) lives until the end: freeze it, or the
        # first collection walks all of it (tens of milliseconds, on every run).
        gc.freeze()
        gc.enable()
        with _errors():
            try:
                return function(*args, **kwargs)
            except IndexDamaged as damaged:  # found while the command used it
                from painlit.index import forget

                forget(damaged.path)
                state.cache = False  # and once more from the file itself
                return function(*args, **kwargs)

    app.command()(wrapper)
    return wrapper


def current_corpus() -> Corpus:
    """The corpus the user chose, graded, through the index (painlit.index)."""
    path = state.data or default_corpus_path()
    if state.cache:
        from painlit.index import load_corpus_indexed

        corpus = load_corpus_indexed(path)
    else:
        from painlit.loader import load_corpus

        corpus = load_corpus(path)
    # The corpus lives until the command ends and holds no cycles: keep the cyclic garbage
    # collector from walking its (for a large corpus, millions of) objects again and again.
    gc.freeze()
    return corpus


class _LazyModule:
    """A renderer module imported on first use: each command needs only one output format."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            import importlib

            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)


jsondata: Any = _LazyModule("painlit.render.jsondata")
terminal: Any = _LazyModule("painlit.render.terminal")


def emit(json_output: bool, document: Callable[[], dict[str, Any]],
          renderable: Callable[[], RenderableType]) -> None:
    if json_output or state.json:
        sys.stdout.write(jsondata.dumps(document()) + "\n")
        sys.stdout.flush()
    else:
        show(renderable())


def show(renderable: RenderableType) -> None:
    """Terminal output: through a pager when it is taller than the window (`painlit.pager`)."""
    from painlit.pager import show as paged

    paged(out, renderable, page=state.pager)


def write_output(data: bytes, output: str, force: bool) -> None:
    """`-o PATH`: stdout for '-', else a file written in one step that is never the corpus."""
    if output in ("-", "/dev/stdout"):  # both plainly mean standard output
        sys.stdout.flush()
        stream = getattr(sys.stdout, "buffer", None)
        if stream is None:  # a text-only stream (tests capture output this way)
            sys.stdout.write(data.decode("utf-8"))
        else:
            stream.write(data)
            stream.flush()
        return
    from painlit.atomic import write_atomic

    write_atomic(Path(output), data, force=force,
                 protect=(state.data or default_corpus_path(),))


def write_document(text: str, output: str, force: bool) -> None:
    """A rendered document to stdout or `-o PATH` (then saying so on stderr)."""
    write_output(text.encode("utf-8"), output, force)
    if output not in ("-", "/dev/stdout"):
        err.print(clean(f"painlit: wrote {output}"), markup=False, highlight=False)


def completions(kind: str) -> Callable[[typer.Context, str], list[str]]:
    """Shell completion of corpus names: condition and mechanism ids, claim and study ids,
    substance ids, from the corpus that `--data` (or PAINLIT_DATA) names. Completion never
    fails: a corpus that cannot be read completes nothing."""

    def complete(ctx: typer.Context, incomplete: str) -> list[str]:
        from painlit.index import load_corpus_indexed

        data = ctx.find_root().params.get("data") or os.environ.get("PAINLIT_DATA")
        try:
            corpus = load_corpus_indexed(data or default_corpus_path())
        except Exception:
            return []
        records: Sequence[Any] = getattr(corpus, kind)
        return [record.id for record in records if record.id.startswith(incomplete)]

    return complete


def rows(limit: int | None) -> int:
    """Rows per list: the command's --limit, else the global one."""
    return state.limit if limit is None else limit


def _version(value: bool) -> None:
    if value:
        typer.echo(f"painlit {__version__}")
        raise typer.Exit()


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (docs/json.md) instead.")]
LimitOption = Annotated[int | None, typer.Option(
    "--limit", min=0, show_default=False,
    help="Rows per list in terminal output (0: all; default 25). JSON is never cut.")]
LogOption = Annotated[str | None, typer.Option(
    "--log", envvar="PAINLIT_LOG", metavar="PATH", show_default=False,
    help="Screening log [default: screening.yaml beside the corpus].")]


@app.callback()
def _main(
    data: Annotated[Path | None, typer.Option(
        "--data", envvar="PAINLIT_DATA", help="Corpus file to use instead of the shipped one.",
        dir_okay=False, show_default=False)] = None,
    json_output: Annotated[bool, typer.Option(
        "--json", help="Print JSON for every command that supports it.")] = False,
    limit: Annotated[int, typer.Option(
        "--limit", min=0, help="Rows per list in terminal output (0: all). JSON is never cut.")
    ] = DEFAULT_LIMIT,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Read the corpus file afresh (same as PAINLIT_NO_CACHE=1).")] = False,
    no_pager: Annotated[bool, typer.Option(
        "--no-pager", help="Never page long output (also PAINLIT_PAGER=cat).")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    state.data = data
    state.json = json_output
    state.cache = not no_cache
    state.limit = limit
    state.pager = not no_pager


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
DesignOption = Annotated[str | None, typer.Option(
    help="A design, or 'rct' for any randomised design.")]
DoseOption = Annotated[DoseCategory | None, typer.Option(help="Dose category.")]
PopulationOption = Annotated[Population | None, typer.Option(help="Population studied.")]
SubstanceOption = Annotated[str | None, typer.Option(
    help="Substance id, name or alias.", autocompletion=completions("substances"))]
ConditionOption = Annotated[str | None, typer.Option(
    help="Condition (includes children).", autocompletion=completions("conditions"))]
MechanismOption = Annotated[str | None, typer.Option(
    help="Mechanism.", autocompletion=completions("mechanisms"))]
FromOption = Annotated[int | None, typer.Option("--from", help="Earliest year.")]
ToOption = Annotated[int | None, typer.Option("--to", help="Latest year.")]
TextOption = Annotated[str | None, typer.Option(help="Text in title, finding or notes.")]


def select_studies(corpus: Corpus, *, design: str | None, dose: DoseCategory | None,
                   population: Population | None, substance: str | None,
                   condition: str | None, mechanism: str | None, year_from: int | None,
                   year_to: int | None, text: str | None) -> Sequence[Study]:
    """The studies the filter options choose, names resolved against the corpus."""
    from painlit.query import (
        StudyFilter,
        filter_studies,
        resolve_condition,
        resolve_mechanism,
        resolve_substance,
    )

    chosen_design, randomised = parse_design(design)
    return filter_studies(corpus, StudyFilter(
        design=chosen_design, randomised=randomised, dose=dose, population=population,
        substance=resolve_substance(corpus, substance).id if substance else None,
        condition=resolve_condition(corpus, condition).id if condition else None,
        mechanism=resolve_mechanism(corpus, mechanism).id if mechanism else None,
        year_from=year_from, year_to=year_to, text=text,
    ))


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


def parse_design(value: str | None) -> tuple[StudyDesign | None, bool | None]:
    """`--design`: a design, or 'rct' for any randomised one (then the second item is True)."""
    if value is None:
        return None, None
    if value.lower() in ("rct", "randomised", "randomized"):
        return None, True
    try:
        return StudyDesign(value.lower()), None
    except ValueError:
        raise typer.BadParameter(
            "expected 'rct' or one of: " + ", ".join(d.value for d in StudyDesign),
            param_hint="--design") from None


@command
def study(
    study_id: Annotated[str, typer.Argument(metavar="ID", help="Study id, DOI, PMID or NCT id.",
                                            autocompletion=completions("studies"))],
    json_output: JsonOption = False,
) -> None:
    """Everything the corpus records about one study, and the claims that cite it.

    Example: painlit study bonnelle-2022
    """
    from painlit.query import resolve_study

    corpus = current_corpus()
    found = resolve_study(corpus, study_id)
    citing = [c for c in corpus.claims if any(e.study == found.id for e in c.evidence)]
    emit(json_output, lambda: jsondata.study_document(found, citing),
          lambda: terminal.render_study(found, corpus, citing))


@command
def search(
    text: Annotated[str, typer.Argument(help="Words to find (all must match).")],
    json_output: JsonOption = False,
) -> None:
    """Search titles, findings, claims and notes.

    Example: painlit search "cold pressor"
    """
    from painlit.query import search as run_search

    corpus = current_corpus()
    hits = run_search(corpus, text)
    grades = grade_all(corpus)
    emit(json_output, lambda: jsondata.search_document(text, hits, grades),
          lambda: terminal.render_search(hits, grades, corpus))


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

    corpus = current_corpus()
    claimed = {s.id: sum(s.id in c.sources for c in corpus.claims) for s in corpus.sources}
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
    gaps = gap_map(corpus, grade_all(corpus), columns)
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


# Commands kept in their own modules register themselves on `app` when imported; each module
# imports its heavy dependencies (httpx, the report renderers) inside the command bodies.
from painlit.commands import check, cite, diff, online, report, review  # noqa: E402, F401


def main() -> None:
    """Console-script entry point."""
    try:
        app(prog_name="painlit")
    except KeyboardInterrupt:  # during start-up or option parsing
        sys.stderr.write("painlit: interrupted\n")
        raise SystemExit(EXIT_INTERRUPTED) from None
