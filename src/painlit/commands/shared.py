"""What every command shares: the Typer app, the global state, the options used by several
commands, the `command` decorator that maps library errors to messages and exit codes (in one
place), the corpus the user chose, and output (JSON, terminal through the pager, files).

The command modules (`painlit.commands.*`) import from here; `painlit.cli` imports them.

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

from painlit.console import clean, make_console, one_line
from painlit.errors import (
    ArticleError,
    ChangesFound,
    CorpusError,
    OutputError,
    PainlitError,
    ServiceError,
    Severity,
    UnknownNameError,
)
from painlit.model import Corpus, DoseCategory, Population, Study, StudyDesign
from painlit.paths import default_corpus_path
from painlit.store import IndexDamaged

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
    wrapper = run_safely(function)
    app.command()(wrapper)
    return wrapper


def run_safely(function: Callable[P, R]) -> Callable[P, R]:
    """A command's body, with library errors mapped by `_errors` (for commands registered on
    a group of their own: `group.command(name)(run_safely(function))`)."""

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


class ProgressBar:
    """A progress bar on stderr, drawn only when stderr is a terminal, and only from the first
    report (at once when `progress` is given its total). `bar(done, of)` says how far the work
    is; `bar.advance(step)` moves it on."""

    def __init__(self, description: str, total: int | None) -> None:
        self._description, self._total = description, total
        self._bar: Any = None
        self._task: Any = None

    def _drawn(self, total: int | None) -> bool:
        if self._bar is None and err.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), console=err, transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self._description, total=total)
        return self._bar is not None

    def __call__(self, done: int, of: int) -> None:
        if self._drawn(of):
            self._bar.update(self._task, completed=done, total=of)

    def advance(self, step: int) -> None:
        if self._drawn(self._total):
            self._bar.advance(self._task, step)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()


@contextmanager
def progress(description: str, total: int | None = None) -> Iterator[ProgressBar]:
    """A progress bar for long work (see ProgressBar), removed when the work ends."""
    bar = ProgressBar(description, total)
    if total is not None:
        bar.advance(0)  # the total is known: drawn from the start
    try:
        yield bar
    finally:
        bar.stop()


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



JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (docs/json.md) instead.")]
LimitOption = Annotated[int | None, typer.Option(
    "--limit", min=0, show_default=False,
    help="Rows per list in terminal output (0: all; default 25). JSON is never cut.")]
LogOption = Annotated[str | None, typer.Option(
    "--log", envvar="PAINLIT_LOG", metavar="PATH", show_default=False,
    help="Screening log [default: screening.yaml beside the corpus].")]


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


